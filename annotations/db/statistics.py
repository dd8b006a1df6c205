"""Planner statistics right after a bulk write: ANALYZE of the tables it filled (PostgreSQL).

PostgreSQL plans from statistics that autovacuum gathers in the background, a minute or more
after a table has changed. Until then a freshly filled table has none, and plans made without
them can be slower by orders of magnitude (issue 14: an export's "reviewed by" subquery took
9.2 s for 1,000 documents before ANALYZE and 10 ms after). The hot queries are shaped and
indexed to stay good without statistics (tests/db/test_plans.py), and a large import ends by
gathering them at once, so every other query is planned from the data the import stored.

SQLite is left alone: without statistics its planner takes an index whenever one fits, which
is the plan these queries want.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import Model

from annotations.db.rows import quote


def analyze(models: Iterable[type[Model]]) -> None:
    """Gather PostgreSQL's planner statistics of the models' tables now (elsewhere nothing)."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(quote(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
