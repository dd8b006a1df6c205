"""Writes to annotations: status, spans, stances and the bulk replace. The only code that does.

Every write runs in one transaction and locks the annotation row before reading anything, so
concurrent writers to one annotation queue instead of losing updates (on SQLite the
IMMEDIATE transaction mode takes the database write lock at BEGIN, which serialises the same
way). Each write bumps ``Annotation.version`` by exactly one and appends one
``AnnotationEvent`` whose ``before``/``after`` are plain JSON. ``actor=None`` means the system
(imports, scripts): it skips the role checks that the API's users go through.

References (labels, targets, claimants, holders, evidence) are accepted as model instances or
as ids, and are always looked up again within the annotation's project or the annotation
itself: an id of another project is a field error, never a silent cross-project link.
"""

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from annotations import offsets, selectors
from annotations.db import rows
from annotations.errors import Conflict, Forbidden, InvalidInput, NotFound
from annotations.models import (
    Annotation,
    AnnotationEvent,
    AnnotationKind,
    AnnotationStatus,
    Checkworthy,
    Document,
    EventAction,
    Label,
    LabelKind,
    Membership,
    Role,
    Span,
    Stance,
    StanceTarget,
)

ANNOTATION_GONE = "This annotation no longer exists."
SPAN_GONE = "Span {id} no longer exists in this annotation."
STANCE_GONE = "Stance {id} no longer exists in this annotation."
NOT_WRITABLE = "This annotation is {status}; reopen it (status in_progress) before changing it."
STATUS_UNKNOWN = "{value!r} is not a status; use in_progress, submitted or skipped."
STATUS_UNCHANGED = "The annotation is already {status}."
STATUS_TRANSITION = "An annotation cannot go from {current} to {status}."
REOPEN_FORBIDDEN = "Only a reviewer or manager of the project can reopen a submitted annotation."
REOPEN_SKIPPED_FORBIDDEN = (
    "Only the author, a reviewer or a manager of the project can reopen a skipped annotation."
)
VERSION_INVALID = "version must be an integer, not {value!r}."
STALE_VERSION = (
    "The annotation changed: you sent version {sent}, it is now at version {current}. "
    "Reload it and apply your change again."
)

REQUIRED = "This field is required."
UNKNOWN_FIELD = "Unknown field; expected one of: {fields}."
NOT_AN_OBJECT = "Each item must be an object."
NOT_A_LIST = "Expected a list."
NOT_AN_ID = "Expected an id (an integer), not {value!r}."
NOT_A_NAME = "Expected a name (a string), not {value!r}."
NOT_A_STRING = "Expected a string, not {value!r}."
LABEL_NOT_IN_PROJECT = "Label {value} is not a label of this project."
LABEL_NAME_NOT_IN_PROJECT = "No label named {value!r} in this project."
TARGET_NOT_IN_PROJECT = "Stance target {value} is not a target of this project."
TARGET_NAME_NOT_IN_PROJECT = "No stance target named {value!r} in this project."
SPAN_LABEL_KIND = "Label {name!r} is a {kind} label; spans take entity or claim labels."
STANCE_LABEL_KIND = "Label {name!r} is a {kind} label; stances take stance labels."
CLAIM_ONLY = "Only claim spans carry {field}; label {name!r} is a {kind} label."
CHECKWORTHY_INVALID = "{value!r} is not a checkworthy value; use yes, no, unsure or ''."
CLAIMANT_TEXT_TOO_LONG = "claimant_text has {length} characters; the limit is {limit}."
CLAIMANT_AND_TEXT = "Give the claimant as a span or as claimant_text, not both."
CLAIMANT_SELF = "A span cannot be its own claimant."
SPAN_NOT_IN_ANNOTATION = "Span {value} is not a span of this annotation."
CLAIMANT_NOT_ENTITY = "The claimant must be an entity span; {span} is a {kind} span."
HOLDER_NOT_ENTITY = "The holder must be an entity span; {span} is a {kind} span."
SPAN_OVERLAP = (
    "[{start}, {end}) overlaps {other} [{other_start}, {other_end}), another {kind} span; "
    "this project does not allow {kind} spans to overlap."
)
CLIENT_ID_INVALID = "client_id must be a UUID, not {value!r}."
CLIENT_ID_REUSED = (
    "client_id {client_id} already names span {span} with a different body; "
    "a new span needs a new client_id."
)
CLIENT_ID_DUPLICATE = "client_id {client_id} is also used by spans.{index}."
INDEX_INVALID = "Expected the index of an item of spans (0 to {last}), not {value!r}."
SPAN_IS_CLAIMANT = "Span {span} is the claimant of claim span(s) {claims}; unlink them first."
SPAN_HOLDS_STANCES = "Span {span} holds stance(s) {stances}; change or delete them first."
SPAN_IS_EVIDENCE = "Span {span} is the evidence of stance(s) {stances}; change them first."
STANCE_DUPLICATE = "This annotation already has a stance on {target!r} held by {holder}."
AUTHOR_AS_HOLDER = "the document's author"

