"""Reads. Every query that leaves here is scoped to what the caller may see.

A project's rows are only ever reached through the caller's membership: the ``*_for_user``
selectors annotate the caller's role (``caller_role``) and return nothing for a non-member, so
an id of someone else's project reads exactly like an id that does not exist.
"""

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations, islice
from statistics import median
from typing import Any

import orjson
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce
from rest_framework.authtoken.models import Token

from annotations.agreement import AnnotatorWork, Counts
from annotations.db import rows
from annotations.models import (
    Annotation,
    AnnotationEvent,
    AnnotationKind,
    AnnotationStatus,
    Document,
    EventAction,
    ImportJob,
    ImportJobChunk,
    Label,
    LabelKind,
    Membership,
    Project,
    Release,
    ReleaseFile,
    ReleaseFileChunk,
    ReleaseStatus,
    Role,
    Span,
    Stance,
    StanceTarget,
)

# The caller's status for a document they have not opened yet.
STATUS_NEW = "new"
# Roles that read everybody's annotations; an annotator annotates blind.
SEE_ALL_ROLES = (Role.REVIEWER, Role.MANAGER)
INT64 = range(-(2**63), 2**63)


def _role_of(user: AbstractBaseUser, project_ref: str) -> Subquery:
    """The user's role in the project that ``project_ref`` (an OuterRef path) names, or NULL."""
    return Subquery(
        Membership.objects.filter(project=OuterRef(project_ref), user=user).values("role")[:1]
    )


def _status_of(user: AbstractBaseUser) -> Coalesce:
    """The user's status for the outer document: their manual annotation's, else "new"."""
    status = Annotation.objects.filter(
        document=OuterRef("pk"), author=user, kind=AnnotationKind.MANUAL
    ).values("status")[:1]
    return Coalesce(Subquery(status), Value(STATUS_NEW))


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


def token_get(*, key: str) -> Token | None:
    """Return the API token with this key and its user (every token request starts here)."""
    if "\x00" in key:
        return None
    row = rows.fetch_one(_token_sql(connection.vendor), [key])
    if row is None:
        return None
    (token, user), _rest = rows.split(row, [_TOKEN, _USER])
    token.user = user
    return token


# Projects


def project_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Project]:
    """Return the projects the user is a member of, each with the user's ``caller_role``."""
    return (
        Project.objects.filter(memberships__user=user)
        .annotate(caller_role=_role_of(user, "pk"))
        .order_by("name", "id")
    )


def project_get_for_user(*, user: AbstractBaseUser, project_id: int) -> Project | None:
    """Return the project with the user's ``caller_role``, or None for a non-member."""
    return project_list_for_user(user=user).filter(pk=project_id).first()


def membership_list(*, project: Project) -> QuerySet[Membership]:
    """Return the project's members with their users."""
    return Membership.objects.filter(project=project).select_related("user").order_by("id")


def label_list(*, project: Project) -> QuerySet[Label]:
    """Return the project's labels, by kind then creation."""
    return Label.objects.filter(project=project)


def target_list(*, project: Project) -> QuerySet[StanceTarget]:
    """Return the project's stance targets."""
    return StanceTarget.objects.filter(project=project)


# Documents


def document_list_for_user(*, user: AbstractBaseUser, project: Project) -> QuerySet[Document]:
    """Return the project's documents with the user's ``caller_status`` and ``has_gold``."""
    gold = Annotation.objects.filter(document=OuterRef("pk"), kind=AnnotationKind.GOLD)
    return (
        Document.objects.filter(project=project)
        .defer("text", "ingestion_report")
        .annotate(caller_status=_status_of(user), has_gold=Exists(gold))
        .order_by("id")
    )


def document_get_for_user(*, user: AbstractBaseUser, document_id: int) -> Document | None:
    """Return the document with ``caller_role`` and ``caller_status``, or None for a non-member."""
    return (
        Document.objects.filter(pk=document_id, project__memberships__user=user)
        .annotate(caller_role=_role_of(user, "project_id"), caller_status=_status_of(user))
        .first()
    )


# Annotations


def _visible_to(user: AbstractBaseUser) -> Q:
    """Annotations a member may read: all for reviewers and managers, else own and predictions.

    ``annotation_visible`` is the same rule for one loaded annotation; a test holds them equal.
    """
    return (
        Q(caller_role__in=SEE_ALL_ROLES)
        | Q(author=user, kind=AnnotationKind.MANUAL)
        | Q(kind=AnnotationKind.PREDICTION)
    )


def annotation_visible(annotation: Annotation, user: AbstractBaseUser, role: str | None) -> bool:
    """Whether a member with ``role`` (None: not a member) may read ``annotation``."""
    if role is None:
        return False
    return (
        role in SEE_ALL_ROLES
        or (annotation.author_id == user.pk and annotation.kind == AnnotationKind.MANUAL)
        or annotation.kind == AnnotationKind.PREDICTION
    )


