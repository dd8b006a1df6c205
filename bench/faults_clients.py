"""The fault campaign's annotators: HTTP with retries, and the ledger of what was acknowledged.

Every write carries an ``Idempotency-Key`` (span creates a ``client_id`` too) and is resent
with the same key and body after a network error, a timeout or a 5xx, until it is answered or
its retry window closes; a 429 waits for its ``Retry-After``. Some first attempts are sent with
a timeout of a few milliseconds, so the client gives up on them mid-flight (the server may
still apply them: the retry must then get the first answer back, not a second change).

Each annotator takes its next document, creates, relabels and deletes spans, now and then
replaces everything in one bulk write, submits, and takes the next document. It knows its
annotation from the answers it got; after a write that stayed unanswered it reads the
annotation back before going on.
"""

import http.client
import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from faults_ledger import Write

SLOT = 12  # each span gets its own slot of the text, so that spans never overlap
RETRY_WINDOW = 45.0  # seconds a write is retried before it counts as unanswered
TIMEOUT = 30.0


@dataclass
class Tally:
    """Requests and errors, shared by every client thread."""

    requests: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    writes: Counter[str] = field(default_factory=Counter)
    replayed: int = 0  # answers the server kept from a first attempt the client never saw
    seconds: list[float] = field(default_factory=list)  # each answered call, retries included
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, error: str | None = None) -> None:
        with self.lock:
            self.requests += 1
            if error:
                self.errors[error] += 1

    def outcome(self, outcome: str) -> None:
        with self.lock:
            self.writes[outcome] += 1


@dataclass(frozen=True)
class Answer:
    status: int
    payload: Any
    retried: bool = False  # an earlier attempt went unanswered: it may have been applied


class Http:
    """JSON over one connection per request, retried with the same key until answered."""

    def __init__(
        self,
        base_url: str,
        token: str,
        tally: Tally,
        rng: random.Random,
        *,
        keys: bool = True,
        **how: float,
    ):
        host, port = base_url.removeprefix("http://").split(":")
        self.address = (host, int(port))
        self.token = token
        self.tally = tally
        self.rng = rng
        self.abort_share = how.get("abort_share", 0.1)
        self.stop_retrying_at = how.get("stop_retrying_at", float("inf"))
        self.keys = keys  # False only to show what the keys prevent
        self.retry_window = how.get("retry_window", RETRY_WINDOW)

    def call(
        self, method: str, path: str, body: object = None, key: str | None = None
    ) -> Answer | None:
        """Send until answered (not a 5xx); None when the retry window closed first."""
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
        if method != "GET" and self.keys:
            headers["Idempotency-Key"] = key or str(uuid.uuid4())
        data = None if body is None else json.dumps(body)
        began = time.monotonic()
        give_up = min(began + self.retry_window, self.stop_retrying_at)
        attempt = 0
        while True:
            short = attempt == 0 and method != "GET" and self.rng.random() < self.abort_share
            timeout = self.rng.uniform(0.002, 0.04) if short else TIMEOUT
            answer, error, wait = self._once(method, path, data, headers, timeout)
            self.tally.count(
                error and ("client abort" if short and "timed out" in error else error)
            )
            if answer is not None:
                with self.tally.lock:
                    self.tally.seconds.append(time.monotonic() - began)
                return Answer(answer.status, answer.payload, retried=attempt > 0)
            attempt += 1
            if time.monotonic() + wait > give_up:
                return None
            time.sleep(wait or min(1.0, 0.05 * 2**attempt) * self.rng.uniform(0.5, 1.0))

    def expect(self, method: str, path: str, body: object, status: int) -> Any:
        """Call, and stop the bench unless the answer has this status; return its payload."""
        answer = self.call(method, path, body)
        if answer is None or answer.status != status:
            raise SystemExit(f"{method} {path} answered {answer}, not {status}")
        return answer.payload

    def _once(
        self, method: str, path: str, data: str | None, headers: dict[str, str], timeout: float
    ) -> tuple[Answer | None, str | None, float]:
        """One attempt: (answer, None, 0), or (None, the error's kind, seconds to wait)."""
        connection = http.client.HTTPConnection(*self.address, timeout=timeout)
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except TimeoutError:
            return None, "timed out", 0.0
        except (OSError, http.client.HTTPException) as error:
            return None, type(error).__name__, 0.0
        finally:
            connection.close()
        if response.status == 429:
            return None, "HTTP 429", float(response.getheader("Retry-After") or 1)
        if response.status >= 500:
            return None, f"HTTP {response.status}", 0.0
        error = f"HTTP {response.status}" if response.status >= 400 else None
        if response.getheader("Idempotent-Replayed") == "true":
            with self.tally.lock:
                self.tally.replayed += 1
        return Answer(response.status, json.loads(raw) if raw else None), error, 0.0


@dataclass
class Span:
    id: int
    label: str
    start: int
    end: int


