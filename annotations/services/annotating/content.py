"""The bulk replace: every span, stance and relation of an annotation at once, all checked or
none written.

The body names labels and targets by name and refers to its own spans by index (claimants,
holders, evidence, relations' ends), so a whole annotation can be sent without knowing any id.
"""

import uuid
from dataclasses import dataclass
from typing import Any, Required, TypedDict

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Prefetch

from annotations import builtins, rules, selectors
from annotations.errors import InvalidInput
from annotations.models import (
    Annotation,
    DocumentLabel,
    EventAction,
    Label,
    LabelAttribute,
    LabelKind,
    Relation,
    Span,
    Stance,
    StanceTarget,
)
from annotations.services.annotating.claimants import claimants_create
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
    RELATION_DUPLICATE,
    REQUIRED,
    STANCE_DUPLICATE,
    TARGET_NAME_NOT_IN_PROJECT,
    UNIT_REPEATED,
    UNKNOWN_FIELD,
    Errors,
    add,
    merge,
)
from annotations.services.annotating.records import claim_records_carry, claim_records_restore
from annotations.services.annotating.rules import (
    attribute_values,
    check_claimant_kind,
    check_holder_kind,
    check_stance_label_kind,
    identical_message,
    overlap_message,
    relation_rule_errors,
    span_rule_errors,
)
from annotations.services.annotating.snapshots import relation_json, span_json, stance_json
from annotations.services.annotating.stance_links import stance_links_create
from annotations.services.annotating.suggested import content_replaced, decisions_before_replace
from annotations.services.annotating.unitrules import unit_errors
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
    attributes: dict[str, Any] | None
    unit: int | None


class StanceItem(TypedDict, total=False):
    """A stance of the bulk body: target and label by name, holder and evidence by index."""

    target: Required[str]
    label: Required[str]
    holder: int | None
    evidence: int | None
    attributes: dict[str, Any] | None


class RelationItem(TypedDict, total=False):
    """A relation of the bulk body: its label by name, its ends by index into the body's spans."""

    label: Required[str]
    source: Required[int]
    target: Required[int]
    attributes: dict[str, Any]


# The fields a body's items may have, in the order declared (the span output lists them too).
SPAN_FIELDS: tuple[str, ...] = tuple(SpanItem.__annotations__)
STANCE_FIELDS: tuple[str, ...] = tuple(StanceItem.__annotations__)
RELATION_FIELDS: tuple[str, ...] = tuple(RelationItem.__annotations__)


@dataclass(frozen=True)
class AnnotationContent:
    """What annotation_replace_content wrote: each kind of item in the order it was given.

    ``document_labels``: the label ids the annotation gives its document afterwards (sorted);
    None when the replace was not given any (they were left as they were).
    """

    annotation: Annotation
    spans: list[Span]
    stances: list[Stance]
    relations: list[Relation]
    document_labels: list[int] | None


