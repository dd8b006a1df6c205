"""Run queued tasks in the test process, exactly as ``manage.py db_worker --batch`` would."""

from unittest import mock

from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult


def run_worker() -> int:
    """Run every ready task of the database queue to its end; return how many ran."""
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
