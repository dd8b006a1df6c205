"""Benchmark: more than one machine. Two web hosts and a worker host on one PostgreSQL, through
PgBouncer; half-way through, one web host and the worker host are killed and restarted.

    sudo .venv/bin/python bench/cluster.py [--annotators 200] [--seconds 120] [--quick]

Needs root (network namespaces), `ip` and `pgbouncer` (`apt-get install -y pgbouncer`), and
PostgreSQL on 127.0.0.1:5432 with trust for `postgres`. It:

1. creates the database `cluster_bench` afresh and migrates it (straight to PostgreSQL, as an
   operator runs migrations), with a manager, a reviewer and --annotators accounts and tokens;
2. builds the hosts (bench/cluster_hosts.py): namespaces `wbc-web1`, `wbc-web2`, `wbc-worker`
   on a bridge, PgBouncer in transaction mode on the bridge's address, gunicorn on each web
   host, `db_worker` and `requeue_stalled` on the worker host; waits for /healthz;
3. as the manager, over the API: a project (two annotators per document), labels, members
   and documents;
4. plays the users for --seconds (bench/cluster_load.py): each annotator takes the next
   document, marks a span every ~3 s, submits, takes the next; the reviewer builds gold by
   majority as each document's second annotation comes in; the manager creates releases
   (one just before the kill, one while the worker is down) and downloads each;
5. at half time kills web1 and the worker host (SIGKILL to every process of each), waits
   --downtime seconds and starts them again;
6. at the end, one last release; then checks in the database that every acknowledged write
   is there exactly once (bench/cluster_checks.py) and prints throughput, latency, errors,
   lost and duplicated writes, the outages the balancer saw and the load average.

Everything it started is stopped, and the namespaces, the bridge and PgBouncer's files are
removed, also on failure or Ctrl+C; the database is dropped unless --keep-database.
Exit status 0 only with no lost or duplicated write, no error answer and no server traceback.
"""

import argparse
import os
import secrets
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api import document_text, percentile
from cluster_checks import Verdict, verify
from cluster_hosts import HOSTS, WEB_HOSTS, Cluster
from cluster_load import (
    Balancer,
    Clock,
    Project,
    Record,
    Session,
    Submissions,
    annotate,
    manage_releases,
    release_create,
    release_follow,
    review,
)
from common import fresh_database

DATABASE = "cluster_bench"
DIRECT_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
ANNOTATORS_PER_DOCUMENT = 2


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotators", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument(
        "--downtime", type=float, default=10.0, help="seconds a killed host is down"
    )
    parser.add_argument("--quick", action="store_true", help="30 annotators for 40 s, 5 s down")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per web host")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--pool-size", type=int, default=20, help="PgBouncer server connections")
    parser.add_argument("--stalled-after", type=float, default=10.0)
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.annotators, args.seconds, args.downtime = 30, 40.0, 5.0
    return args