@transaction.atomic
def annotation_replace_content(
    *,
    annotation: Annotation,
    spans: list[SpanItem] | list[dict[str, Any]],
    stances: list[StanceItem] | list[dict[str, Any]],
    actor: User | None,
    relations: list[RelationItem] | list[dict[str, Any]] | None = None,
    version: int | None = None,
    document_labels: list[str] | list[Any] | None = None,
) -> AnnotationContent:
    """Replace all spans, stances and relations at once; any bad item and nothing is written.

    Every item is checked, so a body as parsed from JSON (``dict[str, Any]`` items) may be
    given as it is; code that builds one uses ``SpanItem``, ``StanceItem``, ``RelationItem``.
    ``relations`` None: none. ``document_labels`` (names) replaces the document's labels too;
    None leaves them as they are (and out of the event).
    """
    locked, _ = annotation_lock_for_write(annotation_id=annotation.pk, version=version)

    errors: Errors = {}
    if not isinstance(spans, list):
        add(errors, "spans", NOT_A_LIST)
        spans = []
    if not isinstance(stances, list):
        add(errors, "stances", NOT_A_LIST)
        stances = []
    if relations is None:
        relations = []
    elif not isinstance(relations, list):
        add(errors, "relations", NOT_A_LIST)
        relations = []
    project_id = locked.document.project_id
    labels = {
        label.name: label
        for label in Label.objects.filter(project_id=project_id).prefetch_related(
            Prefetch("attributes", queryset=LabelAttribute.objects.users())
        )
    }
    targets = {target.name: target for target in StanceTarget.objects.filter(project_id=project_id)}
    units: dict[int, int] = {}  # span index -> the sentence unit it is
    span_labels, span_values = _bulk_spans_check(locked, spans, labels, errors, units)
    stance_values = _bulk_stances_check(stances, span_labels, labels, targets, errors)
    relation_values = _bulk_relations_check(relations, span_labels, labels, errors)
    chosen: list[Label] | None = None
    if document_labels is not None:
        chosen = _bulk_document_labels_check(locked, document_labels, errors)
    if errors:
        raise InvalidInput(errors)

    old_spans = list(Span.objects.with_claimant().filter(annotation=locked).select_related("label"))
    # A claim record survives on the new span of the same label and offsets; one whose claim
    # does not survive refuses the replace here, before anything is written.
    places = {
        (label.pk, item["start"], item["end"]): index
        for index, (item, label) in enumerate(zip(spans, span_labels, strict=True))
        if label is not None and label.kind == LabelKind.CLAIM
    }
    claims_old = [span for span in old_spans if span.label.kind == LabelKind.CLAIM]
    carried = claim_records_carry(old_spans=claims_old, new_places=places) if claims_old else []
    old_stances = list(
        Stance.objects.with_links().filter(annotation=locked).select_related("target", "label")
    )
    old_relations = list(Relation.objects.filter(annotation=locked).select_related("label"))
    before: dict[str, Any] = {
        "spans": [span_json(span) for span in old_spans],
        "stances": [stance_json(stance) for stance in old_stances],
        "relations": [relation_json(relation) for relation in old_relations],
    }
    after_labels: list[int] | None = None  # not asked for: left as they are, not read
    if chosen is not None:
        before["document_labels"] = selectors.document_label_ids(annotation=locked)
        after_labels = sorted(label.pk for label in chosen)
        DocumentLabel.objects.filter(annotation=locked).delete()
        DocumentLabel.objects.bulk_create(
            DocumentLabel(annotation=locked, label=label) for label in chosen
        )
    # What the annotator made of suggestions follows the spans (read before they go).
    decided = decisions_before_replace(locked=locked)
    # Stances and relations first (the built-in claimant, holder and evidence relations too):
    # they point at spans, and those links are RESTRICT.
    Relation.links.filter(annotation=locked).delete()
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
            attribute_values=builtins.stored_values(
                span_values[index],
                checkworthy=text_or_empty(item.get("checkworthy")),
                claimant_text=text_or_empty(item.get("claimant_text")),
            ),
            unit=units.get(index),
        )
        for index, item in enumerate(spans)
    ]
    Span.objects.bulk_create(new_spans)
    # The claimants are relations between the spans just inserted (services...claimants).
    for index, item in enumerate(spans):
        new_spans[index].claimant = _indexed(new_spans, item.get("claimant"))
    claimants_create(claims=new_spans)
    claim_records_restore(carried=carried, spans=new_spans)
    content_replaced(decided=decided, new_spans=new_spans)

    new_stances = [
        Stance(
            annotation=locked,
            target=targets[item["target"]],
            label=labels[item["label"]],
            attributes=stance_values[index],
        )
        for index, item in enumerate(stances)
    ]
    Stance.objects.bulk_create(new_stances)
    # The holders and evidence are relations to the spans just inserted (services...links).
    for stance, item in zip(new_stances, stances, strict=True):
        stance.holder = _indexed(new_spans, item.get("holder"))
        stance.evidence = _indexed(new_spans, item.get("evidence"))
    stance_links_create(stances=new_stances)
    new_relations = [
        Relation(
            annotation=locked,
            label=labels[item["label"]],
            source=new_spans[item["source"]],
            target=new_spans[item["target"]],
            attributes=relation_values[index],
        )
        for index, item in enumerate(relations)
    ]
    Relation.objects.bulk_create(new_relations)

    after: dict[str, Any] = {
        "spans": [span_json(span) for span in new_spans],
        "stances": [stance_json(stance) for stance in new_stances],
        "relations": [relation_json(relation) for relation in new_relations],
    }
    if after_labels is not None:
        after["document_labels"] = after_labels
    annotation_change_record(
        annotation=locked,
        actor=actor,
        action=EventAction.CONTENT_REPLACED,
        before=before,
        after=after,
        claims=any(span.label.kind == LabelKind.CLAIM for span in [*old_spans, *new_spans]),
    )
    sync(annotation, locked)
    return AnnotationContent(
        annotation=locked,
        spans=new_spans,
        stances=new_stances,
        relations=new_relations,
        document_labels=after_labels,
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
    locked: Annotation,
    items: list[Any],
    labels: dict[str, Label],
    errors: Errors,
    units: dict[int, int],
) -> tuple[list[Label | None], list[dict[str, Any]]]:
    """Check every span item; return each item's label (None where it is unusable) and
    attribute values.

    ``units`` gets the sentence unit of each item that is one (index -> unit).
    """
    text = locked.document.text
    resolved: list[Label | None] = []
    values: list[dict[str, Any]] = []
    client_ids: dict[uuid.UUID, int] = {}
    unit_items: dict[int, int] = {}  # unit -> the first item that is it
    for index, item in enumerate(items):
        path = f"spans.{index}"
        if not isinstance(item, dict):
            add(errors, path, NOT_AN_OBJECT)
            resolved.append(None)
            values.append({})
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
        if label is not None and not item_errors:
            unit, found = unit_errors(
                locked=locked,
                label=label,
                start=item["start"],
                end=item["end"],
                unit=item.get("unit"),
            )
            merge(item_errors, found)
            if unit is not None and not found:
                earlier = unit_items.setdefault(unit, index)
                if earlier != index:
                    add(item_errors, "unit", UNIT_REPEATED.format(unit=unit, index=earlier))
                units[index] = unit
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
        values.append(_item_values(label, item.get("attributes"), item_errors))
        merge(errors, item_errors, prefix=path)
        usable = label if label is not None and rules.goes_on_span(label.kind) else None
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
    return resolved, values