def annotation_list_for_user(*, user: AbstractBaseUser, document: Document) -> QuerySet[Annotation]:
    """Return the document's annotations the user may read, with their authors."""
    return (
        Annotation.objects.filter(document=document)
        .annotate(caller_role=_role_of(user, "document__project_id"))
        .filter(caller_role__isnull=False)
        .filter(_visible_to(user))
        .select_related("author")
        .order_by("id")
    )


# Every write to an annotation starts here, so it is one hand-written query (see rows.py).
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


def annotation_get_for_user(
    *, user: AbstractBaseUser, annotation_id: int, with_content: bool = False
) -> Annotation | None:
    """Return an annotation the user may read (with ``caller_role`` and author), or None.

    ``with_content`` prefetches its spans and stances with their labels and targets.
    """
    if annotation_id not in INT64 or user.pk is None:
        return None
    row = rows.fetch_one(_annotation_for_user_sql(connection.vendor), [user.pk, annotation_id])
    if row is None:
        return None
    (annotation, author), (role,) = rows.split(row, [_ANNOTATION, _AUTHOR])
    if not annotation_visible(annotation, user, role):
        return None
    annotation.caller_role = role
    annotation.author = author
    if with_content:
        prefetch_related_objects(
            [annotation],
            Prefetch("spans", Span.objects.select_related("label")),
            Prefetch("stances", Stance.objects.select_related("target", "label")),
        )
    return annotation


def annotation_lock(*, annotation_id: int) -> Annotation | None:
    """Lock the annotation's row (only that row) for this transaction and return it.

    It comes with its document's text and its project, which every write checks against.
    """
    row = rows.fetch_one(_annotation_lock_sql(connection.vendor), [annotation_id])
    if row is None:
        return None
    (annotation, document, project), _rest = rows.split(
        row, [_ANNOTATION, _DOCUMENT_TEXT, _PROJECT]
    )
    document.project = project
    annotation.document = document
    return annotation


_LABEL = rows.Part(Label, "l")


@cache
def _label_sql(vendor: str) -> str:
    return (
        f"SELECT {_LABEL.select()} FROM {_LABEL.table} "  # noqa: S608 (names from the models)
        f"WHERE {_LABEL.column('id')} = %s AND {_LABEL.column('project_id')} = %s"
    )


_CLIENT_SPAN = rows.Part(Span, "c")
_CLIENT_SPAN_LABEL = rows.Part(Label, "cl")
_OVERLAP = rows.Part(Span, "o", ("id", "start", "end"))


@dataclass(frozen=True)
class SpanCreateFacts:
    """What creating a span checks against, read in one statement once the annotation is locked."""

    label: Label | None  # the label asked for, if it is one of the project's
    replayed: Span | None  # the span that already has this client_id (with its label)
    overlap: Span | None  # the first span of the label's kind overlapping [start, end)
    # PostgreSQL: an id drawn for the new span, so that it, the version and the event are
    # written in one statement (unused if nothing is written: ids may have gaps anyway).
    next_id: int | None


@cache
def _span_create_facts_sql(vendor: str) -> str:
    span, label = rows.Part(Span, "s"), rows.Part(Label, "sl")
    overlap = (
        f"SELECT {span.column('id')} FROM {span.table} "  # noqa: S608 (names from the models)
        f"JOIN {label.table} ON {label.column('id')} = {span.column('label_id')} "
        f"WHERE {span.column('annotation_id')} = %s AND {label.column('kind')} = "
        f"{_LABEL.column('kind')} AND {span.column('start')} < %s AND {span.column('end')} > %s "
        f"ORDER BY {span.column('start')}, {span.column('id')} LIMIT 1"
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
    label_id: object,
    client_id: uuid.UUID | None,
    start: object,
    end: object,
) -> SpanCreateFacts:
    """The label, the span replayed by ``client_id`` and the first overlap, in one statement.

    Call it after locking the annotation (not in the locking statement: its snapshot would
    predate a concurrent writer's spans). Ids and offsets that are not 64-bit integers match
    nothing; the checks that refuse them are the caller's.
    """
    label_id = label_id if type(label_id) is int and label_id in INT64 else None
    ranged = type(start) is int and type(end) is int and start in INT64 and end in INT64
    client = Span._meta.get_field("client_id").get_db_prep_value(client_id, connection)
    row = rows.fetch_one(
        _span_create_facts_sql(connection.vendor),
        [
            label_id,
            project_id,
            annotation_id,
            client,
            annotation_id,
            end if ranged else None,
            start if ranged else None,
        ],
    )
    (label, replayed, replayed_label, overlap), rest = rows.split(
        row, [_LABEL, _CLIENT_SPAN, _CLIENT_SPAN_LABEL, _OVERLAP]
    )
    if replayed is not None:
        replayed.label = replayed_label
    return SpanCreateFacts(
        label=label, replayed=replayed, overlap=overlap, next_id=rest[0] if rest else None
    )


