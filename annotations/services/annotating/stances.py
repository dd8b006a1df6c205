"""Stances: create, update, delete; each one locked, checked and logged."""

from collections.abc import Callable

from django.contrib.auth.models import User
from django.db import transaction

from annotations.errors import InvalidInput, NotFound
from annotations.models import Annotation, EventAction, Label, Span, Stance, StanceTarget
from annotations.services.annotating.locking import annotation_lock_for_write, sync
from annotations.services.annotating.lookups import (
    UNSET,
    Unset,
    own_span,
    project_target,
    spans_by_ref,
    stance_label,
)
from annotations.services.annotating.messages import STANCE_GONE, Errors
from annotations.services.annotating.rules import (
    attribute_values,
    attribute_values_kept,
    check_holder_kind,
    check_stance_unique,
)
from annotations.services.annotating.snapshots import stance_json
from annotations.services.annotating.stance_links import stance_links_create, stance_links_set
from annotations.services.changelog import annotation_change_record


@transaction.atomic
def stance_create(
    *,
    annotation: Annotation,
    target: StanceTarget | int,
    label: Label | int,
    holder: Span | int | None = None,
    evidence: Span | int | None = None,
    attributes: object = None,
    actor: User | None,
    version: int | None = None,
) -> Stance:
    """Record a stance on a target, held by an entity span or by the document's author."""
    locked, _ = annotation_lock_for_write(annotation_id=annotation.pk, version=version)
    errors: Errors = {}
    target_obj = project_target(target, locked, errors)
    label_obj = stance_label(label, locked, errors)
    spans = spans_by_ref(locked, [holder, evidence])
    holder_span = own_span(holder, spans, "holder", errors)
    evidence_span = own_span(evidence, spans, "evidence", errors)
    if holder_span is not None:
        check_holder_kind(holder_span.label, f"span {holder_span.pk}", "holder", errors)
    values = attribute_values(label_obj, attributes, errors)
    if errors:
        raise InvalidInput(errors)
    assert target_obj is not None and label_obj is not None  # None comes with its error
    check_stance_unique(locked, target_obj, holder_span, None, errors)
    if errors:
        raise InvalidInput(errors)

    stance = Stance.objects.create(
        annotation=locked, target=target_obj, label=label_obj, attributes=values
    )
    stance.holder, stance.evidence = holder_span, evidence_span
    stance_links_create(stances=[stance])
    annotation_change_record(
        annotation=locked,
        actor=actor,
        action=EventAction.STANCE_CREATED,
        object_id=stance.pk,
        after=stance_json(stance),
        claims=False,
    )
    sync(annotation, locked)
    return stance


@transaction.atomic
def stance_update(
    *,
    stance: Stance,
    actor: User | None,
    target: StanceTarget | int | Unset = UNSET,
    label: Label | int | Unset = UNSET,
    holder: Span | int | Unset | None = UNSET,
    evidence: Span | int | Unset | None = UNSET,
    attributes: object = UNSET,
    version: int | None = None,
) -> Stance:
    """Change a stance's target, value, holder, evidence or attributes.

    ``attributes`` replaces the stance's values; a new value (label) without them keeps the
    values it still accepts.
    """
    locked, current = annotation_lock_for_write(
        annotation_id=stance.annotation_id, version=version, first=_current_stance(stance)
    )
    current.annotation = locked

    errors: Errors = {}
    new_target = current.target if target is UNSET else project_target(target, locked, errors)
    new_label = current.label if label is UNSET else stance_label(label, locked, errors)
    holder_ref = current.holder_id if holder is UNSET else holder
    evidence_ref = current.evidence_id if evidence is UNSET else evidence
    spans = spans_by_ref(locked, [holder_ref, evidence_ref])
    new_holder = own_span(holder_ref, spans, "holder", errors)
    new_evidence = own_span(evidence_ref, spans, "evidence", errors)
    if new_holder is not None:
        check_holder_kind(new_holder.label, f"span {new_holder.pk}", "holder", errors)
    if attributes is not UNSET:
        new_values = attribute_values(new_label, attributes, errors)
    elif new_label is not None and new_label.pk != current.label_id:
        new_values = attribute_values_kept(new_label, current.attributes)
    else:
        new_values = current.attributes
    if errors:
        raise InvalidInput(errors)
    assert new_target is not None and new_label is not None  # None comes with its error
    check_stance_unique(locked, new_target, new_holder, current.pk, errors)
    if errors:
        raise InvalidInput(errors)

    before = stance_json(current)
    current.target = new_target
    current.label = new_label
    current.holder = new_holder
    current.evidence = new_evidence
    current.attributes = new_values
    after = stance_json(current)
    if after == before:
        return current
    current.save(update_fields=["target", "label", "attributes"])
    if (after["holder"], after["evidence"]) != (before["holder"], before["evidence"]):
        stance_links_set(stance=current, holder=new_holder, evidence=new_evidence)
    annotation_change_record(
        annotation=locked,
        actor=actor,
        action=EventAction.STANCE_CHANGED,
        object_id=current.pk,
        before=before,
        after=after,
        claims=False,
    )
    return current


@transaction.atomic
def stance_delete(*, stance: Stance, actor: User | None, version: int | None = None) -> Annotation:
    """Delete a stance; return the annotation, version bumped."""
    locked, current = annotation_lock_for_write(
        annotation_id=stance.annotation_id, version=version, first=_current_stance(stance)
    )
    before = stance_json(current)
    stance_pk = current.pk
    current.delete()
    annotation_change_record(
        annotation=locked,
        actor=actor,
        action=EventAction.STANCE_DELETED,
        object_id=stance_pk,
        before=before,
        claims=False,
    )
    return locked


def _current_stance(stance: Stance) -> Callable[[Annotation], Stance]:
    """Read the stance again under its annotation's lock; gone is a 404 whatever the version."""

    def read(locked: Annotation) -> Stance:
        current = (
            Stance.objects.with_links()
            .select_related("target", "label")
            .filter(pk=stance.pk, annotation=locked)
            .first()
        )
        if current is None:
            raise NotFound(STANCE_GONE.format(id=stance.pk))
        return current

    return read
