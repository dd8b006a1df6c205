"""annotations.db.export: the batch-of-ids filter and the export's snapshot."""

import pytest
from django.db import connection, transaction

from annotations.db import export
from annotations.models import Annotation, Document
from tests.factories import AnnotationFactory, DocumentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("pick", [[], [0], [2, 0, 4], [1, 2, 3, 4]])
def test_each_of_reads_what_the_in_filter_reads_in_the_querysets_order(pick):
    documents = [DocumentFactory() for _ in range(5)]
    # Two annotations on some documents, none on others: each id may have 0, 1 or 2 rows.
    for document in documents[::2]:
        AnnotationFactory(document=document)
        AnnotationFactory(document=document)
    AnnotationFactory(document=documents[1])
    chosen = [documents[n].pk for n in pick] + [documents[-1].pk + 1000]  # one names nothing
    annotations = Annotation.objects.order_by("document_id", "pk").values_list(
        "document_id", "pk", "kind"
    )

    got = export.each_of(annotations, "document_id", chosen, sorted_by=2)

    expected = [tuple(row) for row in annotations.filter(document_id__in=chosen)]
    assert got == expected
    assert {row[0] for row in got} == {documents[n].pk for n in pick} & {
        a.document_id for a in Annotation.objects.all()
    }


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