SPAN_FIELDS = (
    "label",
    "start",
    "end",
    "text",
    "client_id",
    "claimant",
    "claimant_text",
    "checkworthy",
)
STANCE_FIELDS = ("target", "label", "holder", "evidence")
SPAN_LABEL_KINDS = (LabelKind.ENTITY, LabelKind.CLAIM)
CLAIMANT_TEXT_LIMIT = Span._meta.get_field("claimant_text").max_length
REOPENERS = (Role.REVIEWER, Role.MANAGER)

# Status changes a client may ask for; anything else (including staying put) is refused.
TRANSITIONS = {
    AnnotationStatus.IN_PROGRESS: {AnnotationStatus.SUBMITTED, AnnotationStatus.SKIPPED},
    AnnotationStatus.SUBMITTED: {AnnotationStatus.IN_PROGRESS},
    AnnotationStatus.SKIPPED: {AnnotationStatus.IN_PROGRESS},
}

Errors = dict[str, list[str]]
User = AbstractBaseUser


class Unset(enum.Enum):
    """Marks an argument of an update that was not given (None is a value: "clear it")."""

    UNSET = enum.auto()


UNSET = Unset.UNSET


@dataclass(frozen=True)
class AnnotationContent:
    """What annotation_replace_content wrote: spans and stances in the order they were given."""

    annotation: Annotation
    spans: list[Span]
    stances: list[Stance]


# Annotations


@transaction.atomic
def annotation_get_or_create(*, document: Document, author: User) -> tuple[Annotation, bool]:
    """Return the author's manual annotation of the document, creating it if needed."""
    existing = _manual_annotation(document, author)
    if existing is not None:
        return existing, False
    try:
        # A savepoint: a concurrent request may insert the same row between our read and
        # our insert; the unique constraint then fires and the other row is the answer.
        with transaction.atomic():
            annotation = Annotation.objects.create(
                document=document, author=author, kind=AnnotationKind.MANUAL
            )
            _log(
                annotation,
                actor=author,
                action=EventAction.ANNOTATION_CREATED,
                after={"kind": annotation.kind, "status": annotation.status},
            )
    except IntegrityError:
        existing = _manual_annotation(document, author)
        if existing is None:
            raise
        return existing, False
    return annotation, True


@transaction.atomic
def annotation_set_status(
    *, annotation: Annotation, status: str, version: int, actor: User | None
) -> Annotation:
    """Submit, skip or reopen the annotation; refuse a stale version."""
    locked = _lock(annotation)
    if status not in AnnotationStatus.values:
        raise InvalidInput({"status": [STATUS_UNKNOWN.format(value=status)]})
    _check_version(locked, version)
    current = locked.status
    if status == current:
        raise InvalidInput({"status": [STATUS_UNCHANGED.format(status=current)]})
    if status not in TRANSITIONS[current]:
        raise InvalidInput({"status": [STATUS_TRANSITION.format(current=current, status=status)]})
    if status == AnnotationStatus.IN_PROGRESS:
        _check_may_reopen(locked, actor)
    submitted_at = timezone.now() if status == AnnotationStatus.SUBMITTED else None
    _record(
        locked,
        actor=actor,
        action=EventAction.STATUS_CHANGED,
        before={"status": current},
        after={"status": status},
        status=status,
        submitted_at=submitted_at,
    )
    _sync(annotation, locked)
    return locked