def label_get(*, project_id: int, label_id: int) -> Label | None:
    """Return the project's label with this id, or None (also for another project's label)."""
    if label_id not in INT64:
        return None
    row = rows.fetch_one(_label_sql(connection.vendor), [label_id, project_id])
    return None if row is None else _LABEL.load(row)


def span_get(*, annotation: Annotation, span_id: int) -> Span | None:
    """Return the annotation's span with this id, or None."""
    return Span.objects.filter(annotation=annotation, pk=span_id).first()


def stance_get(*, annotation: Annotation, stance_id: int) -> Stance | None:
    """Return the annotation's stance with this id, or None."""
    return Stance.objects.filter(annotation=annotation, pk=stance_id).first()


# The annotator's queue

# What counts as done in the caller's progress: a skipped document needs nothing more either.
FINISHED_STATUSES = (AnnotationStatus.SUBMITTED, AnnotationStatus.SKIPPED)


def _manual_count() -> Coalesce:
    """How many manual annotations the outer document has (one per author, any status)."""
    count = (
        Annotation.objects.filter(document=OuterRef("pk"), kind=AnnotationKind.MANUAL)
        .order_by()
        .values("document")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(count), Value(0))


def document_queue_for_user(*, project: Project, user: AbstractBaseUser) -> QuerySet[Document]:
    """Return the documents the queue may still give the user, in document id order.

    A document qualifies when the user has no manual annotation on it and fewer than
    ``project.annotators_per_document`` people have one, whatever its status: a skip takes a
    place too, because a document one annotator cannot annotate (off-topic, unreadable) is
    usually one nobody can, and handing it on would cost every annotator in turn their time.
    """
    mine = Annotation.objects.filter(
        document=OuterRef("pk"), author=user, kind=AnnotationKind.MANUAL
    )
    return (
        Document.objects.filter(project=project)
        .filter(~Exists(mine))
        .alias(annotators=_manual_count())
        .filter(annotators__lt=project.annotators_per_document)
        .order_by("id")
    )


def project_progress_for_user(*, project: Project, user: AbstractBaseUser) -> dict[str, int]:
    """Return the user's progress in the project's queue: done, assigned, total, available.

    ``done`` counts the user's submitted and skipped annotations, ``assigned`` all the user's
    manual annotations, ``total`` the project's documents, and ``available`` the documents the
    queue could still give the user (beyond those already assigned).
    """
    own = Annotation.objects.filter(
        document__project=project, author=user, kind=AnnotationKind.MANUAL
    ).aggregate(
        assigned=Count("pk"),
        done=Count("pk", filter=Q(status__in=FINISHED_STATUSES)),
    )
    return {
        "done": own["done"],
        "assigned": own["assigned"],
        "total": Document.objects.filter(project=project).count(),
        "available": document_queue_for_user(project=project, user=user).count(),
    }


# Agreement


def agreement_inputs(*, project: Project) -> list[tuple[str, dict[str, AnnotatorWork]]]:
    """Return each document's text with every submitted manual annotation's work, by author.

    Four queries whatever the project's size (annotations, spans, stances, texts), filtered by
    joins rather than lists of ids; only documents with two or more such annotations.
    """
    submitted = {"kind": AnnotationKind.MANUAL, "status": AnnotationStatus.SUBMITTED}
    authors: dict[int, tuple[int, str]] = {}
    per_document: dict[int, int] = defaultdict(int)
    for pk, document_id, username in Annotation.objects.filter(
        document__project=project, **submitted
    ).values_list("pk", "document_id", "author__username"):
        authors[pk] = (document_id, username)
        per_document[document_id] += 1
    compared = {document_id for document_id, n in per_document.items() if n >= 2}
    works: dict[int, dict[str, AnnotatorWork]] = defaultdict(dict)
    for document_id, username in authors.values():
        if document_id in compared:
            works[document_id][username] = AnnotatorWork(entities=[], claims=[], stances=[])
    joined = {f"annotation__{key}": value for key, value in submitted.items()}
    spans = Span.objects.filter(annotation__document__project=project, **joined).values_list(
        "annotation_id", "start", "end", "label__name", "label__kind", "checkworthy"
    )
    for annotation_id, start, end, label, kind, checkworthy in spans:
        document_id, username = authors[annotation_id]
        if document_id not in compared:
            continue
        work = works[document_id][username]
        if kind == LabelKind.CLAIM:
            work.claims.append((start, end, label, checkworthy))
        else:
            work.entities.append((start, end, label))
    stances = Stance.objects.filter(annotation__document__project=project, **joined).values_list(
        "annotation_id", "target__name", "holder__start", "holder__end", "label__name"
    )
    for annotation_id, target, holder_start, holder_end, value in stances:
        document_id, username = authors[annotation_id]
        if document_id in compared:
            holder = None if holder_start is None else (holder_start, holder_end)
            works[document_id][username].stances.append((target, holder, value))
    texts = Document.objects.filter(
        pk__in=Annotation.objects.filter(document__project=project, **submitted).values(
            "document_id"
        )
    ).values_list("pk", "text")
    return [
        (text, works[pk])
        for pk, text in texts.order_by("pk").iterator(chunk_size=500)
        if pk in compared
    ]


