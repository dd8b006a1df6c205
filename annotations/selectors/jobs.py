"""Import jobs and their uploaded bytes, as the import page and the worker read them.

Invariants: a job is reached through the caller's membership (``caller_role``; None for a
non-member); lists leave out the reports; uploaded bytes are read chunk by chunk, a few
chunks per round trip, never whole.
"""

from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet

from annotations.models import ImportJob, ImportJobChunk, Project
from annotations.selectors.base import chunk_bytes, role_of

# Six missed beats: a worker busy on a long transaction still beats (its own connection), so a
# live worker is never this late, and a dead one is re-queued well within a minute.
STALLED_AFTER_SECONDS_DEFAULT = 30.0


def stalled_after_seconds() -> float:
    """Seconds without a heartbeat before a run is stalled (setting STALLED_AFTER_SECONDS)."""
    return float(getattr(settings, "STALLED_AFTER_SECONDS", STALLED_AFTER_SECONDS_DEFAULT))


def import_job_list(*, project: Project) -> QuerySet[ImportJob]:
    """Return the project's import jobs, newest first, without their reports."""
    return (
        ImportJob.objects.filter(project=project)
        .select_related("created_by")
        .defer("report")
        .order_by("-id")
    )


def import_job_recent(*, project: Project, limit: int) -> list[ImportJob]:
    """Return the project's ``limit`` newest import jobs, with who started them."""
    return list(import_job_list(project=project)[:limit])


def import_job_get_for_user(*, user: User, job_id: int) -> ImportJob | None:
    """Return the import job with the user's ``caller_role``, or None for a non-member."""
    return (
        ImportJob.objects.filter(pk=job_id, project__memberships__user=user)  # type: ignore[no-redef]  # see role_of
        .annotate(caller_role=role_of(user, "project_id"))
        .select_related("created_by")
        .first()
    )


def import_job_chunks(*, job: ImportJob) -> Iterator[bytes]:
    """Yield the job's uploaded bytes chunk by chunk, in order."""
    return chunk_bytes(ImportJobChunk.objects.filter(job=job))
