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
- ``rows_copy`` stores rows of any model whose columns are plain values (ids, text, numbers,
  times: what psycopg adapts) or JSON (a JSONField's value, sent as jsonb: psycopg adapts
  no dict by itself): the caller names the columns it gives, every other
  column takes its field's default (``now`` for ``auto_now``/``auto_now_add``), exactly as
  ``bulk_create`` would fill it, and the primary key its sequence's next value.
  Predictions (annotations, spans, stances) are stored this way.
"""

import contextlib
import datetime
import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import Any

import orjson
from django.db import IntegrityError, connection
from django.db.backends.utils import CursorWrapper
from django.db.models import DateField, JSONField, Model
from psycopg import DatabaseError
from psycopg.types.json import Jsonb

from annotations.db.rows import column_of, field_of, quote
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
        ids = _next_ids(cursor, Document, len(rows))
        data = [_COPY_HEADER]
        for pk, row in zip(ids, rows, strict=True):
            data.append(_ROW_START.pack(len(_DOCUMENT_COLUMNS), 8, pk))
            data.append(row)
            data.append(created)
        data.append(_COPY_TRAILER)
        with _integrity(), cursor.copy(_copy_sql()) as copy:
            copy.write(b"".join(data))
    return ids


def next_ids(counts: Mapping[type[Model], int]) -> dict[type[Model], list[int]]:
    """Draw ids from the primary-key sequence of each model, as many as asked (one query)."""
    wanted = [(model, count) for model, count in counts.items() if count > 0]
    if not wanted:
        return {model: [] for model in counts}
    part = "ARRAY(SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s))"
    params: list[Any] = []
    for model, count in wanted:
        params += [model._meta.db_table, _pk_column(model), count]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join([part] * len(wanted))}", params)
        drawn = dict(zip((model for model, _ in wanted), cursor.fetchone(), strict=True))
    return {model: drawn.get(model, []) for model in counts}


def rows_copy(
    model: type[Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    now: datetime.datetime,
) -> None:
    """Insert rows of ``model`` (values of ``columns``, by attname) with COPY, one query.

    Every other column takes its field's default; the primary key, when not among
    ``columns``, its sequence's next value.
    """
    names, defaults = _completed(model, tuple(columns), now)
    table = quote(model._meta.db_table)
    sql = f"COPY {table} ({', '.join(quote(column_of(model, n)) for n in names)}) FROM STDIN"
    json = [n for n, name in enumerate(columns) if isinstance(field_of(model, name), JSONField)]
    with connection.cursor() as cursor, _integrity(), cursor.copy(sql) as copy:
        for row in rows:
            if json:
                row = list(row)
                for n in json:
                    row[n] = Jsonb(row[n])
            copy.write_row((*row, *defaults))


def _completed(
    model: type[Model], columns: tuple[str, ...], now: datetime.datetime
) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """The columns with every other one added, and the values those others take."""
    pk = model._meta.pk
    assert pk is not None
    others: list[tuple[str, Any]] = []
    for field in model._meta.concrete_fields:
        if field.attname in columns or field is pk:
            continue
        if isinstance(field, DateField) and (field.auto_now or field.auto_now_add):
            others.append((field.attname, now))
        elif isinstance(field, JSONField):
            others.append((field.attname, Jsonb(field.get_default())))
        else:  # what a model instance holds for a field it was not given
            others.append((field.attname, field.get_default()))
    for name in columns:
        field_of(model, name)  # a column the model does not have fails here, not in COPY
    return (*columns, *(name for name, _ in others)), tuple(value for _, value in others)


def _next_ids(cursor: CursorWrapper, model: type[Model], count: int) -> list[int]:
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [model._meta.db_table, _pk_column(model), count],
    )
    return [pk for (pk,) in cursor.fetchall()]


def _pk_column(model: type[Model]) -> str:
    pk = model._meta.pk
    assert pk is not None and pk.column
    return pk.column


@contextlib.contextmanager
def _integrity() -> Iterator[None]:
    """Raise a constraint's failure in COPY as Django's IntegrityError, as INSERT would."""
    try:
        yield
    except DatabaseError as error:
        # psycopg's own error, which Django's cursor wrapper does not translate for COPY.
        if (error.sqlstate or "").startswith("23"):
            raise IntegrityError(str(error)) from error
        raise
