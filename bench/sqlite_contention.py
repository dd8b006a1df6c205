"""Benchmark: annotators' span saves while a background import runs, on SQLite.

    .venv/bin/python bench/sqlite_contention.py [--documents 20000] [--baseline-seconds 15]
                                                [--pause-ms 50]

SQLite runs one writer at a time: while the import job holds the write lock, a span save
waits. This measures how long. A fresh SQLite file in a temporary directory, gunicorn
(`-w 2`, DEBUG=0) and one `manage.py db_worker` (the `make run` set-up) on it; then one
client saves spans (one POST, then a pause of --pause-ms, like an annotator clicking fast)

1. for --baseline-seconds with nothing else running, then
2. while a --documents-document .jsonl upload (each line ~1,500 characters with two
   pre-annotated entities) runs as a background import job, until the job is done.

For each phase: the p50/p95/max latency of the saves in milliseconds and their count; for the
import: its wall time and documents per second; and the load average, since the machine is
shared. Every save must answer 201 and the import must create every document once.
"""

import argparse
import datetime
import io
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api import Client, document_text, percentile
from common import setup_django
from live_server import BIN, ROOT, environment, live_server

SLOW_MS = 150  # saves slower than this are listed, with when they started
SENTENCE = "Amadou Koné met Awa Diarra in Mopti on Tuesday to discuss the harvest. "


def jsonl_upload(documents: int) -> bytes:
    """Documents of ~1,500 characters, each with two entities (PER) pre-annotated."""
    lines = []
    for index in range(documents):
        text = f"Dispatch {index}. " + SENTENCE * 20
        first = text.index("Amadou")
        second = text.index("Awa")
        entities = [
            {"start": first, "end": first + len("Amadou Koné"), "label": "PER"},
            {"start": second, "end": second + len("Awa Diarra"), "label": "PER"},
        ]
        lines.append(
            json.dumps({"text": text, "external_id": f"imp-{index}", "entities": entities})
        )
    return ("\n".join(lines) + "\n").encode()


def setup_database(url: str) -> str:
    """Migrate the fresh SQLite file, make a user; return its token."""
    setup_django(url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password=uuid.uuid4().hex)
    return Token.objects.create(user=user).key


def setup_project(client: Client) -> tuple[int, int, list[int]]:
    """A project with a PER label and five documents; return (project, label, annotations).

    Five: the most unfinished documents one annotator may hold.
    """
    project = client.expect("POST", "/api/projects/", {"name": "contention"}, 201)["id"]
    label = client.expect(
        "POST", f"/api/projects/{project}/labels/", {"name": "PER", "kind": "entity"}, 201
    )["id"]
    records = [{"text": document_text(n), "external_id": f"annotate-{n}"} for n in range(5)]
    report = client.expect("POST", f"/api/projects/{project}/documents/", records, 201)
    annotations = [
        client.expect("POST", f"/api/documents/{item['id']}/annotations/", None, 201)["id"]
        for item in report["created"]
    ]
    return project, label, annotations