# Browser pages


def _count(queryset: QuerySet, by: str) -> Coalesce:
    """How many rows ``queryset`` has, as a scalar subquery grouped ``by`` its correlated field."""
    counted = queryset.order_by().values(by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted), Value(0))


def project_list_with_progress_for_user(*, user: AbstractBaseUser) -> QuerySet[Project]:
    """Return the user's projects, each with ``caller_role`` and the user's queue progress.

    ``progress_done``, ``progress_assigned`` and ``progress_available`` mean what
    ``project_progress_for_user`` says, computed for every project in the one query.
    """
    mine = Annotation.objects.filter(
        document__project=OuterRef("pk"), author=user, kind=AnnotationKind.MANUAL
    )
    opened = Annotation.objects.filter(
        document=OuterRef("pk"), author=user, kind=AnnotationKind.MANUAL
    )
    available = (
        Document.objects.filter(project=OuterRef("pk"))
        .filter(~Exists(opened))
        .alias(annotators=_manual_count())
        .filter(annotators__lt=OuterRef("annotators_per_document"))
    )
    return project_list_for_user(user=user).annotate(
        progress_done=_count(mine.filter(status__in=FINISHED_STATUSES), "author"),
        progress_assigned=_count(mine, "author"),
        progress_available=_count(available, "project"),
    )


def project_get_with_progress_for_user(
    *, user: AbstractBaseUser, project_id: int
) -> Project | None:
    """Return one of the user's projects with role and progress, or None for a non-member."""
    return project_list_with_progress_for_user(user=user).filter(pk=project_id).first()


# History


def event_list(*, annotation: Annotation) -> QuerySet[AnnotationEvent]:
    """Return the annotation's events, newest first, each with the id of the event undoing it."""
    undone_by = AnnotationEvent.objects.filter(
        annotation=annotation, action=EventAction.REVERTED, object_id=OuterRef("pk")
    ).values("pk")[:1]
    return (
        AnnotationEvent.objects.filter(annotation=annotation)
        .select_related("actor")
        .annotate(reverted_by=Subquery(undone_by))
        .order_by("-id")
    )


def event_get(*, event_id: int) -> AnnotationEvent | None:
    """Return the event with this id, or None (the caller checks who may see its annotation)."""
    return AnnotationEvent.objects.filter(pk=event_id).first()


# Exports

EXPORT_GOLD = "gold"
EXPORT_SUBMITTED = "submitted"
EXPORT_INCLUDES = (EXPORT_GOLD, EXPORT_SUBMITTED)
# Documents per batch: each batch costs three queries (annotations, spans, stances), so a
# larger batch means fewer round trips; 1,000 documents of news keep a batch to a few MB.
EXPORT_BATCH = 1000


def export_rows(
    *,
    project: Project,
    include: str = EXPORT_GOLD,
    labels: Collection[str] | None = None,
    statuses: Collection[str] | None = None,
    batch_size: int = EXPORT_BATCH,
) -> Iterator[dict[str, Any]]:
    """Yield the project's export rows (the native JSONL shape) in document id order."""
    # Two queries, then one server-side cursor over the documents and three queries per batch
    # of them: never a query per document, and memory bounded by one batch.
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            # One snapshot for the cursor and every batch query: a gold edited while the
            # export runs is exported as it was when the export began, never half and half.
            # Inside a transaction the cursor is not WITH HOLD, so nothing is materialised
            # up front and the first row leaves at once.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        names = {}
        kinds = {}
        for pk, name, kind in Label.objects.filter(project=project).values_list(
            "pk", "name", "kind"
        ):
            names[pk], kinds[pk] = name, kind
        wanted = None if labels is None else {pk for pk in names if names[pk] in labels}
        targets = dict(StanceTarget.objects.filter(project=project).values_list("pk", "name"))
        # meta as its JSON text, parsed by orjson: several times faster than json.loads,
        # which the JSONField would use for every document.
        documents = (
            _export_documents(project, include, statuses)
            .annotate(meta_json=Cast("meta", TextField()))
            .values_list("pk", "external_id", "text", "meta_json")
        )
        rows = documents.iterator(chunk_size=batch_size)
        context = _ExportContext(include, names, kinds, wanted, targets)
        while batch := list(islice(rows, batch_size)):
            yield from _export_batch(batch, context)


@dataclass(frozen=True)
class _ExportContext:
    """What every batch of an export needs: the mode and the project's labels and targets."""

    include: str
    names: dict[int, str]
    kinds: dict[int, str]
    wanted: set[int] | None  # the label ids asked for; None for all
    targets: dict[int, str]


