"""Pacing an import's writes: annotators' saves do not wait behind a large import on SQLite."""

import io
import json
import os
import time

import pytest
from django.db import connection, transaction
from django.db.models import Count

from annotations import tasks
from annotations.models import Annotation, Document, ImportJob, ImportJobStatus, Label, Span
from annotations.services.annotating import span_create
from annotations.services.ingest import ImportOptions, WritePacer, documents_import_file
from tests.factories import AnnotationFactory, DocumentFactory, LabelFactory, ProjectFactory
from tests.worker import database_url, start_worker_process

SENTENCE = "Amadou Kone met Awa Diarra in Mopti on Tuesday to discuss the harvest. "
SAVE_BOUND = 0.5  # seconds: generous for a shared CI machine


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def paced_writes(pacer: WritePacer, clock: FakeClock, seconds_per_document: float) -> list[int]:
    """Run five writes that cost ``seconds_per_document`` each; return their sizes."""
    sizes = []
    for _ in range(5):
        size = pacer.size()
        with pacer.write(size):
            clock.now += size * seconds_per_document
        sizes.append(size)
    return sizes


def test_pacer_sizes_transactions_to_the_time_budget():
    clock = FakeClock()
    pacer = WritePacer(budget=0.05, pause=0.0, ceiling=500, clock=clock, sleep=clock.sleep)

    # 2 ms a document: after the first, measured, transaction each holds 25 (50 ms).
    assert paced_writes(pacer, clock, 0.002) == [10, 25, 25, 25, 25]


def test_pacer_never_goes_below_one_document_nor_above_the_ceiling():
    clock = FakeClock()
    slow = WritePacer(budget=0.05, ceiling=500, clock=clock, sleep=clock.sleep)
    assert paced_writes(slow, clock, 1.0)[1:] == [1, 1, 1, 1]

    fast = WritePacer(budget=0.05, ceiling=40, clock=clock, sleep=clock.sleep)
    assert paced_writes(fast, clock, 0.00001)[1:] == [40, 40, 40, 40]


def test_pacer_leaves_the_lock_free_for_the_pause_counting_work_done_meanwhile():
    clock = FakeClock()
    pacer = WritePacer(budget=0.05, pause=0.025, clock=clock, sleep=clock.sleep)
    with pacer.write(1):
        clock.now += 0.01
    clock.now += 0.01  # preparing the next documents, outside any transaction
    with pacer.write(1):
        pass
    clock.now += 0.1
    with pacer.write(1):
        pass

    assert clock.slept == [pytest.approx(0.015)]


def test_after_a_transaction_over_100_ms_the_pacer_pauses_100_ms():
    # By then a waiting writer tries for the lock only every 100 ms (SQLite's busy handler).
    clock = FakeClock()
    pacer = WritePacer(budget=0.05, pause=0.025, clock=clock, sleep=clock.sleep)
    with pacer.write(10):
        clock.now += 0.3
    with pacer.write(1):
        clock.now += 0.01
    with pacer.write(1):
        pass

    assert clock.slept == [pytest.approx(0.1), pytest.approx(0.025)]


def test_without_a_budget_the_pacer_keeps_the_batch_size_whatever_a_write_costs():
    clock = FakeClock()
    pacer = WritePacer(budget=None, ceiling=500, clock=clock, sleep=clock.sleep)
    assert paced_writes(pacer, clock, 1.0) == [500] * 5
    assert clock.slept == []


@pytest.mark.django_db
def test_pacer_for_the_database_bounds_transactions_by_time_only_on_sqlite(settings):
    settings.IMPORT_SQLITE_TRANSACTION_MS = 40
    pacer = WritePacer.for_database(ceiling=300)
    if connection.vendor == "sqlite":
        assert (pacer.budget, pacer.ceiling) == (0.04, 300)
    else:
        assert (pacer.budget, pacer.ceiling, pacer.pause) == (None, 300, 0)


def jsonl(count: int, *, extra: bytes = b"") -> bytes:
    """``count`` documents of ~1,500 characters, each with two pre-annotated PER entities."""
    lines = []
    for index in range(count):
        text = f"Dispatch {index}. " + SENTENCE * 20
        entities = [
            {"start": text.index("Amadou"), "end": text.index(" met"), "label": "PER"},
            {"start": text.index("Awa"), "end": text.index(" in"), "label": "PER"},
        ]
        lines.append(json.dumps({"text": text, "external_id": f"d{index}", "entities": entities}))
    return "\n".join(lines).encode() + b"\n" + extra


