"""Benchmark: span writes over the REST API, gunicorn and PostgreSQL on loopback.

    .venv/bin/python bench/api.py [--sequential 2000] [--clients 8] [--seconds 20]
                                  [--database-url postgres://.../workbench_bench_api]

Creates a fresh database `workbench_bench_api`, a user with a token and a project with labels
and documents of ~5,000 characters, and starts gunicorn (`-w 4`, DEBUG=0) on a free port.
Then, over keep-alive HTTP connections:

1. sequential latency: --sequential span POSTs, one after the other, to one annotation
   (non-overlapping spans, each with its own client_id); p50/p95/p99 in milliseconds;
2. throughput: --clients threads, each writing spans to its own annotation of its own
   document for --seconds; spans per second, 2xx and errors. Afterwards the database must
   hold exactly the spans the server acknowledged, compared by client_id: none lost, none
   stored without an answer.

The machine's load average is printed too: on a shared machine the figures move with it. So is
the CPU time each phase cost per request, in the gunicorn workers and in the PostgreSQL
backends serving them (read from /proc; left out where the backends belong to another user):
on two cores, throughput is bounded by their sum.
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from live_server import live_server

WORDS = (
    "the army said on Thursday that troops had reached the northern town after a week of "
    "fighting near the border while officials in Bamako promised talks and aid agencies "
    "warned of shortages of food water and medicine for families displaced by the clashes"
).split()


def document_text(index: int, length: int = 5_000) -> str:
    words: list[str] = [f"Report {index}:"]
    while sum(len(word) + 1 for word in words) < length:
        words.append(WORDS[len(words) % len(WORDS)])
    return " ".join(words)[:length]


class Client:
    """One keep-alive connection speaking JSON with a token."""

    def __init__(self, base_url: str, token: str) -> None:
        host, port = base_url.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def send(self, method: str, path: str, body: object = None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body)
        try:
            self.connection.request(method, path, body=data, headers=self.headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed an idle keep-alive connection; one retry on a fresh one.
            self.connection.close()
            self.connection.request(method, path, body=data, headers=self.headers)
            response = self.connection.getresponse()
        payload = response.read()
        return response.status, (json.loads(payload) if payload else {})

    def expect(self, method: str, path: str, body: object = None, status: int = 200) -> dict:
        code, payload = self.send(method, path, body)
        if code != status:
            raise SystemExit(f"{method} {path} answered {code}, not {status}: {payload}")
        return payload


@dataclass
class Tally:
    created: int = 0
    other_2xx: int = 0
    errors: dict[int, int] = field(default_factory=dict)
    # The client_id of every span the server said it stored (201, or 200 for a replay).
    acknowledged: set[str] = field(default_factory=set)

    def count(self, code: int, client_id: str) -> None:
        if code == 201:
            self.created += 1
        elif 200 <= code < 300:
            self.other_2xx += 1
        else:
            self.errors[code] = self.errors.get(code, 0) + 1
        if 200 <= code < 300:
            self.acknowledged.add(client_id)


class CpuMeter:
    """CPU seconds used by the gunicorn workers and by PostgreSQL's backends for one database."""

    def __init__(self, server_pid: int, database_url: str) -> None:
        import psutil

        self.psutil = psutil
        self.server = psutil.Process(server_pid)
        self.database_url = database_url

    def _backends(self) -> list:
        import psycopg

        name = self.database_url.rsplit("/", 1)[1]
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            pids = [
                pid
                for (pid,) in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> "
                    "pg_backend_pid()",
                    [name],
                )
            ]
        return [self.psutil.Process(pid) for pid in pids]

    def read(self) -> dict[str, tuple[float, float] | None]:
        def seconds(processes: list) -> tuple[float, float] | None:
            user = system = 0.0
            for process in processes:
                try:
                    times = process.cpu_times()
                except self.psutil.NoSuchProcess:
                    continue
                except self.psutil.AccessDenied:
                    return None
                user += times.user
                system += times.system
            return user, system

        return {
            "gunicorn": seconds(self.server.children(recursive=True)),
            "postgres": seconds(self._backends()),
        }

    @staticmethod
    def per_request(before: dict, after: dict, requests: int) -> str:
        parts = []
        for name in ("gunicorn", "postgres"):
            if before[name] is None or after[name] is None or not requests:
                continue
            user, system = ((after[name][i] - before[name][i]) / requests * 1000 for i in (0, 1))
            parts.append(f"{name} {user + system:.2f} ms ({system:.2f} in the kernel)")
        return "CPU per request: " + (", ".join(parts) or "not readable")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def setup_database(database_url: str) -> str:
    """Drop and create the benchmark database, migrate it, make a user; return a token."""
    import psycopg

    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password=uuid.uuid4().hex)
    return Token.objects.create(user=user).key