# Spans


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
    actor: User | None,
    version: int | None = None,
) -> tuple[Span, bool]:
    """Create a span; a retry with the same client_id and body returns the existing span."""
    claimant_text = _text_or_empty(claimant_text)
    checkworthy = _text_or_empty(checkworthy)
    locked = _lock(annotation)
    errors: Errors = {}
    client_uuid = _client_uuid(client_id, errors)
    facts = selectors.span_create_facts(
        annotation_id=locked.pk,
        project_id=locked.document.project_id,
        label_id=_ref_pk(label, Label),
        client_id=client_uuid,
        start=start,
        end=end,
    )
    if client_uuid is not None:
        existing = facts.replayed
        if existing is not None:
            body = {
                "label": label,
                "start": start,
                "end": end,
                "text": text,
                "claimant": claimant,
                "claimant_text": claimant_text,
                "checkworthy": checkworthy,
            }
            if _same_span_body(existing, body):
                _sync(annotation, locked)
                return existing, False
            raise Conflict(
                CLIENT_ID_REUSED.format(client_id=client_uuid, span=existing.pk),
                current_version=locked.version,
            )
    _check_version(locked, version)
    _check_writable(locked)

    label_obj = _project_label(label, locked, errors, found=facts.label)
    spans = _spans_by_ref(locked, [claimant])
    claimant_span = _own_span(claimant, spans, "claimant", errors)
    _merge(
        errors,
        _span_rule_errors(
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
        _check_claimant_kind(claimant_span.label, f"span {claimant_span.pk}", "claimant", errors)
    if not errors and label_obj is not None:
        others = [] if facts.overlap is None else [facts.overlap]
        _check_overlap(locked, label_obj.kind, start, end, _ranges_of(others), errors)
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
        claimant=claimant_span,
        claimant_text=claimant_text,
        checkworthy=checkworthy,
    )
    if span.pk is None:
        span.save()
    else:
        span._state.adding = False  # written below, with the version and the event
    _record(
        locked,
        actor=actor,
        action=EventAction.SPAN_CREATED,
        object_id=span.pk,
        after=_span_json(span),
        inserts=[] if facts.next_id is None else [span],
    )
    _sync(annotation, locked)
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
    version: int | None = None,
) -> Span:
    """Change a span's label, offsets or claim fields; the result is checked as a whole."""
    locked = _lock(Annotation(pk=span.annotation_id))
    # Only the spans this change involves are read, never the whole annotation.
    current = Span.objects.select_related("label").filter(pk=span.pk, annotation=locked).first()
    if current is None:
        raise NotFound(SPAN_GONE.format(id=span.pk))
    current.annotation = locked
    _check_version(locked, version)
    _check_writable(locked)

    errors: Errors = {}
    new_label = current.label if label is UNSET else _project_label(label, locked, errors)
    new_start = current.start if start is UNSET else start
    new_end = current.end if end is UNSET else end
    new_text = None if text is UNSET else text
    if claimant is UNSET:
        claimant_given = current.claimant_id is not None
        spans = _spans_by_ref(locked, [current.claimant_id])
        new_claimant = _by_pk(spans, current.claimant_id) if claimant_given else None
    else:
        claimant_given = claimant is not None
        spans = _spans_by_ref(locked, [claimant])
        new_claimant = _own_span(claimant, spans, "claimant", errors)
        if new_claimant is not None and new_claimant.pk == current.pk:
            _add(errors, "claimant", CLAIMANT_SELF)
    new_claimant_text = (
        current.claimant_text if claimant_text is UNSET else _text_or_empty(claimant_text)
    )
    new_checkworthy = current.checkworthy if checkworthy is UNSET else _text_or_empty(checkworthy)
    _merge(
        errors,
        _span_rule_errors(
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
        _check_claimant_kind(new_claimant.label, f"span {new_claimant.pk}", "claimant", errors)
    if new_label is not None and new_label.kind != LabelKind.ENTITY:
        # The span may be used where only an entity fits; relabelling it would break that.
        _check_not_used_as_entity(current, errors)
    if not errors and new_label is not None and not locked.document.project.allow_overlap:
        overlapping = (
            Span.objects.filter(
                annotation=locked,
                label__kind=new_label.kind,
                start__lt=new_end,
                end__gt=new_start,
            )
            .exclude(pk=current.pk)
            .order_by("start", "id")[:1]
        )
        _check_overlap(locked, new_label.kind, new_start, new_end, _ranges_of(overlapping), errors)
    if errors:
        raise InvalidInput(errors)

    before = _span_json(current)
    current.label = new_label
    current.start = new_start
    current.end = new_end
    current.text = locked.document.text[new_start:new_end]
    current.claimant = new_claimant
    current.claimant_text = new_claimant_text
    current.checkworthy = new_checkworthy
    after = _span_json(current)
    if after == before:
        _sync(span, current)
        return current
    current.save(
        update_fields=["label", "start", "end", "text", "claimant", "claimant_text", "checkworthy"]
    )
    _record(
        locked,
        actor=actor,
        action=EventAction.SPAN_CHANGED,
        object_id=current.pk,
        before=before,
        after=after,
    )
    _sync(span, current)
    return current


@transaction.atomic
def span_delete(*, span: Span, actor: User | None, version: int | None = None) -> Annotation:
    """Delete a span that no claim or stance refers to; return the annotation, version bumped."""
    locked = _lock(Annotation(pk=span.annotation_id))
    current = Span.objects.select_related("label").filter(pk=span.pk, annotation=locked).first()
    if current is None:
        raise NotFound(SPAN_GONE.format(id=span.pk))
    _check_version(locked, version)
    _check_writable(locked)

    errors: Errors = {}
    claims = list(current.claims.values_list("pk", flat=True))
    if claims:
        _add(errors, "span", SPAN_IS_CLAIMANT.format(span=current.pk, claims=_ids(claims)))
    stances = list(
        Stance.objects.filter(models.Q(holder=current) | models.Q(evidence=current)).values_list(
            "pk", "holder_id"
        )
    )
    held = [pk for pk, holder_id in stances if holder_id == current.pk]
    evidenced = [pk for pk, holder_id in stances if holder_id != current.pk]
    if held:
        _add(errors, "span", SPAN_HOLDS_STANCES.format(span=current.pk, stances=_ids(held)))
    if evidenced:
        _add(errors, "span", SPAN_IS_EVIDENCE.format(span=current.pk, stances=_ids(evidenced)))
    if errors:
        raise InvalidInput(errors)

    before = _span_json(current)
    span_pk = current.pk
    current.delete()
    _record(locked, actor=actor, action=EventAction.SPAN_DELETED, object_id=span_pk, before=before)
    return locked


# Stances


@transaction.atomic
def stance_create(
    *,
    annotation: Annotation,
    target: StanceTarget | int,
    label: Label | int,
    holder: Span | int | None = None,
    evidence: Span | int | None = None,
    actor: User | None,
    version: int | None = None,
) -> Stance:
    """Record a stance on a target, held by an entity span or by the document's author."""
    locked = _lock(annotation)
    _check_version(locked, version)
    _check_writable(locked)
    errors: Errors = {}
    target_obj = _project_target(target, locked, errors)
    label_obj = _stance_label(label, locked, errors)
    spans = _spans_by_ref(locked, [holder, evidence])
    holder_span = _own_span(holder, spans, "holder", errors)
    evidence_span = _own_span(evidence, spans, "evidence", errors)
    if holder_span is not None:
        _check_holder_kind(holder_span.label, f"span {holder_span.pk}", "holder", errors)
    if not errors:
        _check_stance_unique(locked, target_obj, holder_span, None, errors)
    if errors:
        raise InvalidInput(errors)

    stance = Stance.objects.create(
        annotation=locked,
        target=target_obj,
        label=label_obj,
        holder=holder_span,
        evidence=evidence_span,
    )
    _record(
        locked,
        actor=actor,
        action=EventAction.STANCE_CREATED,
        object_id=stance.pk,
        after=_stance_json(stance),
    )
    _sync(annotation, locked)
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
    version: int | None = None,
) -> Stance:
    """Change a stance's target, value, holder or evidence."""
    locked = _lock(Annotation(pk=stance.annotation_id))
    current = (
        Stance.objects.select_related("target", "label")
        .filter(pk=stance.pk, annotation=locked)
        .first()
    )
    if current is None:
        raise NotFound(STANCE_GONE.format(id=stance.pk))
    current.annotation = locked
    _check_version(locked, version)
    _check_writable(locked)

    errors: Errors = {}
    new_target = current.target if target is UNSET else _project_target(target, locked, errors)
    new_label = current.label if label is UNSET else _stance_label(label, locked, errors)
    holder_ref = current.holder_id if holder is UNSET else holder
    evidence_ref = current.evidence_id if evidence is UNSET else evidence
    spans = _spans_by_ref(locked, [holder_ref, evidence_ref])
    new_holder = _own_span(holder_ref, spans, "holder", errors)
    new_evidence = _own_span(evidence_ref, spans, "evidence", errors)
    if new_holder is not None:
        _check_holder_kind(new_holder.label, f"span {new_holder.pk}", "holder", errors)
    if not errors:
        _check_stance_unique(locked, new_target, new_holder, current.pk, errors)
    if errors:
        raise InvalidInput(errors)

    before = _stance_json(current)
    current.target = new_target
    current.label = new_label
    current.holder = new_holder
    current.evidence = new_evidence
    after = _stance_json(current)
    if after == before:
        return current
    current.save(update_fields=["target", "label", "holder", "evidence"])
    _record(
        locked,
        actor=actor,
        action=EventAction.STANCE_CHANGED,
        object_id=current.pk,
        before=before,
        after=after,
    )
    return current


@transaction.atomic
def stance_delete(*, stance: Stance, actor: User | None, version: int | None = None) -> Annotation:
    """Delete a stance; return the annotation, version bumped."""
    locked = _lock(Annotation(pk=stance.annotation_id))
    current = (
        Stance.objects.select_related("target", "label")
        .filter(pk=stance.pk, annotation=locked)
        .first()
    )
    if current is None:
        raise NotFound(STANCE_GONE.format(id=stance.pk))
    _check_version(locked, version)
    _check_writable(locked)
    before = _stance_json(current)
    stance_pk = current.pk
    current.delete()
    _record(
        locked, actor=actor, action=EventAction.STANCE_DELETED, object_id=stance_pk, before=before
    )
    return locked


# Bulk replace


@transaction.atomic
def annotation_replace_content(
    *,
    annotation: Annotation,
    spans: list[dict[str, Any]],
    stances: list[dict[str, Any]],
    actor: User | None,
    version: int | None = None,
) -> AnnotationContent:
    """Replace all spans and stances at once; any bad item and nothing is written."""
    locked = _lock(annotation)
    _check_version(locked, version)
    _check_writable(locked)

    errors: Errors = {}
    if not isinstance(spans, list):
        _add(errors, "spans", NOT_A_LIST)
        spans = []
    if not isinstance(stances, list):
        _add(errors, "stances", NOT_A_LIST)
        stances = []
    project_id = locked.document.project_id
    labels = {label.name: label for label in Label.objects.filter(project_id=project_id)}
    targets = {target.name: target for target in StanceTarget.objects.filter(project_id=project_id)}
    span_labels = _bulk_spans_check(locked, spans, labels, errors)
    _bulk_stances_check(stances, span_labels, labels, targets, errors)
    if errors:
        raise InvalidInput(errors)

    old_spans = list(Span.objects.filter(annotation=locked).select_related("label"))
    old_stances = list(Stance.objects.filter(annotation=locked).select_related("target", "label"))
    before = {
        "spans": [_span_json(span) for span in old_spans],
        "stances": [_stance_json(stance) for stance in old_stances],
    }
    # Stances first: they point at spans, and those links are RESTRICT.
    Stance.objects.filter(annotation=locked).delete()
    Span.objects.filter(annotation=locked).delete()

    text = locked.document.text
    new_spans = [
        Span(
            annotation=locked,
            label=span_labels[index],
            start=item["start"],
            end=item["end"],
            text=text[item["start"] : item["end"]],
            client_id=_client_uuid(item.get("client_id"), {}),
            claimant_text=_text_or_empty(item.get("claimant_text")),
            checkworthy=_text_or_empty(item.get("checkworthy")),
        )
        for index, item in enumerate(spans)
    ]
    # Claimants are entity spans, which never have claimants themselves: inserting the spans
    # without a claimant first gives every claimant its id before the claims that name it.
    with_claimant = [index for index, item in enumerate(spans) if item.get("claimant") is not None]
    claims = set(with_claimant)
    Span.objects.bulk_create([span for index, span in enumerate(new_spans) if index not in claims])
    for index in with_claimant:
        new_spans[index].claimant = new_spans[spans[index]["claimant"]]
    Span.objects.bulk_create([new_spans[index] for index in with_claimant])

    new_stances = [
        Stance(
            annotation=locked,
            target=targets[item["target"]],
            label=labels[item["label"]],
            holder=_indexed(new_spans, item.get("holder")),
            evidence=_indexed(new_spans, item.get("evidence")),
        )
        for item in stances
    ]
    Stance.objects.bulk_create(new_stances)

    _record(
        locked,
        actor=actor,
        action=EventAction.CONTENT_REPLACED,
        before=before,
        after={
            "spans": [_span_json(span) for span in new_spans],
            "stances": [_stance_json(stance) for stance in new_stances],
        },
    )
    _sync(annotation, locked)
    return AnnotationContent(annotation=locked, spans=new_spans, stances=new_stances)


def _bulk_spans_check(
    locked: Annotation, items: list[Any], labels: dict[str, Label], errors: Errors
) -> list[Label | None]:
    """Check every span item; return each item's label (None where it is unusable)."""
    text = locked.document.text
    resolved: list[Label | None] = []
    client_ids: dict[uuid.UUID, int] = {}
    for index, item in enumerate(items):
        path = f"spans.{index}"
        if not isinstance(item, dict):
            _add(errors, path, NOT_AN_OBJECT)
            resolved.append(None)
            continue
        item_errors = _unknown_fields(item, SPAN_FIELDS)
        for field in ("label", "start", "end"):
            if field not in item:
                _add(item_errors, field, REQUIRED)
        label = _named(item.get("label"), labels, LABEL_NAME_NOT_IN_PROJECT, "label", item_errors)
        if "start" in item and "end" in item:
            _merge(
                item_errors,
                _span_rule_errors(
                    document_text=text,
                    label=label,
                    start=item["start"],
                    end=item["end"],
                    text=item.get("text"),
                    has_claimant=item.get("claimant") is not None,
                    claimant_text=_text_or_empty(item.get("claimant_text")),
                    checkworthy=_text_or_empty(item.get("checkworthy")),
                ),
            )
        client_uuid = _client_uuid(item.get("client_id"), item_errors)
        if client_uuid is not None:
            if client_uuid in client_ids:
                _add(
                    item_errors,
                    "client_id",
                    CLIENT_ID_DUPLICATE.format(
                        client_id=client_uuid, index=client_ids[client_uuid]
                    ),
                )
            else:
                client_ids[client_uuid] = index
        _merge(errors, item_errors, prefix=path)
        usable = label if label is not None and label.kind in SPAN_LABEL_KINDS else None
        resolved.append(usable)

    for index, item in enumerate(items):
        if not isinstance(item, dict) or item.get("claimant") is None:
            continue
        path = f"spans.{index}.claimant"
        claimant = _index(item["claimant"], items, path, errors)
        if claimant is None:
            continue
        if claimant == index:
            _add(errors, path, CLAIMANT_SELF)
        elif resolved[claimant] is not None:
            _check_claimant_kind(resolved[claimant], f"spans.{claimant}", path, errors)

    if not locked.document.project.allow_overlap:
        # Only items that are valid on their own take part: an item with bad offsets already
        # has its error, and comparing against it would only add noise.
        faulty = {key.split(".")[1] for key in errors if key.startswith("spans.")}
        ranges = sorted(
            (item["start"], item["end"], index)
            for index, (item, label) in enumerate(zip(items, resolved, strict=True))
            if label is not None and str(index) not in faulty
        )
        # A sweep in start order: a range overlaps an earlier one exactly when it overlaps
        # the one reaching furthest right, so one comparison per item is enough even for
        # the thousands of spans of a long pre-annotated document.
        furthest: dict[str, tuple[int, int, object]] = {}
        for start, end, index in ranges:
            kind = resolved[index].kind
            previous = furthest.get(kind)
            if previous is not None:
                _check_overlap(
                    locked, kind, start, end, [previous], errors, field=f"spans.{index}.start"
                )
            if previous is None or end > previous[1]:
                furthest[kind] = (start, end, f"spans.{index}")
    return resolved


def _bulk_stances_check(
    items: list[Any],
    span_labels: list[Label | None],
    labels: dict[str, Label],
    targets: dict[str, StanceTarget],
    errors: Errors,
) -> None:
    """Check every stance item against the (new) spans it refers to by index."""
    seen: dict[tuple[str, int | None], int] = {}
    for index, item in enumerate(items):
        path = f"stances.{index}"
        if not isinstance(item, dict):
            _add(errors, path, NOT_AN_OBJECT)
            continue
        item_errors = _unknown_fields(item, STANCE_FIELDS)
        for field in ("target", "label"):
            if field not in item:
                _add(item_errors, field, REQUIRED)
        target = _named(
            item.get("target"), targets, TARGET_NAME_NOT_IN_PROJECT, "target", item_errors
        )
        label = _named(item.get("label"), labels, LABEL_NAME_NOT_IN_PROJECT, "label", item_errors)
        if label is not None and label.kind != LabelKind.STANCE:
            _add(item_errors, "label", STANCE_LABEL_KIND.format(name=label.name, kind=label.kind))
        _merge(errors, item_errors, prefix=path)

        holder = None
        if item.get("holder") is not None:
            holder = _index(item["holder"], span_labels, f"{path}.holder", errors)
            if holder is not None and span_labels[holder] is not None:
                _check_holder_kind(span_labels[holder], f"spans.{holder}", f"{path}.holder", errors)
        if item.get("evidence") is not None:
            _index(item["evidence"], span_labels, f"{path}.evidence", errors)
        if target is not None and (item.get("holder") is None or holder is not None):
            key = (target.name, holder)
            if key in seen:
                holder_name = AUTHOR_AS_HOLDER if holder is None else f"spans.{holder}"
                _add(
                    errors,
                    f"{path}.target",
                    STANCE_DUPLICATE.format(target=target.name, holder=holder_name)
                    + f" (stances.{seen[key]})",
                )
            else:
                seen[key] = index


# Shared rules


def _span_rule_errors(
    *,
    document_text: str,
    label: Label | None,
    start: object,
    end: object,
    text: object,
    has_claimant: bool,
    claimant_text: object,
    checkworthy: object,
) -> Errors:
    """Check one span on its own (not against other spans); ``label`` None: already refused."""
    errors: Errors = {}
    message = offsets.range_error(start, end, len(document_text))
    if message is not None:
        _add(errors, _range_field(message, start, end, len(document_text)), message)
    elif text is not None:
        if not isinstance(text, str):
            _add(errors, "text", NOT_A_STRING.format(value=text))
        else:
            mismatch = offsets.text_error(document_text, start, end, text)
            if mismatch is not None:
                _add(errors, "text", mismatch)
    if not isinstance(claimant_text, str):
        _add(errors, "claimant_text", NOT_A_STRING.format(value=claimant_text))
        claimant_text = ""
    elif len(claimant_text) > CLAIMANT_TEXT_LIMIT:
        _add(
            errors,
            "claimant_text",
            CLAIMANT_TEXT_TOO_LONG.format(length=len(claimant_text), limit=CLAIMANT_TEXT_LIMIT),
        )
    if checkworthy not in ("", *Checkworthy.values):
        _add(errors, "checkworthy", CHECKWORTHY_INVALID.format(value=checkworthy))
    if has_claimant and claimant_text:
        _add(errors, "claimant", CLAIMANT_AND_TEXT)
    if label is None:
        return errors
    if label.kind not in SPAN_LABEL_KINDS:
        _add(errors, "label", SPAN_LABEL_KIND.format(name=label.name, kind=label.kind))
    elif label.kind != LabelKind.CLAIM:
        claim_fields = {
            "claimant": has_claimant,
            "claimant_text": bool(claimant_text),
            "checkworthy": checkworthy not in ("", None),
        }
        for field, present in claim_fields.items():
            if present:
                _add(
                    errors, field, CLAIM_ONLY.format(field=field, name=label.name, kind=label.kind)
                )
    return errors


def _range_field(message: str, start: object, end: object, length: int) -> str:
    """Name the field a range error is about: end when only end is at fault, else start."""
    if type(start) is not int:
        return "start"
    if message == offsets.RANGE_NOT_INTEGERS:
        return "end"
    if message == offsets.RANGE_PAST_TEXT.format(end=end, length=length):
        return "end"
    return "start"


def _check_overlap(
    locked: Annotation,
    kind: str,
    start: int,
    end: int,
    others: list[tuple[int, int, object]],
    errors: Errors,
    *,
    field: str = "start",
) -> None:
    """Refuse a range overlapping another span of the same kind, unless the project allows."""
    if locked.document.project.allow_overlap:
        return
    clash = offsets.first_overlap(start, end, others)
    if clash is None:
        return
    other_start, other_end = next((s, e) for s, e, key in others if key is clash)
    _add(
        errors,
        field,
        SPAN_OVERLAP.format(
            start=start,
            end=end,
            other=clash,
            other_start=other_start,
            other_end=other_end,
            kind=kind,
        ),
    )


def _ranges_of(spans: Iterable[Span]) -> list[tuple[int, int, object]]:
    return [(span.start, span.end, f"span {span.pk}") for span in spans]


def _check_claimant_kind(label: Label, name: str, field: str, errors: Errors) -> None:
    if label.kind != LabelKind.ENTITY:
        _add(errors, field, CLAIMANT_NOT_ENTITY.format(span=name, kind=label.kind))


def _check_holder_kind(label: Label, name: str, field: str, errors: Errors) -> None:
    if label.kind != LabelKind.ENTITY:
        _add(errors, field, HOLDER_NOT_ENTITY.format(span=name, kind=label.kind))


def _check_not_used_as_entity(span: Span, errors: Errors) -> None:
    """Refuse to relabel away from entity a span that is a claimant or a stance holder."""
    if span.label.kind != LabelKind.ENTITY:
        return
    claims = list(span.claims.order_by("id").values_list("pk", flat=True))
    if claims:
        _add(errors, "label", SPAN_IS_CLAIMANT.format(span=span.pk, claims=_ids(claims)))
    held = list(Stance.objects.filter(holder=span).values_list("pk", flat=True))
    if held:
        _add(errors, "label", SPAN_HOLDS_STANCES.format(span=span.pk, stances=_ids(held)))


def _check_stance_unique(
    locked: Annotation,
    target: StanceTarget,
    holder: Span | None,
    exclude_pk: int | None,
    errors: Errors,
) -> None:
    """One stance per (target, holder); a missing holder is the document's author."""
    clash = Stance.objects.filter(annotation=locked, target=target, holder=holder)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        holder_name = AUTHOR_AS_HOLDER if holder is None else f"span {holder.pk}"
        _add(errors, "target", STANCE_DUPLICATE.format(target=target.name, holder=holder_name))


def _check_writable(locked: Annotation) -> None:
    if locked.status != AnnotationStatus.IN_PROGRESS:
        raise InvalidInput({"status": [NOT_WRITABLE.format(status=locked.status)]})


def _check_version(locked: Annotation, version: int | None) -> None:
    if version is None:
        return
    if type(version) is not int:
        raise InvalidInput({"version": [VERSION_INVALID.format(value=version)]})
    if version != locked.version:
        raise Conflict(
            STALE_VERSION.format(sent=version, current=locked.version),
            current_version=locked.version,
        )


def _check_may_reopen(locked: Annotation, actor: User | None) -> None:
    """Reopening submitted work is a reviewer's call; a skip may also be undone by its author."""
    if actor is None:
        return
    if locked.status == AnnotationStatus.SKIPPED and locked.author_id == actor.pk:
        return
    may = Membership.objects.filter(
        project_id=locked.document.project_id, user=actor, role__in=REOPENERS
    ).exists()
    if not may:
        message = (
            REOPEN_SKIPPED_FORBIDDEN
            if locked.status == AnnotationStatus.SKIPPED
            else REOPEN_FORBIDDEN
        )
        raise Forbidden(message)


# Lookups


def _lock(annotation: Annotation) -> Annotation:
    """Lock the annotation row (only that row, not its document or project) and return it."""
    locked = selectors.annotation_lock(annotation_id=annotation.pk)
    if locked is None:
        raise NotFound(ANNOTATION_GONE)
    return locked


def _manual_annotation(document: Document, author: User) -> Annotation | None:
    return Annotation.objects.filter(
        document=document, author=author, kind=AnnotationKind.MANUAL
    ).first()


def _spans_by_ref(locked: Annotation, refs: list[object]) -> list[Span]:
    """Load the annotation's spans among ``refs`` (instances or ids) in one query."""
    ids = [_ref_pk(ref, Span) for ref in refs if ref is not None]
    ids = [pk for pk in ids if type(pk) is int]
    if not ids:
        return []
    return list(Span.objects.filter(annotation=locked, pk__in=ids).select_related("label"))


def _project_label(
    value: object, locked: Annotation, errors: Errors, *, found: Label | Unset | None = UNSET
) -> Label | None:
    """The project's label ``value`` names (``found``: already looked up by the caller)."""
    pk = _ref_pk(value, Label)
    if type(pk) is not int:
        _add(errors, "label", NOT_AN_ID.format(value=value))
        return None
    if found is UNSET:
        found = selectors.label_get(project_id=locked.document.project_id, label_id=pk)
    label = found
    if label is None:
        _add(errors, "label", LABEL_NOT_IN_PROJECT.format(value=pk))
    return label


def _stance_label(value: object, locked: Annotation, errors: Errors) -> Label | None:
    label = _project_label(value, locked, errors)
    if label is not None and label.kind != LabelKind.STANCE:
        _add(errors, "label", STANCE_LABEL_KIND.format(name=label.name, kind=label.kind))
        return None
    return label


def _project_target(value: object, locked: Annotation, errors: Errors) -> StanceTarget | None:
    pk = _ref_pk(value, StanceTarget)
    if type(pk) is not int:
        _add(errors, "target", NOT_AN_ID.format(value=value))
        return None
    target = StanceTarget.objects.filter(pk=pk, project_id=locked.document.project_id).first()
    if target is None:
        _add(errors, "target", TARGET_NOT_IN_PROJECT.format(value=pk))
    return target


def _own_span(value: object, spans: list[Span], field: str, errors: Errors) -> Span | None:
    """Find a span of this annotation among the loaded ``spans``; None for no reference."""
    if value is None:
        return None
    pk = _ref_pk(value, Span)
    if type(pk) is not int:
        _add(errors, field, NOT_AN_ID.format(value=value))
        return None
    found = _by_pk(spans, pk)
    if found is None:
        _add(errors, field, SPAN_NOT_IN_ANNOTATION.format(value=pk))
    return found


def _by_pk(spans: list[Span], pk: int) -> Span | None:
    return next((span for span in spans if span.pk == pk), None)


def _named(value: object, by_name: dict[str, Any], unknown: str, field: str, errors: Errors) -> Any:
    """Resolve a name from a bulk body; record why when it cannot be."""
    if value is None:
        return None
    if not isinstance(value, str):
        _add(errors, field, NOT_A_NAME.format(value=value))
        return None
    found = by_name.get(value)
    if found is None:
        _add(errors, field, unknown.format(value=value))
    return found


def _index(value: object, items: list[Any], path: str, errors: Errors) -> int | None:
    """Resolve an index into the bulk body's spans; record why when it cannot be."""
    if type(value) is not int or not 0 <= value < len(items):
        _add(errors, path, INDEX_INVALID.format(last=len(items) - 1, value=value))
        return None
    return value


def _indexed(spans: list[Span], index: int | None) -> Span | None:
    return None if index is None else spans[index]


def _ref_pk(value: object, model: type[models.Model]) -> object:
    """The primary key a reference names: an instance's pk, or the value itself."""
    if isinstance(value, model):
        return value.pk
    return value


def _text_or_empty(value: object) -> object:
    """Read a missing optional string (None, JSON null) as the empty string it is stored as."""
    return "" if value is None else value


def _client_uuid(value: object, errors: Errors) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    _add(errors, "client_id", CLIENT_ID_INVALID.format(value=value))
    return None


def _same_span_body(span: Span, body: dict[str, Any]) -> bool:
    """Whether a retried create asks for exactly the span that already exists."""
    return (
        _ref_pk(body["label"], Label) == span.label_id
        and type(body["start"]) is int
        and body["start"] == span.start
        and type(body["end"]) is int
        and body["end"] == span.end
        and (body["text"] is None or body["text"] == span.text)
        and _ref_pk(body["claimant"], Span) == span.claimant_id
        and body["claimant_text"] == span.claimant_text
        and body["checkworthy"] == span.checkworthy
    )


def _unknown_fields(item: dict[str, Any], allowed: tuple[str, ...]) -> Errors:
    errors: Errors = {}
    for key in item:
        if key not in allowed:
            _add(errors, str(key), UNKNOWN_FIELD.format(fields=", ".join(allowed)))
    return errors


# Writing


def _record(
    locked: Annotation,
    *,
    actor: User | None,
    action: str,
    object_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    inserts: list[models.Model] | None = None,
    **fields: Any,
) -> None:
    """Add one to the version (setting ``fields``) and append the event that says why.

    ``inserts``: rows to insert first (with their ids drawn). The new version is exact because
    this transaction holds the row; all of it is one statement where the database allows it.
    """
    fields["updated_at"] = timezone.now()
    event = AnnotationEvent(
        annotation=locked,
        actor=actor,
        action=action,
        object_id=object_id,
        before=before,
        after=after,
        version=locked.version + 1,
    )
    rows.bump_and_insert(Annotation, locked.pk, "version", fields, *(inserts or []), event)
    locked.version += 1
    for name, value in fields.items():
        setattr(locked, name, value)


def _log(
    annotation: Annotation,
    *,
    actor: User | None,
    action: str,
    object_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    AnnotationEvent.objects.create(
        annotation=annotation,
        actor=actor,
        action=action,
        object_id=object_id,
        before=before,
        after=after,
        version=annotation.version,
    )


def _sync(stale: models.Model, fresh: models.Model) -> None:
    """Copy the written state onto the caller's instance, so what it renders is current."""
    if stale is fresh:
        return
    for field in stale._meta.concrete_fields:
        setattr(stale, field.attname, getattr(fresh, field.attname))


def _span_json(span: Span) -> dict[str, Any]:
    return {
        "id": span.pk,
        "label": span.label_id,
        "label_name": span.label.name,
        "start": span.start,
        "end": span.end,
        "text": span.text,
        "client_id": None if span.client_id is None else str(span.client_id),
        "claimant": span.claimant_id,
        "claimant_text": span.claimant_text,
        "checkworthy": span.checkworthy,
    }


def _stance_json(stance: Stance) -> dict[str, Any]:
    return {
        "id": stance.pk,
        "target": stance.target_id,
        "target_name": stance.target.name,
        "label": stance.label_id,
        "label_name": stance.label.name,
        "holder": stance.holder_id,
        "evidence": stance.evidence_id,
    }


def _ids(pks: Iterable[int]) -> str:
    return ", ".join(str(pk) for pk in sorted(pks))


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _merge(errors: Errors, more: Errors, *, prefix: str = "") -> None:
    for field, messages in more.items():
        for message in messages:
            _add(errors, f"{prefix}.{field}" if prefix else field, message)
