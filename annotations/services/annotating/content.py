"""The bulk replace: every span and stance of an annotation at once, all checked or none written.

The body names labels and targets by name and refers to its own spans by index (claimants,
holders, evidence), so a whole annotation can be sent without knowing any id.
"""

import uuid
from dataclasses import dataclass
from typing import Any, Required, TypedDict

from django.contrib.auth.models import User
from django.db import transaction

from annotations import rules, selectors
from annotations.errors import InvalidInput
from annotations.models import (
    Annotation,
    DocumentLabel,
    EventAction,
    Label,
    Span,
    Stance,
    StanceTarget,
)
from annotations.services.annotating.doclabels import document_labels_check
from annotations.services.annotating.locking import annotation_lock_for_write, sync
from annotations.services.annotating.lookups import parse_client_id, text_or_empty
from annotations.services.annotating.messages import (
    AUTHOR_AS_HOLDER,
    CLAIMANT_SELF,
    CLIENT_ID_DUPLICATE,
    INDEX_INVALID,
    LABEL_NAME_NOT_IN_PROJECT,
    NOT_A_LIST,
    NOT_A_NAME,
    NOT_AN_OBJECT,
    REQUIRED,
    STANCE_DUPLICATE,
    TARGET_NAME_NOT_IN_PROJECT,
    UNKNOWN_FIELD,
    Errors,
    add,
    merge,
)
from annotations.services.annotating.rules import (
    check_claimant_kind,
    check_holder_kind,
    check_stance_label_kind,
    identical_message,
    overlap_message,
    span_rule_errors,
)
from annotations.services.annotating.snapshots import span_json, stance_json
from annotations.services.changelog import annotation_change_record


class SpanItem(TypedDict, total=False):
    """A span of the bulk body: its label by name, its claimant by index into the body's spans.

    ``text``, when given, must be the document's text at the offsets; a missing or null
    ``claimant_text`` or ``checkworthy`` is stored as the empty string.
    """

    label: Required[str]
    start: Required[int]
    end: Required[int]
    text: str | None
    client_id: uuid.UUID | str | None
    claimant: int | None
    claimant_text: str | None
    checkworthy: str | None


class StanceItem(TypedDict, total=False):
    """A stance of the bulk body: target and label by name, holder and evidence by index."""

    target: Required[str]
    label: Required[str]
    holder: int | None
    evidence: int | None


# The fields a body's items may have, in the order declared (the span output lists them too).
SPAN_FIELDS: tuple[str, ...] = tuple(SpanItem.__annotations__)
STANCE_FIELDS: tuple[str, ...] = tuple(StanceItem.__annotations__)


@dataclass(frozen=True)
class AnnotationContent:
    """What annotation_replace_content wrote: spans and stances in the order they were given.

    ``document_labels``: the label ids the annotation gives its document afterwards (sorted);
    None when the replace was not given any (they were left as they were).
    """

    annotation: Annotation
    spans: list[Span]
    stances: list[Stance]
    document_labels: list[int] | None


