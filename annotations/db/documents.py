"""Look-ups of documents that the ORM's query would make slow on PostgreSQL.

Contract:
- ``stored_ids`` answers what ``Document.objects.filter(project_id=..., content_hash__in=...)
  .values_list("content_hash", "id")`` answers (a test holds them equal), in a form whose plan
  does not depend on the table's statistics: one probe of the unique (project, content_hash)
  index per hash. SQLite runs the ORM query, whose plan is fine there.
- Table and column names come from the Document model.
"""

from functools import cache

from django.db import connection

from annotations.db.rows import column_of, quote
from annotations.models import Document


@cache
def _stored_ids_sql() -> str:
    def column(name: str) -> str:
        return quote(column_of(Document, name))

    pk = column("id")
    return (
        f"SELECT h.hash, d.{pk} FROM unnest(string_to_array(%s, ',')) AS h(hash) "  # noqa: S608 (names from the model)
        f"CROSS JOIN LATERAL (SELECT {pk} FROM {quote(Document._meta.db_table)} "
        f"WHERE {column('project')} = (SELECT %s::bigint) AND {column('content_hash')} = h.hash "
        "LIMIT 1) AS d"
    )


def stored_ids(*, project_id: int, hashes: list[str]) -> list[tuple[str, int]]:
    """Return ``(content hash, id)`` of the project's documents that have these hashes.

    On PostgreSQL, ``content_hash IN (...)`` lets the planner pick a scan of every document
    of the project (through the external_id index, filtered on the hash), which it does
    whenever its statistics lag behind a large import: each batch then reads the whole
    project and an import slows down as it grows. One probe of the unique index per hash
    (LIMIT 1 keeps the lateral subquery a nested loop) costs the same at any size.

    The project id is a subquery's value, unknown when the plan is made: statistics gathered
    before the project had documents (the ANALYZE that ends the previous import) say that it
    has none, and then the (project, id) index, which ties with the unique one for a project
    of one row, was chosen and walked the whole project for every hash (a 20,000-document
    import took minutes). Unknown, the project is an average one, and only the unique index
    finds a hash in it at once.
    """
    if not hashes:
        return []
    if connection.vendor != "postgresql":
        existing = Document.objects.filter(project_id=project_id, content_hash__in=hashes)
        return list(existing.values_list("content_hash", "id"))
    with connection.cursor() as cursor:
        # One string rather than an array: quoting 500 values costs more than the query.
        cursor.execute(_stored_ids_sql(), [",".join(hashes), project_id])
        found: list[tuple[str, int]] = cursor.fetchall()
        return found
