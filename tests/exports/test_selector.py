"""The export selector: rows in document id order, a fixed number of queries per batch."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations import exports
from annotations.exports import ExportReport
from annotations.services.annotating import annotation_set_status
from tests.exports.conftest import annotate, export, make_project, span
from tests.factories import DocumentFactory, UserFactory

pytestmark = pytest.mark.django_db


def project_with(count: int):
    project = make_project(f"{count} documents")
    alice = UserFactory(username=f"alice-{count}")
    for n in range(count):
        text = f"Keita {n} met Macron in Bamako. Le Drian said troops would stay."
        document = DocumentFactory(project=project, text=text, external_id=f"d{n}")
        spans = [
            span(text, "PER", "Keita"),
            span(text, "LOC", "Bamako"),
            span(text, "PER", "Le Drian"),
            span(text, "CLAIM", "troops would stay", claimant=2, checkworthy="no"),
        ]
        stances = [{"target": "the intervention", "label": "FAVOR", "holder": 2, "evidence": 3}]
        annotate(document, spans=spans, stances=stances, author=alice)
        annotate(document, spans=spans, stances=stances, actor=alice)
    return project


def queries_for(project, **options) -> int:
    with CaptureQueriesContext(connection) as captured:
        rows = list(exports.export_rows(project=project, **options))
    assert rows
    return len(captured)


@pytest.mark.parametrize("include", ["gold", "submitted"])
def test_export_rows_run_as_many_queries_for_30_documents_as_for_3(include):
    small, large = project_with(3), project_with(30)

    assert queries_for(small, include=include) == queries_for(large, include=include)


def test_export_of_30_documents_stays_under_a_fixed_query_budget(django_assert_max_num_queries):
    project = project_with(30)
    # Labels, targets, then on PostgreSQL the one query over a server-side cursor (elsewhere a
    # cursor over the documents, then annotations, spans, stances, relations and document
    # labels); the transaction's savepoint in and out; and, the export having claims, their
    # claim records (one query: none has one).
    with django_assert_max_num_queries(6 if connection.vendor == "postgresql" else 11):
        export(project, "jsonl")


def test_export_rows_cost_one_query_on_postgresql_and_five_per_batch_elsewhere():
    project = project_with(30)
    one_batch = queries_for(project, batch_size=30)
    # Annotations, spans, stances, relations, document labels.
    per_batch = 0 if connection.vendor == "postgresql" else 5
    assert queries_for(project, batch_size=10) == one_batch + 2 * per_batch


def test_export_rows_come_in_document_id_order_across_batches():
    project = project_with(7)
    rows = list(exports.export_rows(project=project, batch_size=3))
    assert [row["external_id"] for row in rows] == [f"d{n}" for n in range(7)]
    assert all(row["annotators"] == ["alice-7"] for row in rows)
    assert all(row["reviewed_by"] == "alice-7" for row in rows)


def test_export_rows_of_another_project_never_leak_in():
    mine, theirs = project_with(2), project_with(3)
    rows = list(exports.export_rows(project=mine))
    assert {row["id"] for row in rows} == set(
        mine.documents.values_list("pk", flat=True)
    ).difference(theirs.documents.values_list("pk", flat=True))
    assert len(rows) == 2


def test_reviewed_by_is_the_last_person_to_change_the_gold(dataset):
    gold = dataset.news.annotations.get(kind="gold")
    annotation_set_status(
        annotation=gold, status="in_progress", version=gold.version, actor=dataset.users["manager"]
    )
    rows = list(exports.export_rows(project=dataset.project))
    assert rows[0]["reviewed_by"] == "manager"


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_an_abandoned_export_closes_its_cursor_and_transaction(dataset, monkeypatch):
    # One block per row, so that the export is still under way after the first block.
    monkeypatch.setattr(exports, "BLOCK_SIZE", 1)
    options = exports.export_options(project=dataset.project, format_name="jsonl")
    rows = exports.export_rows(project=dataset.project, batch_size=1)
    stream = exports.export_stream(rows=rows, options=options, report=ExportReport())
    depth = len(connection.savepoint_ids)

    next(stream)
    assert len(connection.savepoint_ids) == depth + 1  # inside the export's transaction
    stream.close()

    assert len(connection.savepoint_ids) == depth
