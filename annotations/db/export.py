"""What the export selector needs beyond the ORM: one snapshot, and on PostgreSQL one query.

An export reads a whole project. Both helpers here decide per vendor:

- ``snapshot`` runs the export in one transaction that, on PostgreSQL and when it is the
  outermost one, is REPEATABLE READ READ ONLY: every fetch sees the database as it was when
  the export began. Elsewhere (SQLite serialises writers anyway) it is a plain transaction.
- ``exported_annotations`` streams, on PostgreSQL, every exported annotation of the project
  with its document, its spans and its stances as one row, from one statement over a
  server-side cursor, in document id order (then annotation id). Each row's spans and
  stances come as arrays (one per column), so a row costs a handful of Python objects per
  span, not a tuple, and the whole export is one query: no round trip per batch, no query
  planned per batch. Elsewhere ``streams_in_one_query()`` is false and the selector reads
  the same rows through the ORM, batch by batch (``selectors.exports``); tests/db/
  test_export.py holds the two equal on PostgreSQL.

The statement's shape keeps its plan independent of statistics (a fresh project has none):
the project's documents walk ``document_project_id_idx`` in id order, and everything else
is a ``LATERAL`` subquery of one document or one annotation, fenced with ``OFFSET 0`` so that
PostgreSQL cannot pull it up into a join it would plan from statistics (a hash of the whole
span table, without them). The only sorts are of one annotation's spans and stances.
tests/db/test_plans.py EXPLAINs it on tables without statistics.
"""

import itertools
from collections.abc import Collection, Generator, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from annotations import builtins
from annotations.db import rows
from annotations.models import (
    Annotation,
    AnnotationEvent,
    AnnotationKind,
    AnnotationStatus,
    Document,
    DocumentLabel,
    Relation,
    Span,
    Stance,
)

# The row of one exported annotation, in this order (the selector names the fields):
# document id, external id, text, meta as JSON text, annotation id, its author's username,
# reviewed_by (gold; else None), the authors of the document's submitted manual annotations
# (gold; else None), then its spans as arrays in (start, end, id) order: ids, starts, ends,
# label ids, claimant ids (the claims' built-in relations), claimant texts, check-worthiness;
# then its stances in id order:
# target ids, label ids, holder ids, evidence ids; then the spans' attributes (JSON text),
# units and scores, the stances' attributes; then its relations in id order: label ids,
# source ids, target ids, attributes; then its document labels' label ids in id order. An
# empty array comes as None, and so do the arrays that would hold nothing: the claimant ids,
# claimant texts, check-worthiness, units, scores and attributes when no item has one. Most
# annotations are entities only: they cost four arrays, not ten.
Row = tuple[Any, ...]


