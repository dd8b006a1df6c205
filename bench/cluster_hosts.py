"""The hosts of bench/cluster.py: network namespaces on one bridge, PgBouncer, and the processes.

Topology (each web and worker host is a network namespace with its own address, reached only
over its veth cable through the bridge; nothing in it can see the root namespace's loopback):

    root namespace: PostgreSQL 127.0.0.1:5432 <- PgBouncer 10.231.77.1:6432 (transaction mode)
                    bridge wbc-br0 10.231.77.1/24, the load generator
    wbc-web1   10.231.77.11   gunicorn :8000
    wbc-web2   10.231.77.12   gunicorn :8000
    wbc-worker 10.231.77.13   manage.py db_worker + manage.py requeue_stalled

Every host talks to the database through PgBouncer only, with DATABASE_PREPARED_STATEMENTS=0.
``Cluster.kill(host)`` is a host lost at once: SIGKILL to
every process of its namespace. Everything is undone by ``Cluster.close`` (processes,
namespaces, the bridge, PgBouncer's files), also after a failure.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PREFIX = "wbc"
BRIDGE = f"{PREFIX}-br0"
SUBNET = "10.231.77"
BRIDGE_ADDRESS = f"{SUBNET}.1"
PGBOUNCER_PORT = 6432
WEB_PORT = 8000
# Settings the hosts set themselves; anything else in the caller's environment is kept.
CONFIG_VARIABLES = (
    "DATABASE_URL",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "DATABASE_PREPARED_STATEMENTS",
    "STALLED_AFTER_SECONDS",
)
PGBOUNCER_INI = """\
[databases]
{database} = host=127.0.0.1 port=5432 dbname={database} user=postgres

