"""The load of bench/cluster.py: annotators, a reviewer and a manager behind a load balancer.

The balancer is the client side of what HAProxy or nginx would do: it probes each web host's
``/healthz`` every half second (out of rotation after two failed probes in a row, back after
one good one), sends each user to their home host (round-robin over the users) while it is
healthy and to another healthy host otherwise, and takes a host out at once when a new
connection to it fails (a passive check), until a probe passes again.

Every write carries a fresh ``Idempotency-Key`` (a span also its ``client_id``) and is sent
again, with the same key and body, to whichever host is healthy when its answer is lost: the
request that a killed host took with it is applied once, whichever host applied it. The
``Record`` keeps what the server acknowledged, which bench/cluster_checks.py then looks for
in the database.
"""

import http.client
import json
import queue
import random
import re
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from cluster_hosts import Host

PROBE_SECONDS = 0.5
FALL = 2  # failed probes in a row that take a host out of rotation
ATTEMPTS = 12  # one write is sent at most this often, over about 20 s of back-off
WORD = re.compile(r"\w+")


class Clock:
    """The run's time: ``over`` once ``seconds`` have passed since ``start``."""

    def __init__(self, seconds: float) -> None:
        self.started = time.monotonic()
        self.seconds = seconds
        self.stop = threading.Event()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def over(self) -> bool:
        return self.stop.is_set() or self.elapsed() >= self.seconds

    def sleep(self, seconds: float) -> bool:
        """Sleep, unless the run ends first; answer whether the run goes on."""
        left = self.seconds - self.elapsed()
        self.stop.wait(min(seconds, max(left, 0)))
        return not self.over()


class Balancer:
    """Healthy web hosts, from active probes of /healthz and from failed requests."""

    def __init__(self, hosts: tuple[Host, ...]) -> None:
        self.hosts = hosts
        self.healthy = dict.fromkeys(hosts, True)
        self.closed = threading.Event()
        self.outages: list[tuple[str, float, float | None]] = []  # host, out, back (monotonic)
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._probe_forever, daemon=True)
        self._thread.start()

    def route(self, home: int) -> Host | None:
        """The user's home host if healthy, else the next healthy one; None when none is."""
        for offset in range(len(self.hosts)):
            host = self.hosts[(home + offset) % len(self.hosts)]
            if self.healthy[host]:
                return host
        return None

    def failed(self, host: Host) -> None:
        self._set(host, healthy=False)

    def _set(self, host: Host, *, healthy: bool) -> None:
        with self._lock:
            if self.healthy[host] == healthy:
                return
            self.healthy[host] = healthy
            now = time.monotonic()
            if not healthy:
                self.outages.append((host.name, now, None))
                return
            for index in range(len(self.outages) - 1, -1, -1):
                name, out, back = self.outages[index]
                if name == host.name and back is None:
                    self.outages[index] = (name, out, now)
                    break

    def _probe_forever(self) -> None:
        failures = dict.fromkeys(self.hosts, 0)
        while not self.closed.wait(PROBE_SECONDS):
            for host in self.hosts:
                failures[host] = 0 if _probe(host) else failures[host] + 1
                # Out after FALL failed probes in a row (a refused request: at once), in
                # again after one good probe.
                if failures[host] in (0, FALL):
                    self._set(host, healthy=not failures[host])

    def close(self) -> None:
        self.closed.set()
        self._thread.join()