@contextmanager
def snapshot() -> Iterator[None]:
    """Run the block in a transaction whose reads all see one snapshot (on PostgreSQL).

    Inside an outer transaction it is a savepoint of it and keeps the outer isolation level.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            # One snapshot for the whole export: a gold edited while the export runs is
            # exported as it was when the export began, never half and half. Inside a
            # transaction the cursor is not WITH HOLD, so nothing is materialised up front
            # and the first row leaves at once.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def streams_in_one_query() -> bool:
    """Whether ``exported_annotations`` can serve this database (PostgreSQL: arrays, LATERAL)."""
    return connection.vendor == "postgresql"


def exported_annotations(
    *,
    project_id: int,
    submitted: bool,
    statuses: Collection[str] | None,
    first_fetch: int,
    row_limit: int,
    span_budget: int,
) -> Generator[list[Row], None, None]:
    """Yield the project's exported annotations (``Row``), a fetch at a time (PostgreSQL).

    Gold (one per document that has it) or, when ``submitted``, every submitted manual
    annotation; ``statuses`` keeps only the documents whose gold has one of them. The first
    fetch is ``first_fetch`` rows, so that the first bytes leave at once; each next one is as
    many rows as hold about ``span_budget`` spans at the largest span count per row seen in
    the fetch before (at most ``row_limit`` rows, and at most twice the fetch before), so that
    memory holds about ``span_budget`` spans whatever the project's shape. Run it inside
    ``snapshot()``: the cursor lives in its transaction.
    """
    params: list[Any] = [project_id]
    if statuses is not None:
        # Gold's status is asked before the project (in the annotations' subquery); the
        # status of the gold behind submitted work, after it (in the documents' filter).
        params.insert(len(params) if submitted else 0, sorted(statuses))
    # QuerySet.iterator()'s cursor: a server-side cursor, not WITH HOLD inside a transaction.
    cursor = _binary_server_cursor()
    try:
        cursor.execute(_sql(submitted, statuses is not None), params)
        size = first_fetch
        while fetched := cursor.fetchmany(size):
            yield fetched
            widest = max(len(row[STARTS] or ()) for row in fetched)
            size = max(1, min(row_limit, 2 * size, span_budget // max(widest, 1)))
    finally:
        # Closed here, while the transaction that holds it is open: left to the garbage
        # collector, it would be closed after the transaction ended it.
        cursor.close()


def _binary_server_cursor() -> CursorWrapper:
    """A server-side cursor whose rows come in PostgreSQL's binary format, in Django's wrapper.

    psycopg reads arrays of numbers in that format without parsing their text. Django's own
    server-side cursor (``chunked_cursor``) binds parameters on the client, which psycopg
    allows with text results only, so this one is psycopg's own, with server-side binding,
    wrapped as Django wraps every cursor (query logging, execute wrappers). Never WITH HOLD:
    it lives in the export's transaction (a pooler in transaction mode could not keep it).
    """
    connection.ensure_connection()
    name = f"export_{next(_names)}"
    raw = connection.connection.cursor(name, binary=True, scrollable=False, withhold=False)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


_names = itertools.count(1)
# Where a row holds its spans' starts (see Row).
STARTS = 9


@cache
def _sql(submitted: bool, by_status: bool) -> str:
    user = get_user_model()
    d, a, u = rows.Part(Document, "d"), rows.Part(Annotation, "a"), rows.Part(user, "u")
    e, eu = rows.Part(AnnotationEvent, "e"), rows.Part(user, "eu")
    m, mu = rows.Part(Annotation, "m"), rows.Part(user, "mu")
    g = rows.Part(Annotation, "g")
    s, t = rows.Part(Span, "s"), rows.Part(Stance, "t")
    r, dl = rows.Part(Relation, "r"), rows.Part(DocumentLabel, "dl")
    lk = rows.Part(Relation, "lk")
    manual = (
        f"{{p}}.{rows.quote(rows.column_of(Annotation, 'kind'))} = '{AnnotationKind.MANUAL}' "
        f"AND {{p}}.{rows.quote(rows.column_of(Annotation, 'status'))} = "
        f"'{AnnotationStatus.SUBMITTED}'"
    )
    gold = f"{{p}}.{rows.quote(rows.column_of(Annotation, 'kind'))} = '{AnnotationKind.GOLD}'"
    status = f"{{p}}.{rows.quote(rows.column_of(Annotation, 'status'))} = ANY(%s)"
    if submitted:
        exported = manual.format(p="a")
        # Who reviewed and who annotated belong to gold rows only.
        reviewed_by = authors = "NULL"
        documents = (
            f" AND EXISTS (SELECT 1 FROM {g.table} WHERE {g.column('document_id')} = "  # noqa: S608
            f"{d.column('id')} AND {gold.format(p='g')} AND {status.format(p='g')})"
            if by_status
            else ""
        )
    else:
        exported = gold.format(p="a") + (f" AND {status.format(p='a')}" if by_status else "")
        # The last person to change the gold: the newest event with an actor (system writes,
        # such as imports, have none), walked backwards on the (annotation, id) index.
        reviewed_by = (
            f"(SELECT {eu.column('username')} FROM {e.table} "  # noqa: S608 (names from the models)
            f"JOIN {eu.table} ON {eu.column('id')} = {e.column('actor_id')} "
            f"WHERE {e.column('annotation_id')} = {a.column('id')} "
            f"AND {e.column('actor_id')} IS NOT NULL ORDER BY {e.column('id')} DESC LIMIT 1)"
        )
        authors = (
            f"ARRAY(SELECT {mu.column('username')} FROM {m.table} "  # noqa: S608 (names from the models)
            f"JOIN {mu.table} ON {mu.column('id')} = {m.column('author_id')} "
            f"WHERE {m.column('document_id')} = {d.column('id')} AND {manual.format(p='m')})"
        )
        documents = ""
    span_columns = (
        "id",
        "start",
        "end",
        "label_id",
        "claimant_id",
        "claimant_text",
        "checkworthy",
        "attributes",
        "unit",
        "score",
    )
    attributes = {"attributes": "<> '{}'::jsonb"}
    # A span's built-ins and its user attributes, split out of its stored values as Span
    # splits them (annotations.builtins; spanvalues is the ORM's side of it).
    stored = s.column("attribute_values")
    builtin_names = ",".join(builtins.CLAIM_ATTRIBUTES)
    split = {
        name: (f"COALESCE({stored} ->> '{name}', '')", False)
        for name in (builtins.CLAIMANT_TEXT, builtins.CHECKWORTHY)
    } | {"attributes": (f"({stored} - '{{{builtin_names}}}'::text[])", True)}
    # A claim's claimant span is its built-in relation (one at most: a unique index on it).
    split["claimant_id"] = (
        f"(SELECT {lk.column('target_id')} FROM {lk.table} "  # noqa: S608 (names from the models)
        f"WHERE {lk.column('source_id')} = {s.column('id')} "
        f"AND {lk.column('builtin')} = '{builtins.CLAIMANT}')",
        False,
    )
    spans = _arrays(
        s,
        span_columns,
        "sp",
        a,
        (s.column("start"), s.column("end"), s.column("id")),
        computed=split,
        sparse={
            "claimant_id": "IS NOT NULL",
            "claimant_text": "<> ''",
            "checkworthy": "<> ''",
            **attributes,
            "unit": "IS NOT NULL",
            "score": "IS NOT NULL",
        },
    )
    stance_columns = ("target_id", "label_id", "holder_id", "evidence_id", "attributes")
    # A stance's holder and evidence spans are its built-in relations (one of each at most).
    links = {
        f"{role}_id": (
            f"(SELECT {lk.column('target_id')} FROM {lk.table} "  # noqa: S608 (names from the models)
            f"WHERE {lk.column('stance_id')} = {t.column('id')} "
            f"AND {lk.column('builtin')} = '{role}')",
            False,
        )
        for role in builtins.STANCE_LINKS
    }
    stances = _arrays(
        t, stance_columns, "st", a, (t.column("id"),), sparse=attributes, computed=links
    )
    relation_columns = ("label_id", "source_id", "target_id", "attributes")
    # The users' relations only: the built-in ones are read as the fields they stand for.
    relations = _arrays(
        r,
        relation_columns,
        "rl",
        a,
        (r.column("id"),),
        sparse=attributes,
        where=f"{r.column('builtin')} = ''",
    )
    labels = _arrays(dl, ("label_id",), "dl", a, (dl.column("id"),))
    # In ExportedAnnotation's order: the columns of issue 16's schema come last.
    columns = ", ".join(
        [f"sp.c{n}" for n in range(7)]
        + [f"st.c{n}" for n in range(4)]
        + [f"sp.c{n}" for n in range(7, len(span_columns))]
        + [f"st.c{n}" for n in range(4, len(stance_columns))]
        + [f"rl.c{n}" for n in range(len(relation_columns))]
        + ["dl.c0"]
    )
    # By document only: the documents' index gives that order without a sort. Sorting by
    # annotation as well made PostgreSQL sort every row, texts and all, before the first
    # left; a document's annotations come in the order of their subquery (by id), which the
    # nested loop over the documents keeps.
    return (
        f"SELECT {d.column('id')}, {d.column('external_id')}, {d.column('text')}, "  # noqa: S608 (names from the models)
        # meta as its JSON text: orjson parses it several times faster than psycopg's json.
        f"{d.column('meta')}::text, a.id, {u.column('username')}, {reviewed_by}, {authors}, "
        f"{columns} FROM {d.table} "
        f"CROSS JOIN LATERAL (SELECT {a.column('id')}, {a.column('author_id')} FROM {a.table} "
        f"WHERE {a.column('document_id')} = {d.column('id')} AND {exported} "
        f"ORDER BY {a.column('id')} OFFSET 0) a "
        f"LEFT JOIN {u.table} ON {u.column('id')} = {a.column('author_id')} "
        f"{spans} {stances} {relations} {labels} "
        f"WHERE {d.column('project_id')} = %s{documents} ORDER BY {d.column('id')}"
    )


def _arrays(
    part: rows.Part,
    names: tuple[str, ...],
    alias: str,
    annotation: rows.Part,
    order: tuple[str, ...],
    sparse: dict[str, str] | None = None,
    computed: dict[str, tuple[str, bool]] | None = None,
    where: str = "",
) -> str:
    """A LATERAL join of the annotation's rows of ``part`` as one array per column (c0, c1...),
    in ``order``: the subquery sorts a few rows and feeds them to array_agg in that order.

    A ``sparse`` column's array is NULL unless one of its values meets its condition. A JSON
    column comes as its text (orjson parses it faster than psycopg's json would). ``where``
    is a further condition on the rows."""
    aggregates, selected = [], []
    for n, name in enumerate(names):
        if name in (computed or {}):
            # An expression over the row (``computed``: name -> (SQL, whether it is JSON)).
            sql, json = (computed or {})[name]
            selected.append(f"{sql} AS {rows.quote(name)}")
            column = f"x.{rows.quote(name)}"
        else:
            selected.append(part.column(name))
            column = f"x.{rows.quote(rows.column_of(part.model, name))}"
            json = part.model._meta.get_field(name).get_internal_type() == "JSONField"
        value = f"{column}::text" if json else column
        condition = (sparse or {}).get(name)
        if condition is None:
            aggregates.append(f"array_agg({value}) c{n}")
        else:
            aggregates.append(
                f"CASE WHEN bool_or({column} {condition}) THEN array_agg({value}) END c{n}"
            )
    return (
        f"CROSS JOIN LATERAL (SELECT {', '.join(aggregates)} FROM "  # noqa: S608 (names from the models)
        f"(SELECT {', '.join(selected)} FROM {part.table} "
        f"WHERE {part.column('annotation_id')} = {annotation.column('id')} "
        f"{'AND ' + where + ' ' if where else ''}"
        f"ORDER BY {', '.join(order)} OFFSET 0) x) {alias}"
    )
