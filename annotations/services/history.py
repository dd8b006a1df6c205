"""Reverting a change from the event log (what a reviewer does to an unwanted gold edit).

A change is undone by the ordinary write services, so every rule (offsets, overlap, claimant
and holder kinds, writability) holds for the undo too, and the undo is itself logged. Only a
change whose result is still there unchanged can be reverted: if the span or stance was
changed again since, the later change must be reverted first. Only changes to the content
are revertible: status changes, hand-overs (``reassigned``), creations and reverts are not.

Relations: undoing a span's delete brings back the relations deleted with it (its event lists
them), each linked to the span as it comes back; the other end is found by id, or, when it was
deleted and brought back since (a new id), by its label and offsets.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from annotations import selectors
from annotations.errors import InvalidInput
from annotations.models import (
    Annotation,
    AnnotationEvent,
    EventAction,
    Label,
    Relation,
    Span,
    Stance,
)
from annotations.services import annotating, claims
from annotations.services.changelog import annotation_change_record

NOT_REVERTIBLE = "A {action} event cannot be reverted."
CHANGED_SINCE = (
    "This change has been changed again since (the annotation is at version {version}); "
    "revert the later change first."
)
ALREADY_REVERTED = "This change has already been reverted (event {event})."
END_GONE = (
    "Relation {relation} cannot come back: its other end, span {span}, is gone; "
    "revert that span's delete first."
)

SPAN_FIELDS = ("label", "start", "end", "claimant", "claimant_text", "checkworthy", "attributes")
STANCE_FIELDS = ("target", "label", "holder", "evidence", "attributes")
RELATION_FIELDS = ("label", "source", "target", "attributes")
# Events logged before items had attributes record none: they had the empty set.
DEFAULTS: dict[str, Any] = {"attributes": {}}


def event_revert(*, event: AnnotationEvent, actor: User | None) -> AnnotationEvent:
    """Undo one logged change; return the event that records the undo."""
    with transaction.atomic():
        # No version to check, and the undo's own write checks writability with its message.
        annotation, _ = annotating.annotation_lock_for_write(
            annotation_id=event.annotation_id, version=None, writable=False
        )
        done = AnnotationEvent.objects.filter(
            annotation=annotation, action=EventAction.REVERTED, object_id=event.pk
        ).first()
        if done is not None:
            raise InvalidInput({"event": [ALREADY_REVERTED.format(event=done.pk)]})
        undo = _UNDO.get(event.action)
        if undo is None:
            raise InvalidInput({"event": [NOT_REVERTIBLE.format(action=event.action)]})
        undo(event, annotation, actor)
        annotation.refresh_from_db(fields=["version"])
        # The undo bumped the version and logged its own change; this marks what it undid.
        return annotation_change_record(
            annotation=annotation,
            actor=actor,
            action=EventAction.REVERTED,
            object_id=event.pk,
            before={"event": event.pk, "action": event.action},
            bump=False,
        )


def _changed_since(annotation: Annotation) -> InvalidInput:
    return InvalidInput({"event": [CHANGED_SINCE.format(version=annotation.version)]})


def _span_state(span: Span) -> dict[str, Any]:
    return {
        "label": span.label_id,
        "start": span.start,
        "end": span.end,
        "claimant": span.claimant_id,
        "claimant_text": span.claimant_text,
        "checkworthy": span.checkworthy,
        "attributes": span.attributes,
    }


def _stance_state(stance: Stance) -> dict[str, Any]:
    return {
        "target": stance.target_id,
        "label": stance.label_id,
        "holder": stance.holder_id,
        "evidence": stance.evidence_id,
        "attributes": stance.attributes,
    }


def _relation_state(relation: Relation) -> dict[str, Any]:
    return {
        "label": relation.label_id,
        "source": relation.source_id,
        "target": relation.target_id,
        "attributes": relation.attributes,
    }


def _pick(values: dict[str, Any] | None, fields: tuple[str, ...]) -> dict[str, Any]:
    assert values is not None  # the event of a revertible change records the row's state
    return {name: values[name] if name in values else DEFAULTS[name] for name in fields}


def _object_id(event: AnnotationEvent) -> int:
    assert event.object_id is not None  # a span's or a stance's event names it
    return event.object_id


def _undo_span_created(event: AnnotationEvent, annotation: Annotation, actor: User | None) -> None:
    span = Span.objects.filter(pk=_object_id(event), annotation=annotation).first()
    if span is None or _span_state(span) != _pick(event.after, SPAN_FIELDS):
        raise _changed_since(annotation)
    annotating.span_delete(span=span, actor=actor)


def _undo_span_changed(event: AnnotationEvent, annotation: Annotation, actor: User | None) -> None:
    span = Span.objects.filter(pk=_object_id(event), annotation=annotation).first()
    if span is None or _span_state(span) != _pick(event.after, SPAN_FIELDS):
        raise _changed_since(annotation)
    annotating.span_update(span=span, actor=actor, **_pick(event.before, SPAN_FIELDS))


def _undo_span_deleted(event: AnnotationEvent, annotation: Annotation, actor: User | None) -> None:
    assert event.before is not None  # a delete records what was deleted
    span, _ = annotating.span_create(
        annotation=annotation, actor=actor, **_pick(event.before, SPAN_FIELDS)
    )
    if event.before.get("claim_record") is not None:
        claims.claim_record_put(
            span=span, actor=actor, **_record_body(event.before["claim_record"])
        )
    gone = event.before["id"]
    for relation in event.before.get("relations", []):
        ends = {}
        for end in ("source", "target"):
            if relation[end] == gone:
                ends[end] = span.pk
            else:
                ends[end] = _other_end(annotation, relation, end)
        annotating.relation_create(
            annotation=annotation,
            actor=actor,
            label=relation["label"],
            attributes=relation["attributes"],
            source=ends["source"],
            target=ends["target"],
        )


def _other_end(annotation: Annotation, relation: dict[str, Any], end: str) -> int:
    """The span at a relation's other end: by id, else by the label and offsets it had."""
    spans = Span.objects.filter(annotation=annotation)
    if spans.filter(pk=relation[end]).exists():
        return int(relation[end])
    label, start, stop = relation["ends"][end]
    found = spans.filter(label_id=label, start=start, end=stop).order_by("id").first()
    if found is None:
        message = END_GONE.format(relation=relation["id"], span=relation[end])
        raise InvalidInput({"event": [message]})
    return found.pk


