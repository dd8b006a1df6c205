"""What the export selector needs beyond the ORM: one snapshot, and a batch of ids as one value.

An export reads a project in batches of documents over a server-side cursor; each batch is a
few ``__in`` queries on the batch's ids. Both helpers here decide per vendor:

- ``snapshot`` runs the export in one transaction that, on PostgreSQL and when it is the
  outermost one, is REPEATABLE READ READ ONLY: every batch sees the database as it was when
  the export began. Elsewhere (SQLite serialises writers anyway) it is a plain transaction.
- ``each_of`` reads the rows of a batch of ids: on PostgreSQL each id's rows by their own
  index probe, with a plan that does not depend on statistics; elsewhere one ``__in``
  filter. It returns exactly what ``filter(<field>__in=ids)`` returns, in the queryset's
  order; tests/db/test_export.py holds them equal.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
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


def each_of(
    queryset: QuerySet[Any, Any], field: str, ids: Sequence[int], *, sorted_by: int
) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list`` queryset whose ``field`` is one of ``ids``.

    ``list(queryset.filter(<field>__in=ids))``, whose ``order_by`` must be its first
    ``sorted_by`` columns, ascending. Values come as the database gives them (no ORM
    conversion): select plain columns only.

    On PostgreSQL it is ``unnest(ids) CROSS JOIN LATERAL (the queryset for one id)``: each id
    is one probe of an index that starts with ``field``, whatever the statistics say. The
    ``IN`` form left the plan to statistics: on a fresh project (none yet) PostgreSQL hashed
    the batch and scanned the whole span table once per batch of 1,000 documents.
    """
    if connection.vendor != "postgresql":
        return [tuple(row) for row in queryset.filter(**{f"{field}__in": ids})]
    one = queryset.order_by().filter(**{field: RawSQL("batch.id", ())})
    sql, params = one.query.sql_with_params()
    order = ", ".join(str(n) for n in range(1, sorted_by + 1))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT item.* FROM unnest(%s::bigint[]) AS batch(id) "  # noqa: S608 (ORM-built)
            # OFFSET 0 keeps the subquery whole: pulled up into a plain join, it would be
            # planned from statistics again (a hash join over the whole table, without them).
            f"CROSS JOIN LATERAL ({sql} OFFSET 0) AS item ORDER BY {order}",
            # The array as its text form, which psycopg sends as it is: binding a thousand
            # ids as a list costs more than the query.
            ["{" + ",".join(map(str, ids)) + "}", *params],
        )
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows
