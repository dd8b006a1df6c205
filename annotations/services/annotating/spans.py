"""Spans: create (idempotent by client id), update, delete; each one locked, checked and logged."""

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Case, When

from annotations import builtins, offsets, rules, selectors
from annotations.attributes import same as same_values
from annotations.errors import Conflict, InvalidInput, NotFound
from annotations.models import (
    Annotation,
    ClaimRecord,
    EventAction,
    Label,
    LabelKind,
    Span,
)
from annotations.services.annotating.claimants import (
    claimant_set,
    claimants_create,
    claimants_drop,
)
from annotations.services.annotating.locking import Replay, annotation_lock_for_write, sync
from annotations.services.annotating.lookups import (
    UNSET,
    Unset,
    by_pk,
    own_span,
    parse_client_id,
    project_label,
    ref_pk,
    spans_by_ref,
    text_or_empty,
)
from annotations.services.annotating.messages import (
    CLAIMANT_SELF,
    CLIENT_ID_REUSED,
    SPAN_GONE,
    SPAN_HAS_CLAIM_RECORD,
    SPAN_HOLDS_STANCES,
    SPAN_IS_CLAIMANT,
    SPAN_IS_EVIDENCE,
    Errors,
    add,
    ids,
    merge,
)
from annotations.services.annotating.relations import span_relations_delete
from annotations.services.annotating.rules import (
    attribute_values,
    attribute_values_kept,
    candidates,
    check_claimant_kind,
    check_overlap,
    check_relabel_keeps_uses,
    span_rule_errors,
)
from annotations.services.annotating.snapshots import span_json
from annotations.services.annotating.stance_links import stances_naming
from annotations.services.annotating.suggested import span_changed, span_deleted
from annotations.services.annotating.unitrules import check_unit_free, unit_errors
from annotations.services.changelog import annotation_change_record


@transaction.atomic
def span_create(
    *,
    annotation: Annotation,
    label: Label | int,
    start: int,
    end: int,
    text: str | None = None,
    client_id: uuid.UUID | str | None = None,
    claimant: Span | int | None = None,
    claimant_text: str | None = "",
    checkworthy: str | None = "",
    attributes: object = None,
    unit: int | None = None,
    actor: User | None,
    version: int | None = None,
    suggested: dict[str, Any] | None = None,
) -> tuple[Span, bool]:
    """Create a span; a retry with the same client_id and body returns the existing span.

    A span of a sentence label is the unit it covers (``unit`` may say which it must be).
    ``suggested``: the suggestion it accepts (services.suggestions), kept in its event.
    """
    claimant_text = text_or_empty(claimant_text)
    checkworthy = text_or_empty(checkworthy)
    errors: Errors = {}
    client_uuid = parse_client_id(client_id, errors)
    body = {
        "label": label,
        "start": start,
        "end": end,
        "text": text,
        "claimant": claimant,
        "claimant_text": claimant_text,
        "checkworthy": checkworthy,
        "attributes": attributes,
        "unit": unit,
    }

    def facts_or_replay(locked: Annotation) -> selectors.SpanCreateFacts | Replay[Span]:
        facts = selectors.span_create_facts(
            annotation_id=locked.pk,
            project_id=locked.document.project_id,
            label_id=ref_pk(label, Label),
            client_id=client_uuid,
            start=start,
            end=end,
        )
        existing = facts.replayed if client_uuid is not None else None
        if existing is None:
            return facts
        if _same_span_body(existing, body):
            return Replay(existing)
        raise Conflict(
            CLIENT_ID_REUSED.format(client_id=client_uuid, span=existing.pk),
            current_version=locked.version,
        )

    locked, facts = annotation_lock_for_write(
        annotation_id=annotation.pk, version=version, first=facts_or_replay
    )
    if isinstance(facts, Replay):
        sync(annotation, locked)
        return facts.result, False

    label_obj = project_label(label, locked, errors, found=facts.label)
    spans = spans_by_ref(locked, [claimant])
    claimant_span = own_span(claimant, spans, "claimant", errors)
    merge(
        errors,
        span_rule_errors(
            document_text=locked.document.text,
            label=label_obj,
            start=start,
            end=end,
            text=text,
            has_claimant=claimant is not None,
            claimant_text=claimant_text,
            checkworthy=checkworthy,
        ),
    )
    if claimant_span is not None:
        check_claimant_kind(claimant_span.label, f"span {claimant_span.pk}", "claimant", errors)
    values = attribute_values(label_obj, attributes, errors)
    span_unit = _checked_unit(locked, label_obj, start, end, unit, None, errors)
    if not errors and label_obj is not None:
        others = [] if facts.overlap is None else [facts.overlap]
        new = rules.Placed(label_obj.kind, start, end, "", label_obj.pk)
        found = candidates(others, label_obj.kind)
        check_overlap(locked, new, found, errors, label_name=label_obj.name)
    if errors:
        raise InvalidInput(errors)

    span = Span(
        pk=facts.next_id,
        annotation=locked,
        label=label_obj,
        start=start,
        end=end,
        text=locked.document.text[start:end],
        client_id=client_uuid,
        attribute_values=builtins.stored_values(
            values, checkworthy=checkworthy, claimant_text=claimant_text
        ),
        unit=span_unit,
    )
    span.claimant = claimant_span  # stored by claimants_create below, once the span is in
    if span.pk is None:
        span.save()
    # With an id drawn beforehand, the span is inserted with the version and the event.
    annotation_change_record(
        annotation=locked,
        actor=actor,
        action=EventAction.SPAN_CREATED,
        object_id=span.pk,
        after=span_json(span) if suggested is None else span_json(span) | {"suggested": suggested},
        inserts=[] if facts.next_id is None else [span],
        claims=span.label.kind == LabelKind.CLAIM,
    )
    claimants_create(claims=[span])
    sync(annotation, locked)
    return span, True


