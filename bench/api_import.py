"""Benchmark: a user's import through the REST API, on a fresh project; time and server memory.

    .venv/bin/python bench/api_import.py [--documents 2000 20000] [--runs 3]
                                         [--database-url postgres://.../api_import_bench]

Writes a JSON Lines file per size once (documents of ~2,000 characters, each with 10 entity
spans in our native form and one stance), creates a fresh database, starts gunicorn (`-w 2`,
DEBUG=0) and `manage.py db_worker`, then for each run makes a fresh project (labels, a stance
target) and POSTs the file as a multipart upload to /api/projects/{p}/documents/:

- sync: the server runs with IMPORT_BACKGROUND_THRESHOLD above every size, so the answer is
  the import report; printed: seconds to the answer;
- background: IMPORT_BACKGROUND_THRESHOLD=0, so the answer is 202 with the job's URL;
  printed: seconds to the 202 and seconds until the job reads done (polled every 50 ms, or
  every 2% of the time so far when that is longer).

Each upload is checked: every document created, the first with its 10 spans. Peak memory is
the largest sum, sampled every 100 ms, of the PSS of gunicorn's master and workers, the
db_worker and any process they started (preparation workers): a page they share is counted
once. CPU seconds are those of the same processes and of PostgreSQL's backends for the
database, from the upload to the answer (or the job's end). The load average is printed with
every run: on a shared machine the seconds vary with what else runs, the CPU seconds less.
"""

import argparse
import contextlib
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
from api import Client, setup_database
from live_server import BIN, ROOT, environment, live_server

WORDS = (
    "the army said on Thursday that troops had reached the northern town after a week of "
    "fighting with armed groups near the border while officials in the capital promised "
    "talks and aid agencies warned of shortages of food water and medicine for families"
).split()
ENTITIES = [("Keïta", "PER"), ("Bamako", "LOC"), ("MINUSMA", "ORG"), ("Le Drian", "PER")]
LABELS = [("PER", "entity"), ("LOC", "entity"), ("ORG", "entity")]
STANCES = [("FAVOR", "stance"), ("AGAINST", "stance")]
SPANS_PER_DOCUMENT = 10
LENGTH = 2_000
POLL = 0.05
SAMPLE = 0.1  # seconds between two samples of memory and of PostgreSQL's backends


def document(rng: random.Random, index: int) -> dict:
    """One line: ~2,000 characters with 10 entity spans (exact text) and a stance."""
    text = f"Report {index}."
    entities = []
    for slot in range(SPANS_PER_DOCUMENT):
        text += " " + " ".join(rng.choices(WORDS, k=rng.randint(20, 30)))
        name, label = ENTITIES[(index + slot) % len(ENTITIES)]
        start = len(text) + 1
        text += f" {name}"
        entities.append({"start": start, "end": start + len(name), "label": label, "text": name})
    text += " " + " ".join(rng.choices(WORDS, k=max(0, (LENGTH - len(text)) // 6)))
    stance = {"target": "the intervention", "label": rng.choice(STANCES)[0]}
    return {"text": text, "external_id": f"doc-{index}", "entities": entities, "stances": [stance]}


def jsonl_file(count: int) -> Path:
    """The file of ``count`` documents, written once (the same bytes on every call)."""
    path = Path(tempfile.gettempdir()) / f"workbench-api-import-{count}.jsonl"
    if not path.exists():
        rng = random.Random(count)
        partial = path.with_suffix(".partial")
        with partial.open("w", encoding="utf-8") as out:
            for index in range(count):
                out.write(json.dumps(document(rng, index), ensure_ascii=False) + "\n")
        partial.rename(path)
    return path


class ServerMeter:
    """Peak memory of some process trees (sampled in a thread) and the CPU they and PostgreSQL use.

    Memory is the sum of PSS (proportional set size): a page shared by forked processes is
    counted once over all of them, where a sum of RSS would count it in each. Reading PSS makes
    the kernel walk every page of every process (15 ms a round for six processes), so the
    sampler looks every SAMPLE seconds: at every 20 ms it took half a core of the two.

    PostgreSQL's backends are sampled too, through one connection kept open: a request's
    connection closes when it answers (CONN_MAX_AGE is 0), and a backend that is gone can no
    longer be asked for its CPU, so each keeps the last figure seen of it.
    """

    def __init__(self, roots: list[int], database_url: str) -> None:
        self.roots = [psutil.Process(pid) for pid in roots]
        self.database = database_url.rsplit("/", 1)[1]
        self.connection = psycopg.connect(database_url, autocommit=True)
        self.peak = self.idle = 0
        self.cpu: dict[str, float] = {}
        self.started: dict[int, float] = {}
        self.backends: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _processes(self) -> list[psutil.Process]:
        found = []
        for root in self.roots:
            with contextlib.suppress(psutil.NoSuchProcess):
                found += [root, *root.children(recursive=True)]
        return found

    def _memory(self) -> int:
        total = 0
        for process in self._processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                total += process.memory_full_info().pss
        return total

    def _backends(self) -> dict[int, float]:
        """CPU seconds so far of each PostgreSQL backend of the database, by pid."""
        pids = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [self.database],
        ).fetchall()
        seconds = {}
        for (pid,) in pids:
            with contextlib.suppress(psutil.NoSuchProcess):
                seconds[pid] = sum(psutil.Process(pid).cpu_times()[:2])
        return seconds

    def _cpu(self) -> dict[str, float]:
        server = 0.0
        for process in self._processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                times = process.cpu_times()  # children_*: the pool processes it has reaped
                server += times.user + times.system + times.children_user + times.children_system
        return {"server": server}

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE):
            self.peak = max(self.peak, self._memory())
            self.backends.update(self._backends())

    def __enter__(self) -> "ServerMeter":
        self.peak = self.idle = self._memory()
        self.cpu = self._cpu()
        self.started = self._backends()
        self.backends = dict(self.started)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._memory())
        after = self._cpu()
        self.cpu = {name: after[name] - self.cpu[name] for name in after}
        # A backend that started during the upload counts from 0; one that ended counts what
        # it had used when last seen (at most SAMPLE seconds before it ended).
        self.backends.update(self._backends())
        self.cpu["postgres"] = sum(
            seconds - self.started.get(pid, 0.0) for pid, seconds in self.backends.items()
        )
        self.connection.close()

    def __str__(self) -> str:
        return (
            f"peak PSS {self.peak / 2**20:.0f} MB (idle {self.idle / 2**20:.0f} MB); "
            f"CPU s server {self.cpu['server']:.2f}, PostgreSQL {self.cpu['postgres']:.2f}"
        )