def _export_documents(
    project: Project, include: str, statuses: Collection[str] | None
) -> QuerySet[Document]:
    gold = Annotation.objects.filter(document=OuterRef("pk"), kind=AnnotationKind.GOLD)
    if statuses is not None:
        gold = gold.filter(status__in=list(statuses))
    documents = Document.objects.filter(project=project)
    if include == EXPORT_SUBMITTED:
        submitted = Annotation.objects.filter(
            document=OuterRef("pk"),
            kind=AnnotationKind.MANUAL,
            status=AnnotationStatus.SUBMITTED,
        )
        documents = documents.filter(Exists(submitted))
        if statuses is not None:
            documents = documents.filter(Exists(gold))
    else:
        documents = documents.filter(Exists(gold))
    return documents.order_by("pk")


def _export_batch(batch: list[tuple], context: _ExportContext) -> Iterator[dict[str, Any]]:
    ids = [row[0] for row in batch]
    submitted = {"kind": AnnotationKind.MANUAL, "status": AnnotationStatus.SUBMITTED}
    exported = submitted if context.include == EXPORT_SUBMITTED else {"kind": AnnotationKind.GOLD}
    # The last person to change the gold: the newest event with an actor (system writes,
    # such as imports, have none).
    last_actor = (
        AnnotationEvent.objects.filter(annotation=OuterRef("pk"), actor__isnull=False)
        .order_by("-pk")
        .values("actor__username")[:1]
    )
    annotations = (
        Annotation.objects.filter(document_id__in=_one_of(ids))
        .filter(Q(**exported) | Q(**submitted))
        .annotate(reviewed_by=Case(When(kind=AnnotationKind.GOLD, then=Subquery(last_actor))))
        .order_by("document_id", "pk")
        .values_list("pk", "document_id", "kind", "author__username", "reviewed_by")
    )
    by_document: dict[int, list[tuple]] = defaultdict(list)
    authors: dict[int, list[str]] = defaultdict(list)
    chosen: list[int] = []
    for pk, document_id, kind, username, reviewed_by in annotations:
        if kind == AnnotationKind.MANUAL:
            authors[document_id].append(username)
        if context.include == EXPORT_SUBMITTED or kind == AnnotationKind.GOLD:
            by_document[document_id].append((pk, username, reviewed_by))
            chosen.append(pk)
    # By the annotations' own ids, not through a join on their documents: the span index on
    # annotation_id then finds a batch's spans directly, where the join has PostgreSQL scan
    # the whole span table once per batch.
    spans: dict[int, dict[int, tuple]] = defaultdict(dict)
    for annotation_id, pk, *rest in (
        Span.objects.filter(annotation_id__in=_one_of(chosen))
        .order_by("annotation_id", "start", "end", "pk")
        .values_list(
            "annotation_id",
            "pk",
            "label_id",
            "start",
            "end",
            "claimant_id",
            "claimant_text",
            "checkworthy",
        )
    ):
        spans[annotation_id][pk] = tuple(rest)
    stances: dict[int, list[tuple]] = defaultdict(list)
    for annotation_id, *rest in (
        Stance.objects.filter(annotation_id__in=_one_of(chosen))
        .order_by("annotation_id", "pk")
        .values_list("annotation_id", "target_id", "label_id", "holder_id", "evidence_id")
    ):
        stances[annotation_id].append(tuple(rest))
    for document_id, external_id, text, meta_json in batch:
        for annotation_id, username, reviewed_by in by_document.get(document_id, ()):
            row = {
                "id": document_id,
                "external_id": external_id,
                "text": text,
                "meta": orjson.loads(meta_json),
                **_export_content(
                    text, spans.get(annotation_id, {}), stances.get(annotation_id, ()), context
                ),
            }
            if context.include == EXPORT_SUBMITTED:
                row["annotator"] = username
            else:
                row["annotators"] = sorted(authors.get(document_id, ()))
                row["reviewed_by"] = reviewed_by
            yield row


def _one_of(ids: list[int]) -> list[int] | RawSQL:
    """The right-hand side of an ``__in`` filter on a batch of ids."""
    if connection.vendor == "postgresql":
        # One array parameter (as its text form, which psycopg sends as it is) rather than a
        # placeholder per id: binding a thousand placeholders costs more than the query.
        return RawSQL("SELECT unnest(%s::bigint[])", ("{" + ",".join(map(str, ids)) + "}",))
    return ids