class Annotator:
    """One annotator's session: documents one after the other until the deadline."""

    def __init__(self, http: Http, project: int, labels: dict[str, int], rng: random.Random):
        self.http = http
        self.project = project
        self.labels = labels  # name -> id
        self.rng = rng
        self.ledger: list[Write] = []
        self.documents = 0
        self.spans: dict[str, Span] = {}  # client_id -> span, as this client knows them
        self.annotation = 0
        self.version = 0
        self.next_slot = 0
        self.slots = 0

    def run(self, deadline: float) -> None:
        while time.monotonic() < deadline and self._open_next():
            for _ in range(self.rng.randint(4, 12)):
                if time.monotonic() >= deadline:
                    break
                self._one_change()
            self._write("submit", "PATCH", "", {"status": "submitted", "version": self.version})
            self.documents += 1

    def _open_next(self) -> bool:
        answer = self.http.call("POST", f"/api/projects/{self.project}/next/")
        if answer is None or answer.status != 200:
            return False
        self.annotation = answer.payload["annotation"]["id"]
        self.version = answer.payload["annotation"]["version"]
        self.spans = {}
        self.next_slot = 0
        self.slots = len(answer.payload["text"]) // SLOT
        return True

    def _one_change(self) -> None:
        choice = self.rng.random()
        if not self.spans or choice < 0.5:
            self._create()
        elif choice < 0.7:
            self._relabel()
        elif choice < 0.9:
            self._delete()
        else:
            self._replace()

    def _fresh_span(self) -> tuple[str, dict[str, Any]] | None:
        if self.next_slot >= self.slots:
            return None
        start = self.next_slot * SLOT
        self.next_slot += 1
        label = self.rng.choice(sorted(self.labels))
        return label, {"start": start, "end": start + self.rng.randint(2, SLOT - 2)}

    def _create(self) -> None:
        fresh = self._fresh_span()
        if fresh is None:
            return
        label, where = fresh
        client_id = str(uuid.uuid4())
        body = {"label": self.labels[label], **where, "client_id": client_id}
        answer = self._write("create", "POST", "spans/", body, ((client_id, label),))
        if answer is not None:
            self.spans[client_id] = Span(answer.payload["id"], label, where["start"], where["end"])

    def _relabel(self) -> None:
        client_id, span = self.rng.choice(sorted(self.spans.items()))
        label = self.rng.choice(sorted(set(self.labels) - {span.label}))
        body = {"label": self.labels[label]}
        if self._write("relabel", "PATCH", f"spans/{span.id}/", body, ((client_id, label),)):
            span.label = label

    def _delete(self) -> None:
        client_id, span = self.rng.choice(sorted(self.spans.items()))
        if self._write("delete", "DELETE", f"spans/{span.id}/", None, ((client_id, ""),)):
            del self.spans[client_id]

    def _replace(self) -> None:
        kept = [item for item in sorted(self.spans.items()) if self.rng.random() < 0.6]
        items = [
            {"label": span.label, "start": span.start, "end": span.end, "client_id": client_id}
            for client_id, span in kept
        ]
        for _ in range(self.rng.randint(1, 3)):
            fresh = self._fresh_span()
            if fresh is not None:
                items.append({"label": fresh[0], **fresh[1], "client_id": str(uuid.uuid4())})
        touched = tuple((item["client_id"], item["label"]) for item in items)
        answer = self._write("replace", "POST", "bulk/", {"spans": items, "stances": []}, touched)
        if answer is not None:
            self._know(answer.payload["spans"])

    def _write(
        self,
        kind: str,
        method: str,
        tail: str,
        body: object,
        spans: tuple[tuple[str, str], ...] = (),
    ) -> Answer | None:
        """Send one write, note it in the ledger; return the answer if it was acknowledged."""
        key = str(uuid.uuid4())
        answer = self.http.call(method, f"/api/annotations/{self.annotation}/{tail}", body, key)
        # Without a key, a refusal of a retry says nothing of the attempt that went unanswered.
        if answer is None or (answer.status >= 400 and answer.retried and not self.http.keys):
            outcome, version = "unanswered", None
        elif answer.status >= 400:
            outcome, version = "refused", None
        else:
            outcome, version = "acked", answer.payload["version"]
        self.ledger.append(Write(self.annotation, kind, key, outcome, spans, version))
        self.http.tally.outcome(outcome)
        if outcome == "acked":
            self.version = version
            return answer
        if outcome == "unanswered":
            self._read_back()
        return None

    def _read_back(self) -> None:
        """After an unanswered write: take the annotation as the server has it."""
        answer = self.http.call("GET", f"/api/annotations/{self.annotation}/")
        if answer is None or answer.status != 200:
            return
        self.version = answer.payload["version"]
        self._know(answer.payload["spans"])

    def _know(self, spans: list[dict[str, Any]]) -> None:
        """Take these spans, as the server answered them, for the annotation's spans."""
        self.spans = {
            span["client_id"]: Span(span["id"], span["label_name"], span["start"], span["end"])
            for span in spans
        }