@transaction.atomic
def span_update(
    *,
    span: Span,
    actor: User | None,
    label: Label | int | Unset = UNSET,
    start: int | Unset = UNSET,
    end: int | Unset = UNSET,
    text: str | Unset | None = UNSET,
    claimant: Span | int | Unset | None = UNSET,
    claimant_text: str | Unset | None = UNSET,
    checkworthy: str | Unset | None = UNSET,
    attributes: object = UNSET,
    version: int | None = None,
) -> Span:
    """Change a span's label, offsets, claim fields or attributes; checked as a whole.

    ``attributes`` replaces the span's values; a new label without them keeps the values it
    still accepts (the event records the others, so a revert brings them back).
    """
    # Only the spans this change involves are read, never the whole annotation.
    locked, current = annotation_lock_for_write(
        annotation_id=span.annotation_id, version=version, first=_current_span(span)
    )
    current.annotation = locked

    errors: Errors = {}
    new_label = current.label if label is UNSET else project_label(label, locked, errors)
    new_start = current.start if start is UNSET else start
    new_end = current.end if end is UNSET else end
    new_text = None if text is UNSET else text
    if claimant is UNSET:
        claimant_given = current.claimant_id is not None
        spans = spans_by_ref(locked, [current.claimant_id])
        new_claimant = None if current.claimant_id is None else by_pk(spans, current.claimant_id)
    else:
        claimant_given = claimant is not None
        spans = spans_by_ref(locked, [claimant])
        new_claimant = own_span(claimant, spans, "claimant", errors)
        if new_claimant is not None and new_claimant.pk == current.pk:
            add(errors, "claimant", CLAIMANT_SELF)
    new_claimant_text = (
        current.claimant_text if claimant_text is UNSET else text_or_empty(claimant_text)
    )
    new_checkworthy = current.checkworthy if checkworthy is UNSET else text_or_empty(checkworthy)
    merge(
        errors,
        span_rule_errors(
            document_text=locked.document.text,
            label=new_label,
            start=new_start,
            end=new_end,
            text=new_text,
            has_claimant=claimant_given,
            claimant_text=new_claimant_text,
            checkworthy=new_checkworthy,
        ),
    )
    if new_claimant is not None:
        check_claimant_kind(new_claimant.label, f"span {new_claimant.pk}", "claimant", errors)
    if new_label is not None:
        # The span may be used where only an entity fits; relabelling it would break that.
        check_relabel_keeps_uses(current, new_label, errors)
        leaves_claims = current.label.kind == LabelKind.CLAIM != new_label.kind
        if leaves_claims and ClaimRecord.objects.filter(span=current).exists():
            add(errors, "label", SPAN_HAS_CLAIM_RECORD.format(span=current.pk))
    if attributes is not UNSET:
        new_values = attribute_values(new_label, attributes, errors)
    elif new_label is not None and new_label.pk != current.label_id:
        new_values = attribute_values_kept(new_label, current.attributes)
    else:
        new_values = current.attributes
    # A span's unit follows its label and offsets: it stays the unit of the sentence it covers.
    new_unit = _checked_unit(locked, new_label, new_start, new_end, None, current.pk, errors)
    if not errors and new_label is not None:
        found = _update_candidates(locked, current, new_label, new_start, new_end)
        new = rules.Placed(new_label.kind, new_start, new_end, "", new_label.pk)
        check_overlap(locked, new, found, errors, label_name=new_label.name)
    if errors:
        raise InvalidInput(errors)
    assert new_label is not None  # None comes with its error

    before = span_json(current)
    span_changed(span=current, label_id=new_label.pk, start=new_start, end=new_end)
    claims = LabelKind.CLAIM in (current.label.kind, new_label.kind)
    current.label = new_label
    current.start = new_start
    current.end = new_end
    current.text = locked.document.text[new_start:new_end]
    current.claimant_id = None if new_claimant is None else new_claimant.pk
    current.claimant_text = new_claimant_text
    current.checkworthy = new_checkworthy
    current.attributes = new_values
    unit_before, current.unit = current.unit, new_unit
    after = span_json(current)
    if after == before and unit_before == new_unit:
        sync(span, current)
        return current
    current.save(
        update_fields=[
            "label",
            "start",
            "end",
            "text",
            # The user's attributes and the built-ins checkworthy and claimant_text.
            "attribute_values",
            "unit",
        ]
    )
    if after["claimant"] != before["claimant"]:
        claimant_set(claim=current, claimant=new_claimant)
    annotation_change_record(
        annotation=locked,
        actor=actor,
        action=EventAction.SPAN_CHANGED,
        object_id=current.pk,
        before=before,
        after=after,
        claims=claims,
    )
    sync(span, current)
    return current