def project_with_labels(name: str):
    project = ProjectFactory(name=name)
    LabelFactory(project=project, name="PER", kind="entity")
    return project


def comparable(report: dict) -> dict:
    """The report with each document id replaced by its external id (ids differ by project)."""
    ids = {entry["id"]: entry["external_id"] for entry in report["created"]}
    return {
        **report,
        "created": [{**entry, "id": ids[entry["id"]]} for entry in report["created"]],
        "duplicates": [
            {**entry, "duplicate_of": ids[entry["duplicate_of"]]} for entry in report["duplicates"]
        ],
    }


@pytest.mark.django_db
def test_one_document_per_transaction_reports_exactly_what_full_batches_report(settings):
    # On SQLite the budget sets the transactions' sizes; PostgreSQL keeps its batches of 500.
    messy = (
        b'{"text": "no end\n'
        + json.dumps({"text": "Caf\u00c3\u00a9 in Gao.", "label": [[0, 4, "PER"]]}).encode()
        + b"\n"
        + json.dumps({"text": "Dispatch 3. " + SENTENCE * 20, "external_id": "again"}).encode()
        + b"\n"
        + json.dumps({"text": "Gao", "label": [[0, 9, "PER"]]}).encode()
        + b"\n"
    )
    data = jsonl(30, extra=messy)
    settings.IMPORT_SQLITE_TRANSACTION_MS = 10_000
    whole = documents_import_file(
        project=project_with_labels("whole"), name="a.jsonl", stream=io.BytesIO(data)
    )
    settings.IMPORT_SQLITE_TRANSACTION_MS = 0  # one document per transaction on SQLite
    one_by_one = documents_import_file(
        project=project_with_labels("paced"), name="a.jsonl", stream=io.BytesIO(data)
    )

    assert len(whole["created"]) == 32
    assert [entry["line"] for entry in whole["duplicates"]] == [33]
    assert whole["errors"] and whole["repaired"] and whole["warnings"]
    assert comparable(one_by_one) == comparable(whole)
    assert Span.objects.filter(annotation__document__project__name="paced").count() == 2 * 30


def save_spans_while_running(job: ImportJob, annotation: Annotation, label: Label) -> list[float]:
    """Save spans one after another (an annotator, a little apart) until the job ends.

    Return how long each save waited for the write lock while the import was running: on
    SQLite ``transaction.atomic`` opens with BEGIN IMMEDIATE, which returns once the save
    holds the lock. That wait is the import's doing; the save's own work is not, and on a
    loaded machine it varies with the load alone.
    """
    waits = []
    deadline = time.monotonic() + 120
    index = 0
    while time.monotonic() < deadline:
        status = ImportJob.objects.values_list("status", flat=True).get(pk=job.pk)
        if status in (ImportJobStatus.DONE, ImportJobStatus.FAILED):
            return waits
        began = time.monotonic()
        with transaction.atomic():
            waited = time.monotonic() - began
            span_create(
                annotation=annotation, label=label, start=2 * index, end=2 * index + 1, actor=None
            )
        if status == ImportJobStatus.RUNNING:
            waits.append(waited)
        index += 1
        time.sleep(0.02)
    raise AssertionError("the import did not finish within 120 s")


@pytest.mark.alone  # a wait bound: another test process on the other core would break it
@pytest.mark.django_db(transaction=True)
def test_span_saves_do_not_wait_long_while_a_background_import_runs():
    """A real db_worker process imports 5,000 documents while this process saves spans."""
    project = project_with_labels("busy")
    label = Label.objects.get(project=project)
    annotation = AnnotationFactory(document=DocumentFactory(project=project, text="x" * 40_000))
    count = 5_000
    job = tasks.import_job_start(
        project=project,
        actor=None,
        name="big.jsonl",
        stream=io.BytesIO(jsonl(count)),
        options=ImportOptions(),
        records_total=count,
    )
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url(connection.settings_dict)}
    worker = start_worker_process("pacing", env)
    try:
        waits = save_spans_while_running(job, annotation, label)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE, job.error
    assert len(waits) >= 10  # the saves really ran beside the import
    assert max(waits) < SAVE_BOUND, (len(waits), sorted(waits)[-5:])
    imported = Document.objects.filter(project=project).exclude(pk=annotation.document_id)
    assert imported.count() == count
    assert imported.values("content_hash").distinct().count() == count
    spans = imported.annotate(spans=Count("annotations__spans")).values_list("spans", flat=True)
    assert set(spans) == {2}
    assert [entry["line"] for entry in job.report["created"]] == list(range(1, count + 1))