def _undo_relation_created(
    event: AnnotationEvent, annotation: Annotation, actor: User | None
) -> None:
    relation = Relation.objects.filter(pk=_object_id(event), annotation=annotation).first()
    if relation is None or _relation_state(relation) != _pick(event.after, RELATION_FIELDS):
        raise _changed_since(annotation)
    annotating.relation_delete(relation=relation, actor=actor)


def _undo_relation_changed(
    event: AnnotationEvent, annotation: Annotation, actor: User | None
) -> None:
    relation = Relation.objects.filter(pk=_object_id(event), annotation=annotation).first()
    if relation is None or _relation_state(relation) != _pick(event.after, RELATION_FIELDS):
        raise _changed_since(annotation)
    annotating.relation_update(
        relation=relation, actor=actor, **_pick(event.before, RELATION_FIELDS)
    )


def _undo_relation_deleted(
    event: AnnotationEvent, annotation: Annotation, actor: User | None
) -> None:
    annotating.relation_create(
        annotation=annotation, actor=actor, **_pick(event.before, RELATION_FIELDS)
    )


def _undo_stance_created(
    event: AnnotationEvent, annotation: Annotation, actor: User | None
) -> None:
    stance = Stance.objects.with_links().filter(pk=_object_id(event), annotation=annotation).first()
    if stance is None or _stance_state(stance) != _pick(event.after, STANCE_FIELDS):
        raise _changed_since(annotation)
    annotating.stance_delete(stance=stance, actor=actor)


def _undo_stance_changed(
    event: AnnotationEvent, annotation: Annotation, actor: User | None
) -> None:
    stance = Stance.objects.with_links().filter(pk=_object_id(event), annotation=annotation).first()
    if stance is None or _stance_state(stance) != _pick(event.after, STANCE_FIELDS):
        raise _changed_since(annotation)
    annotating.stance_update(stance=stance, actor=actor, **_pick(event.before, STANCE_FIELDS))


def _undo_stance_deleted(
    event: AnnotationEvent, annotation: Annotation, actor: User | None
) -> None:
    annotating.stance_create(
        annotation=annotation, actor=actor, **_pick(event.before, STANCE_FIELDS)
    )