@transaction.atomic
def span_delete(
    *, span: Span, actor: User | None, version: int | None = None, unaccept: bool = False
) -> Annotation:
    """Delete a span that no claim or stance refers to; return the annotation, version bumped.

    Its relations are deleted first, each logged as relation_deleted; the span's own event
    lists them (``before["relations"]``) so that reverting it brings them back. ``unaccept``:
    the delete undoes accepting a suggestion, which is then undecided again (shown again).
    """
    locked, current = annotation_lock_for_write(
        annotation_id=span.annotation_id, version=version, first=_current_span(span)
    )

    errors: Errors = {}
    claims = list(current.claims.values_list("pk", flat=True))
    if claims:
        add(errors, "span", SPAN_IS_CLAIMANT.format(span=current.pk, claims=ids(claims)))
    named = stances_naming(current)
    held = [pk for pk, role in named if role == builtins.HOLDER]
    evidenced = sorted({pk for pk, role in named if role == builtins.EVIDENCE} - set(held))
    if held:
        add(errors, "span", SPAN_HOLDS_STANCES.format(span=current.pk, stances=ids(held)))
    if evidenced:
        add(errors, "span", SPAN_IS_EVIDENCE.format(span=current.pk, stances=ids(evidenced)))
    if errors:
        raise InvalidInput(errors)

    relations = span_relations_delete(locked=locked, span=current, actor=actor)
    before = span_json(current)
    if relations:
        before["relations"] = relations
    # The claim record goes with its span; the event keeps it so a revert brings it back.
    record = None
    if current.label.kind == LabelKind.CLAIM:
        record = selectors.claim_record_get(span_id=current.pk)
    if record is not None:
        before["claim_record"] = selectors.claim_record_json(record)
    span_pk = current.pk
    span_deleted(span_id=span_pk, unaccept=unaccept)
    claimants_drop(claims=[span_pk])
    current.delete()
    annotation_change_record(
        annotation=locked,
        actor=actor,
        action=EventAction.SPAN_DELETED,
        object_id=span_pk,
        before=before,
        claims=current.label.kind == LabelKind.CLAIM,
    )
    return locked


def _current_span(span: Span) -> Callable[[Annotation], Span]:
    """Read the span again under its annotation's lock; gone is a 404 whatever the version."""

    def read(locked: Annotation) -> Span:
        current = (
            Span.objects.with_claimant()
            .select_related("label")
            .filter(pk=span.pk, annotation=locked)
            .first()
        )
        if current is None:
            raise NotFound(SPAN_GONE.format(id=span.pk))
        return current

    return read


def _update_candidates(
    locked: Annotation, current: Span, label: Label, start: int, end: int
) -> list[rules.Placed[str]]:
    """The span a changed span would be identical to, else the first it may not overlap."""
    spans = Span.objects.filter(
        annotation=locked, label__kind=label.kind, start__lt=end, end__gt=start
    ).exclude(pk=current.pk)
    if rules.may_overlap(
        label.kind, label.kind, allow_overlap=locked.document.project.allow_overlap
    ):
        spans = spans.filter(label=label, start=start, end=end)
    same_first = Case(When(label=label, start=start, end=end, then=0), default=1)
    return candidates(spans.order_by(same_first, "start", "id")[:1], label.kind)


def _checked_unit(
    locked: Annotation,
    label: Label | None,
    start: object,
    end: object,
    unit: object,
    exclude_pk: int | None,
    errors: Errors,
) -> int | None:
    """The unit a span with these label and offsets is (None: none), checked; adds errors."""
    if label is None or offsets.range_error(start, end, len(locked.document.text)) is not None:
        return None  # already refused, with its own error
    assert type(start) is int and type(end) is int  # range_error found no fault
    span_unit, found = unit_errors(locked=locked, label=label, start=start, end=end, unit=unit)
    merge(errors, found)
    if span_unit is not None and not errors:
        check_unit_free(locked, span_unit, exclude_pk, errors)
    return span_unit


def _same_span_body(span: Span, body: dict[str, Any]) -> bool:
    """Whether a retried create asks for exactly the span that already exists."""
    return (
        ref_pk(body["label"], Label) == span.label_id
        and type(body["start"]) is int
        and body["start"] == span.start
        and type(body["end"]) is int
        and body["end"] == span.end
        and (body["text"] is None or body["text"] == span.text)
        and ref_pk(body["claimant"], Span) == span.claimant_id
        and body["claimant_text"] == span.claimant_text
        and body["checkworthy"] == span.checkworthy
        and same_values(body["attributes"], span.attributes)
        and (body["unit"] is None or body["unit"] == span.unit)
    )
