"""Background tasks (run by ``manage.py db_worker``) and the functions that queue them.

Each starter writes its row and queues the task in one transaction: with the database backend
the task row commits together with the release or job it is for, so neither can exist without
the other. The tasks themselves only call the services, which are safe to run again: a release
that is ready, or an import job that is done, is left alone.
"""

from collections.abc import Iterable
from typing import BinaryIO

from django.contrib.auth.models import User
from django.db import transaction
from django_tasks import task

from annotations.models import ImportJob, Project, Release
from annotations.services import jobs, releases
from annotations.services.ingest import ImportOptions


@task()
def build_release(release_id: int) -> None:
    """Build one release's files (see services.releases.release_build)."""
    releases.release_build(release_id=release_id)


@task()
def run_import_job(job_id: int) -> None:
    """Run or resume one import job (see services.jobs.import_job_run)."""
    jobs.import_job_run(job_id=job_id)


def release_start(
    *,
    project: Project,
    actor: User,
    name: str,
    formats: Iterable[str] | None = None,
) -> Release:
    """Create a queued release and queue its build."""
    with transaction.atomic():
        release = releases.release_create(project=project, actor=actor, name=name, formats=formats)
        build_release.enqueue(release.pk)
    return release


def release_rebuild(*, release: Release) -> None:
    """Queue the build of a release that failed or whose worker died (not of a ready one)."""
    releases.release_check_rebuild(release=release)
    build_release.enqueue(release.pk)


def import_job_start(
    *,
    project: Project,
    actor: User | None,
    name: str,
    stream: BinaryIO,
    options: ImportOptions,
    records_total: int,
) -> ImportJob:
    """Store an upload as an import job and queue its run."""
    with transaction.atomic():
        job = jobs.import_job_create(
            project=project,
            actor=actor,
            name=name,
            stream=stream,
            options=options,
            records_total=records_total,
        )
        run_import_job.enqueue(job.pk)
    return job


def import_job_resume(*, job: ImportJob) -> None:
    """Queue another run of a job that is not done; it takes up where the last one stopped."""
    jobs.import_job_check_resume(job=job)
    run_import_job.enqueue(job.pk)
