"""Benchmark: an export of a large PostgreSQL project through the API under gunicorn.

    .venv/bin/python bench/export.py [--documents 100000] [--spans 10] [--reuse]
                                     [--format jsonl] [--split 80,10,10] [--no-analyze]
                                     [--runs 3]

Builds a fresh database `workbench_bench_export` holding one project of N news-like documents
(about 1,500 characters each) with a gold annotation of `--spans` entity spans per document
and one logged gold edit each, inserted with COPY. Starts gunicorn as in production (DEBUG=0, a
random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=0), downloads
`GET /api/projects/{p}/export/?format=jsonl` (or `--format`, `--split`) and prints seconds,
MB/s, time to first byte and the peak resident memory of the server's processes (sampled with
psutil while the download runs), then the physical floor: the same documents and spans dumped with
`COPY (SELECT ...) TO STDOUT`. `--reuse` skips the build when the database already holds the
project. `--no-analyze` leaves the tables without statistics (and autovacuum off on them), as
a freshly imported project is before autovacuum reaches it; `--runs N` downloads N times, each
followed by its COPY floor, so every ratio compares two runs under the same load. The
database is left in place for a second look.
"""

import argparse
import hashlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from api import CpuMeter  # bench/api.py: this script runs from bench/
from common import NAMES, WORDS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
NAME = "workbench_bench_export"
TABLES = [f"annotations_{table}" for table in ("document", "annotation", "annotationevent", "span")]

PLACES = ["Bamako", "Gao", "Kidal", "Tessalit", "Mopti", "Ménaka", "Tombouctou", "北京"]