def _export_content(
    text: str, spans: dict[int, tuple], stances: Collection[tuple], context: _ExportContext
) -> dict[str, list[dict[str, Any]]]:
    names, wanted = context.names, context.wanted
    entities, claims = [], []
    for label_id, start, end, claimant_id, claimant_text, checkworthy in spans.values():
        if wanted is not None and label_id not in wanted:
            continue
        item: dict[str, Any] = {
            "start": start,
            "end": end,
            "label": names[label_id],
            "text": text[start:end],
        }
        if context.kinds[label_id] == LabelKind.CLAIM:
            item["checkworthy"] = checkworthy or None
            if claimant_id is not None:
                item["claimant"] = _export_ref(text, spans.get(claimant_id))
            else:
                item["claimant"] = {"text": claimant_text} if claimant_text else None
            claims.append(item)
        else:
            entities.append(item)
    exported_stances = []
    for target_id, label_id, holder_id, evidence_id in stances:
        if wanted is not None and label_id not in wanted:
            continue
        evidence = None
        if evidence_id is not None:
            evidence = _export_ref(text, spans.get(evidence_id))
            if evidence is not None:
                evidence["label"] = names[spans[evidence_id][0]]
        exported_stances.append(
            {
                "target": context.targets[target_id],
                "label": names[label_id],
                "holder": None if holder_id is None else _export_ref(text, spans.get(holder_id)),
                "evidence": evidence,
            }
        )
    return {"entities": entities, "claims": claims, "stances": exported_stances}


def _export_ref(text: str, span: tuple | None) -> dict[str, Any] | None:
    """A span another item points at (claimant, holder, evidence), by its offsets and text."""
    if span is None:
        return None
    start, end = span[1], span[2]
    return {"start": start, "end": end, "text": text[start:end]}


# Releases


def release_list(*, project: Project) -> QuerySet[Release]:
    """Return the project's releases, newest first, without their bulky data-card fields."""
    return (
        Release.objects.filter(project=project)
        .select_related("created_by")
        .defer("agreement", "label_counts")
        .order_by("-id")
    )


def release_get_for_user(*, user: AbstractBaseUser, release_id: int) -> Release | None:
    """Return the release with the caller's ``caller_role`` and its files; None for a non-member."""
    return (
        Release.objects.filter(pk=release_id, project__memberships__user=user)
        .annotate(caller_role=_role_of(user, "project_id"))
        .select_related("project", "created_by")
        .prefetch_related(Prefetch("files", ReleaseFile.objects.order_by("id")))
        .first()
    )


def release_file_get(*, release: Release, format_name: str) -> ReleaseFile | None:
    """Return the release's file in that format, or None."""
    return ReleaseFile.objects.filter(release=release, format=format_name).first()


# Chunks fetched per round trip when reading a stored file: a few MB at a time.
CHUNKS_PER_FETCH = 4


def release_file_chunks(*, release_file: ReleaseFile) -> Iterator[bytes]:
    """Yield the stored file's bytes chunk by chunk, in order, never the whole file at once."""
    chunks = (
        ReleaseFileChunk.objects.filter(file=release_file)
        .order_by("index")
        .values_list("data", flat=True)
    )
    for data in chunks.iterator(chunk_size=CHUNKS_PER_FETCH):
        yield bytes(data)


# Import jobs


def import_job_list(*, project: Project) -> QuerySet[ImportJob]:
    """Return the project's import jobs, newest first, without their reports."""
    return (
        ImportJob.objects.filter(project=project)
        .select_related("created_by")
        .defer("report")
        .order_by("-id")
    )


def import_job_get_for_user(*, user: AbstractBaseUser, job_id: int) -> ImportJob | None:
    """Return the import job with the user's ``caller_role``, or None for a non-member."""
    return (
        ImportJob.objects.filter(pk=job_id, project__memberships__user=user)
        .annotate(caller_role=_role_of(user, "project_id"))
        .select_related("created_by")
        .first()
    )


def import_job_chunks(*, job: ImportJob) -> Iterator[bytes]:
    """Yield the job's uploaded bytes chunk by chunk, in order."""
    chunks = ImportJobChunk.objects.filter(job=job).order_by("index").values_list("data", flat=True)
    for data in chunks.iterator(chunk_size=CHUNKS_PER_FETCH):
        yield bytes(data)


# Reviewing


def review_annotations(*, document: Document) -> list[Annotation]:
    """Return the document's manual and gold annotations with authors, spans and stances.

    Three queries whatever the number of annotators and spans.
    """
    return list(
        Annotation.objects.filter(document=document)
        .exclude(kind=AnnotationKind.PREDICTION)
        .select_related("author")
        .prefetch_related(
            Prefetch("spans", Span.objects.select_related("label")),
            Prefetch("stances", Stance.objects.select_related("target", "label")),
        )
        .order_by("id")
    )


REVIEW_REVIEWED = "reviewed"
REVIEW_IN_REVIEW = "in_review"
REVIEW_NOT_REVIEWED = "not_reviewed"
REVIEW_NO_GOLD = "no_gold"
REVIEW_STATES = (REVIEW_NOT_REVIEWED, REVIEW_NO_GOLD, REVIEW_IN_REVIEW, REVIEW_REVIEWED)


@dataclass
class ReviewRow:
    """One submitted document in the review queue."""

    document_id: int
    external_id: str
    annotators: list[str]
    agreement: float | None  # mean pairwise F1; None with fewer than two annotators
    disagreements: int  # items (spans, stances) not every annotator has
    gold_status: str | None  # None (no gold), in_progress, submitted


