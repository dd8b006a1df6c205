"""Background import jobs: batches commit whole, a run resumes where the last one stopped."""

import io
import json

import orjson
import pytest
from django.db import connection
from django.db.models import Count, F

from annotations import selectors, tasks
from annotations.errors import Conflict
from annotations.models import Document, ImportJob, ImportJobChunk, ImportJobStatus
from annotations.services import ingest, jobs
from annotations.services.ingest import ImportOptions, documents_import_file, records
from tests.exports.conftest import make_project
from tests.factories import UserFactory
from tests.worker import run_worker

pytestmark = pytest.mark.django_db

LINES = 10
INVALID_LINE = 5
DUPLICATE_LINE, DUPLICATE_OF_LINE = 8, 2


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing of the job's own error handling runs."""


def jsonl() -> bytes:
    """Ten lines with one pre-annotated entity each; line 5 is broken, line 8 repeats line 2."""
    lines = []
    for number in range(1, LINES + 1):
        if number == INVALID_LINE:
            lines.append(b'{"text": "no end')
            continue
        same = DUPLICATE_OF_LINE if number == DUPLICATE_LINE else number
        text = f"Report {same}: Keita met Macron in Bamako."
        item = {
            "text": text,
            "external_id": f"r{number}",
            "entities": [{"start": text.index("Keita"), "end": text.index(" met"), "label": "PER"}],
        }
        lines.append(orjson.dumps(item))
    return b"\n".join(lines) + b"\n"


@pytest.fixture
def project():
    return make_project("Big import")


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(jobs, "BATCH_SIZE", 3)


@pytest.fixture(params=[1, 2], ids=["in-process", "2-processes"])
def preparing(request, settings, monkeypatch):
    """Records prepared by the worker itself, or by two processes in chunks of two."""
    settings.IMPORT_WORKERS = request.param
    settings.IMPORT_PARALLEL_BYTES = 0
    monkeypatch.setattr(ingest.workers, "PREPARE_CHUNK", 2)
    return request.param


def start(project, data: bytes = b"", name: str = "big.jsonl") -> ImportJob:
    data = data or jsonl()
    return tasks.import_job_start(
        project=project,
        actor=UserFactory(),
        name=name,
        stream=io.BytesIO(data),
        options=ImportOptions(),
        records_total=jobs.import_records_count(name=name or ".json", stream=io.BytesIO(data)),
    )


def crash_on_second_batch(monkeypatch):
    """Make the second batch stored fail as a lost worker would; return the real store_batch."""
    real = ingest.store_batch
    calls = []

    def crash(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest, "store_batch", crash)
    return real


def lines(entries: list[dict]) -> list:
    return [entry["line"] for entry in entries]


def assert_whole_documents(project, expected: int) -> None:
    """Every document stored has its prediction with its one span: none is half imported."""
    documents = Document.objects.filter(project=project).annotate(
        spans=Count("annotations__spans"), predictions=Count("annotations", distinct=True)
    )
    assert documents.count() == expected
    assert all(d.spans == 1 and d.predictions == 1 for d in documents)


def test_records_are_counted_without_importing():
    assert (
        jobs.import_records_count(name="a.jsonl", stream=io.BytesIO(b'{"text":"a"}\n\n{}\n')) == 2
    )
    assert jobs.import_records_count(name="a.JSON", stream=io.BytesIO(b'[{"text":"a"},{}]')) == 2
    assert jobs.import_records_count(name="a.csv", stream=io.BytesIO(b"text\na\nb\n\n")) == 2
    assert jobs.import_records_count(name="a.txt", stream=io.BytesIO(b"anything")) == 1
    stream = io.BytesIO(b'{"text":"a"}\n')
    jobs.import_records_count(name="a.jsonl", stream=stream)
    assert stream.tell() == 0


def test_job_keeps_the_upload_and_waits_for_a_worker(project):
    data = jsonl()
    job = start(project, data)

    assert job.status == ImportJobStatus.QUEUED
    assert job.size == len(data)
    assert job.records_total == LINES
    assert b"".join(job.chunks.values_list("data", flat=True)) == data
    assert not Document.objects.filter(project=project).exists()


def test_job_imports_and_reports_exactly_as_a_direct_import(project, small_batches, preparing):
    job = start(project)
    run_worker()
    job.refresh_from_db()

    direct = documents_import_file(
        project=make_project("Direct"), name="big.jsonl", stream=io.BytesIO(jsonl())
    )
    assert job.status == ImportJobStatus.DONE
    assert job.attempts == 1
    for key in ("created", "duplicates", "errors", "repaired", "warnings"):
        assert lines(job.report[key]) == lines(direct[key]), key
    assert lines(job.report["errors"]) == [INVALID_LINE]
    assert job.report["duplicates"][0]["line"] == DUPLICATE_LINE
    progress = ("records_done", "records_total", "created_count", "duplicate_count", "error_count")
    assert [getattr(job, name) for name in progress] == [10, 10, 8, 1, 1]
    assert not job.batches.exists()
    stored = Document.objects.get(project=project, external_id="r1")
    assert stored.ingestion_report["source"] == "big.jsonl"
    assert_whole_documents(project, 8)


