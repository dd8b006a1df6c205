"""A production-like server for the scripts in bench/: gunicorn on a free loopback port.

    with live_server(database_url, workers=4) as server:
        server.url, server.log_path

The server runs with DEBUG=0, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1 and no HTTPS
redirect; it is stopped (its whole process group) when the block ends.
"""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Settings the scripts set themselves; anything else in the caller's environment is kept.
CONFIG_VARIABLES = ("DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT")


@dataclass(frozen=True)
class Server:
    url: str
    log_path: Path
    pid: int  # gunicorn's master; its workers are its children


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database_url: str, **extra: str) -> dict[str, str]:
    """The environment for manage.py and gunicorn: this database, nothing inherited for it."""
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_VARIABLES}
    env.update(DATABASE_URL=database_url, **extra)
    return env


def manage(database_url: str, *args: str) -> str:
    """Run a management command (as a developer would, DEBUG=1) and return its output."""
    done = subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=environment(database_url, DEBUG="1"),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


@contextlib.contextmanager
def live_server(database_url: str, *, workers: int = 2, threads: int = 1) -> Iterator[Server]:
    """Start gunicorn on a free port, wait until it answers, stop it afterwards."""
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="workbench-server-")) / "server.log"
    env = environment(
        database_url,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
    )
    command = [
        str(BIN / "gunicorn"),
        "workbench.wsgi",
        "-w",
        str(workers),
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
    ]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield Server(url=url, log_path=log, pid=process.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            urllib.request.urlopen(f"{url}/api/schema/", timeout=2).close()  # noqa: S310
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within 60 s:\n{log.read_text()}")
