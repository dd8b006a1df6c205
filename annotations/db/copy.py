"""Documents stored with PostgreSQL's binary COPY: several times faster than INSERT for text.

Contract:
- ``copy_supported()`` says whether the connection takes COPY (PostgreSQL); callers store with the
  ORM (``bulk_create``) otherwise, and the rows stored are the same either way (a test holds
  them equal).
- ``document_row`` encodes one document's fields from ``project_id`` to ``ingestion_report``
  (the columns between the id and ``created_at``); it is pure, so worker processes build rows
  off the process that stores. ``documents_copy`` draws the ids from the table's sequence,
  as ``bulk_create`` would get them back, and adds the id and ``created_at`` to each row.
- Constraints hold exactly as for INSERT: a duplicate hash fails the whole COPY, raised as
  Django's ``IntegrityError`` like any other insert.
- Table and column names come from the Document model.
"""

import datetime
import struct
from collections.abc import Mapping, Sequence
from functools import cache

import orjson
from django.db import IntegrityError, connection
from psycopg import DatabaseError

from annotations.db.rows import column_of, quote
from annotations.models import Document

# The columns of a COPY row, in its order; document_row encodes the ones between the first
# and the last.
_DOCUMENT_COLUMNS = (
    "id",
    "project_id",
    "text",
    "external_id",
    "meta",
    "content_hash",
    "ingestion_report",
    "created_at",
)
# PostgreSQL's binary COPY format: a header, then per row the number of fields and each
# field as its length and its bytes (big-endian), then a trailer.
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)
_ROW_START = struct.Struct(">hiq")  # field count, then the id (an 8-byte bigint)
_INT4 = struct.Struct(">i")
_INT8_FIELD = struct.Struct(">iq")
_JSONB_VERSION = b"\x01"
_PG_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)  # timestamps count from it


def copy_supported() -> bool:
    """Return whether this database takes documents by binary COPY."""
    return connection.vendor == "postgresql"


@cache
def _copy_sql() -> str:
    table = Document._meta.db_table
    columns = ", ".join(quote(column_of(Document, name)) for name in _DOCUMENT_COLUMNS)
    return f"COPY {quote(table)} ({columns}) FROM STDIN (FORMAT BINARY)"


def document_row(
    *,
    project_id: int,
    text: str,
    external_id: str,
    meta: Mapping[str, object],
    content_hash: str,
    ingestion_report: Mapping[str, object],
) -> bytes:
    """Return a document's fields from project_id to ingestion_report, as binary COPY.

    Binary saves escaping the text here and unescaping it in PostgreSQL; text is UTF-8,
    jsonb its version byte and the JSON text.
    """
    text_bytes = text.encode()
    external_id_bytes = external_id.encode()
    meta_json = orjson.dumps(meta)
    digest = content_hash.encode()
    report = orjson.dumps(ingestion_report)
    return b"".join(
        (
            _INT8_FIELD.pack(8, project_id),
            _INT4.pack(len(text_bytes)),
            text_bytes,
            _INT4.pack(len(external_id_bytes)),
            external_id_bytes,
            _INT4.pack(len(meta_json) + 1),
            _JSONB_VERSION,
            meta_json,
            _INT4.pack(len(digest)),
            digest,
            _INT4.pack(len(report) + 1),
            _JSONB_VERSION,
            report,
        )
    )


def documents_copy(rows: Sequence[bytes], *, created_at: datetime.datetime) -> list[int]:
    """Insert documents from their ``document_row``s with COPY; return their new ids in order."""
    created = _INT8_FIELD.pack(8, (created_at - _PG_EPOCH) // datetime.timedelta(microseconds=1))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [Document._meta.db_table, Document._meta.pk.column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        data = [_COPY_HEADER]
        for pk, row in zip(ids, rows, strict=True):
            data.append(_ROW_START.pack(len(_DOCUMENT_COLUMNS), 8, pk))
            data.append(row)
            data.append(created)
        data.append(_COPY_TRAILER)
        try:
            with cursor.copy(_copy_sql()) as copy:
                copy.write(b"".join(data))
        except DatabaseError as error:
            # psycopg's own error, which Django's cursor wrapper does not translate for COPY.
            if (error.sqlstate or "").startswith("23"):
                raise IntegrityError(str(error)) from error
            raise
    return ids
