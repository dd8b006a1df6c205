"""Fault campaign: annotators write through crashes, cut connections and killed workers.

    .venv/bin/python bench/faults.py [--seconds 60] [--clients 8] [--quick]
                                     [--database-url postgres://.../faults_bench] [--keep]
                                     [--without-keys]

Builds a fresh PostgreSQL database (`faults_bench`, dropped at the end unless --keep), starts
gunicorn (`-w 4`, DEBUG=0) on a free port and runs --clients annotator threads, each with its
own token, for --seconds (--quick: 20 s and a smaller release and import). Each annotator takes
its next document, creates, relabels and deletes spans, sometimes replaces them all in one
bulk write, submits and goes on; every write carries an Idempotency-Key (creates a client_id
too) and is retried with the same key on network errors, timeouts and 5xx
(bench/faults_clients.py). Meanwhile (bench/faults_inject.py):

- a gunicorn worker is killed with SIGKILL every 2 to 6 s (gunicorn starts another);
- the PostgreSQL connection of a gunicorn worker is cut (pg_terminate_backend) every 1 to 3 s;
- a tenth of first attempts are given up by the client after a few milliseconds;
- a `manage.py db_worker` is killed mid-release and another mid-import; a fresh worker and a
  stall sweep take both up again (bench/faults_workers.py).

Then every client's ledger is held against the database (bench/faults_ledger.py) and a table
printed: requests, errors by kind, lost, duplicated, acknowledged-but-missing, version gaps,
and whether the release came out with the sha256 of an undisturbed build and the import stored
every document once. Exit 1 when anything was lost, duplicated or missing, or either
background run did not recover exactly. --without-keys: the annotators retry without
Idempotency-Key, to show what the keys prevent (docs/benchmarks.md, "Fault campaign").
"""

import argparse
import os
import random
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEFAULT_URL, fresh_database
from faults_clients import Annotator, Http, Tally
from faults_inject import Every, connection_cut, gunicorn_worker_kill
from faults_ledger import Findings, Stored, compare
from faults_workers import WorkerReport, campaign, gold_seed
from live_server import live_server

# The server's settings for the campaign: imports above 1,000 documents go to the background,
# and the per-user write throttle is out of the way (this measures faults, not the throttle).
SERVER_SETTINGS = {"IMPORT_BACKGROUND_THRESHOLD": "1000", "API_WRITE_RATE": "100000/minute"}
MANAGER_RETRY_WINDOW = 600.0
FILLER = (
    "The army said on Thursday that troops had reached the northern town after a week of "
    "fighting near the border, while officials promised talks and aid. "
)


