"""The hand-written reads of the per-request hot path: the token, the annotation, its lock.

Every API request reads its token, and every write to an annotation reads the annotation with
the caller's role, locks it, and checks the label and the spans it touches. The ORM spends
longer compiling these joins than the database spends answering them (see rows.py), so each
is one statement written here from the models' own table and column names, and its rows
become model instances through ``rows.Part``. Each function names the ORM query it stands in
for; tests/test_selectors.py holds them equal. A part loads a ``Model`` as far as the types
know: the casts here name its model (and None where an outer join may have matched nothing).

Callers (the selectors) keep the rules: who may see what, which ids are out of range. This
module only reads, and returns model instances, None, or plain tuples.
"""

import uuid
from functools import cache
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import connection
from rest_framework.authtoken.models import Token

from annotations.db import rows
from annotations.models import Annotation, Document, Label, Membership, Project, Span

# Callers

_TOKEN = rows.Part(Token, "t")
_USER = rows.Part(get_user_model(), "u")


@cache
def _token_sql(vendor: str) -> str:
    return (
        f"SELECT {_TOKEN.select()}, {_USER.select()} FROM {_TOKEN.table} "  # noqa: S608
        f"JOIN {_USER.table} ON {_USER.column('id')} = {_TOKEN.column('user_id')} "
        f"WHERE {_TOKEN.column('key')} = %s"
    )


def token_with_user(*, key: str) -> Token | None:
    """``Token.objects.select_related("user").filter(key=key).first()``."""
    row = rows.fetch_one(_token_sql(connection.vendor), [key])
    if row is None:
        return None
    (token, user), _rest = rows.split(row, [_TOKEN, _USER])
    token = cast(Token, token)
    token.user = cast(User, user)
    return token


# Annotations

_ANNOTATION = rows.Part(Annotation, "a")
_AUTHOR = rows.Part(get_user_model(), "u", ("id", "username"))
_DOCUMENT_TEXT = rows.Part(Document, "d", ("id", "project_id", "text"))
_PROJECT = rows.Part(Project, "p")


@cache
def _annotation_for_user_sql(vendor: str) -> str:
    document, membership = rows.Part(Document, "d"), rows.Part(Membership, "m")
    return (
        f"SELECT {_ANNOTATION.select()}, {_AUTHOR.select()}, {membership.column('role')} "  # noqa: S608 (names from the models)
        f"FROM {_ANNOTATION.table} "
        f"JOIN {document.table} ON {document.column('id')} = {_ANNOTATION.column('document_id')} "
        f"JOIN {membership.table} ON {membership.column('project_id')} = "
        f"{document.column('project_id')} AND {membership.column('user_id')} = %s "
        f"LEFT JOIN {_AUTHOR.table} ON {_AUTHOR.column('id')} = {_ANNOTATION.column('author_id')} "
        f"WHERE {_ANNOTATION.column('id')} = %s"
    )


def annotation_with_author_and_role(
    *, user_id: int, annotation_id: int
) -> tuple[Annotation, User | None, str] | None:
    """The annotation, its author (id and username only) and ``user_id``'s role in its project.

    None when there is no such annotation or the user is not a member of its project: the
    ORM's ``Annotation.objects.filter(pk=..., document__project__memberships__user=...)``
    with ``select_related("author")`` and the membership's role.
    """
    row = rows.fetch_one(_annotation_for_user_sql(connection.vendor), [user_id, annotation_id])
    if row is None:
        return None
    (annotation, author), (role,) = rows.split(row, [_ANNOTATION, _AUTHOR])
    return cast(Annotation, annotation), cast(User | None, author), role


@cache
def _annotation_lock_sql(vendor: str) -> str:
    return (
        f"SELECT {_ANNOTATION.select()}, {_DOCUMENT_TEXT.select()}, {_PROJECT.select()} "  # noqa: S608
        f"FROM {_ANNOTATION.table} "
        f"JOIN {_DOCUMENT_TEXT.table} "
        f"ON {_DOCUMENT_TEXT.column('id')} = {_ANNOTATION.column('document_id')} "
        f"JOIN {_PROJECT.table} ON {_PROJECT.column('id')} = {_DOCUMENT_TEXT.column('project_id')} "
        f"WHERE {_ANNOTATION.column('id')} = %s{rows.for_update('a')}"
    )


def annotation_locked(*, annotation_id: int) -> Annotation | None:
    """Lock the annotation's row (only that row); return it with its document and project.

    ``Annotation.objects.select_for_update(of=("self",)).select_related("document__project")``
    with only the document's id, project and text loaded.
    """
    row = rows.fetch_one(_annotation_lock_sql(connection.vendor), [annotation_id])
    if row is None:
        return None
    (annotation, document, project), _rest = rows.split(
        row, [_ANNOTATION, _DOCUMENT_TEXT, _PROJECT]
    )
    annotation, document = cast(Annotation, annotation), cast(Document, document)
    document.project = cast(Project, project)
    annotation.document = document
    return annotation