def preflight() -> None:
    if os.geteuid() != 0:
        raise SystemExit("bench/cluster.py builds network namespaces: run it as root.")
    for tool in ("ip", "pgbouncer"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(
                f"{tool} is missing: apt-get install -y {tool.replace('ip', 'iproute2')}"
            )


def make_users(annotators: int) -> dict[str, str]:
    """A manager, a reviewer and the annotators, each with an API token; username -> token."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from rest_framework.authtoken.models import Token

    user_model = get_user_model()
    names = ["manager", "reviewer", *(f"annotator{n:03}" for n in range(annotators))]
    users = user_model.objects.bulk_create(
        [user_model(username=name, password=make_password(None)) for name in names]
    )
    tokens = Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in users])
    return {token.user.username: token.key for token in tokens}


def expect(session: Session, method: str, path: str, body: object, status: int) -> dict:
    code, payload = session.call(method, path, body, kind="setup")
    if code != status:
        raise SystemExit(f"{method} {path} answered {code}, not {status}: {payload}")
    return payload


def setup_project(manager: Session, tokens: dict[str, str], documents: int) -> Project:
    """The project, as its manager makes it over the API."""
    project = expect(manager, "POST", "/api/projects/", {"name": "cluster bench"}, 201)["id"]
    body = {"annotators_per_document": ANNOTATORS_PER_DOCUMENT}
    expect(manager, "PATCH", f"/api/projects/{project}/", body, 200)
    labels_path = f"/api/projects/{project}/labels/"
    labels = tuple(
        expect(manager, "POST", labels_path, {"name": name, "kind": "entity"}, 201)["id"]
        for name in ("PER", "ORG", "LOC")
    )
    for username in tokens:
        if username != "manager":
            role = "reviewer" if username == "reviewer" else "annotator"
            body = {"username": username, "role": role}
            expect(manager, "POST", f"/api/projects/{project}/members/", body, 201)
    records = [
        {"text": document_text(n, 1_500), "external_id": f"doc-{n}"} for n in range(documents)
    ]
    expect(manager, "POST", f"/api/projects/{project}/documents/", records, 201)
    return Project(id=project, labels=labels)


class Run:
    """The users' threads, the kills at half time, and what they saw."""

    def __init__(self, args: argparse.Namespace, cluster: Cluster, tokens: dict[str, str]) -> None:
        self.args = args
        self.cluster = cluster
        self.tokens = tokens
        self.record = Record()
        self.balancer = Balancer(WEB_HOSTS)
        self.pending: dict[int, float] = {}
        self.submissions = Submissions(needed=ANNOTATORS_PER_DOCUMENT)
        self.events: list[str] = []
        self.started = time.monotonic()

    def session(self, username: str, home: int) -> Session:
        return Session(
            username=username,
            token=self.tokens[username],
            home=home,
            balancer=self.balancer,
            record=self.record,
        )

    def backlog(self) -> int:
        return self.submissions.ready.qsize()

    def users(self, project: Project, clock: Clock) -> list[threading.Thread]:
        submissions = self.submissions
        half = self.args.seconds / 2
        schedule = [0.2 * self.args.seconds, half - 0.5, half + 1, 0.8 * self.args.seconds]
        names = [name for name in self.tokens if name.startswith("annotator")]
        targets = [
            (annotate, (self.session(name, n), project, clock, submissions, n))
            for n, name in enumerate(names)
        ]
        targets.append((review, (self.session("reviewer", 1), clock, submissions)))
        targets.append(
            (manage_releases, (self.session("manager", 0), project, clock, schedule, self.pending))
        )
        return [threading.Thread(target=target, args=given) for target, given in targets]

    def play(self, project: Project) -> float:
        """Run the users for --seconds with the kills at half time; answer the seconds taken."""
        clock = Clock(self.args.seconds)
        self.started = clock.started
        threads = self.users(project, clock)
        for thread in threads:
            thread.start()
        try:
            clock.sleep(self.args.seconds / 2)
            self.kill_and_restart(clock)
            for thread in threads:
                thread.join()
        finally:
            clock.stop.set()
        elapsed = clock.elapsed()
        manager = self.session("manager", 0)
        release_create(manager, project, "cluster-final", self.pending)
        release_follow(manager, self.pending, timeout=60 + 2 * self.args.stalled_after)
        self.balancer.close()
        return elapsed

    def kill_and_restart(self, clock: Clock) -> None:
        web1, worker = HOSTS["web1"], HOSTS["worker"]
        killed = {host.name: self.cluster.kill(host) for host in (web1, worker)}
        self.events.append(
            f"at {clock.elapsed():.1f} s: SIGKILL to web1 ({killed['web1']} processes) and the "
            f"worker host ({killed['worker']} processes)"
        )
        time.sleep(self.args.downtime)
        for host in (web1, worker):
            self.cluster.start(host, stalled_after=self.args.stalled_after)
        restarted = clock.elapsed()
        healthy = self.cluster.wait_healthy(web1)
        self.events.append(
            f"at {restarted:.1f} s: both restarted; web1's /healthz answered 200 "
            f"{healthy:.1f} s later"
        )


def report(run: Run, elapsed: float, verdict: Verdict, logs: dict[str, str]) -> bool:
    """Print the figures; answer whether the run was clean."""
    record = run.record
    tracebacks = {name: log.count("Traceback") for name, log in logs.items()}
    answered = sum(record.answers.values())
    spans = len(record.spans)
    print(f"{len(run.tokens) - 2} annotators, a reviewer and a manager for {elapsed:.1f} s")
    for event in run.events:
        print(f"  {event}")
    for name, out, back in run.balancer.outages:
        length = f"{back - out:.1f} s" if back is not None else "until the end"
        print(
            f"  at {out - run.started:.1f} s the balancer took {name} out of rotation for {length}"
        )
    print(
        f"throughput: {answered} requests answered, {answered / elapsed:.1f}/s; "
        f"{spans} spans ({spans / elapsed:.1f}/s), {len(record.submitted)} submissions, "
        f"{len(record.gold)} gold builds, {len(record.releases)} releases"
    )
    for kind, values in sorted(record.latencies.items()):
        if kind != "setup":
            print(
                f"  {kind:13} {len(values):6} answers, p50 {percentile(values, 0.5):7.1f} ms, "
                f"p95 {percentile(values, 0.95):7.1f} ms, max {max(values):8.1f} ms"
            )
    errors = {key: n for key, n in record.answers.items() if key[1] >= 300 and key[0] != "setup"}
    print(
        f"errors (answers not 2xx): {errors or 0}; sent again after a lost answer or a "
        f"refused connection: {dict(record.resent) or 0}; "
        f"never answered: {dict(record.gave_up) or 0}"
    )
    for refusal in record.refusals:
        print(f"  refused: {refusal}")
    print(f"documents waiting for the reviewer at the end: {run.backlog()}")
    for release, name in sorted(record.releases.items()):
        seconds = record.release_seconds.get(release)
        took = f"{seconds:.1f} s" if seconds is not None else "not finished"
        print(f"  release {name}: queued to ready (as the manager saw it) {took}")
    for kind, checked in sorted(verdict.checked.items()):
        print(
            f"  {kind:16} {checked:6} acknowledged: {verdict.lost[kind]} lost, "
            f"{verdict.duplicated[kind]} duplicated"
        )
    print(
        f"  spans refused or never answered: {len(record.unacknowledged_spans)}, "
        f"of which stored: {verdict.unacknowledged_stored}"
    )
    for problem in verdict.problems[:20]:
        print(f"  problem: {problem}")
    # services/stalled.py logs each run it re-queues ("...; queued again.").
    requeued = logs["worker"].count("queued again.")
    print(f"runs re-queued after their worker died: {requeued}; server tracebacks: {tracebacks}")
    return verdict.clean and not errors and not record.gave_up and not any(tracebacks.values())


def main() -> int:
    args = arguments()
    preflight()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    fresh_database(DIRECT_URL)
    tokens = make_users(args.annotators)
    cluster = Cluster(
        database=DATABASE,
        secret_key=secrets.token_urlsafe(50),
        web_workers=args.web_workers,
        threads=args.threads,
    )
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # tear down on kill as on Ctrl+C
    clean = False
    try:
        cluster.build_network()
        cluster.start_pgbouncer(pool_size=args.pool_size)
        for host in HOSTS.values():
            cluster.start(host, stalled_after=args.stalled_after)
        for host in WEB_HOSTS:
            cluster.wait_healthy(host)
        cluster.wait_worker()
        run = Run(args, cluster, tokens)
        documents = int(args.annotators * args.seconds / 14 / ANNOTATORS_PER_DOCUMENT * 1.3) + 50
        project = setup_project(run.session("manager", 0), tokens, documents)
        print(
            f"hosts up: web1, web2 (gunicorn -w {args.web_workers} --threads {args.threads}), "
            f"worker; PgBouncer transaction mode, pool {args.pool_size}; "
            f"{documents} documents"
        )
        elapsed = run.play(project)
        logs = {host.name: cluster.log_text(host) for host in HOSTS.values()}
        clean = report(run, elapsed, verify(run.record), logs)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    except KeyboardInterrupt:
        print("interrupted: tearing down")
        return 130
    finally:
        logs = cluster.close(keep_logs=not clean)
        if logs:
            print(f"host logs kept in {logs}")
        if not args.keep_database:
            drop_database()
    return 0 if clean else 1


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(DIRECT_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    raise SystemExit(main())
