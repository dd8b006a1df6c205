"""Background imports: a large upload kept as an import job and imported batch by batch.

The job stores the uploaded bytes, so any worker on any machine can run it. A run parses the
input again, skips the records whose outcome is already committed, and imports the rest in
batches; each batch commits its documents (with their pre-annotations), its part of the report
and the job's progress in one transaction. So a worker killed halfway leaves whole documents
only, and the next run (``import_job_run`` again) takes up at the first record not yet
committed: documents created by the earlier run stay in the report as created (they are never
met again as duplicates of themselves), and the report reads as if the import had never been
interrupted. Each run takes a new attempt number and a batch commits only under the latest
one, so a run that is resumed while an old worker is still alive stops the old one at its
next batch instead of racing it. While it runs, the worker beats the job's heartbeat; a job
whose worker stopped beating is marked stalled and queued again (``services.stalled``).
"""

import contextlib
import itertools
import logging
import tempfile
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import PurePath
from typing import Any, BinaryIO

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from annotations import selectors
from annotations.errors import Conflict
from annotations.models import (
    ImportJob,
    ImportJobBatch,
    ImportJobChunk,
    ImportJobStatus,
    Project,
)
from annotations.models.files import CHUNK_SIZE
from annotations.services import ingest, stalled

logger = logging.getLogger(__name__)

# Input records per committed batch at most: ingest's own batch size (on SQLite the pacer
# makes batches smaller, to keep each transaction short).
BATCH_SIZE = ingest.BATCH_SIZE
REPORT_KEYS = ("created", "duplicates", "repaired", "warnings", "errors")
LABELS_CREATED = "labels_created"  # in the report of an import that may create labels

ALREADY_DONE = "Import job {pk} is done: there is nothing left to import."


class Superseded(Exception):
    """A newer run of the same job has started; this one stops without writing."""


def import_records_count(*, name: str, stream: BinaryIO) -> int:
    """Count an upload's records without importing it, then rewind the stream.

    Exact for .json (its items) and .jsonl (its non-blank lines); for .csv the non-blank lines
    after the header, an upper bound when texts hold quoted line breaks; 1 for .txt.
    """
    suffix = PurePath(name).suffix.lower()
    try:
        if suffix == ".json":
            return sum(1 for _ in ingest.parse_json(stream.read()))
        if suffix == ".jsonl":
            return sum(1 for line in stream if line.strip())
        if suffix == ".csv":
            return max(sum(1 for line in stream if line.strip()) - 1, 0)
        return 1
    finally:
        stream.seek(0)


def import_job_create(
    *,
    project: Project,
    actor: User | None,
    name: str,
    stream: BinaryIO,
    options: ingest.ImportOptions,
    records_total: int,
) -> ImportJob:
    """Store an upload (``name`` empty: a JSON body's bytes) as a queued import job."""
    with transaction.atomic():
        job = ImportJob.objects.create(
            project=project,
            created_by=actor,
            name=name,
            options=asdict(options),
            records_total=records_total,
        )
        size = 0
        for index, data in enumerate(iter(lambda: stream.read(CHUNK_SIZE), b"")):
            ImportJobChunk.objects.create(job=job, index=index, data=data)
            size += len(data)
        ImportJob.objects.filter(pk=job.pk).update(size=size)
        job.size = size
    return job


def import_job_check_resume(*, job: ImportJob) -> None:
    """Refuse to run a job again once it is done (Conflict)."""
    if job.status == ImportJobStatus.DONE:
        raise Conflict(ALREADY_DONE.format(pk=job.pk))


def import_job_run(*, job_id: int, worker: str = "") -> None:
    """Run the job, or resume it where it stopped; do nothing to a job that is done."""
    started = _start(job_id, worker)
    if started is None:
        return
    job, attempt = started
    try:
        with stalled.heartbeat(model=ImportJob, pk=job.pk, worker=worker):
            _run(job, attempt)
    except Superseded:
        logger.info("import job %s: run %s superseded by a newer run", job.pk, attempt)
    except Exception as error:
        ImportJob.objects.filter(pk=job.pk, attempts=attempt).update(
            status=ImportJobStatus.FAILED,
            error=f"{type(error).__name__}: {error}",
            updated_at=timezone.now(),
        )
        raise


