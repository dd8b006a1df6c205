"""Background tasks (run by ``manage.py db_worker``) and the functions that queue them.

Each starter writes its row and queues the task in one transaction: with the database backend
the task row commits together with the release or job it is for, so neither can exist without
the other. The tasks themselves only call the services, which are safe to run again: a release
that is ready, or an import job that is done, is left alone.

Every task first sweeps for stalled work (``stalled_requeue``): a job, release or model
version whose worker stopped beating, or whose task a worker took and died before beginning,
is marked stalled and queued again, in one transaction, exactly once however
many workers sweep at the same time. ``manage.py requeue_stalled`` runs the same sweep
(``make run`` keeps one looping; a cron can call it), so a stall is noticed even when no new
task arrives.
"""

from collections.abc import Iterable
from typing import Any, BinaryIO

from django.contrib.auth.models import User
from django.db import transaction
from django_tasks import TaskContext, task

from annotations.models import (
    ImportJob,
    ImportJobStatus,
    ModelVersion,
    Project,
    Recommender,
    Release,
)
from annotations.selectors import recommenders as reads
from annotations.services import jobs, matching, recommenders, releases, stalled
from annotations.services.ingest import ImportOptions


def _worker(context: TaskContext) -> str:
    worker_ids = context.task_result.worker_ids
    return worker_ids[-1] if worker_ids else ""


@task(takes_context=True)
def build_release(context: TaskContext, release_id: int) -> None:
    """Build one release's files (see services.releases.release_build)."""
    stalled_requeue()
    releases.release_build(release_id=release_id, worker=_worker(context))


@task(takes_context=True)
def run_import_job(context: TaskContext, job_id: int) -> None:
    """Run or resume one import job (see services.jobs.import_job_run)."""
    stalled_requeue()
    jobs.import_job_run(job_id=job_id, worker=_worker(context))
    job = ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.DONE).first()
    if job is not None and job.report:
        documents_imported(project_id=job.project_id, report=job.report)


@task(takes_context=True)
def run_model_version(context: TaskContext, version_id: int) -> None:
    """Train or run one recommender version (see services.recommenders.model_version_run)."""
    stalled_requeue()
    recommenders.model_version_run(version_id=version_id, worker=_worker(context))


@task()
def pre_annotate_imported(project_id: int, document_ids: list[int]) -> None:
    """Pre-annotate one import's new documents (services.recommenders.documents_pre_annotate)."""
    recommenders.documents_pre_annotate(project_id=project_id, document_ids=document_ids)


def documents_imported(*, project_id: int, report: dict[str, Any]) -> bool:
    """An import created documents: queue their pre-annotation, one task for the whole import,
    when the project has a ready built-in recommender (one query when it has none)."""
    ids = [row["id"] for row in report.get("created", [])]
    if not ids or not reads.model_versions_serving_exist(project_id=project_id):
        return False
    pre_annotate_imported.enqueue(project_id, ids)
    return True


@task()
def index_claims(project_id: int) -> None:
    """Bring a project's claim-matching index up to date (services.matching)."""
    matching.claim_index_refresh(project_id=project_id)


# The services sit below this module: they queue a sync through the function given here.
def _index_claims_later(project_id: int) -> None:
    index_claims.enqueue(project_id)


matching.set_enqueuer(_index_claims_later)


def stalled_requeue(*, stalled_after: float | None = None) -> stalled.Stalled:
    """Mark the jobs, releases and model versions whose worker stopped beating as stalled and
    queue them again."""
    with transaction.atomic():
        found = stalled.stalled_mark(
            stalled_after=stalled_after,
            task_paths={
                ImportJob: run_import_job.module_path,
                Release: build_release.module_path,
                ModelVersion: run_model_version.module_path,
            },
        )
        for job_id in found.jobs:
            run_import_job.enqueue(job_id)
        for release_id in found.releases:
            build_release.enqueue(release_id)
        for version_id in found.versions:
            run_model_version.enqueue(version_id)
    return found


def release_start(
    *,
    project: Project,
    actor: User,
    name: str,
    formats: Iterable[str] | None = None,
    split: str | None = None,
    seed: int | None = None,
    reviewed_only: bool = False,
) -> Release:
    """Create a queued release and queue its build."""
    with transaction.atomic():
        release = releases.release_create(
            project=project,
            actor=actor,
            name=name,
            formats=formats,
            split=split,
            seed=seed,
            reviewed_only=reviewed_only,
        )
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


def recommender_train(*, recommender: Recommender) -> ModelVersion:
    """Queue the recommender's next version (train it, or run its server) now."""
    with transaction.atomic():
        version = recommenders.model_version_create(recommender=recommender)
        run_model_version.enqueue(version.pk)
    return version


def recommenders_gold_reviewed(*, document_id: int) -> list[ModelVersion]:
    """The document's gold was marked reviewed: queue every recommender retraining now due."""
    with transaction.atomic():
        versions = recommenders.recommenders_due(document_id=document_id)
        for version in versions:
            run_model_version.enqueue(version.pk)
    return versions
