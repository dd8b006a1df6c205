"""Start workers for tests: in the test process (``run_worker``), or as real processes.

``python -m tests.worker SECONDS [db_worker options]`` runs ``manage.py db_worker`` with every
import batch, every release progress step and every document a dictionary recommender predicts
slowed by SECONDS, so that a test can kill the
process (SIGKILL) while it is surely halfway through its work (tests/services/test_stalled.py).
"""

import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent


def run_worker() -> int:
    """Run every ready task of the database queue to its end; return how many ran."""
    # Imported here: ``python -m tests.worker`` loads this module before Django is set up.
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    worker = db_worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    before = DBTaskResult.objects.finished().count()
    # The worker drops stale connections between tasks; the test's data lives in a transaction
    # on this connection, which must stay open.
    with mock.patch.object(db_worker, "close_old_connections"):
        worker.run()
    return DBTaskResult.objects.finished().count() - before


def database_url(settings: dict) -> str:
    """The DATABASE_URL of the database these settings name (the test database in a test)."""
    if settings["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings['NAME']}"
    return (
        f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST'] or ''}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def start_worker_process(
    worker_id: str, env: dict[str, str], *, slow: float = 0.0
) -> subprocess.Popen[bytes]:
    """Start a real ``db_worker`` process (polling every 0.2 s), slowed by ``slow`` seconds."""
    command = [sys.executable, "-m", "tests.worker", str(slow)]
    command += ["--worker-id", worker_id, "--interval", "0.2", "--no-startup-delay", "--no-reload"]
    return subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own interpreter


def start_sweeper_process(env: dict[str, str], *, stalled_after: float) -> subprocess.Popen[bytes]:
    """Start ``manage.py requeue_stalled`` sweeping every second."""
    command = [sys.executable, "manage.py", "requeue_stalled", "--every", "1"]
    command += ["--stalled-after", str(stalled_after)]
    return subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own interpreter


def _slowed(function, seconds: float):  # type: ignore[no-untyped-def]
    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(seconds)
        return function(*args, **kwargs)

    return slow


def main() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    from annotations.learning import dictionary
    from annotations.services import ingest, jobs, recommenders, releases

    seconds = float(sys.argv[1])
    if seconds:
        jobs.BATCH_SIZE = 100
        releases.PROGRESS_EVERY = 1
        ingest.store_batch = _slowed(ingest.store_batch, seconds)
        releases._progress = _slowed(releases._progress, seconds)
        recommenders.PREDICT_BATCH = 1
        dictionary.Matcher.predict = _slowed(dictionary.Matcher.predict, seconds)  # type: ignore[method-assign]
    call_command("db_worker", *sys.argv[2:])


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    main()
