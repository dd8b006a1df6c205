"""Benchmark: a user's path through the REST API on a fresh project, with no ANALYZE.

    .venv/bin/python bench/api_workload.py [--documents 2000] [--spans 10] [--sequential 200]
                                           [--clients 8] [--seconds 20] [--workers 4]
                                           [--database-url postgres://.../workbench_bench_workload]

What a team does on its first day, each step timed against `gunicorn -w 4` (DEBUG=0) and a
fresh PostgreSQL database `workbench_bench_workload`:

1. import: --documents news-like documents (about 1,500 characters; the first --clients + 1
   are 5,000, room for the span phases) with --spans pre-annotated entities each, in one JSON
   body (`POST /api/projects/{p}/documents/`);
2. gold: for every document, read its annotations and build gold from its prediction
   (`GET /api/documents/{d}/annotations/`, `POST /api/documents/{d}/gold/`);
3. export: the gold as jsonl (`GET /api/projects/{p}/export/?format=jsonl`): seconds, time
   to the first byte, MB;
4. --sequential span POSTs, one after the other, to one annotation: p50/p95/p99;
5. --clients annotators (each their own account and token, made members through the API)
   writing spans to their own annotations for --seconds: spans per second, and every
   acknowledged span checked in the database by client_id;
6. the export again, now that the event log holds the annotators' work (newer than every
   gold event: what a walk of the log from its newest end has to pass).

Nothing runs ANALYZE but the application itself (a large import ends with one, see
docs/benchmarks.md), and autovacuum is switched off on every table of the database, so no
statistics appear in the background during the run: the plans are those of a project whose
statistics are missing or stale, as they are in a fresh project's first minutes. Each step
prints the CPU seconds it cost the gunicorn workers and the PostgreSQL backends (read from
/proc) and the load average: on a shared machine the figures move with it. One manager does all
of it but the clients' spans, so the server runs with a higher API write rate
(`API_WRITE_RATE=6000/minute`; the default, 1,200 a minute, would throttle the gold step).
"""

import argparse
import os
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api import (
    Client,
    CpuMeter,
    concurrent,
    document_text,
    percentile,
    sequential,
    setup_database,
    stored_client_ids,
    verdict,
)
from export import document
from live_server import live_server

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/workbench_bench_workload"