# Labels and spans

_LABEL = rows.Part(Label, "l")


@cache
def _label_sql(vendor: str) -> str:
    return (
        f"SELECT {_LABEL.select()} FROM {_LABEL.table} "  # noqa: S608 (names from the models)
        f"WHERE {_LABEL.column('id')} = %s AND {_LABEL.column('project_id')} = %s"
    )


def label_of_project(*, project_id: int, label_id: int) -> Label | None:
    """``Label.objects.filter(pk=label_id, project_id=project_id).first()``."""
    row = rows.fetch_one(_label_sql(connection.vendor), [label_id, project_id])
    return None if row is None else cast(Label, _LABEL.load(row))


_CLIENT_SPAN = rows.Part(Span, "c")
_CLIENT_SPAN_LABEL = rows.Part(Label, "cl")
_OVERLAP = rows.Part(Span, "o", ("id", "label_id", "start", "end"))


@cache
def _span_create_facts_sql(vendor: str) -> str:
    span, label = rows.Part(Span, "s"), rows.Part(Label, "sl")
    overlap = (
        f"SELECT {span.column('id')} FROM {span.table} "  # noqa: S608 (names from the models)
        f"JOIN {label.table} ON {label.column('id')} = {span.column('label_id')} "
        f"WHERE {span.column('annotation_id')} = %s AND {label.column('kind')} = "
        f"{_LABEL.column('kind')} AND {span.column('start')} < %s AND {span.column('end')} > %s "
        f"ORDER BY CASE WHEN {span.column('label_id')} = %s AND {span.column('start')} = %s "
        f"AND {span.column('end')} = %s THEN 0 ELSE 1 END, "
        f"{span.column('start')}, {span.column('id')} LIMIT 1"
    )
    facts = (
        f"SELECT {_LABEL.select()}, {_CLIENT_SPAN.select()}, "  # noqa: S608
        f"{_CLIENT_SPAN_LABEL.select()}, {_OVERLAP.select()} FROM (SELECT 1 AS one) x "
        f"LEFT JOIN {_LABEL.table} ON {_LABEL.column('id')} = %s "
        f"AND {_LABEL.column('project_id')} = %s "
        f"LEFT JOIN {_CLIENT_SPAN.table} ON {_CLIENT_SPAN.column('annotation_id')} = %s "
        f"AND {_CLIENT_SPAN.column('client_id')} = %s "
        f"LEFT JOIN {_CLIENT_SPAN_LABEL.table} "
        f"ON {_CLIENT_SPAN_LABEL.column('id')} = {_CLIENT_SPAN.column('label_id')} "
        f"LEFT JOIN {_OVERLAP.table} ON {_OVERLAP.column('id')} = ({overlap})"
    )
    if vendor == "postgresql":
        table = Span._meta.db_table
        column = Span._meta.pk.column
        draw = f", nextval(pg_get_serial_sequence('{rows.quote(table)}', '{column}'))"
        facts = facts.replace(" FROM (SELECT 1 AS one) x ", f"{draw} FROM (SELECT 1 AS one) x ", 1)
    return facts


def span_create_facts(
    *,
    annotation_id: int,
    project_id: int,
    label_id: int | None,
    client_id: uuid.UUID | None,
    start: int | None,
    end: int | None,
) -> tuple[Label | None, Span | None, Span | None, int | None]:
    """The label, the span replayed by ``client_id`` (with its label), the first overlap, an id.

    Three ORM lookups in one statement: ``Label.objects.filter(pk=label_id,
    project_id=project_id)``, ``Span.objects.select_related("label").filter(annotation_id=...,
    client_id=client_id)`` and the first span of the annotation whose label is of the same
    kind and that overlaps ``[start, end)``: one with the same label and offsets if there is
    one, else the first by start, then id; None matches nothing. The
    id is drawn from the span sequence on PostgreSQL (None elsewhere).
    """
    client = Span._meta.get_field("client_id").get_db_prep_value(client_id, connection)
    params: list[Any] = [label_id, project_id, annotation_id, client, annotation_id, end, start]
    params += [label_id, start, end]
    row = rows.fetch_one(_span_create_facts_sql(connection.vendor), params)
    assert row is not None  # every join is an outer join of one constant row
    (label, replayed, replayed_label, overlap), rest = rows.split(
        row, [_LABEL, _CLIENT_SPAN, _CLIENT_SPAN_LABEL, _OVERLAP]
    )
    replayed = cast(Span | None, replayed)
    if replayed is not None:
        replayed.label = cast(Label, replayed_label)
    label, overlap = cast(Label | None, label), cast(Span | None, overlap)
    return label, replayed, overlap, rest[0] if rest else None
