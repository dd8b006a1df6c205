"""Dead workers: a heartbeat while a job, release or model version runs, and the sweep that
finds stalled ones.

A run records which worker holds it (``worker``) and beats ``heartbeat_at`` from a small
thread of the worker process, every ``HEARTBEAT_SECONDS``. The thread has its own database
connection, so its beats commit even while the run sits in one long transaction (a release's
snapshot), and it dies with the process: ``kill -9``, a lost machine or an out-of-memory kill
all stop the beats. A run whose last beat is older than ``STALLED_AFTER_SECONDS`` is stalled.

``stalled_mark`` marks such runs ``stalled`` with a conditional UPDATE (only while the row is
still running and its beat still old), so of two sweepers racing for one row exactly one wins
it; the caller (``annotations.tasks.stalled_requeue``) queues the resume in the same
transaction, so a run is re-queued exactly once per stall. Resuming is exact: an import job
takes up at its first record not committed (``services.jobs``), a release is built again from
a fresh snapshot (``services.releases``: nothing of a half build is ever stored). A worker
that was only slow, not dead, is stopped by the newer run (jobs: ``Superseded``; releases: the
first build to publish wins, a live one marked stalled included, and the other stores nothing).

A worker can also die in the moment between taking a task from the queue and starting its run
(the task is marked running, the row still ``queued``): no heartbeat ever began, so none can
stop. When the caller names the task that runs each model (``task_paths``), a queued row whose
task a worker took more than ``STALLED_AFTER_SECONDS`` ago is stalled too, and queued again
the same way; a live worker begins its run within moments of taking the task.

The trade-off: a worker whose work is wedged but whose process lives keeps beating, and is not
re-queued; a stall is noticed only by a sweep (``manage.py requeue_stalled``, run by
``make run``, a cron, and at the start of every background task).
"""

import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import DatabaseError, connections
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from annotations.models import (
    ImportJob,
    ImportJobStatus,
    ModelVersion,
    ModelVersionStatus,
    Release,
    ReleaseStatus,
)
from annotations.selectors.jobs import stalled_after_seconds

logger = logging.getLogger(__name__)

# How often a running job, release or model version beats: a few writes a minute, far inside
# the stall window.
HEARTBEAT_SECONDS = 5.0

STALLED_ERROR = "Its worker {worker} stopped beating at {beat}; queued again."
# The task row a dead worker left running is closed with this, so the task list in the admin
# does not show it running for ever; the row's own run is queued again as a new task.
LOST_TASK_CLASS = "annotations.services.stalled.WorkerLost"
NEVER_BEGAN_ERROR = "Its worker {worker} took its task at {taken} and never began; queued again."

Model = type[ImportJob] | type[Release] | type[ModelVersion]

# The status of a row while a worker runs it.
RUNNING: dict[Model, str] = {
    ImportJob: ImportJobStatus.RUNNING,
    Release: ReleaseStatus.BUILDING,
    ModelVersion: ModelVersionStatus.TRAINING,
}


@contextmanager
def heartbeat(*, model: Model, pk: int, worker: str, every: float | None = None) -> Iterator[None]:
    """Beat the row's heartbeat from a thread while the block runs and ``worker`` holds it."""
    running = RUNNING[model]
    interval = HEARTBEAT_SECONDS if every is None else every
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    model.objects.filter(pk=pk, worker=worker, status=running).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    # A busy database (SQLite's write lock) delays a beat; the next one retries.
                    logger.warning("%s %s: heartbeat failed", model.__name__, pk, exc_info=True)
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=beat, name=f"heartbeat-{model.__name__}-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@dataclass
class Stalled:
    """The runs one sweep marked stalled: the caller queues each again."""

    jobs: list[int] = field(default_factory=list)
    releases: list[int] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)


def _stale(cutoff: object, started: str) -> Q:
    # A run that never beat (one left running before heartbeats existed) counts from when it
    # last moved.
    return Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, **{f"{started}__lt": cutoff})


def stalled_mark(
    *, stalled_after: float | None = None, task_paths: Mapping[Model, str] | None = None
) -> Stalled:
    """Mark every running job, building release and training model version whose worker stopped
    beating as stalled (a version: queued again).

    With ``task_paths`` (the task that runs each model), also every queued one whose task a
    worker took before the stall window and never began. Call it inside the transaction that
    queues their resumes: each row is taken by a conditional UPDATE, so a concurrent sweep
    cannot take it too.
    """
    seconds = stalled_after_seconds() if stalled_after is None else stalled_after
    cutoff = timezone.now() - timedelta(seconds=seconds)
    found = Stalled()
    targets: tuple[tuple[Model, str, str, str, str, list[int]], ...] = (
        (ImportJob, ImportJobStatus.QUEUED, ImportJobStatus.RUNNING, ImportJobStatus.STALLED,
         "updated_at", found.jobs),
        (Release, ReleaseStatus.QUEUED, ReleaseStatus.BUILDING, ReleaseStatus.STALLED,
         "started_at", found.releases),
        # A model version has no stalled status: it goes back to queued, its error saying why,
        # and its next run trains it again from the start.
        (ModelVersion, ModelVersionStatus.QUEUED, ModelVersionStatus.TRAINING,
         ModelVersionStatus.QUEUED, "started_at", found.versions),
    )  # fmt: skip
    for model, queued, running, stalled, started, taken in targets:
        stale = Q(status=running) & _stale(cutoff, started)
        path = (task_paths or {}).get(model)
        for pk, worker, beat in model.objects.filter(stale).values_list(
            "pk", "worker", "heartbeat_at"
        ):
            error = STALLED_ERROR.format(worker=worker or "?", beat=beat or "never")
            if _take(model, pk, stale, stalled, error, taken) and path is not None:
                _close_lost_tasks(path, pk, error)
        if path is None:
            continue
        for pk, (worker, at) in _never_began(model, queued, path, cutoff).items():
            error = NEVER_BEGAN_ERROR.format(worker=worker, taken=at)
            if _take(model, pk, Q(status=queued), stalled, error, taken):
                _close_lost_tasks(path, pk, error)
    return found


def _take(model: Model, pk: int, still: Q, stalled: str, error: str, taken: list[int]) -> bool:
    if model.objects.filter(still, pk=pk).update(status=stalled, error=error):
        logger.warning("%s %s: %s", model.__name__, pk, error)
        taken.append(pk)
        return True
    return False


def _close_lost_tasks(task_path: str, pk: int, error: str) -> None:
    """Mark failed the task rows of this run that dead workers took and left running.

    Only a run just taken as stalled gets here, so no live worker holds any of them: had one
    been only slow, finishing writes its own outcome over this one.
    """
    DBTaskResult.objects.filter(
        task_path=task_path,
        status=TaskResultStatus.RUNNING,
        args_kwargs__args__0=pk,
    ).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=LOST_TASK_CLASS,
        traceback=error,
    )


def _never_began(
    model: Model, queued: str, task_path: str, cutoff: object
) -> dict[int, tuple[str, object]]:
    """Queued rows whose task (run with the row's id) a worker took before ``cutoff``."""
    taken = DBTaskResult.objects.filter(
        task_path=task_path, status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).values_list("args_kwargs", "worker_ids", "started_at")
    by_pk: dict[int, tuple[str, object]] = {}
    for args_kwargs, worker_ids, at in taken:
        args = args_kwargs.get("args") or [None]
        by_pk[args[0]] = (worker_ids[-1] if worker_ids else "?", at)
    still_queued = model.objects.filter(status=queued, pk__in=[pk for pk in by_pk if pk])
    return {pk: by_pk[pk] for pk in still_queued.values_list("pk", flat=True)}