def autovacuum_off(database_url: str) -> None:
    """Switch autovacuum (and with it the background ANALYZE) off on every table."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        for (table,) in tables:
            conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")


class Backends(threading.Thread):
    """CPU seconds of the database's PostgreSQL backends, sampled four times a second.

    A backend that ends (its connection past CONN_MAX_AGE, 60 s) keeps the CPU it was last
    seen with, so the total never goes back; at most a quarter of a second of each is lost.
    """

    def __init__(self, database_url: str) -> None:
        import psutil
        import psycopg

        super().__init__(daemon=True)
        self.psutil = psutil
        self.connection = psycopg.connect(database_url, autocommit=True)
        self.name_ = database_url.rsplit("/", 1)[1]
        self.seen: dict[int, float] = {}
        self.readable = True
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.25):
            self.sample()

    def sample(self) -> None:
        pids = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [self.name_],
        ).fetchall()
        for (pid,) in pids:
            try:
                times = self.psutil.Process(pid).cpu_times()
            except self.psutil.NoSuchProcess:
                continue
            except self.psutil.AccessDenied:
                self.readable = False
                return
            self.seen[pid] = times.user + times.system

    def total(self) -> float | None:
        self.sample()
        return sum(self.seen.values()) if self.readable else None


class Step:
    """Time one step and print its figure with the CPU seconds it cost server and database."""

    def __init__(self, meter: CpuMeter, backends: Backends, name: str) -> None:
        self.meter, self.backends, self.name = meter, backends, name

    def __enter__(self) -> "Step":
        self.before = self.meter.read()["gunicorn"], self.backends.total()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
        server_before, database_before = self.before
        server_after, database_after = self.meter.read()["gunicorn"], self.backends.total()
        server = database = None
        if server_before is not None and server_after is not None:
            server = sum(server_after) - sum(server_before)
        if database_before is not None and database_after is not None:
            database = database_after - database_before
        self.cpu = ", ".join(
            f"{label} {'not readable' if used is None else f'{used:.2f}'}"
            for label, used in (("server", server), ("PostgreSQL", database))
        )

    def report(self, figure: str) -> None:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"{self.name}: {figure}\n  CPU seconds: {self.cpu}; load average {load}")


def records(count: int, spans: int, long_ones: int) -> list[dict]:
    rng = random.Random(20261203)
    items = []
    for index in range(count):
        text, found = document(index, spans, rng)
        if index < long_ones:
            text = document_text(index)
            found = []
        entities = [{"start": start, "end": end, "label": label} for start, end, label in found]
        items.append({"text": text, "external_id": f"w{index}", "entities": entities})
    return items


def export(client: Client, project: int) -> tuple[float, int]:
    """Download the jsonl export; return the seconds to its first byte and its size."""
    connection = client.connection
    started = time.perf_counter()
    connection.request(
        "GET", f"/api/projects/{project}/export/?format=jsonl", headers=client.headers
    )
    response = connection.getresponse()
    if response.status != 200:
        raise SystemExit(f"export answered {response.status}: {response.read()[:500]!r}")
    first = response.read1(1)
    first_byte = time.perf_counter() - started
    size = len(first) + len(response.read())
    return first_byte, size


def export_step(
    client: Client, meter: CpuMeter, backends: Backends, project: int, documents: int, name: str
) -> None:
    with Step(meter, backends, name) as step:
        first_byte, size = export(client, project)
    step.report(
        f"gold jsonl of {documents} documents, {size / 1e6:.1f} MB in "
        f"{step.seconds:.2f} s, first byte after {first_byte:.3f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2_000)
    parser.add_argument("--spans", type=int, default=10)
    parser.add_argument("--sequential", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_WORKLOAD_DATABASE_URL", DEFAULT_URL)
    )
    args = parser.parse_args()

    # The manager builds every gold in about a minute, and each client writes 40 spans a
    # second: above the default rate (1,200 a minute), below this one. A far higher rate
    # would cost the throttle itself a read of limit/25 cache keys per 25 writes.
    os.environ["API_WRITE_RATE"] = "6000/minute"
    token = setup_database(args.database_url)
    autovacuum_off(args.database_url)
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    # Accounts are an administrator's (no API); everything else goes through the API.
    annotators = {}
    for number in range(args.clients):
        user = get_user_model().objects.create_user(f"annotator{number}")
        annotators[user.username] = Token.objects.create(user=user).key

    body = records(args.documents, args.spans, long_ones=args.clients + 1)
    with live_server(args.database_url, workers=args.workers) as server:
        client = Client(server.url, token)
        meter = CpuMeter(server.pid, args.database_url)
        backends = Backends(args.database_url)
        backends.start()
        print(f"gunicorn -w {args.workers} at {server.url}, PostgreSQL {args.database_url}")
        project = client.expect(
            "POST",
            "/api/projects/",
            {"name": "workload", "max_open_per_annotator": args.clients + 1},
            201,
        )["id"]
        label = client.expect(
            "POST", f"/api/projects/{project}/labels/", {"name": "PER", "kind": "entity"}, 201
        )["id"]
        client.expect(
            "POST", f"/api/projects/{project}/labels/", {"name": "LOC", "kind": "entity"}, 201
        )
        for username in annotators:
            client.expect(
                "POST",
                f"/api/projects/{project}/members/",
                {"username": username, "role": "annotator"},
                201,
            )

        with Step(meter, backends, "import") as step:
            report = client.expect("POST", f"/api/projects/{project}/documents/", body, 201)
        documents = [created["id"] for created in report["created"]]
        spans = sum(len(item["entities"]) for item in body)
        step.report(
            f"{len(documents)} documents with {spans} pre-annotated spans in "
            f"{step.seconds:.2f} s; warnings {len(report['warnings'])}, "
            f"errors {len(report['errors'])}"
        )

        with Step(meter, backends, "gold") as step:
            for document_id in documents:
                listed = client.expect("GET", f"/api/documents/{document_id}/annotations/")
                ids = [a["id"] for a in listed["results"] if a["kind"] == "prediction"]
                if ids:
                    client.expect(
                        "POST", f"/api/documents/{document_id}/gold/", {"annotations": ids}, 201
                    )
        step.report(
            f"{len(documents)} documents read and given gold from their prediction in "
            f"{step.seconds:.2f} s ({step.seconds / len(documents) * 1000:.1f} ms a document)"
        )

        export_step(client, meter, backends, project, len(documents), "export")

        own = client.expect("POST", f"/api/documents/{documents[0]}/annotations/", None, 201)
        with Step(meter, backends, "span creates") as step:
            latencies = sequential(client, own["id"], label, args.sequential)
        step.report(
            f"{len(latencies)} sequential POSTs to one annotation: p50 "
            f"{percentile(latencies, 0.5):.2f} ms, p95 {percentile(latencies, 0.95):.2f} ms, "
            f"p99 {percentile(latencies, 0.99):.2f} ms"
        )

        # Each annotator opens a document of their own (the first ones are long enough).
        tokens = list(annotators.values())
        annotations = [
            Client(server.url, key).expect(
                "POST", f"/api/documents/{document_id}/annotations/", None, 201
            )["id"]
            for key, document_id in zip(tokens, documents[1:], strict=False)
        ]
        with Step(meter, backends, "clients") as step:
            tally, spread, elapsed = concurrent(
                server.url, tokens, annotations, label, args.seconds
            )
        stored = stored_client_ids(annotations)
        lost, phantom = tally.acknowledged - stored, stored - tally.acknowledged
        step.report(
            f"{args.clients} clients for {elapsed:.1f} s: {tally.created / elapsed:.0f} spans/s "
            f"(201: {tally.created}, errors: {tally.errors or 0}); latency p50 "
            f"{percentile(spread, 0.5):.2f} ms, p95 {percentile(spread, 0.95):.2f} ms; "
            f"lost {len(lost)}, stored unacknowledged {len(phantom)}"
        )
        # The same export once the log holds the annotators' work, newer than every gold event.
        export_step(client, meter, backends, project, len(documents), "export again")
        log = server.log_path.read_text()
    return verdict(log, failed=bool(lost or phantom or tally.errors))


if __name__ == "__main__":
    raise SystemExit(main())
