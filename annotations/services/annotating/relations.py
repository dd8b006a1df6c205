"""Relations: create (idempotent by client id), update, delete; each one locked, checked and logged.

A relation is a directed, typed link between two spans of one annotation (docs/schema.md). Its
rules (a relation label, the ends' kinds, never to itself, one per label and ends) are
annotations.rules'; ``rules.relation_rule_errors`` words them. Deleting a span deletes its
relations first (``span_relations_delete``, called by ``span_delete``), each logged, so the
database's RESTRICT on the ends never fires for a user.
"""

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q

from annotations.attributes import same as same_values
from annotations.errors import Conflict, InvalidInput, NotFound
from annotations.models import Annotation, EventAction, Label, Relation, Span
from annotations.services.annotating.locking import Replay, annotation_lock_for_write, sync
from annotations.services.annotating.lookups import (
    UNSET,
    Unset,
    own_span,
    parse_client_id,
    project_label,
    ref_pk,
    spans_by_ref,
)
from annotations.services.annotating.messages import (
    RELATION_CLIENT_ID_REUSED,
    RELATION_GONE,
    REQUIRED,
    Errors,
    add,
    merge,
)
from annotations.services.annotating.rules import (
    attribute_values,
    attribute_values_kept,
    check_relation_unique,
    relation_rule_errors,
)
from annotations.services.annotating.snapshots import relation_json
from annotations.services.changelog import annotation_change_record


@transaction.atomic
def relation_create(
    *,
    annotation: Annotation,
    label: Label | int,
    source: Span | int,
    target: Span | int,
    attributes: object = None,
    client_id: uuid.UUID | str | None = None,
    actor: User | None,
    version: int | None = None,
) -> tuple[Relation, bool]:
    """Link two spans; a retry with the same client_id and body returns the existing relation.

    ``attributes``: values of the label's attributes (annotations.attributes' rules).
    """
    errors: Errors = {}
    client_uuid = parse_client_id(client_id, errors)
    body = {"label": label, "source": source, "target": target, "attributes": attributes}

    def replay(locked: Annotation) -> Replay[Relation] | None:
        if client_uuid is None:
            return None
        existing = (
            Relation.objects.select_related("label")
            .filter(annotation=locked, client_id=client_uuid)
            .first()
        )
        if existing is None:
            return None
        if _same_relation_body(existing, body):
            return Replay(existing)
        raise Conflict(
            RELATION_CLIENT_ID_REUSED.format(client_id=client_uuid, relation=existing.pk),
            current_version=locked.version,
        )

    locked, replayed = annotation_lock_for_write(
        annotation_id=annotation.pk, version=version, first=replay
    )
    if replayed is not None:
        sync(annotation, locked)
        return replayed.result, False

    label_obj = project_label(label, locked, errors)
    source_span, target_span = _ends(locked, source, target, errors)
    _check(label_obj, source_span, target_span, errors)
    values = attribute_values(label_obj, attributes, errors)
    if errors:
        raise InvalidInput(errors)
    assert label_obj is not None and source_span is not None and target_span is not None
    check_relation_unique(locked, label_obj, source_span, target_span, None, errors)
    if errors:
        raise InvalidInput(errors)

    relation = Relation.objects.create(
        annotation=locked,
        label=label_obj,
        source=source_span,
        target=target_span,
        client_id=client_uuid,
        attributes=values,
    )
    annotation_change_record(
        annotation=locked,
        actor=actor,
        action=EventAction.RELATION_CREATED,
        object_id=relation.pk,
        after=relation_json(relation),
        claims=False,
    )
    sync(annotation, locked)
    return relation, True