def _start(job_id: int, worker: str) -> tuple[ImportJob, int] | None:
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("project", "created_by")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status == ImportJobStatus.DONE:
            return None
        now = timezone.now()
        job.attempts += 1
        job.status = ImportJobStatus.RUNNING
        job.started_at = job.started_at or now
        job.error = ""
        job.worker = worker
        job.heartbeat_at = now
        job.save(
            update_fields=[
                "attempts",
                "status",
                "started_at",
                "error",
                "worker",
                "heartbeat_at",
                "updated_at",
            ]
        )
    return job, job.attempts


def _run(job: ImportJob, attempt: int) -> None:
    options = ingest.ImportOptions(**job.options)
    labels = ingest.LabelIndex.for_project(job.project, create_unknown=options.create_labels)
    seen: dict[str, int] = {}  # content hash -> document stored by this run
    consumed = job.records_done
    with tempfile.TemporaryFile() as stream:
        for data in selectors.import_job_chunks(job=job):
            stream.write(data)
        stream.seek(0)
        records: Iterable[ingest.Record | ingest.JsonlLine]
        if PurePath(job.name).suffix.lower() == ".jsonl":
            # Lines parsed where they are prepared, as in a direct import; a blank line is
            # no record, here as in the count of records done.
            lines = ingest.jsonl_items(stream, options.encoding)
            records = (line for line in lines if not ingest.jsonl_blank(line))
        elif job.name:
            records = ingest.parse_file(job.name, stream, options.encoding)
        else:
            records = ingest.parse_json(stream.read())
        # Parsing is deterministic: the first records_done records are the ones committed.
        records = itertools.islice(records, job.records_done, None)
        # Prepared as any import is (worker processes for a large file): one result a record.
        results = ingest.prepare_records(
            records,
            options,
            labels,
            ingest.workers_for(job.size),
            ingest.copy_target(job.project, job.name),
        )
        pacer = ingest.WritePacer.for_database(ceiling=BATCH_SIZE)
        with contextlib.closing(results):
            while chunk := list(itertools.islice(results, pacer.size())):
                part = ingest.ImportReport.for_options(options)
                batch = []
                for line, prepared in chunk:
                    if isinstance(prepared, str):
                        part.errors.append({"line": line, "message": prepared})
                    else:
                        batch.append(prepared)
                consumed += len(chunk)
                with pacer.write(len(chunk)):
                    _commit(job, attempt, batch, part, consumed, seen, options)
    _finish(job, attempt, consumed)


def _lock(job: ImportJob, attempt: int) -> None:
    """Lock the job row for this transaction; raise Superseded if a newer run has started."""
    current = (
        ImportJob.objects.select_for_update()
        .filter(pk=job.pk)
        .values_list("attempts", flat=True)
        .first()
    )
    if current != attempt:
        raise Superseded


def _commit(
    job: ImportJob,
    attempt: int,
    batch: list[ingest.Prepared],
    part: ingest.ImportReport,
    consumed: int,
    seen: dict[str, int],
    options: ingest.ImportOptions,
) -> None:
    """Store one batch, its report and the job's progress in one transaction."""
    with transaction.atomic():
        _lock(job, attempt)
        if batch:
            ingest.store_batch(
                job.project, batch, part, seen, job.name, options=options, actor=job.created_by
            )
        ImportJobBatch.objects.create(job=job, records_done=consumed, report=part.as_dict())
        ImportJob.objects.filter(pk=job.pk).update(
            records_done=consumed,
            records_total=Greatest(F("records_total"), consumed),
            created_count=F("created_count") + len(part.created),
            duplicate_count=F("duplicate_count") + len(part.duplicates),
            error_count=F("error_count") + len(part.errors),
            updated_at=timezone.now(),
        )


def _finish(job: ImportJob, attempt: int, consumed: int) -> None:
    """Join the batches' reports into the job's report and mark it done."""
    with transaction.atomic():
        _lock(job, attempt)
        report: dict[str, list[Any]] = {key: [] for key in REPORT_KEYS}
        if job.options.get("create_labels"):
            report[LABELS_CREATED] = []
        for part in job.batches.order_by("records_done").values_list("report", flat=True):
            for key in report:
                report[key].extend(part.get(key, []))
        now = timezone.now()
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJobStatus.DONE,
            report=report,
            records_total=consumed,
            finished_at=now,
            updated_at=now,
        )
        job.batches.all().delete()
    ingest.statistics_refresh(created=len(report["created"]))
    logger.info(
        "import job %s into project %s: %d created, %d duplicates, %d errors",
        job.pk,
        job.project_id,
        len(report["created"]),
        len(report["duplicates"]),
        len(report["errors"]),
    )