@transaction.atomic
def annotation_replace_content(
    *,
    annotation: Annotation,
    spans: list[SpanItem] | list[dict[str, Any]],
    stances: list[StanceItem] | list[dict[str, Any]],
    actor: User | None,
    version: int | None = None,
    document_labels: list[str] | list[Any] | None = None,
) -> AnnotationContent:
    """Replace all spans and stances at once; any bad item and nothing is written.

    Every item is checked, so a body as parsed from JSON (``dict[str, Any]`` items) may be
    given as it is; code that builds one uses ``SpanItem`` and ``StanceItem``.
    ``document_labels`` (names) replaces the document's labels too; None leaves them as
    they are (and out of the event).
    """
    locked, _ = annotation_lock_for_write(annotation_id=annotation.pk, version=version)

    errors: Errors = {}
    if not isinstance(spans, list):
        add(errors, "spans", NOT_A_LIST)
        spans = []
    if not isinstance(stances, list):
        add(errors, "stances", NOT_A_LIST)
        stances = []
    project_id = locked.document.project_id
    labels = {label.name: label for label in Label.objects.filter(project_id=project_id)}
    targets = {target.name: target for target in StanceTarget.objects.filter(project_id=project_id)}
    span_labels = _bulk_spans_check(locked, spans, labels, errors)
    _bulk_stances_check(stances, span_labels, labels, targets, errors)
    chosen: list[Label] | None = None
    if document_labels is not None:
        chosen = _bulk_document_labels_check(locked, document_labels, errors)
    if errors:
        raise InvalidInput(errors)

    old_spans = list(Span.objects.filter(annotation=locked).select_related("label"))
    old_stances = list(Stance.objects.filter(annotation=locked).select_related("target", "label"))
    before: dict[str, Any] = {
        "spans": [span_json(span) for span in old_spans],
        "stances": [stance_json(stance) for stance in old_stances],
    }
    after_labels: list[int] | None = None  # not asked for: left as they are, not read
    if chosen is not None:
        before["document_labels"] = selectors.document_label_ids(annotation=locked)
        after_labels = sorted(label.pk for label in chosen)
        DocumentLabel.objects.filter(annotation=locked).delete()
        DocumentLabel.objects.bulk_create(
            DocumentLabel(annotation=locked, label=label) for label in chosen
        )
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
            client_id=parse_client_id(item.get("client_id"), {}),
            claimant_text=text_or_empty(item.get("claimant_text")),
            checkworthy=text_or_empty(item.get("checkworthy")),
        )
        for index, item in enumerate(spans)
    ]
    # Claimants are entity spans, which never have claimants themselves: inserting the spans
    # without a claimant first gives every claimant its id before the claims that name it.
    with_claimant = [index for index, item in enumerate(spans) if item.get("claimant") is not None]
    claims = set(with_claimant)
    Span.objects.bulk_create([span for index, span in enumerate(new_spans) if index not in claims])
    for index in with_claimant:
        new_spans[index].claimant = _indexed(new_spans, spans[index].get("claimant"))
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

    after: dict[str, Any] = {
        "spans": [span_json(span) for span in new_spans],
        "stances": [stance_json(stance) for stance in new_stances],
    }
    if after_labels is not None:
        after["document_labels"] = after_labels
    annotation_change_record(
        annotation=locked,
        actor=actor,
        action=EventAction.CONTENT_REPLACED,
        before=before,
        after=after,
    )
    sync(annotation, locked)
    return AnnotationContent(
        annotation=locked, spans=new_spans, stances=new_stances, document_labels=after_labels
    )


def _bulk_document_labels_check(locked: Annotation, names: Any, errors: Errors) -> list[Label]:
    """Check the body's document labels (by name); return them (those that resolve)."""
    if not isinstance(names, list):
        add(errors, "document_labels", NOT_A_LIST)
        return []
    project_id = locked.document.project_id
    choices = selectors.document_label_choices(project_id=project_id)
    return document_labels_check(
        names, choices, errors, project_id=project_id, path="document_labels", by="name"
    )


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
            add(errors, path, NOT_AN_OBJECT)
            resolved.append(None)
            continue
        item_errors = _unknown_fields(item, SPAN_FIELDS)
        for field in ("label", "start", "end"):
            if field not in item:
                add(item_errors, field, REQUIRED)
        label = _named(item.get("label"), labels, LABEL_NAME_NOT_IN_PROJECT, "label", item_errors)
        if "start" in item and "end" in item:
            merge(
                item_errors,
                span_rule_errors(
                    document_text=text,
                    label=label,
                    start=item["start"],
                    end=item["end"],
                    text=item.get("text"),
                    has_claimant=item.get("claimant") is not None,
                    claimant_text=text_or_empty(item.get("claimant_text")),
                    checkworthy=text_or_empty(item.get("checkworthy")),
                ),
            )
        client_uuid = parse_client_id(item.get("client_id"), item_errors)
        if client_uuid is not None:
            if client_uuid in client_ids:
                add(
                    item_errors,
                    "client_id",
                    CLIENT_ID_DUPLICATE.format(
                        client_id=client_uuid, index=client_ids[client_uuid]
                    ),
                )
            else:
                client_ids[client_uuid] = index
        merge(errors, item_errors, prefix=path)
        usable = label if label is not None and rules.takes_span_label(label.kind) else None
        resolved.append(usable)

    for index, item in enumerate(items):
        if not isinstance(item, dict) or item.get("claimant") is None:
            continue
        path = f"spans.{index}.claimant"
        claimant = _index(item["claimant"], items, path, errors)
        if claimant is None:
            continue
        if claimant == index:
            add(errors, path, CLAIMANT_SELF)
        elif (claimant_label := resolved[claimant]) is not None:
            check_claimant_kind(claimant_label, f"spans.{claimant}", path, errors)

    # Only items that are valid on their own take part: an item with bad offsets already
    # has its error, and comparing against it would only add noise.
    faulty = {key.split(".")[1] for key in errors if key.startswith("spans.")}
    placed = [
        rules.Placed(label.kind, item["start"], item["end"], f"spans.{index}", label.name)
        for index, (item, label) in enumerate(zip(items, resolved, strict=True))
        if label is not None and str(index) not in faulty
    ]
    repeated = rules.sweep_identical(placed)
    for span, same in repeated:
        add(errors, f"{span.key}.start", identical_message(span, same, str(span.label)))
    told = {span.key for span, _ in repeated}
    allow_overlap = locked.document.project.allow_overlap
    for span, clash in rules.sweep_clashes(placed, allow_overlap=allow_overlap):
        if span.key not in told:
            add(errors, f"{span.key}.start", overlap_message(span, clash))
    return resolved


