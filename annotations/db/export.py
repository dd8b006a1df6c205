"""What the export selector needs beyond the ORM: one snapshot, and a batch of ids as one value.

An export reads a project in batches of documents over a server-side cursor; each batch is a
few ``__in`` queries on the batch's ids. Both helpers here decide per vendor:

- ``snapshot`` runs the export in one transaction that, on PostgreSQL and when it is the
  outermost one, is REPEATABLE READ READ ONLY: every batch sees the database as it was when
  the export began. Elsewhere (SQLite serialises writers anyway) it is a plain transaction.
- ``one_of`` is the right-hand side of an ``__in`` filter on a batch of ids: on PostgreSQL one
  array parameter, elsewhere the list itself. ``filter(pk__in=one_of(ids))`` selects exactly
  what ``filter(pk__in=ids)`` selects; tests/db/test_export.py holds them equal.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models.expressions import RawSQL


@contextmanager
def snapshot() -> Iterator[None]:
    """Run the block in a transaction whose reads all see one snapshot (on PostgreSQL).

    Inside an outer transaction it is a savepoint of it and keeps the outer isolation level.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            # One snapshot for the cursor and every batch query: a gold edited while the
            # export runs is exported as it was when the export began, never half and half.
            # Inside a transaction the cursor is not WITH HOLD, so nothing is materialised
            # up front and the first row leaves at once.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def one_of(ids: list[int]) -> list[int] | RawSQL:
    """The right-hand side of an ``__in`` filter on a batch of ids."""
    if connection.vendor == "postgresql":
        # One array parameter (as its text form, which psycopg sends as it is) rather than a
        # placeholder per id: binding a thousand placeholders costs more than the query.
        return RawSQL("SELECT unnest(%s::bigint[])", ("{" + ",".join(map(str, ids)) + "}",))
    return ids