def review_queue(
    *,
    project: Project,
    state: str | None = None,
    annotator: str | None = None,
    label: str | None = None,
) -> list[ReviewRow]:
    """Return the project's documents with submitted work, lowest agreement first.

    A document's agreement is the mean, over each pair of its submitted annotations, of the
    exact-match F1 of their items: spans (label and offsets) and stances (target, value and
    the holder's offsets); a pair that marked nothing at all agrees fully. Documents with one
    submitted annotation have no agreement and come last. Four queries whatever the size.
    """
    submitted = Annotation.objects.filter(
        document__project=project, kind=AnnotationKind.MANUAL, status=AnnotationStatus.SUBMITTED
    )
    # annotation id -> (document id, author); per document: each author's items and labels.
    owner: dict[int, tuple[int, str]] = {}
    documents: dict[int, dict[str, Any]] = {}
    for pk, document_id, username, external_id in submitted.order_by("pk").values_list(
        "pk", "document_id", "author__username", "document__external_id"
    ):
        owner[pk] = (document_id, username)
        row = documents.setdefault(
            document_id, {"external_id": external_id, "items": {}, "labels": set()}
        )
        row["items"][username] = set()
    for annotation_id, name, start, end in Span.objects.filter(
        annotation__in=submitted
    ).values_list("annotation_id", "label__name", "start", "end"):
        document_id, username = owner[annotation_id]
        documents[document_id]["items"][username].add(("span", name, start, end))
        documents[document_id]["labels"].add(name)
    for annotation_id, target_id, name, holder_start, holder_end in Stance.objects.filter(
        annotation__in=submitted
    ).values_list("annotation_id", "target_id", "label__name", "holder__start", "holder__end"):
        document_id, username = owner[annotation_id]
        documents[document_id]["items"][username].add(
            ("stance", target_id, name, holder_start, holder_end)
        )
        documents[document_id]["labels"].add(name)
    gold = dict(
        Annotation.objects.filter(document__project=project, kind=AnnotationKind.GOLD).values_list(
            "document_id", "status"
        )
    )
    rows = []
    for document_id, row in documents.items():
        gold_status = gold.get(document_id)
        if not _review_state_matches(state, gold_status):
            continue
        if annotator is not None and annotator not in row["items"]:
            continue
        if label is not None and label not in row["labels"]:
            continue
        items = list(row["items"].values())
        rows.append(
            ReviewRow(
                document_id=document_id,
                external_id=row["external_id"],
                annotators=sorted(row["items"]),
                agreement=_mean_pairwise_f1(items),
                disagreements=len(set().union(*items) - set.intersection(*items)),
                gold_status=gold_status,
            )
        )
    rows.sort(key=lambda r: (r.agreement is None, r.agreement or 0.0, r.document_id))
    return rows


def _review_state_matches(state: str | None, gold_status: str | None) -> bool:
    if state is None:
        return True
    reviewed = gold_status == AnnotationStatus.SUBMITTED
    return {
        REVIEW_REVIEWED: reviewed,
        REVIEW_NOT_REVIEWED: not reviewed,
        REVIEW_NO_GOLD: gold_status is None,
        REVIEW_IN_REVIEW: gold_status == AnnotationStatus.IN_PROGRESS,
    }[state]


def _mean_pairwise_f1(items: list[set]) -> float | None:
    if len(items) < 2:
        return None
    scores = []
    for first, second in combinations(items, 2):
        shared = len(first & second)
        f1 = Counts(shared, len(second) - shared, len(first) - shared).as_dict()["f1"]
        scores.append(1.0 if f1 is None else f1)
    return sum(scores) / len(scores)


# The project dashboard

DOCUMENT_NOT_STARTED = "not_started"
DOCUMENT_IN_PROGRESS = "in_progress"
DOCUMENT_SKIPPED = "skipped"
DOCUMENT_READY = "ready"
DOCUMENT_IN_REVIEW = "in_review"
DOCUMENT_REVIEWED = "reviewed"
DOCUMENT_STATES = (
    DOCUMENT_NOT_STARTED,
    DOCUMENT_IN_PROGRESS,
    DOCUMENT_SKIPPED,
    DOCUMENT_READY,
    DOCUMENT_IN_REVIEW,
    DOCUMENT_REVIEWED,
)


@dataclass
class AnnotatorProgress:
    """One person's manual work in a project, and how long a submitted document took them."""

    user_id: int
    username: str
    role: str | None  # None: no longer a member, but their work is still there
    assigned: int = 0
    in_progress: int = 0
    submitted: int = 0
    skipped: int = 0
    seconds: list[float] = field(default_factory=list)  # per submitted document

    @property
    def median_seconds(self) -> float | None:
        return median(self.seconds) if self.seconds else None


