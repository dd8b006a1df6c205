"""Annotations as one member sees them, and the reads every write to an annotation starts with.

Invariants:

- Who may read an annotation is one rule written twice, once as a queryset filter
  (``_visible_to``) and once for a loaded row (``annotation_visible``); a test holds them equal.
  Both ask ``access.sees_others_work`` whether the role reads everything (reviewers and
  managers do); an annotator reads their own manual annotations and the predictions (none
  while the project shows no suggestions: docs/suggestions.md); a non-member reads
  nothing, exactly as if the id did not exist.
- Ids and offsets that are not 64-bit integers name nothing: they are refused here, never
  sent to the database.
- The write path's reads (``annotation_get_for_user``, ``annotation_lock``,
  ``span_create_facts``) are hand-written statements behind the fence (``db.hotpath``);
  this module keeps the rules and calls them.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects

from annotations import access, builtins
from annotations.db import hotpath, spanvalues
from annotations.models import (
    Annotation,
    AnnotationEvent,
    AnnotationKind,
    Document,
    EventAction,
    Label,
    Relation,
    Span,
    Stance,
    claimant_of,
    stance_link_of,
)
from annotations.selectors.base import INT64, role_of
from annotations.selectors.claims import claim_records_of_annotation

# Roles that read everybody's annotations (the queryset's form of access.sees_others_work);
# an annotator annotates blind.
SEE_ALL_ROLES = access.roles_where(access.sees_others_work)


def _visible_to(user: User) -> Q:
    """Annotations a member may read: all for reviewers and managers, else own and predictions.

    ``annotation_visible`` is the same rule for one loaded annotation; a test holds them equal.
    """
    return (
        Q(caller_role__in=SEE_ALL_ROLES)
        | Q(author=user, kind=AnnotationKind.MANUAL)
        | Q(kind=AnnotationKind.PREDICTION, document__project__show_suggestions=True)
    )


def annotation_visible(annotation: Annotation, user: User, role: str | None) -> bool:
    """Whether a member with ``role`` (None: not a member) may read ``annotation``."""
    if role is None:
        return False
    return (
        access.sees_others_work(role)
        or (annotation.author_id == user.pk and annotation.kind == AnnotationKind.MANUAL)
        or (annotation.kind == AnnotationKind.PREDICTION and _suggestions_shown(annotation))
    )


def _suggestions_shown(annotation: Annotation) -> bool:
    # Blind studies (show_suggestions off): an annotator reads no prediction either.
    return Document.objects.filter(
        pk=annotation.document_id, project__show_suggestions=True
    ).exists()


def annotation_list_for_user(*, user: User, document: Document) -> QuerySet[Annotation]:
    """Return the document's annotations the user may read, with their authors."""
    return (
        Annotation.objects.filter(document=document)  # type: ignore[no-redef, misc]  # see role_of
        .annotate(caller_role=role_of(user, "document__project_id"))
        .filter(caller_role__isnull=False)
        .filter(_visible_to(user))
        .select_related("author")
        .order_by("id")
    )


def annotation_get_for_user(
    *, user: User, annotation_id: int, with_content: bool = False
) -> Annotation | None:
    """Return an annotation the user may read (with ``caller_role`` and author), or None.

    ``with_content`` prefetches its spans, stances and relations with their labels and targets,
    its document labels, and reads its claim records (``claim_records``: JSON, by span id).
    """
    if annotation_id not in INT64 or user.pk is None:
        return None
    found = hotpath.annotation_with_author_and_role(user_id=user.pk, annotation_id=annotation_id)
    if found is None:
        return None
    annotation, author, role = found
    if not annotation_visible(annotation, user, role):
        return None
    annotation.caller_role = role
    annotation.author = author
    if with_content:
        prefetch_related_objects(
            [annotation],
            Prefetch("spans", Span.objects.with_claimant().select_related("label")),
            Prefetch("stances", Stance.objects.with_links().select_related("target", "label")),
            Prefetch("relations", Relation.objects.select_related("label").order_by("id")),
            "document_labels",
        )
        # Read with the content: the annotation's claim records (docs/fact-checking.md).
        records = claim_records_of_annotation(annotation_id=annotation.pk)
        annotation.claim_records = [records[span_id] for span_id in sorted(records)]
    return annotation


def annotation_lock(*, annotation_id: int) -> Annotation | None:
    """Lock the annotation's row (only that row) for this transaction and return it.

    It comes with its document's text and its project, which every write checks against.
    """
    return hotpath.annotation_locked(annotation_id=annotation_id)


# Spans and stances