def setup_project(client: Client, documents: int) -> tuple[int, list[int]]:
    """A project with labels and documents, and the bench user's annotation of each."""
    body = {"name": "bench api", "max_open_per_annotator": documents}
    project = client.expect("POST", "/api/projects/", body, 201)["id"]
    labels = [
        client.expect(
            "POST",
            f"/api/projects/{project}/labels/",
            {"name": name, "kind": kind},
            201,
        )["id"]
        for name, kind in (("PER", "entity"), ("ORG", "entity"), ("LOC", "entity"))
    ]
    client.expect(
        "POST", f"/api/projects/{project}/labels/", {"name": "CLAIM", "kind": "claim"}, 201
    )
    records = [{"text": document_text(n), "external_id": f"bench-{n}"} for n in range(documents)]
    report = client.expect("POST", f"/api/projects/{project}/documents/", records, 201)
    annotations = [
        client.expect("POST", f"/api/documents/{created['id']}/annotations/", None, 201)["id"]
        for created in report["created"]
    ]
    return labels[0], annotations


def sequential(client: Client, annotation: int, label: int, count: int) -> list[float]:
    """POST ``count`` spans [2i, 2i+1) one after the other; return each latency in ms."""
    latencies: list[float] = []
    for index in range(count):
        body = {
            "label": label,
            "start": 2 * index,
            "end": 2 * index + 1,
            "client_id": str(uuid.uuid4()),
        }
        started = time.perf_counter()
        code, payload = client.send("POST", f"/api/annotations/{annotation}/spans/", body)
        latencies.append((time.perf_counter() - started) * 1000)
        if code != 201:
            raise SystemExit(f"span {index} answered {code}: {payload}")
    return latencies


def concurrent(
    base_url: str, token: str | list[str], annotations: list[int], label: int, seconds: float
) -> tuple[Tally, list[float], float]:
    """One thread per annotation, each POSTing spans [i, i+1) until the time is up.

    ``token`` is every thread's, or one per annotation (its author's).
    """
    tokens = [token] * len(annotations) if isinstance(token, str) else token
    tallies = [Tally() for _ in annotations]
    latencies: list[list[float]] = [[] for _ in annotations]
    barrier = threading.Barrier(len(annotations) + 1)
    stop_at: list[float] = []

    def work(slot: int, annotation: int) -> None:
        client = Client(base_url, tokens[slot])
        barrier.wait()
        position = 0
        while time.perf_counter() < stop_at[0] and position < 4_999:
            body = {
                "label": label,
                "start": position,
                "end": position + 1,
                "client_id": str(uuid.uuid4()),
            }
            started = time.perf_counter()
            try:
                code, _payload = client.send("POST", f"/api/annotations/{annotation}/spans/", body)
            except (OSError, http.client.HTTPException):
                code = 0
                client = Client(base_url, tokens[slot])
            latencies[slot].append((time.perf_counter() - started) * 1000)
            tallies[slot].count(code, body["client_id"])
            position += 1

    threads = [
        threading.Thread(target=work, args=(slot, annotation))
        for slot, annotation in enumerate(annotations)
    ]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    stop_at.append(started + seconds)
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    total = Tally()
    for tally in tallies:
        total.created += tally.created
        total.other_2xx += tally.other_2xx
        total.acknowledged |= tally.acknowledged
        for code, number in tally.errors.items():
            total.errors[code] = total.errors.get(code, 0) + number
    return total, [value for values in latencies for value in values], elapsed