@transaction.atomic
def relation_update(
    *,
    relation: Relation,
    actor: User | None,
    label: Label | int | Unset = UNSET,
    source: Span | int | Unset = UNSET,
    target: Span | int | Unset = UNSET,
    attributes: object = UNSET,
    version: int | None = None,
) -> Relation:
    """Change a relation's label, ends or attributes; the result is checked as a whole.

    ``attributes`` replaces the values; a new label without them keeps the values it accepts.
    """
    locked, current = annotation_lock_for_write(
        annotation_id=relation.annotation_id, version=version, first=_current_relation(relation)
    )
    current.annotation = locked

    errors: Errors = {}
    new_label = current.label if label is UNSET else project_label(label, locked, errors)
    new_source, new_target = _ends(
        locked,
        current.source_id if source is UNSET else source,
        current.target_id if target is UNSET else target,
        errors,
    )
    _check(new_label, new_source, new_target, errors)
    if attributes is not UNSET:
        new_attributes = attribute_values(new_label, attributes, errors)
    elif new_label is not None and new_label.pk != current.label_id:
        new_attributes = attribute_values_kept(new_label, current.attributes)
    else:
        new_attributes = current.attributes
    if errors:
        raise InvalidInput(errors)
    assert new_label is not None and new_source is not None and new_target is not None
    check_relation_unique(locked, new_label, new_source, new_target, current.pk, errors)
    if errors:
        raise InvalidInput(errors)

    before = relation_json(current)
    current.label = new_label
    current.source = new_source
    current.target = new_target
    current.attributes = new_attributes
    after = relation_json(current)
    if after == before:
        sync(relation, current)
        return current
    current.save(update_fields=["label", "source", "target", "attributes"])
    annotation_change_record(
        annotation=locked,
        actor=actor,
        action=EventAction.RELATION_CHANGED,
        object_id=current.pk,
        before=before,
        after=after,
        claims=False,
    )
    sync(relation, current)
    return current


@transaction.atomic
def relation_delete(
    *, relation: Relation, actor: User | None, version: int | None = None
) -> Annotation:
    """Delete a relation; return the annotation, version bumped."""
    locked, current = annotation_lock_for_write(
        annotation_id=relation.annotation_id, version=version, first=_current_relation(relation)
    )
    _delete_logged(locked, current, actor)
    return locked


def span_relations_delete(
    *, locked: Annotation, span: Span, actor: User | None
) -> list[dict[str, Any]]:
    """Delete (and log, one event each) the relations from or to a span about to be deleted.

    The caller holds the annotation's lock. Returns what each relation was, with its ends'
    labels and offsets (``ends``), so that undoing the span's delete can bring them back
    even when the other end was deleted and brought back since (with another id).
    """
    relations = list(
        Relation.objects.filter(Q(source=span) | Q(target=span), annotation=locked)
        .select_related("label", "source", "target")
        .order_by("id")
    )
    deleted = []
    for relation in relations:
        assert relation.source is not None  # a user's relation (Relation.objects) has a source
        snapshot = relation_json(relation)
        snapshot["ends"] = {
            end: [spanned.label_id, spanned.start, spanned.end]
            for end, spanned in (("source", relation.source), ("target", relation.target))
        }
        _delete_logged(locked, relation, actor)
        deleted.append(snapshot)
    return deleted


def _delete_logged(locked: Annotation, relation: Relation, actor: User | None) -> None:
    before = relation_json(relation)
    relation_pk = relation.pk
    relation.delete()
    annotation_change_record(
        annotation=locked,
        actor=actor,
        action=EventAction.RELATION_DELETED,
        object_id=relation_pk,
        before=before,
        claims=False,
    )


def _ends(
    locked: Annotation, source: object, target: object, errors: Errors
) -> tuple[Span | None, Span | None]:
    """Read both ends among the annotation's spans (one query); a missing end is an error."""
    spans = spans_by_ref(locked, [source, target])
    found = []
    for field, value in (("source", source), ("target", target)):
        if value is None:
            add(errors, field, REQUIRED)
        found.append(own_span(value, spans, field, errors))
    return found[0], found[1]


def _check(label: Label | None, source: Span | None, target: Span | None, errors: Errors) -> None:
    merge(
        errors,
        relation_rule_errors(
            label=label,
            source=None if source is None else (f"span {source.pk}", source.label),
            target=None if target is None else (f"span {target.pk}", target.label),
        ),
    )


def _current_relation(relation: Relation) -> Callable[[Annotation], Relation]:
    """Read the relation again under its annotation's lock; gone is a 404 whatever the version."""

    def read(locked: Annotation) -> Relation:
        current = (
            Relation.objects.select_related("label")
            .filter(pk=relation.pk, annotation=locked)
            .first()
        )
        if current is None:
            raise NotFound(RELATION_GONE.format(id=relation.pk))
        return current

    return read


def _same_relation_body(relation: Relation, body: dict[str, Any]) -> bool:
    """Whether a retried create asks for exactly the relation that already exists."""
    return (
        ref_pk(body["label"], Label) == relation.label_id
        and ref_pk(body["source"], Span) == relation.source_id
        and ref_pk(body["target"], Span) == relation.target_id
        and same_values(body["attributes"], relation.attributes)
    )
