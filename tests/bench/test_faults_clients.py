"""The fault campaign's HTTP client (bench/faults_clients.py) against a scripted local server."""

import importlib
import json
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def faults_clients(monkeypatch):
    # The bench's scripts import one another as top-level modules, as `python bench/x.py` does.
    monkeypatch.syspath_prepend(str(BENCH))
    return importlib.import_module("faults_clients")


@pytest.fixture
def server():
    """A server that answers each request as its script says: drop, or a status code."""
    seen: list[tuple[str, str, str | None, bytes]] = []
    script: list[str | int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((self.command, self.path, self.headers.get("Idempotency-Key"), body))
            step = script.pop(0) if script else 201
            if step == "drop":
                self.close_connection = True
                return  # no answer at all: the client sees the connection closed
            payload = json.dumps({"id": 5, "version": 2}).encode()
            self.send_response(step)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", script, seen
    httpd.shutdown()
    httpd.server_close()


def http(faults_clients, url, **how):
    tally = faults_clients.Tally()
    client = faults_clients.Http(url, "t0ken", tally, random.Random(1), abort_share=0, **how)
    return client, tally


def test_a_write_is_resent_with_the_same_key_and_body_until_answered(faults_clients, server):
    url, script, seen = server
    script += ["drop", 500]
    client, tally = http(faults_clients, url)

    answer = client.call("POST", "/api/annotations/3/spans/", {"start": 0, "end": 2})

    assert (answer.status, answer.payload, answer.retried) == (201, {"id": 5, "version": 2}, True)
    assert len(seen) == 3
    assert len({key for _, _, key, _ in seen}) == 1 and seen[0][2]
    assert {body for *_, body in seen} == {b'{"start": 0, "end": 2}'}
    assert tally.requests == 3
    assert tally.errors == {"RemoteDisconnected": 1, "HTTP 500": 1}


def test_a_write_never_answered_within_its_window_comes_back_unanswered(faults_clients, server):
    url, script, seen = server
    script += [503] * 50
    client, tally = http(faults_clients, url, retry_window=0.5)

    assert client.call("POST", "/api/annotations/3/bulk/", {"spans": []}) is None
    assert len(seen) >= 2
    assert len({key for _, _, key, _ in seen}) == 1
    assert tally.errors["HTTP 503"] == len(seen)


def test_a_refusal_is_an_answer_and_is_not_resent(faults_clients, server):
    url, script, seen = server
    script += [409]
    client, tally = http(faults_clients, url)

    answer = client.call("POST", "/api/annotations/3/spans/", {"start": 0, "end": 2})

    assert (answer.status, answer.retried) == (409, False)
    assert len(seen) == 1
    assert tally.errors == {"HTTP 409": 1}


def test_without_keys_a_write_carries_no_idempotency_key(faults_clients, server):
    url, _, seen = server
    client, _ = http(faults_clients, url, keys=False)

    client.call("POST", "/api/annotations/3/spans/", {"start": 0, "end": 2})

    assert seen[0][2] is None