def document(index: int, spans: int, rng) -> tuple[str, list[tuple[int, int, str]]]:
    """A ~1,500-character text and ``spans`` entity spans (start, end, label) inside it."""
    parts: list[str] = [f"Report {index} 🇲🇱."]
    found: list[tuple[int, int, str]] = []
    length = len(parts[0])
    while length < 1500 or len(found) < spans:
        words = rng.choices(WORDS, k=rng.randint(8, 14))
        entity, label = (rng.choice(NAMES), "PER") if rng.random() < 0.5 else (
            rng.choice(PLACES), "LOC")  # fmt: skip
        before = " ".join(words[: len(words) // 2]).capitalize()
        after = " ".join(words[len(words) // 2 :])
        sentence = f" {before} {entity} {after}."
        if len(found) < spans:
            start = length + 1 + len(before) + 1
            found.append((start, start + len(entity), label))
        parts.append(sentence)
        length += len(sentence)
    return "".join(parts), found


def build(database_url: str, documents: int, spans: int, *, analyze: bool = True) -> None:
    import random

    import psycopg

    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{NAME}"')
        conn.execute(f'CREATE DATABASE "{NAME}"')
    manage(database_url, "migrate", "--noinput", "-v", "0")
    if not analyze:
        with psycopg.connect(database_url, autocommit=True) as conn:
            for table in TABLES:
                conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    rng = random.Random(20261121)
    started = time.perf_counter()
    now = datetime.now(UTC)
    with psycopg.connect(database_url) as conn:
        user = conn.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined) VALUES "
            "('!', false, 'bench-manager', '', '', '', false, true, %s) RETURNING id",
            [now],
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO authtoken_token (key, user_id, created) VALUES (%s, %s, %s)",
            [secrets.token_hex(20), user, now],
        )
        project = conn.execute(
            "INSERT INTO annotations_project (name, description, guidelines, allow_overlap, "
            "annotators_per_document, max_open_per_annotator, release_after_hours, "
            "sentence_units, show_suggestions, retrain_every, queue_order, verdict_scale, "
            "verdict_labels, licence, citation, created_by_id, created_at) "
            "VALUES ('Export bench', '', '', false, 1, 5, 24, false, true, 10, 'id', 'fever', "
            "'[]', '', '', %s, %s) RETURNING id",
            [user, now],
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO annotations_membership (project_id, user_id, role, created_at) "
            "VALUES (%s, %s, 'manager', %s)",
            [project, user, now],
        )
        labels = {}
        for name in ("PER", "LOC"):
            labels[name] = conn.execute(
                "INSERT INTO annotations_label (project_id, name, kind, color, shortcut, "
                "description, source_kind, target_kind) "
                "VALUES (%s, %s, 'entity', '#4f7cff', '', '', '', '') RETURNING id",
                [project, name],
            ).fetchone()[0]
        span_id = 0
        with (
            conn.cursor() as cursor,
            cursor.copy(
                "COPY annotations_document (id, project_id, text, external_id, meta, "
                "content_hash, ingestion_report, created_at) FROM STDIN"
            ) as copy,
        ):
            for index in range(1, documents + 1):
                text, _ = document(index, spans, rng)
                meta = json.dumps({"source": "bench", "n": index})
                digest = hashlib.sha256(text.encode()).hexdigest()
                copy.write_row((index, project, text, f"gen-{index}", meta, digest, "{}", now))
        with conn.cursor() as cursor:
            with cursor.copy(
                "COPY annotations_annotation (id, document_id, author_id, kind, status, "
                "version, created_at, updated_at) FROM STDIN"
            ) as copy:
                for index in range(1, documents + 1):
                    copy.write_row((index, index, None, "gold", "submitted", 2, now, now))
            with cursor.copy(
                "COPY annotations_annotationevent (annotation_id, actor_id, action, version, "
                "created_at) FROM STDIN"
            ) as copy:
                for index in range(1, documents + 1):
                    copy.write_row((index, user, "gold_built", 2, now))
            with cursor.copy(
                'COPY annotations_span (id, annotation_id, label_id, start, "end", text, '
                "attributes) FROM STDIN"
            ) as copy:
                # The same seed again: the same texts, now for their spans.
                rng = random.Random(20261121)
                for index in range(1, documents + 1):
                    text, found = document(index, spans, rng)
                    for start, end, label in found:
                        span_id += 1
                        copy.write_row(
                            (span_id, index, labels[label], start, end, text[start:end], "{}")
                        )
            for table in ("document", "annotation", "span"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('annotations_{table}', 'id'), "
                    f"(SELECT max(id) FROM annotations_{table}))"
                )
        if analyze:
            conn.execute("ANALYZE")
    print(
        f"built {documents:,} documents, {span_id:,} gold spans "
        f"in {time.perf_counter() - started:.1f} s"
    )


def manage(database_url: str, *args: str) -> None:
    subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"},
        check=True,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(database_url: str, port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
    }
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "workbench.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            # A sync worker does not report to the master while it streams: without a longer
            # timeout gunicorn would kill it 30 s into a long export.
            "--timeout",
            "600",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit("gunicorn did not start within 30 s")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


class RssSampler(threading.Thread):
    """Sample the resident memory of the server's processes until stopped; keep the peaks."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        import psutil

        self.root = psutil.Process(pid)
        self.peak_worker = 0
        self.peak_total = 0
        self.done = threading.Event()

    def run(self) -> None:
        import psutil

        # The processes once: psutil finds children by reading every process of the machine
        # from /proc, which, every 20 ms, cost this client 2 CPU seconds per 100,000-document
        # export, taken from the two cores the server and PostgreSQL share with it.
        processes = [self.root, *self.root.children(recursive=True)]
        while not self.done.is_set():
            try:
                sizes = [process.memory_info().rss for process in processes]
            except psutil.Error:
                processes = [self.root, *self.root.children(recursive=True)]
                continue
            self.peak_worker = max(self.peak_worker, max(sizes[1:], default=0))
            self.peak_total = max(self.peak_total, sum(sizes))
            self.done.wait(0.02)


def download(port: int, path: str, token: str, log: Path) -> tuple[int, float, float]:
    """GET ``path``; return the bytes read, seconds to the first body byte and in all."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Authorization": f"Token {token}"})
    response = connection.getresponse()
    if response.status != 200:
        tail = log.read_text(errors="replace")[-3000:]
        raise SystemExit(f"export answered {response.status}; the server said:\n{tail}")
    first = response.read(1)
    first_byte = time.perf_counter() - started
    size = len(first)
    while block := response.read(1 << 20):
        size += len(block)
    return size, first_byte, time.perf_counter() - started