def upload(client: Client, project: int, path: Path) -> tuple[int, dict]:
    """POST the file as multipart ``file``; return the status and the decoded answer."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"'
        "\r\nContent-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = head + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    headers = {
        "Authorization": client.headers["Authorization"],
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    client.connection.request("POST", f"/api/projects/{project}/documents/", body, headers)
    response = client.connection.getresponse()
    return response.status, json.loads(response.read())


def fresh_project(client: Client) -> int:
    """A project with the labels and the stance target the file uses."""
    project = client.expect("POST", "/api/projects/", {"name": f"import {uuid.uuid4()}"}, 201)
    for name, kind in [*LABELS, *STANCES]:
        body = {"name": name, "kind": kind}
        client.expect("POST", f"/api/projects/{project['id']}/labels/", body, 201)
    body = {"name": "the intervention"}
    client.expect("POST", f"/api/projects/{project['id']}/targets/", body, 201)
    return project["id"]


def wait_for_job(client: Client, url: str) -> dict:
    """Poll the job until it ends: every POLL seconds, then every 2% of the time so far.

    Each poll is a request (and a new PostgreSQL connection) that the server's CPU figures
    count: every 50 ms through a 90 s job would be 1,800 requests.
    """
    path = url.split("://", 1)[1].split("/", 1)[1]
    started = time.perf_counter()
    while True:
        job = client.expect("GET", f"/{path}")
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(max(POLL, (time.perf_counter() - started) / 50))


def check(report: dict, count: int, client: Client) -> None:
    """Every document created, and the first one holds its 10 spans."""
    if len(report["created"]) != count or report["errors"] or report["warnings"]:
        raise SystemExit(f"unexpected report: {len(report['created'])} created, {report}"[:2000])
    first = report["created"][0]["id"]
    annotations = client.expect("GET", f"/api/documents/{first}/annotations/")
    items = annotations["results"] if isinstance(annotations, dict) else annotations
    spans = client.expect("GET", f"/api/annotations/{items[0]['id']}/")["spans"]
    if len(spans) != SPANS_PER_DOCUMENT:
        raise SystemExit(f"document {first} holds {len(spans)} spans")


def one_run(client: Client, path: Path, count: int, meter: ServerMeter) -> str:
    project = fresh_project(client)
    load = os.getloadavg()[0]
    with meter:
        started = time.perf_counter()
        code, answer = upload(client, project, path)
        answered = time.perf_counter() - started
        line = f"answer {code} after {answered:.2f} s"
        if code == 202:
            job = wait_for_job(client, answer["job"])
            line += f", job {job['status']} after {time.perf_counter() - started:.2f} s"
            answer = job["report"] or {}
        elif code != 201:
            raise SystemExit(f"upload answered {code}: {str(answer)[:2000]}")
    check(answer, count, client)
    return f"{line}; {meter}; load {load:.2f}"


@contextlib.contextmanager
def db_worker(database_url: str) -> Iterator[int]:
    command = [str(BIN / "python"), "manage.py", "db_worker", "--no-startup-delay"]
    env = environment(database_url, DEBUG="0")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        yield process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def phase(name: str, args: argparse.Namespace, token: str, threshold: int) -> None:
    os.environ["IMPORT_BACKGROUND_THRESHOLD"] = str(threshold)
    with live_server(args.database_url, workers=2) as server, db_worker(args.database_url) as pid:
        host = server.url.removeprefix("http://")
        client = Client(f"http://{host}", token)
        client.connection = http.client.HTTPConnection(*host.split(":"), timeout=600)
        for count in args.documents:
            path = jsonl_file(count)
            for run in range(1, args.runs + 1):
                meter = ServerMeter([server.pid, pid], args.database_url)
                result = one_run(client, path, count, meter)
                print(f"{name:10} {count:>6,} documents, run {run}: {result}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, nargs="+", default=[2_000, 20_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--phases", nargs="+", default=["sync", "background"])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/api_import_bench"
        ),
    )
    args = parser.parse_args()
    for count in args.documents:
        size = jsonl_file(count).stat().st_size
        print(f"file of {count:,} documents: {size / 1e6:.1f} MB")
    token = setup_database(args.database_url)
    # A large upload through one request: within the limits and gunicorn's timeout.
    os.environ.setdefault("IMPORT_MAX_BYTES", str(200 * 2**20))
    os.environ.setdefault("GUNICORN_CMD_ARGS", "--timeout 600")
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()}")
    if "sync" in args.phases:
        phase("sync", args, token, threshold=10**9)
    if "background" in args.phases:
        phase("background", args, token, threshold=0)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    sys.exit(main())