def stored_client_ids(annotations: list[int]) -> set[str]:
    """The client_id of every span the database holds in these annotations."""
    from annotations.models import Span

    spans = Span.objects.filter(annotation_id__in=annotations)
    return {str(client_id) for client_id in spans.values_list("client_id", flat=True)}


def verdict(log: str, *, failed: bool) -> int:
    """Print the server's tracebacks, if any; return 1 when anything failed, else 0."""
    tracebacks = log.count("Traceback")
    if tracebacks:
        print(f"server tracebacks: {tracebacks}\n{log[-5_000:]}")
    return 1 if failed or tracebacks else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequential", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_API_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/workbench_bench_api"
        ),
    )
    args = parser.parse_args()

    # One user writes all of it, far past the default rate (1,200 a minute): lifted, the
    # throttle still books its count (a read of limit/25 cache keys every 25 writes).
    os.environ["API_WRITE_RATE"] = "60000/minute"
    token = setup_database(args.database_url)
    with live_server(args.database_url, workers=args.workers) as server:
        client = Client(server.url, token)
        label, annotations = setup_project(client, documents=1 + args.clients)
        print(f"gunicorn -w {args.workers} at {server.url}, PostgreSQL {args.database_url}")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

        meter = CpuMeter(server.pid, args.database_url)
        cpu_before = meter.read()
        latencies = sequential(client, annotations[0], label, args.sequential)
        cpu_after = meter.read()
        print(
            f"sequential: {len(latencies)} span POSTs to one annotation, "
            f"p50 {percentile(latencies, 0.50):.2f} ms, p95 {percentile(latencies, 0.95):.2f} ms, "
            f"p99 {percentile(latencies, 0.99):.2f} ms, mean {statistics.fmean(latencies):.2f} ms"
        )
        print(f"  {meter.per_request(cpu_before, cpu_after, len(latencies))}")
        first, last = latencies[:200], latencies[-200:]
        print(
            f"  first 200: p50 {percentile(first, 0.5):.2f} ms; "
            f"last 200 (annotation at ~{args.sequential} spans): p50 {percentile(last, 0.5):.2f} ms"
        )

        cpu_before = meter.read()
        tally, spread, elapsed = concurrent(server.url, token, annotations[1:], label, args.seconds)
        cpu_after = meter.read()
        stored = stored_client_ids(annotations[1:])
        answered = tally.created + tally.other_2xx + sum(tally.errors.values())
        print(
            f"concurrent: {args.clients} clients for {elapsed:.1f} s: {answered} requests, "
            f"{tally.created / elapsed:.0f} spans/s; 201: {tally.created}, other 2xx: "
            f"{tally.other_2xx}, errors: {tally.errors or 0}; latency p50 "
            f"{percentile(spread, 0.5):.2f} ms, p95 {percentile(spread, 0.95):.2f} ms, "
            f"p99 {percentile(spread, 0.99):.2f} ms"
        )
        print(f"  {meter.per_request(cpu_before, cpu_after, answered)}")
        lost = tally.acknowledged - stored
        phantom = stored - tally.acknowledged
        print(
            f"  spans in the database: {len(stored)}; acknowledged: {len(tally.acknowledged)}; "
            f"lost: {len(lost)}; stored but never acknowledged: {len(phantom)}"
        )
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        log = server.log_path.read_text()
    return verdict(log, failed=bool(lost or phantom or tally.errors))


if __name__ == "__main__":
    raise SystemExit(main())