def copy_floor(database_url: str, project: int) -> tuple[int, float, float]:
    """Dump the export's documents and gold spans with COPY; return bytes, seconds and the
    CPU seconds it cost (PostgreSQL's backend and this client)."""
    import psutil
    import psycopg

    queries = [
        "COPY (SELECT d.id, d.external_id, d.text, d.meta FROM annotations_document d "
        f"WHERE d.project_id = {project} AND EXISTS (SELECT 1 FROM annotations_annotation a "
        "WHERE a.document_id = d.id AND a.kind = 'gold') ORDER BY d.id) TO STDOUT",
        'COPY (SELECT a.document_id, s.start, s."end", l.name, s.text '
        "FROM annotations_span s JOIN annotations_annotation a ON a.id = s.annotation_id "
        "JOIN annotations_document d ON d.id = a.document_id "
        "JOIN annotations_label l ON l.id = s.label_id "
        f"WHERE d.project_id = {project} AND a.kind = 'gold' "
        "ORDER BY a.document_id, s.start) TO STDOUT",
    ]
    size = 0
    with psycopg.connect(database_url) as conn, conn.cursor() as cursor:
        backend = psutil.Process(conn.execute("SELECT pg_backend_pid()").fetchone()[0])
        cpu_before = sum(backend.cpu_times()[:2]) + time.process_time()
        started = time.perf_counter()
        for query in queries:
            with cursor.copy(query) as copy:
                for block in copy:
                    size += len(block)
        seconds = time.perf_counter() - started
        cpu = sum(backend.cpu_times()[:2]) + time.process_time() - cpu_before
    return size, seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--spans", type=int, default=10, help="gold spans per document")
    parser.add_argument("--reuse", action="store_true", help="keep an existing database")
    parser.add_argument("--format", default="jsonl", help="the export format")
    parser.add_argument("--split", help="percentages, such as 80,10,10")
    parser.add_argument("--no-analyze", action="store_true", help="build without statistics")
    parser.add_argument("--runs", type=int, default=1, help="downloads, each with its floor")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{NAME}"
        ).rsplit("/", 1)[0]
        + f"/{NAME}",
    )
    args = parser.parse_args()
    import psycopg

    database_url = args.database_url
    reuse = False
    if args.reuse:
        try:
            with psycopg.connect(database_url) as conn:
                count = conn.execute("SELECT count(*) FROM annotations_document").fetchone()[0]
            reuse = count == args.documents
        except psycopg.Error:
            reuse = False
    if not reuse:
        build(database_url, args.documents, args.spans, analyze=not args.no_analyze)
    with psycopg.connect(database_url) as conn:
        project, token = conn.execute(
            "SELECT p.id, t.key FROM annotations_project p, authtoken_token t LIMIT 1"
        ).fetchone()
        spans = conn.execute("SELECT count(*) FROM annotations_span").fetchone()[0]
    print(f"database            {NAME}")
    print(f"documents           {args.documents:,} with {spans:,} gold spans")
    log = Path(tempfile.mkstemp(prefix="bench-export-", suffix=".log")[1])
    port = free_port()
    server = start_server(database_url, port, log)
    try:
        # One small request first, so that the worker has imported everything and connected.
        download(port, f"/api/projects/{project}/", token, log)
        query = f"?format={args.format}" + (f"&split={args.split}" if args.split else "")
        for _ in range(args.runs):
            path = f"/api/projects/{project}/export/{query}"
            seconds, cpu = run_once(CpuMeter(server.pid, database_url), port, path, token, log)
            floor_size, floor_seconds, floor_cpu = copy_floor(database_url, project)
            print(f"COPY floor          {floor_size / 1e6:.1f} MB in {floor_seconds:.2f} s")
            print(f"  CPU seconds       {floor_cpu:.2f} (PostgreSQL and the client)")
            print(f"export / floor      {seconds / floor_seconds:.1f}x, CPU {cpu / floor_cpu:.1f}x")
    finally:
        stop_server(server)
        log.unlink()


def run_once(meter: CpuMeter, port: int, path: str, token: str, log: Path) -> tuple[float, float]:
    """Download the export once while sampling the server's memory; print the figures and
    return the seconds and the CPU seconds (server, PostgreSQL and client) it took."""
    sampler = RssSampler(meter.server.pid)
    sampler.start()
    before, client_before = meter.read(), time.process_time()
    size, first_byte, seconds = download(port, path, token, log)
    after, client = meter.read(), time.process_time() - client_before
    sampler.done.set()
    sampler.join()
    server, database = (sum(after[n]) - sum(before[n]) for n in ("gunicorn", "postgres"))
    # A backend that ended during the download (CONN_MAX_AGE) takes its CPU with it.
    database = max(database, 0.0)
    print(f"load average        {os.getloadavg()[0]:.1f}")
    print(f"export              {size / 1e6:.1f} MB in {seconds:.2f} s")
    print(f"MB/second           {size / 1e6 / seconds:.1f}")
    print(f"time to first byte  {first_byte * 1000:.0f} ms")
    print(f"peak RSS, worker    {sampler.peak_worker / 2**20:.0f} MB")
    print(f"peak RSS, server    {sampler.peak_total / 2**20:.0f} MB (master and 2 workers)")
    print(
        f"  CPU seconds       server {server:.2f}, PostgreSQL {database:.2f}, client {client:.2f}"
    )
    return seconds, server + database + client


if __name__ == "__main__":
    main()
