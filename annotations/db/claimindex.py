"""The claim index read in bulk: the figures a process's cached vectors are checked against.

Contract: ``span_ids`` answers the span ids of every entry of a project, ascending, as one
numpy array; ``span_id_sum`` answers how many entries the project has and the sum of their
span ids (one row: what a cache checks its own ids against before asking for them all).
On PostgreSQL the database aggregates the ids into one array (one row to send and parse
instead of 100,000); elsewhere the rows are read as they are. Raw SQL (names from
``ClaimIndexEntry``) because the ORM builds a Python object per row: 80-200 ms at 100,000
entries against a few ms here.
"""

import numpy as np
import numpy.typing as npt
from django.db import connection

from annotations.db.rows import column_of, quote
from annotations.models import ClaimIndexEntry


def span_ids(*, project_id: int) -> npt.NDArray[np.int64]:
    """The span ids of the project's index entries, ascending."""
    table = quote(ClaimIndexEntry._meta.db_table)
    span = quote(column_of(ClaimIndexEntry, "span"))
    project = quote(column_of(ClaimIndexEntry, "project"))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT array_agg({span} ORDER BY {span}) FROM {table} WHERE {project} = %s",  # noqa: S608 (names from the model)
                [project_id],
            )
            (found,) = cursor.fetchone()
            return np.asarray(found or [], dtype=np.int64)
        cursor.execute(
            f"SELECT {span} FROM {table} WHERE {project} = %s ORDER BY {span}",  # noqa: S608 (names from the model)
            [project_id],
        )
        return np.fromiter((row[0] for row in cursor.fetchall()), dtype=np.int64)


def span_id_sum(*, project_id: int) -> tuple[int, int]:
    """How many index entries the project has, and the sum of their span ids."""
    table = quote(ClaimIndexEntry._meta.db_table)
    span = quote(column_of(ClaimIndexEntry, "span"))
    project = quote(column_of(ClaimIndexEntry, "project"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), coalesce(sum({span}), 0) FROM {table} WHERE {project} = %s",  # noqa: S608 (names from the model)
            [project_id],
        )
        count, total = cursor.fetchone()
    return int(count), int(total)