def test_crash_after_the_first_batch_leaves_whole_documents_and_resume_imports_the_rest(
    project, small_batches, monkeypatch, preparing
):
    real = crash_on_second_batch(monkeypatch)
    job = start(project)
    run_worker()
    job.refresh_from_db()

    assert job.status == ImportJobStatus.FAILED
    assert job.error == "RuntimeError: worker lost"
    assert job.records_done == 3
    assert job.created_count == 3
    assert_whole_documents(project, 3)

    monkeypatch.setattr(ingest, "store_batch", real)
    tasks.import_job_resume(job=job)
    run_worker()
    job.refresh_from_db()

    assert job.status == ImportJobStatus.DONE
    assert job.attempts == 2
    assert job.error == ""
    assert lines(job.report["created"]) == [1, 2, 3, 4, 6, 7, 9, 10]
    assert lines(job.report["duplicates"]) == [DUPLICATE_LINE]
    created = {entry["line"]: entry["id"] for entry in job.report["created"]}
    assert job.report["duplicates"][0]["duplicate_of"] == created[DUPLICATE_OF_LINE]
    assert set(created.values()) == set(
        Document.objects.filter(project=project).values_list("id", flat=True)
    )
    assert_whole_documents(project, 8)


def test_killed_worker_leaves_the_job_running_and_a_new_run_takes_over(
    project, small_batches, monkeypatch
):
    real = ingest.store_batch
    calls = []

    def killed_in_third_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise WorkerKilled
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest, "store_batch", killed_in_third_batch)
    job = start(project)
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportJobStatus.RUNNING
    assert job.records_done == 6
    assert_whole_documents(project, 5)

    monkeypatch.setattr(ingest, "store_batch", real)
    jobs.import_job_run(job_id=job.pk)
    job.refresh_from_db()

    assert job.status == ImportJobStatus.DONE
    assert job.created_count == 8
    assert job.duplicate_count == 1
    assert len(job.report["created"]) == 8
    assert_whole_documents(project, 8)


def test_an_older_run_stops_at_its_next_batch_once_a_newer_one_starts(
    project, small_batches, monkeypatch
):
    real = jobs._commit
    commits = []

    def commit_then_get_overtaken(job, attempt, *args):
        real(job, attempt, *args)
        commits.append(attempt)
        if len(commits) == 1:
            ImportJob.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1)

    monkeypatch.setattr(jobs, "_commit", commit_then_get_overtaken)
    job = start(project)
    jobs.import_job_run(job_id=job.pk)
    job.refresh_from_db()

    assert commits == [1]
    assert job.status == ImportJobStatus.RUNNING
    assert job.records_done == 3
    assert_whole_documents(project, 3)


def test_a_done_job_is_never_run_again(project):
    job = start(project)
    run_worker()
    job.refresh_from_db()

    with pytest.raises(Conflict):
        tasks.import_job_resume(job=job)
    jobs.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.attempts == 1
    assert Document.objects.filter(project=project).count() == 8


def test_json_body_job_numbers_lines_by_item(project, small_batches):
    items = [{"text": f"Item {n}"} for n in range(1, 5)] + [{"text": ""}]
    job = start(project, orjson.dumps(items), name="")
    run_worker()
    job.refresh_from_db()

    assert job.status == ImportJobStatus.DONE
    assert lines(job.report["created"]) == [1, 2, 3, 4]
    assert job.report["errors"] == [{"line": 5, "message": records.ERR_EMPTY_TEXT}]
    stored = Document.objects.get(project=project, text="Item 1")
    assert "source" not in stored.ingestion_report


def test_job_applies_its_import_options(project):
    text = "Cafe\u0301 in Gao.\r\nSecond line."
    data = json.dumps([{"text": text}]).encode()
    job = tasks.import_job_start(
        project=project,
        actor=None,
        name="one.json",
        stream=io.BytesIO(data),
        options=ImportOptions(normalize="nfc"),
        records_total=1,
    )
    run_worker()
    job.refresh_from_db()

    assert job.options["normalize"] == "nfc"
    assert ImportOptions(**job.options) == ImportOptions(normalize="nfc")
    assert job.report["repaired"][0]["repairs"] == ["line_breaks", "nfc"]
    assert Document.objects.get(project=project).text == "Café in Gao.\nSecond line."


def test_a_jsonl_job_with_blank_lines_resumes_where_it_stopped(
    project, small_batches, monkeypatch, preparing
):
    # Blank and whitespace-only lines are no records: progress and resumption skip them alike.
    data = jsonl().replace(b"\n", b"\n\n \t\n", 3)
    real = crash_on_second_batch(monkeypatch)
    job = start(project, data)
    run_worker()
    monkeypatch.setattr(ingest, "store_batch", real)
    tasks.import_job_resume(job=job)
    run_worker()
    job.refresh_from_db()

    direct = documents_import_file(
        project=make_project("Direct"), name="big.jsonl", stream=io.BytesIO(data)
    )
    assert job.status == ImportJobStatus.DONE
    assert job.records_done == job.records_total == LINES
    for key in ("created", "duplicates", "errors", "repaired", "warnings"):
        assert lines(job.report[key]) == lines(direct[key]), key
    assert lines(job.report["errors"]) == [INVALID_LINE + 6]
    assert_whole_documents(project, 8)


@pytest.mark.postgresql
def test_an_uploads_chunks_are_stored_compressed_with_lz4(project):
    # pglz took five times the CPU to store a 55 MB upload before its 202 could be answered.
    data = jsonl() * 2000  # ~2.5 MB: three chunks, each worth compressing
    job = start(project, data)

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pg_column_compression(data) FROM {ImportJobChunk._meta.db_table} "
            "WHERE job_id = %s ORDER BY index",
            [job.pk],
        )
        assert [method for (method,) in cursor.fetchall()] == ["lz4"] * 3
    assert b"".join(bytes(chunk) for chunk in selectors.import_job_chunks(job=job)) == data