def users(clients: int) -> dict[str, str]:
    """A manager and ``clients`` annotators; their tokens by username."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    tokens = {}
    for name in ["manager", *(f"annotator{n}" for n in range(1, clients + 1))]:
        user = get_user_model().objects.create_user(name, password=uuid.uuid4().hex)
        tokens[name] = Token.objects.create(user=user).key
    return tokens


def project_create(manager: Http, name: str, labels: tuple[str, ...]) -> tuple[int, dict[str, int]]:
    """A project of the manager's with these entity labels; its id and the labels' ids."""
    project = manager.expect("POST", "/api/projects/", {"name": name}, 201)["id"]
    ids = {}
    for label in labels:
        body = {"name": label, "kind": "entity"}
        ids[label] = manager.expect("POST", f"/api/projects/{project}/labels/", body, 201)["id"]
    return project, ids


def annotation_project(
    manager: Http, annotators: list[str], documents: int
) -> tuple[int, dict[str, int]]:
    """The project the annotators work on, with its members and documents."""
    project, labels = project_create(manager, "Faults", ("PER", "ORG", "LOC"))
    for name in annotators:
        body = {"username": name, "role": "annotator"}
        manager.expect("POST", f"/api/projects/{project}/members/", body, 201)
    records = [
        {"text": f"Report {n}. " + FILLER * 8, "external_id": f"doc-{n}"} for n in range(documents)
    ]
    manager.expect("POST", f"/api/projects/{project}/documents/", records, 201)
    return project, labels


def stored_annotations(project: int) -> dict[int, Stored]:
    """Every manual annotation of the project as the database holds it."""
    from annotations.models import Annotation, AnnotationEvent, Span

    rows = Annotation.objects.filter(document__project_id=project, kind="manual")
    spans: dict[int, list[tuple[str, str]]] = {}
    for annotation, client_id, label in Span.objects.filter(annotation__in=rows).values_list(
        "annotation_id", "client_id", "label__name"
    ):
        spans.setdefault(annotation, []).append((str(client_id), label))
    events: dict[int, list[tuple[str, int]]] = {}
    for annotation, action, version in AnnotationEvent.objects.filter(
        annotation__in=rows
    ).values_list("annotation_id", "action", "version"):
        events.setdefault(annotation, []).append((action, version))
    return {
        pk: Stored(version, status, tuple(spans.get(pk, ())), tuple(events.get(pk, ())))
        for pk, version, status in rows.values_list("pk", "version", "status")
    }


def print_table(tally: Tally, findings: Findings, injected: dict[str, object]) -> None:
    counts = findings.counts()
    header = ["requests", "errors", *counts]
    values = [tally.requests, sum(tally.errors.values()), *counts.values()]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    print("| " + " | ".join(str(v) for v in values) + " |")
    errors = ", ".join(f"{k} {v}" for k, v in tally.errors.most_common())
    print(f"errors by kind: {errors or 'none'}")
    ordered = sorted(tally.seconds) or [0.0]
    print(
        f"answered calls: {len(tally.seconds)}; time to an answer, retries included: "
        f"p50 {ordered[len(ordered) // 2] * 1000:.0f} ms, "
        f"p95 {ordered[int(len(ordered) * 0.95)] * 1000:.0f} ms, max {ordered[-1]:.1f} s"
    )
    print(f"retries answered with the first answer (Idempotent-Replayed): {tally.replayed}")
    print(f"checked: {findings.annotations} annotations, {findings.spans} spans the clients wrote")
    print("writes: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.writes.items())))
    print("faults injected: " + ", ".join(f"{k} {v}" for k, v in injected.items()))
    for kind, lines in findings.found.items():
        for line in lines[:20]:
            print(f"  {kind}: {line}")


def print_workers(workers: WorkerReport | BaseException | None) -> None:
    if not isinstance(workers, WorkerReport):
        print(f"background phase did not complete: {workers!r}")
        return
    print(
        f"db_worker killed mid-release ({workers.release_killed_at}) and mid-import "
        f"({workers.import_killed_at}); both finished {workers.seconds_to_recover:.0f} s "
        f"after the kills; release sha256 same as undisturbed: "
        f"{'yes' if workers.release_same_sha256 else 'NO'}; import stored every document "
        f"once: {'yes' if workers.import_exact else 'NO'}"
    )
    for problem in workers.problems:
        print(f"  {problem}")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def in_background(work: Callable[[], WorkerReport]) -> tuple[threading.Thread, list]:
    """Run ``work`` on a thread; its report (or what it raised) lands in the list."""
    outcome: list[WorkerReport | BaseException] = []

    def background() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # reported with the figures
            outcome.append(error)

    thread = threading.Thread(target=background)
    thread.start()
    return thread, outcome


def annotate(clients: list[Annotator], faults: list[Every], deadline: float) -> None:
    """Every client works until the deadline while the faults strike."""
    threads = [threading.Thread(target=client.run, args=(deadline,)) for client in clients]
    for thread in [*faults, *threads]:
        thread.start()
    for thread in threads:
        thread.join()
    for fault in faults:
        fault.stop()


def run(args: argparse.Namespace) -> int:
    seconds = 20.0 if args.quick else args.seconds
    release_docs, import_docs = (8_000, 6_000) if args.quick else (20_000, 15_000)
    os.environ.update(SERVER_SETTINGS)
    fresh_database(args.database_url)
    tokens = users(args.clients)
    tally, seed = Tally(), args.seed
    with live_server(args.database_url, workers=args.workers) as server:
        # The manager's writes (a release, a 15,000-document import) retry for up to 10 minutes:
        # on a loaded machine a long request may need many attempts between the faults.
        manager = Http(
            server.url,
            tokens["manager"],
            Tally(),
            random.Random(seed),
            abort_share=0,
            retry_window=MANAGER_RETRY_WINDOW,
        )
        annotators = [name for name in tokens if name != "manager"]
        project, labels = annotation_project(manager, annotators, documents=60 * args.clients)
        gold, _ = project_create(manager, "Faults gold", ("PER", "LOC"))
        gold_seed(args.database_url, gold, release_docs)
        target, _ = project_create(manager, "Faults import", ())
        print(
            f"gunicorn -w {args.workers} at {server.url}, PostgreSQL {args.database_url}; "
            f"{args.clients} clients for {seconds:.0f} s; load average before: {load()}"
        )
        log = server.log_path.parent / "db_workers.log"
        rng = random.Random(seed)
        kill = gunicorn_worker_kill(server.pid, rng)
        cut = connection_cut(args.database_url, server.pid, rng)
        faults = [
            Every("gunicorn worker kill", kill, 2, 6, seed),
            Every("connection cut", cut, 1, 3, seed),
        ]
        deadline = time.monotonic() + seconds
        clients = [
            Annotator(
                Http(
                    server.url,
                    tokens[name],
                    tally,
                    random.Random(seed + n),
                    stop_retrying_at=deadline + 60,
                    keys=not args.without_keys,
                ),
                project,
                labels,
                random.Random(seed + 100 + n),
            )
            for n, name in enumerate(annotators)
        ]
        thread, outcome = in_background(
            lambda: campaign(args.database_url, manager, gold, target, import_docs, log)
        )
        annotate(clients, faults, deadline)
        thread.join()
        findings = compare([w for c in clients for w in c.ledger], stored_annotations(project))
        injected: dict[str, object] = {fault.name: fault.done for fault in faults}
        injected["client aborts"] = tally.errors["client abort"]
        injected["documents submitted"] = sum(c.documents for c in clients)
        print_table(tally, findings, injected)
        print_workers(outcome[0] if outcome else None)
        print(f"load average after: {load()}; logs: {server.log_path}, {log}")
    workers_ok = bool(outcome) and isinstance(outcome[0], WorkerReport) and not outcome[0].problems
    return 1 if findings.failed() or not workers_ok else 0


def drop(database_url: str) -> None:
    """Drop the campaign's database, closing this process's connections to it first."""
    import psycopg
    from django.conf import settings

    if settings.configured:
        from django.db import connections

        connections.close_all()
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database_url.rsplit("/", 1)[1]}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="a 20 s run")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--without-keys",
        action="store_true",
        help="annotators retry without Idempotency-Key: shows what the keys prevent",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_FAULTS_DATABASE_URL", DEFAULT_URL.format(name="faults_bench")
        ),
    )
    args = parser.parse_args()
    try:
        return run(args)
    finally:
        if not args.keep:
            drop(args.database_url)


if __name__ == "__main__":
    raise SystemExit(main())