def _bulk_stances_check(
    items: list[Any],
    span_labels: list[Label | None],
    labels: dict[str, Label],
    targets: dict[str, StanceTarget],
    errors: Errors,
) -> list[dict[str, Any]]:
    """Check every stance item against the (new) spans it refers to by index; return each
    item's attribute values."""
    slots: rules.StanceSlots[int] = rules.StanceSlots()
    values: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        path = f"stances.{index}"
        if not isinstance(item, dict):
            add(errors, path, NOT_AN_OBJECT)
            values.append({})
            continue
        item_errors = _unknown_fields(item, STANCE_FIELDS)
        for field in ("target", "label"):
            if field not in item:
                add(item_errors, field, REQUIRED)
        target = _named(
            item.get("target"), targets, TARGET_NAME_NOT_IN_PROJECT, "target", item_errors
        )
        label = _named(item.get("label"), labels, LABEL_NAME_NOT_IN_PROJECT, "label", item_errors)
        if label is not None and check_stance_label_kind(label, item_errors):
            values.append(_item_values(label, item.get("attributes"), item_errors))
        else:
            values.append({})
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
    return values


def _item_values(label: Label | None, given: object, errors: Errors) -> dict[str, Any]:
    """An item's attribute values, checked against its label's (read with the labels)."""
    if label is None:
        return {}
    return attribute_values(label, given, errors, declared=list(label.attributes.all()))


def _bulk_relations_check(
    items: list[Any],
    span_labels: list[Label | None],
    labels: dict[str, Label],
    errors: Errors,
) -> list[dict[str, Any]]:
    """Check every relation item against the (new) spans it links by index; return each
    item's attribute values as stored."""
    slots: rules.RelationSlots[int] = rules.RelationSlots()
    values: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        path = f"relations.{index}"
        if not isinstance(item, dict):
            add(errors, path, NOT_AN_OBJECT)
            values.append({})
            continue
        item_errors = _unknown_fields(item, RELATION_FIELDS)
        for field in ("label", "source", "target"):
            if item.get(field) is None:
                add(item_errors, field, REQUIRED)
        label = _named(item.get("label"), labels, LABEL_NAME_NOT_IN_PROJECT, "label", item_errors)
        ends: dict[str, int | None] = {}
        for field in ("source", "target"):
            value = item.get(field)
            ends[field] = None if value is None else _index(value, span_labels, field, item_errors)
        source, target = ends["source"], ends["target"]
        merge(
            item_errors,
            relation_rule_errors(
                label=label,
                source=_end(source, span_labels),
                target=_end(target, span_labels),
            ),
        )
        values.append(_item_values(label, item.get("attributes"), item_errors))
        if not item_errors and label is not None and source is not None and target is not None:
            earlier = slots.take(label.name, source, target, index)
            if earlier is not None:
                message = RELATION_DUPLICATE.format(
                    label=label.name, source=f"spans.{source}", target=f"spans.{target}"
                )
                add(item_errors, "target", f"{message} (relations.{earlier})")
        merge(errors, item_errors, prefix=path)
    return values


def _end(index: int | None, span_labels: list[Label | None]) -> tuple[str, Label] | None:
    """A relation's end as the rules see it (its name and label), None when unusable."""
    if index is None:
        return None
    label = span_labels[index]
    return None if label is None else (f"spans.{index}", label)


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
