"""A large import ends with ANALYZE of the tables it filled; a small one leaves it to autovacuum."""

import io
import json

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory, force_authenticate

from annotations import tasks
from annotations.api.documents import DocumentListApi
from annotations.models import Annotation, Document, ImportJobStatus, Span
from annotations.services import jobs
from annotations.services.ingest import ImportOptions, documents_import_records, storage
from annotations.services.projects import membership_set
from tests.db.test_plans import _forget_statistics
from tests.exports.conftest import make_project
from tests.factories import UserFactory
from tests.worker import run_worker

pytestmark = pytest.mark.django_db

LARGE = 6


@pytest.fixture
def large_is_six(monkeypatch):
    monkeypatch.setattr(storage, "ANALYZE_AFTER", LARGE)


def records(count: int) -> list[dict]:
    return [
        {"text": f"Report {n}: Keita met Macron.", "entities": [[11, 16, "PER"]]}
        for n in range(count)
    ]


def analyzed(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("ANALYZE")]


def statistics_of(table: str) -> dict[str, float]:
    """PostgreSQL's statistics of the table's columns: column -> distinct values."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, n_distinct FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = %s",
            [table],
        )
        return dict(cursor.fetchall())


@pytest.mark.postgresql
def test_a_large_import_leaves_statistics_of_its_documents_annotations_and_spans(large_is_six):
    project = make_project("Large")
    with CaptureQueriesContext(connection) as captured:
        report = documents_import_records(project=project, records=records(LARGE))

    assert len(report["created"]) == LARGE
    assert len(analyzed(captured)) == 1
    for model in (Document, Annotation, Span):
        assert statistics_of(model._meta.db_table), f"no statistics of {model.__name__}"
    # Every document's text is distinct: the planner now knows it (-1 means "all distinct").
    assert statistics_of(Document._meta.db_table)["content_hash"] == -1


def test_a_small_import_runs_no_analyze(large_is_six):
    with CaptureQueriesContext(connection) as captured:
        report = documents_import_records(project=make_project("Small"), records=records(5))

    assert len(report["created"]) == 5
    assert analyzed(captured) == []


@pytest.mark.postgresql
def test_duplicates_do_not_count_towards_a_large_import(large_is_six):
    project = make_project("Again")
    documents_import_records(project=project, records=records(3))
    with CaptureQueriesContext(connection) as captured:
        report = documents_import_records(project=project, records=records(LARGE))

    assert (len(report["created"]), len(report["duplicates"])) == (LARGE - 3, 3)
    assert analyzed(captured) == []


@pytest.mark.postgresql
def test_a_large_background_import_ends_with_analyze(large_is_six):
    project = make_project("Background")
    data = b"".join(
        b'{"text": "Report %d: Keita met Macron.", "entities": [[11, 16, "PER"]]}\n' % n
        for n in range(LARGE)
    )
    job = tasks.import_job_start(
        project=project,
        actor=UserFactory(),
        name="large.jsonl",
        stream=io.BytesIO(data),
        options=ImportOptions(),
        records_total=jobs.import_records_count(name="large.jsonl", stream=io.BytesIO(data)),
    )
    with CaptureQueriesContext(connection) as captured:
        run_worker()
    job.refresh_from_db()

    assert job.status == ImportJobStatus.DONE
    assert job.created_count == LARGE
    assert len(analyzed(captured)) == 1
    assert statistics_of(Span._meta.db_table)


@pytest.mark.postgresql
def test_an_upload_is_answered_before_its_analyze_and_followed_by_it(large_is_six):
    # Tables never analysed, whatever tests before this one in this database ran ANALYZE
    # (tests/db/test_queue_plan.py does): "nothing sampled yet" is then this upload's doing.
    _forget_statistics()
    project = make_project("Answered first")
    manager = UserFactory()
    membership_set(project=project, user=manager, role="manager")
    request = APIRequestFactory().post(
        f"/api/projects/{project.pk}/documents/", records(LARGE), format="json"
    )
    force_authenticate(request, user=manager)

    response = DocumentListApi.as_view()(request, project_id=project.pk)
    response.render()

    # The answer, whole, holds the report; nothing has sampled the tables yet.
    assert response.status_code == 201
    assert len(json.loads(response.content)["created"]) == LARGE
    assert not statistics_of(Span._meta.db_table)
    # What the WSGI server does once the body is sent (and, as Django's test client does, with
    # the test's connection kept open).
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert statistics_of(Span._meta.db_table)
    assert statistics_of(Document._meta.db_table)["content_hash"] == -1