def _undo_content_replaced(
    event: AnnotationEvent, annotation: Annotation, actor: User | None
) -> None:
    current: dict[str, list[Any]] = {
        "spans": sorted(
            (_span_state(span) | {"id": span.pk} for span in annotation.spans.with_claimant()),
            key=lambda state: state["id"],
        ),
        "stances": sorted(
            (_stance_state(stance) | {"id": stance.pk} for stance in annotation.stances.all()),
            key=lambda state: state["id"],
        ),
        "relations": sorted(
            (_relation_state(r) | {"id": r.pk} for r in annotation.relations.all()),
            key=lambda state: state["id"],
        ),
    }
    before, after = event.before, event.after
    assert before is not None and after is not None  # a replace records both
    recorded: dict[str, list[Any]] = {
        "spans": sorted(
            (_pick(span, SPAN_FIELDS) | {"id": span["id"]} for span in after["spans"]),
            key=lambda state: state["id"],
        ),
        "stances": sorted(
            (_pick(stance, STANCE_FIELDS) | {"id": stance["id"]} for stance in after["stances"]),
            key=lambda state: state["id"],
        ),
        # Events from before relations existed list none.
        "relations": sorted(
            (_pick(r, RELATION_FIELDS) | {"id": r["id"]} for r in after.get("relations", [])),
            key=lambda state: state["id"],
        ),
    }
    if "document_labels" in after:
        current["document_labels"] = selectors.document_label_ids(annotation=annotation)
        recorded["document_labels"] = after["document_labels"]
    if current != recorded:
        raise _changed_since(annotation)
    position = {span["id"]: index for index, span in enumerate(before["spans"])}
    spans: list[annotating.SpanItem] = [
        {
            "label": span["label_name"],
            "start": span["start"],
            "end": span["end"],
            "claimant": position.get(span["claimant"]),
            "claimant_text": span["claimant_text"],
            "checkworthy": span["checkworthy"],
            "attributes": span.get("attributes", {}),
        }
        for span in before["spans"]
    ]
    stances: list[annotating.StanceItem] = [
        {
            "target": stance["target_name"],
            "label": stance["label_name"],
            "holder": position.get(stance["holder"]),
            "evidence": position.get(stance["evidence"]),
            "attributes": stance.get("attributes", {}),
        }
        for stance in before["stances"]
    ]
    relations: list[annotating.RelationItem] = [
        {
            "label": relation["label_name"],
            "source": position[relation["source"]],
            "target": position[relation["target"]],
            "attributes": relation["attributes"],
        }
        for relation in before.get("relations", [])
    ]
    labels = None
    if "document_labels" in before:
        names = dict(
            Label.objects.filter(pk__in=before["document_labels"]).values_list("pk", "name")
        )
        labels = [names.get(pk, pk) for pk in before["document_labels"]]
    annotating.annotation_replace_content(
        annotation=annotation,
        spans=spans,
        stances=stances,
        relations=relations,
        actor=actor,
        document_labels=labels,
    )


def _undo_claim_record_changed(
    event: AnnotationEvent, annotation: Annotation, actor: User | None
) -> None:
    span = Span.objects.filter(pk=_object_id(event), annotation=annotation).first()
    record = None if span is None else selectors.claim_record_get(span_id=span.pk)
    current = None if record is None else selectors.claim_record_json(record)
    if span is None or current != event.after:
        raise _changed_since(annotation)
    if event.before is None:
        claims.claim_record_delete(span=span, actor=actor)
    else:
        claims.claim_record_put(span=span, actor=actor, **_record_body(event.before))


def _record_body(record: dict[str, Any]) -> dict[str, Any]:
    """A logged record as the arguments that write it again (passages by their text)."""
    return {name: value for name, value in record.items() if name != "span"}


def _undo_document_labels_changed(
    event: AnnotationEvent, annotation: Annotation, actor: User | None
) -> None:
    before, after = event.before, event.after
    assert before is not None and after is not None  # a change of the set records both
    if selectors.document_label_ids(annotation=annotation) != after["labels"]:
        raise _changed_since(annotation)
    annotating.annotation_set_document_labels(
        annotation=annotation, labels=before["labels"], actor=actor
    )


_UNDO: dict[str, Callable[[AnnotationEvent, Annotation, User | None], None]] = {
    EventAction.SPAN_CREATED: _undo_span_created,
    EventAction.SPAN_CHANGED: _undo_span_changed,
    EventAction.SPAN_DELETED: _undo_span_deleted,
    EventAction.STANCE_CREATED: _undo_stance_created,
    EventAction.STANCE_CHANGED: _undo_stance_changed,
    EventAction.STANCE_DELETED: _undo_stance_deleted,
    EventAction.RELATION_CREATED: _undo_relation_created,
    EventAction.RELATION_CHANGED: _undo_relation_changed,
    EventAction.RELATION_DELETED: _undo_relation_deleted,
    EventAction.CONTENT_REPLACED: _undo_content_replaced,
    EventAction.DOCUMENT_LABELS_CHANGED: _undo_document_labels_changed,
    EventAction.CLAIM_RECORD_CHANGED: _undo_claim_record_changed,
}
