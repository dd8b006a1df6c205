"""Throttle tests: a clock the tests can move, fresh counts, and a real multi-worker server."""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from django.core.cache import cache

from tests.factories import PASSWORD

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
WORKERS = 4
# Everything settings.py reads from the environment: each server states its own.
CONFIG_VARIABLES = [
    "DATABASE_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "BEHIND_PROXY",
    "API_WRITE_RATE",
    "LOG_LEVEL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
]
# Users the server's database starts with, and a token for the writer.
SEED = f"""
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
for name in ("ada", "victim", "writer"):
    User.objects.create_user(name, password={PASSWORD!r})
print(Token.objects.create(user=User.objects.get(username="writer")).key)
"""


@pytest.fixture(autouse=True)
def _fresh_throttles(request):
    """Tests with a database start with no throttle counts (the cache is a database table)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        yield
        return
    request.getfixturevalue("db")
    cache.clear()
    yield
    cache.clear()


class Clock:
    """Wall-clock time plus an offset the test moves; the cache's expiry reads it too."""

    def __init__(self) -> None:
        self._real = time.time
        self.offset = 0.0

    def time(self) -> float:
        return self._real() + self.offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=UTC)

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(time, "time", fake.time)
    monkeypatch.setattr("django.core.cache.backends.db.tz_now", fake.now)
    return fake


@dataclass
class Server:
    url: str
    token: str

    def client(self, source: str = "127.0.0.1") -> httpx.Client:
        """A client whose connections come from ``source`` (any 127.x address is local)."""
        transport = httpx.HTTPTransport(local_address=source)
        return httpx.Client(base_url=self.url, transport=transport, timeout=30)


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py, no shell
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_environment(database: Path, **variables: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_VARIABLES}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        **variables,
    )
    return env


@pytest.fixture(scope="session")
def _seeded_database(tmp_path_factory) -> tuple[Path, str]:
    """A migrated SQLite file with the SEED users, copied for each server; and the token."""
    database = tmp_path_factory.mktemp("servers") / "seeded.sqlite3"
    env = _server_environment(database)
    _manage(env, "migrate", "--noinput")
    token = _manage(env, "shell", "--no-imports", "-c", SEED).strip().splitlines()[-1]
    return database, token


@pytest.fixture
def gunicorn(tmp_path, _seeded_database) -> Iterator[Callable[..., Server]]:
    """Start gunicorn (WORKERS sync workers, DEBUG=0) over a fresh copy of the seeded database."""
    started: list[subprocess.Popen[bytes]] = []
    seeded, token = _seeded_database

    def start(**variables: str) -> Server:
        database = tmp_path / f"server{len(started)}.sqlite3"
        shutil.copyfile(seeded, database)
        env = _server_environment(database, **variables)
        port = _free_port()
        log_path = tmp_path / f"gunicorn{len(started)}.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(  # noqa: S603 - our own interpreter, no shell
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "workbench.wsgi",
                    f"--workers={WORKERS}",
                    f"--bind=127.0.0.1:{port}",
                ],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        started.append(server)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert server.poll() is None, log_path.read_text()
            try:
                httpx.get(f"{url}/accounts/login/", timeout=5)
                return Server(url=url, token=token)
            except httpx.TransportError:
                time.sleep(0.2)
        pytest.fail("gunicorn did not answer within 60 s")

    yield start
    for server in started:
        server.terminate()
        server.wait(timeout=30)
