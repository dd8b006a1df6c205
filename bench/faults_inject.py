"""The faults the campaign injects into a live server: killed workers and cut connections.

``Every`` runs one fault at random intervals on a thread until stopped:

- ``gunicorn_worker_kill``: SIGKILL one gunicorn worker (the master starts another);
- ``connection_cut``: ``pg_terminate_backend`` on one PostgreSQL backend serving a gunicorn
  worker, found by the worker's own TCP port (``pg_stat_activity.client_port``), so that the
  bench's own connections and the db_workers' are never cut.

``db_worker_start`` starts a real ``manage.py db_worker`` for the killed-worker phase.
"""

import os
import random
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import psutil
import psycopg
from live_server import BIN, ROOT, environment


class Every(threading.Thread):
    """Call ``fault`` every ``low`` to ``high`` seconds (at random) until ``stop``."""

    def __init__(self, name: str, fault: Callable[[], bool], low: float, high: float, seed: int):
        super().__init__(name=name, daemon=True)
        self.fault = fault
        self.low, self.high = low, high
        self.rng = random.Random(seed)
        self.done = 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(self.rng.uniform(self.low, self.high)):
            if self.fault():
                self.done += 1

    def stop(self) -> None:
        self.halt.set()
        self.join()


def gunicorn_worker_kill(master_pid: int, rng: random.Random) -> Callable[[], bool]:
    """A fault: SIGKILL one of the master's workers, chosen at random."""

    def kill() -> bool:
        workers = psutil.Process(master_pid).children()
        if not workers:
            return False
        try:
            os.kill(rng.choice(workers).pid, signal.SIGKILL)
        except ProcessLookupError:
            return False
        return True

    return kill


def _worker_ports(master_pid: int) -> list[int]:
    """The local ports of the gunicorn workers' connections to PostgreSQL."""
    ports = []
    for worker in psutil.Process(master_pid).children():
        try:
            connections = worker.net_connections(kind="tcp")
        except psutil.Error:
            continue
        ports += [c.laddr.port for c in connections if c.raddr and c.raddr.port == 5432]
    return ports


def connection_cut(database_url: str, master_pid: int, rng: random.Random) -> Callable[[], bool]:
    """A fault: terminate the PostgreSQL backend of one gunicorn worker's connection."""
    name = database_url.rsplit("/", 1)[1]

    def cut() -> bool:
        ports = _worker_ports(master_pid)
        if not ports:
            return False
        with psycopg.connect(database_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND client_port = %s",
                [name, rng.choice(ports)],
            ).fetchone()
        return bool(row and row[0])

    return cut


def db_worker_start(
    database_url: str, worker_id: str, log: Path, **settings: str
) -> subprocess.Popen:
    """Start ``manage.py db_worker`` (polling every 0.2 s, logging to ``log``) with ``settings``."""
    command = [str(BIN / "python"), "manage.py", "db_worker", "--worker-id", worker_id]
    command += ["--interval", "0.2", "--no-startup-delay", "--no-reload"]
    env = environment(database_url, DEBUG="1", **settings)
    return _logged(command, env, log)


def sweeper_start(database_url: str, stalled_after: float, log: Path) -> subprocess.Popen:
    """Start ``manage.py requeue_stalled`` sweeping every second."""
    command = [str(BIN / "python"), "manage.py", "requeue_stalled", "--every", "1"]
    command += ["--stalled-after", str(stalled_after)]
    return _logged(command, environment(database_url, DEBUG="1"), log)


def _logged(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("a") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 20 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
