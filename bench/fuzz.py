"""Fuzz the REST API of a live server with schemathesis; exit 1 on any 5xx or schema mismatch.

    .venv/bin/python bench/fuzz.py [--max-examples 30] [--database-url URL] [--seed N]

Starts gunicorn (DEBUG=0) on a free loopback port against a throwaway SQLite database (or the
database --database-url names: it is migrated and given the demo data, never emptied), loads
the demo project, signs in as the demo `manager`, and runs `schemathesis run` over
/api/schema/ with every phase (examples, coverage, fuzzing, stateful): at most --max-examples
cases per operation and phase, checking that no answer is a 5xx and that every answer has the
shape and content type the schema declares. Path parameters name real rows of the demo
project (the manager's own annotation, a span and a stance of it); DELETE of a project only
ever names a throwaway project. The server's log is scanned for tracebacks as well.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_server import BIN, live_server, manage

CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


def call(url: str, method: str = "GET", body: object = None, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read() or b"{}")


def demo_rows(base: str, token: str) -> dict[str, int]:
    """Ids of the demo project's rows for the path parameters, made where they are missing."""
    api = f"{base}/api"
    project = next(
        p for p in call(f"{api}/projects/", token=token)["results"] if p["role"] == "manager"
    )
    labels = call(f"{api}/projects/{project['id']}/labels/", token=token)["results"]
    targets = call(f"{api}/projects/{project['id']}/targets/", token=token)["results"]
    document = call(f"{api}/projects/{project['id']}/documents/", token=token)["results"][0]
    annotation = call(f"{api}/documents/{document['id']}/annotations/", "POST", token=token)
    entity = next(label for label in labels if label["kind"] == "entity")
    stance_label = next(label for label in labels if label["kind"] == "stance")
    span = call(
        f"{api}/annotations/{annotation['id']}/spans/",
        "POST",
        {"label": entity["id"], "start": 0, "end": 1, "client_id": None},
        token,
    )
    stances = annotation["stances"] or [
        call(
            f"{api}/annotations/{annotation['id']}/stances/",
            "POST",
            {"target": targets[0]["id"], "label": stance_label["id"]},
            token,
        )
    ]
    throwaway = call(f"{api}/projects/", "POST", {"name": "fuzz: may be deleted"}, token)
    return {
        "project_id": project["id"],
        "document_id": document["id"],
        "annotation_id": annotation["id"],
        "span_id": span["id"],
        "stance_id": stances[0]["id"],
        "throwaway_project_id": throwaway["id"],
    }


def config_file(directory: Path, rows: dict[str, int]) -> Path:
    parameters = "\n".join(
        f"{name} = {pk}" for name, pk in rows.items() if name != "throwaway_project_id"
    )
    path = directory / "schemathesis.toml"
    path.write_text(
        "[cache]\nenabled = false\n\n"
        f"[parameters]\n{parameters}\n\n"
        "[[operations]]\n"
        'include-name = "DELETE /api/projects/{project_id}/"\n'
        f"parameters = {{ project_id = {rows['throwaway_project_id']} }}\n"
    )
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("FUZZ_DATABASE_URL"))
    parser.add_argument("--seed", type=int)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="workbench-fuzz-"))
    database_url = args.database_url or f"sqlite:///{work / 'fuzz.sqlite3'}"
    manage(database_url, "migrate", "--noinput")
    manage(database_url, "load_demo")
    password = os.environ.get("DEMO_PASSWORD") or "manager-demo"

    with live_server(database_url, workers=2) as server:
        token = call(
            f"{server.url}/api/auth/token/",
            "POST",
            {"username": "manager", "password": password},
        )["token"]
        rows = demo_rows(server.url, token)
        print(f"fuzzing {server.url} as manager; path parameters {rows}", flush=True)
        command = [
            str(BIN / "schemathesis"),
            "--config-file",
            str(config_file(work, rows)),
            "run",
            f"{server.url}/api/schema/",
            "--header",
            f"Authorization: Token {token}",
            "--checks",
            CHECKS,
            "--max-examples",
            str(args.max_examples),
            # One worker: with several threads, hypothesis' lambda-source cache can trip over
            # itself ("AST constructor recursion depth mismatch"), a tool error, not the API's.
            "--workers",
            "1",
            "--report-dir",
            str(work / "report"),
        ]
        if args.seed is not None:
            command += ["--seed", str(args.seed)]
        result = subprocess.run(command, cwd=work, check=False)
        server_log = server.log_path.read_text()

    tracebacks = len(re.findall(r"^Traceback", server_log, flags=re.MULTILINE))
    if tracebacks:
        print(f"\nThe server logged {tracebacks} traceback(s):\n{server_log}")
    print(f"\nschemathesis exit status {result.returncode}; server tracebacks {tracebacks}")
    print(f"work directory (database, config, reports): {work}")
    return 1 if result.returncode or tracebacks else 0


if __name__ == "__main__":
    raise SystemExit(main())