def _probe(host: Host) -> bool:
    connection = http.client.HTTPConnection(host.address, 8000, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


@dataclass
class Record:
    """What the users saw, and every write the server acknowledged."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    answers: Counter = field(default_factory=Counter)  # (kind, status)
    resent: Counter = field(default_factory=Counter)  # kind -> requests sent again
    gave_up: Counter = field(default_factory=Counter)  # kind -> writes never answered
    spans: dict[str, int] = field(default_factory=dict)  # client_id -> annotation
    unacknowledged_spans: dict[str, int] = field(default_factory=dict)  # refused or unanswered
    submitted: set[int] = field(default_factory=set)  # annotation ids
    gold: set[int] = field(default_factory=set)  # document ids
    releases: dict[int, str] = field(default_factory=dict)  # id -> name
    release_seconds: dict[int, float] = field(default_factory=dict)  # id -> queued to ready
    downloads: dict[int, bool] = field(default_factory=dict)  # id -> sha256 matched
    keys: set[tuple[str, str]] = field(default_factory=set)  # (username, Idempotency-Key)
    lock: threading.Lock = field(default_factory=threading.Lock)

    refusals: list[str] = field(default_factory=list)  # the first few answers not 2xx

    def answer(self, kind: str, status: int, seconds: float, payload: dict) -> None:
        with self.lock:
            self.latencies[kind].append(seconds * 1000)
            self.answers[kind, status] += 1
            if status >= 300 and len(self.refusals) < 10:
                self.refusals.append(f"{kind} {status}: {str(payload)[:300]}")


class Session:
    """One user's keep-alive connections, one per web host, and their requests."""

    def __init__(
        self, *, username: str, token: str, home: int, balancer: Balancer, record: Record
    ) -> None:
        self.username = username
        self.home = home
        self.balancer = balancer
        self.record = record
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        self.connections: dict[Host, http.client.HTTPConnection] = {}

    def call(self, method: str, path: str, body: object = None, *, kind: str) -> tuple[int, dict]:
        """Send one request until a host answers it; (0, {}) when none does in ATTEMPTS."""
        headers = dict(self.headers)
        if method != "GET":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        data = None if body is None else json.dumps(body)
        started = time.perf_counter()
        for attempt in range(ATTEMPTS):
            host = self.balancer.route(self.home)
            if host is not None:
                reused = host in self.connections
                try:
                    status, payload = self._send(host, method, path, data, headers)
                except (OSError, http.client.HTTPException):
                    self.connections.pop(host).close()
                    if reused:
                        # A kept-alive connection can be stale (its host restarted since):
                        # as any HTTP client, try a new one before calling the host down.
                        self._count(self.record.resent, kind)
                        continue
                    self.balancer.failed(host)
                else:
                    self.record.answer(kind, status, time.perf_counter() - started, payload)
                    if method != "GET" and 200 <= status < 300:
                        with self.record.lock:
                            self.record.keys.add((self.username, headers["Idempotency-Key"]))
                    return status, payload
            self._count(self.record.resent, kind)
            time.sleep(min(0.1 * 2**attempt, 3.0))
        self._count(self.record.gave_up, kind)
        return 0, {}

    def _count(self, counter: Counter, kind: str) -> None:
        with self.record.lock:
            counter[kind] += 1

    def _send(
        self, host: Host, method: str, path: str, data: str | None, headers: dict[str, str]
    ) -> tuple[int, dict]:
        if host not in self.connections:
            self.connections[host] = http.client.HTTPConnection(host.address, 8000, timeout=30)
        connection = self.connections[host]
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        is_json = response.getheader("Content-Type", "").split(";")[0] == "application/json"
        return response.status, (json.loads(raw) if raw and is_json else {"raw": raw})


@dataclass(frozen=True)
class Project:
    id: int
    labels: tuple[int, ...]  # entity labels


def span_plan(document: dict, labels: tuple[int, ...], rng: random.Random) -> list[dict]:
    """Three to five entity spans on words of the document, mostly where another annotator
    of it puts them too (the words and labels follow the document's id), sometimes not."""
    words = [(m.start(), m.end()) for m in WORD.finditer(document["text"])][:80]
    shared = random.Random(document["id"])
    picked = shared.sample(range(len(words)), k=min(len(words), shared.randint(3, 5)))
    others = [index for index in range(len(words)) if index not in picked]
    rng.shuffle(others)
    plan = []
    for index in picked:
        if rng.random() < 0.15:  # this annotator disagrees on this one
            index = others.pop()
        start, end = words[index]
        label = labels[(document["id"] + index) % len(labels)]
        plan.append({"label": label, "start": start, "end": end})
    return plan


def annotate(
    session: Session, project: Project, clock: Clock, submissions: "Submissions", seed: int
) -> None:
    """Take the next document, mark a span every ~3 s, submit, take the next; until the end."""
    rng = random.Random(seed)
    clock.sleep(rng.uniform(0, 3))  # users do not all start in the same second
    while not clock.over():
        status, document = session.call("POST", f"/api/projects/{project.id}/next/", kind="next")
        if status == 204:
            return  # the project is done
        if status != 200:
            clock.sleep(1)
            continue
        annotation = document["annotation"]["id"]
        version = document["annotation"]["version"]
        for span in span_plan(document, project.labels, rng):
            if not clock.sleep(rng.uniform(2.0, 4.0)):
                return
            version = _add_span(session, annotation, span, version)
        if _submit(session, annotation, version):
            submissions.add(document["id"])


def _add_span(session: Session, annotation: int, span: dict, version: int) -> int:
    body = {**span, "client_id": str(uuid.uuid4())}
    status, payload = session.call(
        "POST", f"/api/annotations/{annotation}/spans/", body, kind="span"
    )
    with session.record.lock:
        if status in (200, 201):
            session.record.spans[body["client_id"]] = annotation
        else:
            session.record.unacknowledged_spans[body["client_id"]] = annotation
    return payload.get("version", version) if status in (200, 201) else version


def _submit(session: Session, annotation: int, version: int) -> bool:
    path = f"/api/annotations/{annotation}/"
    for _ in range(3):
        body = {"status": "submitted", "version": version}
        status, payload = session.call("PATCH", path, body, kind="submit")
        if status == 200:
            with session.record.lock:
                session.record.submitted.add(annotation)
            return True
        if status != 409:
            return False
        version = payload.get("current_version", version)  # a span answer was lost
    return False


class Submissions:
    """Documents whose second annotator has submitted: ready for the reviewer."""

    def __init__(self, needed: int) -> None:
        self.needed = needed
        self.counts: Counter = Counter()
        self.ready: queue.Queue[int] = queue.Queue()
        self.lock = threading.Lock()

    def add(self, document: int) -> None:
        with self.lock:
            self.counts[document] += 1
            if self.counts[document] == self.needed:
                self.ready.put(document)


def review(session: Session, clock: Clock, submissions: Submissions) -> None:
    """Build gold by majority for each document as soon as its annotators have submitted."""
    while not clock.over():
        try:
            document = submissions.ready.get(timeout=0.5)
        except queue.Empty:
            continue
        status, _ = session.call(
            "POST", f"/api/documents/{document}/gold/", {"strategy": "majority"}, kind="gold"
        )
        if status in (200, 201):
            with session.record.lock:
                session.record.gold.add(document)


def manage_releases(
    session: Session,
    project: Project,
    clock: Clock,
    schedule: list[float],
    pending: dict[int, float],
) -> None:
    """Create a release at each time of ``schedule`` and follow each while the run lasts.

    The first waits for the first gold: a project without gold has nothing to release.
    """
    while not session.record.gold and not clock.over():
        clock.stop.wait(0.5)
    for number, at in enumerate(schedule, 1):
        while clock.elapsed() < at and not clock.stop.is_set():
            _follow(session, pending)
            clock.stop.wait(0.5)
        release_create(session, project, f"cluster-{number}", pending)
    while pending and not clock.over():
        _follow(session, pending)
        clock.stop.wait(0.5)


def release_create(
    session: Session, project: Project, name: str, pending: dict[int, float]
) -> None:
    status, payload = session.call(
        "POST", f"/api/projects/{project.id}/releases/", {"name": name}, kind="release"
    )
    if status == 202:
        with session.record.lock:
            session.record.releases[payload["id"]] = name
        pending[payload["id"]] = time.monotonic()


def release_follow(session: Session, pending: dict[int, float], *, timeout: float) -> None:
    """Poll the pending releases until each is built (or failed), at most ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        _follow(session, pending)
        time.sleep(0.5)


def _follow(session: Session, pending: dict[int, float]) -> None:
    for release, queued_at in list(pending.items()):
        status, payload = session.call("GET", f"/api/releases/{release}/", kind="release_poll")
        if status != 200 or payload["status"] not in ("ready", "failed"):
            continue
        del pending[release]
        with session.record.lock:
            session.record.release_seconds[release] = time.monotonic() - queued_at
        if payload["status"] == "ready":
            jsonl = next(file for file in payload["files"] if file["format"] == "jsonl")
            _download(session, release, jsonl)


def _download(session: Session, release: int, file: dict) -> None:
    import hashlib

    path = f"/api/releases/{release}/download/?format={file['format']}"
    status, payload = session.call("GET", path, kind="download")
    body = payload.get("raw", b"")
    matched = status == 200 and hashlib.sha256(body).hexdigest() == file["sha256"]
    with session.record.lock:
        session.record.downloads[release] = matched