def _bulk_stances_check(
    items: list[Any],
    span_labels: list[Label | None],
    labels: dict[str, Label],
    targets: dict[str, StanceTarget],
    errors: Errors,
) -> None:
    """Check every stance item against the (new) spans it refers to by index."""
    slots: rules.StanceSlots[int] = rules.StanceSlots()
    for index, item in enumerate(items):
        path = f"stances.{index}"
        if not isinstance(item, dict):
            add(errors, path, NOT_AN_OBJECT)
            continue
        item_errors = _unknown_fields(item, STANCE_FIELDS)
        for field in ("target", "label"):
            if field not in item:
                add(item_errors, field, REQUIRED)
        target = _named(
            item.get("target"), targets, TARGET_NAME_NOT_IN_PROJECT, "target", item_errors
        )
        label = _named(item.get("label"), labels, LABEL_NAME_NOT_IN_PROJECT, "label", item_errors)
        if label is not None:
            check_stance_label_kind(label, item_errors)
        merge(errors, item_errors, prefix=path)

        holder = None
        if item.get("holder") is not None:
            holder = _index(item["holder"], span_labels, f"{path}.holder", errors)
            if holder is not None and (holder_label := span_labels[holder]) is not None:
                check_holder_kind(holder_label, f"spans.{holder}", f"{path}.holder", errors)
        if item.get("evidence") is not None:
            _index(item["evidence"], span_labels, f"{path}.evidence", errors)
        if target is not None and (item.get("holder") is None or holder is not None):
            earlier = slots.take(target.name, holder, index)
            if earlier is not None:
                holder_name = AUTHOR_AS_HOLDER if holder is None else f"spans.{holder}"
                add(
                    errors,
                    f"{path}.target",
                    STANCE_DUPLICATE.format(target=target.name, holder=holder_name)
                    + f" (stances.{earlier})",
                )


def _named(value: object, by_name: dict[str, Any], unknown: str, field: str, errors: Errors) -> Any:
    """Resolve a name from a bulk body; record why when it cannot be."""
    if value is None:
        return None
    if not isinstance(value, str):
        add(errors, field, NOT_A_NAME.format(value=value))
        return None
    found = by_name.get(value)
    if found is None:
        add(errors, field, unknown.format(value=value))
    return found


def _index(value: object, items: list[Any], path: str, errors: Errors) -> int | None:
    """Resolve an index into the bulk body's spans; record why when it cannot be."""
    if type(value) is not int or not 0 <= value < len(items):
        add(errors, path, INDEX_INVALID.format(last=len(items) - 1, value=value))
        return None
    return value


def _indexed(spans: list[Span], index: int | None) -> Span | None:
    return None if index is None else spans[index]


def _unknown_fields(item: dict[str, Any], allowed: tuple[str, ...]) -> Errors:
    errors: Errors = {}
    for key in item:
        if key not in allowed:
            add(errors, str(key), UNKNOWN_FIELD.format(fields=", ".join(allowed)))
    return errors