@dataclass(frozen=True)
class SpanCreateFacts:
    """What creating a span checks against, read in one statement once the annotation is locked."""

    label: Label | None  # the label asked for, if it is one of the project's
    replayed: Span | None  # the span that already has this client_id (with its label)
    overlap: Span | None  # the first span of the label's kind overlapping [start, end)
    # PostgreSQL: an id drawn for the new span, so that it, the version and the event are
    # written in one statement (unused if nothing is written: ids may have gaps anyway).
    next_id: int | None


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
    label_id = _int64(label_id)
    start_at, end_at = _int64(start), _int64(end)
    ranged = start_at is not None and end_at is not None
    label, replayed, overlap, next_id = hotpath.span_create_facts(
        annotation_id=annotation_id,
        project_id=project_id,
        label_id=label_id,
        client_id=client_id,
        start=start_at if ranged else None,
        end=end_at if ranged else None,
    )
    return SpanCreateFacts(label=label, replayed=replayed, overlap=overlap, next_id=next_id)


def _int64(value: object) -> int | None:
    """``value`` if it is a 64-bit integer (a bool is not an integer here), else None."""
    return value if type(value) is int and value in INT64 else None


def span_get(*, annotation: Annotation, span_id: int) -> Span | None:
    """Return the annotation's span with this id, or None."""
    return Span.objects.filter(annotation=annotation, pk=span_id).first()


def stance_get(*, annotation: Annotation, stance_id: int) -> Stance | None:
    """Return the annotation's stance with this id, or None."""
    return Stance.objects.filter(annotation=annotation, pk=stance_id).first()


def relation_list(*, annotation: Annotation) -> QuerySet[Relation]:
    """Return the annotation's relations, oldest first, with their labels."""
    return Relation.objects.filter(annotation=annotation).select_related("label").order_by("id")


def relation_get(*, annotation: Annotation, relation_id: int) -> Relation | None:
    """Return the annotation's relation with this id, or None."""
    if relation_id not in INT64:
        return None
    return Relation.objects.filter(annotation=annotation, pk=relation_id).first()


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


# A span's and a stance's fields as the API's detail renders them, and the columns behind them
# (the built-ins and the user's attributes split out of the span's stored values).
SPAN_ROW: dict[str, Any] = {
    "id": "id",
    "label": "label_id",
    "label_name": "label__name",
    "start": "start",
    "end": "end",
    "text": "text",
    "client_id": "client_id",
    "claimant": claimant_of(OuterRef("pk")),
    "claimant_text": spanvalues.builtin_value(builtins.CLAIMANT_TEXT),
    "checkworthy": spanvalues.builtin_value(builtins.CHECKWORTHY),
    "attributes": spanvalues.user_values(),
    "unit": "unit",
    "score": "score",
}
RELATION_ROW = {
    "id": "id",
    "label": "label_id",
    "label_name": "label__name",
    "source": "source_id",
    "target": "target_id",
    "attributes": "attributes",
    "client_id": "client_id",
}
STANCE_ROW: dict[str, Any] = {
    "id": "id",
    "target": "target_id",
    "target_name": "target__name",
    "label": "label_id",
    "label_name": "label__name",
    "holder": stance_link_of(OuterRef("pk"), builtins.HOLDER),
    "evidence": stance_link_of(OuterRef("pk"), builtins.EVIDENCE),
    "attributes": "attributes",
}


def annotation_content(*, annotation: Annotation) -> dict[str, list[dict[str, Any]]]:
    """Return the annotation's spans and stances as plain rows, as its API detail renders them.

    With 5,000 spans, building a model instance per span and rendering it field by field took
    half a second; rows straight from the database take a tenth of it. A test holds these rows
    equal to ``AnnotationDetailOutput``'s.
    """
    content = annotation_content_compact(annotation=annotation)
    span_rows = [dict(zip(SPAN_ROW, row, strict=True)) for row in content["spans"]]
    for row in span_rows:
        if row["client_id"] is not None:
            row["client_id"] = str(row["client_id"])
    return {"spans": span_rows, "stances": content["stances"], "relations": content["relations"]}


def annotation_content_compact(*, annotation: Annotation) -> dict[str, Any]:
    """Return the annotation's content for the annotate page: each span an array of span_fields.

    5,000 spans as objects repeat their ten names 5,000 times, half of the page's 0.8 MB of
    data, which the browser must parse before it draws anything; the page's script
    (``pagedata.js``) makes the objects back from ``span_fields``. Stances and relations stay
    objects (a document has a few). A client id is a UUID, which the page's JSON writes as its
    string.
    """
    spans = Span.objects.filter(annotation=annotation).values_list(*SPAN_ROW.values())
    stances = Stance.objects.filter(annotation=annotation).values_list(*STANCE_ROW.values())
    relations = Relation.objects.filter(annotation=annotation).values_list(*RELATION_ROW.values())
    return {
        "span_fields": list(SPAN_ROW),
        "spans": list(spans),
        "stances": [dict(zip(STANCE_ROW, row, strict=True)) for row in stances],
        "relations": [_relation_row(row) for row in relations],
    }


def _relation_row(row: tuple[Any, ...]) -> dict[str, Any]:
    found = dict(zip(RELATION_ROW, row, strict=True))
    if found["client_id"] is not None:
        found["client_id"] = str(found["client_id"])
    return found
