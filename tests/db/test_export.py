"""annotations.db.export: the one-query export on PostgreSQL, and the export's snapshot."""

import pytest
from django.db import connection, transaction

from annotations.db import export
from annotations.models import Document
from annotations.selectors.exports import EXPORT_SUBMITTED, ExportedAnnotation, orm_batches
from tests.exports.conftest import NEWS, annotate, build_dataset, make_project, span
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def one_query(project, *, submitted=False, statuses=None, row_limit=1000, span_budget=50_000):
    """Every row of ``exported_annotations``, and the number of rows in each fetch."""
    found, sizes = [], []
    with export.snapshot():
        for fetched in export.exported_annotations(
            project_id=project.pk,
            submitted=submitted,
            statuses=statuses,
            first_fetch=2,
            row_limit=row_limit,
            span_budget=span_budget,
        ):
            found.extend(ExportedAnnotation._make(row) for row in fetched)
            sizes.append(len(fetched))
    return found, sizes


def through_the_orm(project, **options):
    with export.snapshot():
        return [row for batch in orm_batches(project=project, **options) for row in batch]


@pytest.mark.postgresql  # arrays and LATERAL
@pytest.mark.parametrize(
    ("include", "statuses"),
    [("gold", None), ("gold", ["in_progress"]), ("submitted", None), ("submitted", ["submitted"])],
)
def test_exported_annotations_reads_what_the_orm_reads(include, statuses):
    dataset = build_dataset()
    # Another project's work never comes in; an empty gold is a row with no spans.
    other = make_project("Another")
    annotate(DocumentFactory(project=other, text=NEWS), spans=[span(NEWS, "PER", "Keita")])
    annotate(DocumentFactory(project=dataset.project, text="Nothing."), spans=[])

    found, _sizes = one_query(
        dataset.project, submitted=include == EXPORT_SUBMITTED, statuses=statuses
    )

    expected = through_the_orm(dataset.project, include=include, statuses=statuses)
    assert found == expected
    assert found, "the dataset exports something in every mode"
    assert [row.document_id for row in found] == sorted(row.document_id for row in found)


@pytest.mark.postgresql
@pytest.mark.parametrize(("budget", "sizes"), [(250, [2, 2, 2]), (1000, [2, 4])])
def test_exported_annotations_fetches_as_many_rows_as_the_span_budget_holds(budget, sizes):
    project = make_project()
    text = "Keita met Macron. " * 100
    for n in range(6):
        document = DocumentFactory(project=project, text=f"{n}. {text}")
        annotate(document, spans=[span(document.text, "PER", "Keita", k) for k in range(100)])

    found, fetched = one_query(project, span_budget=budget)

    # Two rows first, then twice as many each time, but no more than hold the budget's spans
    # at the widest row seen (100 spans).
    assert fetched == sizes
    assert len(found) == 6 and all(len(row.starts) == 100 for row in found)


def test_snapshot_is_a_transaction_and_ends_with_its_block():
    depth = len(connection.savepoint_ids)
    with export.snapshot():
        assert connection.in_atomic_block
        assert len(connection.savepoint_ids) == depth + 1
    assert len(connection.savepoint_ids) == depth


def test_snapshot_rolls_back_when_its_block_fails():
    with pytest.raises(RuntimeError), export.snapshot():
        DocumentFactory()
        raise RuntimeError
    assert not Document.objects.exists()


@pytest.mark.postgresql  # isolation levels
@pytest.mark.django_db(transaction=True)
def test_outermost_snapshot_is_repeatable_read_and_read_only_on_postgresql():
    assert not connection.in_atomic_block
    with export.snapshot(), connection.cursor() as cursor:
        cursor.execute("SHOW transaction_isolation")
        assert cursor.fetchone() == ("repeatable read",)
        cursor.execute("SHOW transaction_read_only")
        assert cursor.fetchone() == ("on",)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SHOW transaction_isolation")
        assert cursor.fetchone() == ("read committed",)