def annotator_progress(*, project: Project) -> list[AnnotatorProgress]:
    """Return every member's and every author's progress and timing, members first.

    Time per document is from the first to the last logged event of a submitted manual
    annotation (opening it to submitting it, plus any later change). Three queries.
    """
    people: dict[str, AnnotatorProgress] = {}
    for user_id, username, role in (
        Membership.objects.filter(project=project)
        .order_by("user__username")
        .values_list("user_id", "user__username", "role")
    ):
        people[username] = AnnotatorProgress(user_id=user_id, username=username, role=role)
    manual = Annotation.objects.filter(document__project=project, kind=AnnotationKind.MANUAL)
    for user_id, username, status, count in (
        manual.order_by()
        .values_list("author_id", "author__username", "status")
        .annotate(n=Count("pk"))
    ):
        person = people.setdefault(
            username, AnnotatorProgress(user_id=user_id, username=username, role=None)
        )
        person.assigned += count
        setattr(person, status, getattr(person, status) + count)
    spans = (
        AnnotationEvent.objects.filter(
            annotation__in=manual.filter(status=AnnotationStatus.SUBMITTED)
        )
        .order_by()
        .values("annotation_id", "annotation__author__username")
        .annotate(first=Min("created_at"), last=Max("created_at"))
        .values_list("annotation__author__username", "first", "last")
    )
    for username, first, last in spans:
        # Someone whose first submission landed between the two queries is timed next time.
        if username in people:
            people[username].seconds.append((last - first).total_seconds())
    return sorted(people.values(), key=lambda p: (p.role is None, p.username))


def document_state_counts(*, project: Project) -> dict[str, int]:
    """Return how many of the project's documents are in each state, in one query.

    ``not_started``: no manual annotation; ``in_progress``: places still open or work not
    finished; ``skipped``: every place finished, all skipped; ``ready``: every place finished
    with at least one submission, no gold yet; ``in_review``: gold being edited;
    ``reviewed``: gold marked reviewed.
    """
    manual = Annotation.objects.filter(document=OuterRef("pk"), kind=AnnotationKind.MANUAL)
    gold = Annotation.objects.filter(document=OuterRef("pk"), kind=AnnotationKind.GOLD)
    state = Case(
        When(gold_status=AnnotationStatus.SUBMITTED, then=Value(DOCUMENT_REVIEWED)),
        When(gold_status=AnnotationStatus.IN_PROGRESS, then=Value(DOCUMENT_IN_REVIEW)),
        When(
            finished__gte=project.annotators_per_document,
            submitted__gt=0,
            then=Value(DOCUMENT_READY),
        ),
        When(finished__gte=project.annotators_per_document, then=Value(DOCUMENT_SKIPPED)),
        When(opened__gt=0, then=Value(DOCUMENT_IN_PROGRESS)),
        default=Value(DOCUMENT_NOT_STARTED),
    )
    rows = (
        Document.objects.filter(project=project)
        .alias(
            opened=_count(manual, "document"),
            finished=_count(manual.filter(status__in=FINISHED_STATUSES), "document"),
            submitted=_count(manual.filter(status=AnnotationStatus.SUBMITTED), "document"),
            gold_status=Subquery(gold.values("status")[:1]),
        )
        .annotate(state=state)
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    counts = dict.fromkeys(DOCUMENT_STATES, 0)
    counts.update(dict(rows))
    return counts


def label_usage(*, project: Project) -> QuerySet[Label]:
    """Return the project's labels, each with how often submitted work and gold use it.

    ``submitted_uses`` and ``gold_uses`` count spans (entity and claim labels) and stances
    (stance labels) in submitted manual annotations and in gold. One query.
    """
    submitted = {
        "annotation__kind": AnnotationKind.MANUAL,
        "annotation__status": AnnotationStatus.SUBMITTED,
    }
    gold = {"annotation__kind": AnnotationKind.GOLD}

    def uses(model: type, scope: dict) -> Coalesce:
        return _count(model.objects.filter(label=OuterRef("pk"), **scope), "label")

    return Label.objects.filter(project=project).annotate(
        submitted_uses=uses(Span, submitted) + uses(Stance, submitted),
        gold_uses=uses(Span, gold) + uses(Stance, gold),
    )


# The release and import pages


def release_compare_choices(*, release: Release) -> QuerySet[Release]:
    """Return the project's other ready releases, newest first: those a release compares with."""
    return (
        Release.objects.filter(project_id=release.project_id, status=ReleaseStatus.READY)
        .exclude(pk=release.pk)
        .only("id", "name", "created_at")
        .order_by("-id")
    )


def import_job_recent(*, project: Project, limit: int) -> list[ImportJob]:
    """Return the project's ``limit`` newest import jobs, with who started them."""
    return list(import_job_list(project=project)[:limit])


# Accounts


NO_SUCH_USER = "No user is named {username!r}."


def user_get_by_username(*, username: str) -> AbstractBaseUser | None:
    """Return the account with this username, or None (callers report NO_SUCH_USER)."""
    return get_user_model().objects.filter(username=username).first()
