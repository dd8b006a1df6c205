"""annotations.db.export: the batch-of-ids filter and the export's snapshot."""

import pytest
from django.db import connection, transaction

from annotations.db import export
from annotations.models import Document
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("pick", [[], [0], [0, 2, 4], [1, 2, 3, 4]])
def test_one_of_selects_what_the_list_selects(pick):
    ids = [DocumentFactory().pk for _ in range(5)]
    chosen = [ids[n] for n in pick] + [ids[-1] + 1000]  # and an id that names nothing

    got = Document.objects.filter(pk__in=export.one_of(chosen)).values_list("pk", flat=True)
    expected = Document.objects.filter(pk__in=chosen).values_list("pk", flat=True)

    assert sorted(got) == sorted(expected) == [ids[n] for n in pick]


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