[pgbouncer]
listen_addr = {address}
listen_port = {port}
auth_type = trust
auth_file = {directory}/userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 500
ignore_startup_parameters = extra_float_digits
logfile = {directory}/pgbouncer.log
pidfile = {directory}/pgbouncer.pid
admin_users = postgres
"""


@dataclass(frozen=True)
class Host:
    name: str  # web1, web2, worker
    address: str

    @property
    def namespace(self) -> str:
        return f"{PREFIX}-{self.name}"

    @property
    def url(self) -> str:
        return f"http://{self.address}:{WEB_PORT}"


HOSTS = {
    name: Host(name, f"{SUBNET}.{number}")
    for name, number in (("web1", 11), ("web2", 12), ("worker", 13))
}
WEB_HOSTS = (HOSTS["web1"], HOSTS["web2"])


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, text=True)


class Cluster:
    """Bridge, namespaces, PgBouncer and the hosts' processes; ``close`` undoes all of it."""

    def __init__(self, *, database: str, secret_key: str, web_workers: int, threads: int) -> None:
        self.database = database
        self.secret_key = secret_key
        self.web_workers = web_workers
        self.threads = threads
        self.directory = Path(tempfile.mkdtemp(prefix="workbench-cluster-"))
        self.pgbouncer: subprocess.Popen | None = None
        self.restarts: dict[str, int] = {}

    @property
    def database_url(self) -> str:
        """The URL every host uses: PgBouncer on the bridge, never PostgreSQL itself."""
        return f"postgres://postgres@{BRIDGE_ADDRESS}:{PGBOUNCER_PORT}/{self.database}"

    def log_path(self, host: Host) -> Path:
        return self.directory / f"{host.name}.log"

    # The network.
    def build_network(self) -> None:
        self.remove_network()
        run("ip", "link", "add", BRIDGE, "type", "bridge")
        run("ip", "addr", "add", f"{BRIDGE_ADDRESS}/24", "dev", BRIDGE)
        run("ip", "link", "set", BRIDGE, "up")
        for host in HOSTS.values():
            cable = f"{PREFIX}-{host.name}-h"
            run("ip", "netns", "add", host.namespace)
            run(
                "ip",
                "link",
                "add",
                cable,
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                host.namespace,
            )
            run("ip", "link", "set", cable, "master", BRIDGE, "up")
            run("ip", "-n", host.namespace, "addr", "add", f"{host.address}/24", "dev", "eth0")
            run("ip", "-n", host.namespace, "link", "set", "eth0", "up")
            run("ip", "-n", host.namespace, "link", "set", "lo", "up")

    @staticmethod
    def remove_network() -> None:
        """Delete the namespaces (their veth cables go with them) and the bridge, if present."""
        for host in HOSTS.values():
            Cluster.kill(host)
            with contextlib.suppress(subprocess.CalledProcessError):
                run("ip", "netns", "del", host.namespace)
        with contextlib.suppress(subprocess.CalledProcessError):
            run("ip", "link", "del", BRIDGE)

    # PgBouncer, in the root namespace, listening on the bridge's address only.
    def start_pgbouncer(self, *, pool_size: int) -> None:
        (self.directory / "userlist.txt").write_text('"postgres" ""\n')
        ini = self.directory / "pgbouncer.ini"
        ini.write_text(
            PGBOUNCER_INI.format(
                database=self.database,
                address=BRIDGE_ADDRESS,
                port=PGBOUNCER_PORT,
                directory=self.directory,
                pool_size=pool_size,
            )
        )
        shutil.chown(self.directory, "postgres")
        for path in self.directory.iterdir():
            shutil.chown(path, "postgres")
        # PgBouncer refuses to run as root: -u drops to the postgres account.
        self.pgbouncer = subprocess.Popen(
            [shutil.which("pgbouncer") or "/usr/sbin/pgbouncer", "-u", "postgres", str(ini)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_for_pgbouncer()

    def _wait_for_pgbouncer(self) -> None:
        import psycopg

        deadline = time.monotonic() + 20
        while True:
            try:
                psycopg.connect(self.database_url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline or self.pgbouncer.poll() is not None:
                    log = self.directory / "pgbouncer.log"
                    raise SystemExit(f"PgBouncer did not start:\n{_tail(log)}") from None
                time.sleep(0.2)

    def stop_pgbouncer(self) -> None:
        if self.pgbouncer is not None and self.pgbouncer.poll() is None:
            os.killpg(self.pgbouncer.pid, signal.SIGTERM)
            self.pgbouncer.wait(timeout=20)

    # The hosts' processes.
    def environment(self, **extra: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in CONFIG_VARIABLES}
        env.update(
            DATABASE_URL=self.database_url,
            DATABASE_PREPARED_STATEMENTS="0",
            DEBUG="0",
            SECRET_KEY=self.secret_key,
            ALLOWED_HOSTS=",".join(host.address for host in WEB_HOSTS),
            SECURE_SSL_REDIRECT="0",
            # A killed process loses what it had not written: keep the logs whole.
            PYTHONUNBUFFERED="1",
            **extra,
        )
        return env

    def start(self, host: Host, *, stalled_after: float) -> None:
        """Start the host's processes (gunicorn, or the worker and the stalled-run sweep)."""
        if host.name == "worker":
            commands = [
                [str(BIN / "python"), "manage.py", "db_worker", "--no-reload", "--interval", "0.5"],
                [str(BIN / "python"), "manage.py", "requeue_stalled", "--every", "5"],
            ]
        else:
            commands = [
                [
                    str(BIN / "gunicorn"),
                    "workbench.wsgi",
                    "-w",
                    str(self.web_workers),
                    "--threads",
                    str(self.threads),
                    "--keep-alive",
                    "75",
                    # Each host's own: the default path is shared by every gunicorn of the machine.
                    "--control-socket",
                    str(self.directory / f"{host.name}.ctl"),
                    "-b",
                    f"{host.address}:{WEB_PORT}",
                ]
            ]
        env = self.environment(STALLED_AFTER_SECONDS=str(stalled_after))
        with self.log_path(host).open("a") as log:
            for command in commands:
                subprocess.Popen(
                    ["ip", "netns", "exec", host.namespace, *command],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        self.restarts[host.name] = self.restarts.get(host.name, -1) + 1

    @staticmethod
    def pids(host: Host) -> list[int]:
        done = subprocess.run(
            ["ip", "netns", "pids", host.namespace], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in done.stdout.split()] if done.returncode == 0 else []

    @staticmethod
    def kill(host: Host, sig: signal.Signals = signal.SIGKILL) -> int:
        """Send ``sig`` to every process of the host; answer how many there were."""
        pids = Cluster.pids(host)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        return len(pids)

    def wait_healthy(self, host: Host, *, timeout: float = 60) -> float:
        """Wait until the web host's /healthz answers 200; answer the seconds it took."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                with urllib.request.urlopen(f"{host.url}/healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return time.monotonic() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise SystemExit(
            f"{host.name} not healthy after {timeout:.0f} s:\n{_tail(self.log_path(host))}"
        )

    def wait_worker(self, *, timeout: float = 60) -> None:
        """Wait until the worker host runs a db_worker process."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pids(HOSTS["worker"]):
                return
            time.sleep(0.2)
        raise SystemExit(f"the worker did not start:\n{_tail(self.log_path(HOSTS['worker']))}")

    def log_text(self, host: Host) -> str:
        path = self.log_path(host)
        return path.read_text() if path.exists() else ""

    def close(self, *, keep_logs: bool = False) -> Path | None:
        """Stop everything started here and remove the network; answer where logs were kept."""
        for host in HOSTS.values():
            self.kill(host, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while any(self.pids(host) for host in HOSTS.values()) and time.monotonic() < deadline:
            time.sleep(0.2)
        self.remove_network()
        self.stop_pgbouncer()
        if keep_logs:
            return self.directory
        shutil.rmtree(self.directory, ignore_errors=True)
        return None


def _tail(path: Path, characters: int = 4_000) -> str:
    return path.read_text()[-characters:] if path.exists() else f"({path} missing)"