class Annotator:
    """Saves spans one after another, [2i, 2i+1) through its annotations, timing each."""

    def __init__(self, client: Client, label: int, annotations: list[int], pause: float):
        self.client, self.label, self.annotations, self.pause = client, label, annotations, pause
        self.index = 0
        self.slow: list[tuple[float, float]] = []  # (wall clock, ms) of saves over SLOW_MS

    def save_until(self, done: threading.Event) -> list[float]:
        latencies = []
        while not done.is_set():
            annotation = self.annotations[self.index % len(self.annotations)]
            start = 2 * (self.index // len(self.annotations))
            body = {
                "label": self.label,
                "start": start,
                "end": start + 1,
                "client_id": str(uuid.uuid4()),
            }
            began = time.perf_counter()
            code, payload = self.client.send("POST", f"/api/annotations/{annotation}/spans/", body)
            latencies.append((time.perf_counter() - began) * 1000)
            if latencies[-1] > SLOW_MS:
                self.slow.append((time.time() - latencies[-1] / 1000, latencies[-1]))
            if code != 201:
                raise SystemExit(f"a span save answered {code}: {payload}")
            self.index += 1
            time.sleep(self.pause)
        return latencies


def upload(client: Client, project: int, data: bytes) -> str:
    """POST the .jsonl as a multipart file; return the import job's URL path."""
    boundary = secrets.token_hex(16)
    body = io.BytesIO()
    body.write(f"--{boundary}\r\n".encode())
    body.write(b'Content-Disposition: form-data; name="file"; filename="bulk.jsonl"\r\n')
    body.write(b"Content-Type: application/octet-stream\r\n\r\n")
    body.write(data)
    body.write(f"\r\n--{boundary}--\r\n".encode())
    headers = {
        "Authorization": client.headers["Authorization"],
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    client.connection.request(
        "POST", f"/api/projects/{project}/documents/", body=body.getvalue(), headers=headers
    )
    response = client.connection.getresponse()
    payload = json.loads(response.read())
    if response.status != 202:
        raise SystemExit(f"the upload answered {response.status}, not 202: {payload}")
    return urllib.parse.urlsplit(payload["job"]).path


def wait_for_job(client: Client, path: str, done: threading.Event, outcome: dict) -> None:
    while True:
        job = client.expect("GET", path)
        if job["status"] in ("done", "failed"):
            outcome.update(job)
            done.set()
            return
        time.sleep(0.5)


def timeline(slow: list[tuple[float, float]], upload_at: float, job: dict) -> str:
    """When the slow saves started, in seconds from the upload, beside the job's own times."""

    def since(stamp: str | None) -> str:
        if not stamp:
            return "-"
        return f"{datetime.datetime.fromisoformat(stamp).timestamp() - upload_at:.1f}"

    saves = ", ".join(f"{at - upload_at:.1f} s ({ms:.0f} ms)" for at, ms in slow) or "none"
    return (
        f"job created {since(job.get('created_at'))} s, started {since(job.get('started_at'))} s, "
        f"finished {since(job.get('finished_at'))} s after the upload began; "
        f"saves over {SLOW_MS} ms: {saves}"
    )


def summary(name: str, latencies: list[float]) -> str:
    return (
        f"{name}: {len(latencies)} saves, p50 {percentile(latencies, 0.5):.0f} ms, "
        f"p95 {percentile(latencies, 0.95):.0f} ms, max {max(latencies):.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument("--baseline-seconds", type=float, default=15.0)
    parser.add_argument("--pause-ms", type=float, default=50.0)
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="workbench-contention-")
    url = f"sqlite:///{directory}/bench.sqlite3"
    token = setup_database(url)
    data = jsonl_upload(args.documents)
    env = environment(url, DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50))
    worker_log = Path(directory) / "worker.log"
    with live_server(url, workers=2) as server, worker_log.open("w") as log:
        worker = subprocess.Popen(
            [str(BIN / "python"), "manage.py", "db_worker", "--no-reload", "--no-startup-delay"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            client = Client(server.url, token)
            project, label, annotations = setup_project(client)
            annotator = Annotator(client, label, annotations, args.pause_ms / 1000)
            baseline_over = threading.Event()
            threading.Timer(args.baseline_seconds, baseline_over.set).start()
            baseline = annotator.save_until(baseline_over)
            print(f"load average before the import: {os.getloadavg()}")

            began = time.perf_counter()
            upload_at = time.time()
            annotator.slow.clear()
            job_path = upload(Client(server.url, token), project, data)
            job: dict = {}
            job_over = threading.Event()
            watcher = threading.Thread(
                target=wait_for_job, args=(Client(server.url, token), job_path, job_over, job)
            )
            watcher.start()
            during = annotator.save_until(job_over)
            watcher.join()
            seconds = time.perf_counter() - began
            print(f"load average after the import: {os.getloadavg()}")
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    created = job["progress"]["created"]
    if job["status"] != "done" or created != args.documents:
        raise SystemExit(f"the import ended {job['status']} with {created} created: {job}")
    print(summary("without an import", baseline))
    print(summary("during the import", during))
    print(timeline(annotator.slow, upload_at, job))
    print(
        f"import: {args.documents} documents in {seconds:.1f} s "
        f"({args.documents / seconds:.0f} documents/s, upload included)"
    )


if __name__ == "__main__":
    main()
