"""Reviewing a document: accept an annotator's span or stance, accept what all agree on.

Accepting one annotator's span or stance into gold, accepting what every annotator agrees on,
and marking gold reviewed (its status ``submitted``; reopened to ``in_progress`` to edit it
again). Every write goes through the annotating services, so the project's rules hold and
every change is logged (and revertable) like any other.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from annotations import items as item_rules
from annotations import rules, voting
from annotations.errors import InvalidInput
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    Span,
    Stance,
)
from annotations.services.annotating import (
    annotation_lock_for_write,
    annotation_replace_content,
    annotation_set_status,
    span_create,
    span_delete,
    span_update,
    stance_create,
    stance_update,
)
from annotations.services.review.building import (
    CHECKWORTHY_TIE,
    OVERLAP,
    SAME_TARGET_AND_HOLDER,
    SPAN_LEFT_OUT,
    ItemVotes,
    SpanKey,
    StanceKey,
    conflict_entry,
    gold_for,
    source_votes,
    span_key,
    stance_item_of,
    stance_order,
    submitted_sources,
)

NOT_A_SOURCE_SPAN = "Span {value} is not a span of another annotation of this document."
NOT_A_SOURCE_STANCE = "Stance {value} is not a stance of another annotation of this document."
ONE_ITEM = "Give either span or stance (an id), not both and not neither."
NO_GOLD = "This document has no gold yet; build or start it first."
STALE_GOLD = (
    "The gold changed: you sent version {sent}, it is now at version {current}. "
    "Reload it and try again."
)


@dataclass
class AcceptResult:
    """What accepting an item into gold did: the gold (created or not) and the gold item."""

    annotation: Annotation
    created: bool
    span: Span | None = None
    stance: Stance | None = None
    replaced: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class AgreedResult:
    """What "accept all agreed" did: how many items it added and what it had to leave out."""

    annotation: Annotation
    created: bool
    sources: list[int]
    added_spans: int = 0
    added_stances: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)


def gold_accept_span(
    *,
    document: Document,
    span_id: Any,
    actor: User | None,
    version: int | None = None,
) -> AcceptResult:
    """Copy another annotation's span (with its claimant) into the document's gold.

    A gold span of the same label and offsets is brought in line (claimant, check-worthiness)
    instead of doubled. Where the project forbids overlap, gold spans of the same kind that
    overlap the accepted one are taken out first: accepting is choosing this version.
    """
    with transaction.atomic():
        source_id = _int_or_none(span_id)
        source = (
            None
            if source_id is None
            else Span.objects.select_related("label", "claimant__label")
            .filter(pk=source_id, annotation__document=document)
            .exclude(annotation__kind=AnnotationKind.GOLD)
            .first()
        )
        if source is None:
            raise InvalidInput({"span": [NOT_A_SOURCE_SPAN.format(value=span_id)]})
        gold, created = _gold_locked(document, version)
        replaced: list[dict[str, Any]] = []
        span = _place(gold, source, actor, replaced, field="span")
    gold.refresh_from_db()
    return AcceptResult(annotation=gold, created=created, span=span, replaced=replaced)


def gold_accept_stance(
    *,
    document: Document,
    stance_id: Any,
    actor: User | None,
    version: int | None = None,
) -> AcceptResult:
    """Copy another annotation's stance into gold, with its holder and evidence spans.

    Gold keeps one stance per target and holder: an existing one takes the accepted value
    and evidence.
    """
    with transaction.atomic():
        source_id = _int_or_none(stance_id)
        source = (
            None
            if source_id is None
            else Stance.objects.select_related(
                "target", "label", "holder__label", "evidence__label", "evidence__claimant__label"
            )
            .filter(pk=source_id, annotation__document=document)
            .exclude(annotation__kind=AnnotationKind.GOLD)
            .first()
        )
        if source is None:
            raise InvalidInput({"stance": [NOT_A_SOURCE_STANCE.format(value=stance_id)]})
        gold, created = _gold_locked(document, version)
        replaced: list[dict[str, Any]] = []
        holder = None
        if source.holder is not None:
            holder = _place(gold, source.holder, actor, replaced, field="holder")
        evidence = None
        if source.evidence is not None:
            evidence = _place(gold, source.evidence, actor, replaced, field="evidence")
        existing = Stance.objects.filter(
            annotation=gold, target_id=source.target_id, holder=holder
        ).first()
        evidence_id = None if evidence is None else evidence.pk
        if existing is None:
            stance = stance_create(
                annotation=gold,
                target=source.target_id,
                label=source.label_id,
                holder=holder,
                evidence=evidence_id,
                actor=actor,
            )
        else:
            stance = stance_update(
                stance=existing, label=source.label_id, evidence=evidence_id, actor=actor
            )
    gold.refresh_from_db()
    return AcceptResult(annotation=gold, created=created, stance=stance, replaced=replaced)


def gold_accept_agreed(
    *, document: Document, actor: User | None, version: int | None = None
) -> AgreedResult:
    """Add to gold every span and stance that all submitted annotations contain exactly.

    Gold keeps what it has; an agreed item that would overlap a gold span of the same kind
    (where the project forbids overlap) or take a second stance per target and holder is
    listed as a conflict instead. The additions are one logged change (one revert undoes
    them). Without gold yet, this starts it, even when nothing is agreed.
    """
    with transaction.atomic():
        sources = submitted_sources(document)
        gold, created = _gold_locked(document, version)
        counted, kinds = source_votes(sources)
        total = len(sources)
        agreed_spans = voting.agreed(counted.spans, total)
        agreed_stances = voting.agreed(counted.stances, total)
        result = AgreedResult(annotation=gold, created=created, sources=[a.pk for a in sources])
        plan = _agreed_plan(gold, document, agreed_spans, agreed_stances, counted, kinds)
        result.conflicts = plan.conflicts
        result.added_spans, result.added_stances = plan.added_spans, plan.added_stances
        if plan.added_spans or plan.added_stances:
            annotation_replace_content(
                annotation=gold, spans=plan.spans, stances=plan.stances, actor=actor
            )
    gold.refresh_from_db()
    result.annotation = gold
    return result


def gold_set_reviewed(
    *,
    document: Document,
    reviewed: bool,
    actor: User | None,
    version: int | None = None,
) -> Annotation:
    """Mark the document's gold reviewed (status submitted), or reopen it for editing."""
    gold = document.annotations.filter(kind=AnnotationKind.GOLD).first()
    if gold is None:
        raise InvalidInput({"gold": [NO_GOLD]})
    status = AnnotationStatus.SUBMITTED if reviewed else AnnotationStatus.IN_PROGRESS
    return annotation_set_status(
        annotation=gold,
        status=status,
        version=gold.version if version is None else version,
        actor=actor,
    )


def _int_or_none(value: Any) -> int | None:
    return value if type(value) is int else None


def _gold_locked(document: Document, version: int | None) -> tuple[Annotation, bool]:
    """The document's gold (created if missing), locked, with ``version`` checked."""
    gold, created = gold_for(document)
    locked, _ = annotation_lock_for_write(
        annotation_id=gold.pk,
        version=None if created else version,
        writable=False,
        stale=STALE_GOLD,
    )
    return locked, created


def _place(
    gold: Annotation,
    source: Span,
    actor: User | None,
    replaced: list[dict[str, Any]],
    *,
    field: str,
) -> Span:
    """Return gold's copy of ``source`` (by label and offsets), writing what is needed."""
    claimant = None
    if source.claimant is not None:
        claimant = _place(gold, source.claimant, actor, replaced, field=f"{field}.claimant")
    gold_spans = list(Span.objects.filter(annotation=gold).select_related("label"))
    # Gold's span at the same place (an item's place: label and offsets), whatever its claimant.
    place = item_rules.SpanPlace(source.label_id, source.start, source.end)
    same = next(
        (
            span
            for span in gold_spans
            if item_rules.SpanPlace(span.label_id, span.start, span.end) == place
        ),
        None,
    )
    try:
        if same is not None:
            if not rules.carries_claim_fields(source.label.kind):
                return same
            return span_update(
                span=same,
                actor=actor,
                claimant=claimant,
                claimant_text=source.claimant_text,
                checkworthy=source.checkworthy,
            )
        allow_overlap = gold.document.project.allow_overlap
        for other in gold_spans:
            if rules.clashes(_placed(source), _placed(other), allow_overlap=allow_overlap):
                span_delete(span=other, actor=actor)
                replaced.append({"label": other.label.name, "start": other.start, "end": other.end})
        span, _ = span_create(
            annotation=gold,
            label=source.label_id,
            start=source.start,
            end=source.end,
            claimant=claimant,
            claimant_text=source.claimant_text,
            checkworthy=source.checkworthy,
            actor=actor,
        )
    except InvalidInput as error:
        # Say which part of the accepted item could not go in (its claimant, its holder...);
        # the gold's own status and version keep their names.
        raise InvalidInput(
            {_error_path(field, name): messages for name, messages in error.errors.items()},
            error.detail,
        ) from error
    return span


def _placed(span: Span) -> rules.Placed[int]:
    return rules.Placed(span.label.kind, span.start, span.end, span.pk)


def _error_path(field: str, name: str) -> str:
    if name in ("status", "version"):
        return name
    return field if name == "span" else f"{field}.{name}"


@dataclass
class _AgreedPlan:
    spans: list[dict[str, Any]]
    stances: list[dict[str, Any]]
    added_spans: int
    added_stances: int
    conflicts: list[dict[str, Any]]


def _agreed_plan(
    gold: Annotation,
    document: Document,
    agreed_spans: list[SpanKey],
    agreed_stances: list[StanceKey],
    counted: ItemVotes,
    kinds: dict[item_rules.Name, str],
) -> _AgreedPlan:
    """Gold's current content as a bulk body, plus the agreed items it lacks."""
    votes, stance_votes = counted.spans, counted.stances
    current = list(
        Span.objects.filter(annotation=gold).select_related("label", "claimant").order_by("id")
    )
    current_stances = list(
        Stance.objects.filter(annotation=gold)
        .select_related(
            "target",
            "label",
            "holder__label",
            "holder__claimant",
            "evidence__label",
            "evidence__claimant",
        )
        .order_by("id")
    )
    # Looked up by optional ids (claimant, holder, evidence): None finds nothing.
    position: dict[int | None, int] = {span.pk: index for index, span in enumerate(current)}
    items: list[dict[str, Any]] = [
        {
            "label": span.label.name,
            "start": span.start,
            "end": span.end,
            "client_id": None if span.client_id is None else str(span.client_id),
            "claimant": position.get(span.claimant_id),
            "claimant_text": span.claimant_text,
            "checkworthy": span.checkworthy,
        }
        for span in current
    ]
    stance_items = [
        {
            "target": stance.target.name,
            "label": stance.label.name,
            "holder": position.get(stance.holder_id),
            "evidence": position.get(stance.evidence_id),
        }
        for stance in current_stances
    ]
    kinds = kinds | {span.label.name: span.label.kind for span in current}
    index = {span_key(span): i for i, span in enumerate(current)}
    span_at = {(span.start, span.end): i for i, span in enumerate(current)}
    entity_at = {
        (span.start, span.end): i
        for i, span in enumerate(current)
        if rules.may_be_claimant(span.label.kind)
    }
    conflicts: list[dict[str, Any]] = []
    added_spans = 0
    allow_overlap = document.project.allow_overlap
    # Entities first, so that an agreed claim finds its agreed claimant already placed.
    ordered = sorted(
        agreed_spans,
        key=lambda k: (
            not rules.may_be_claimant(kinds[k.place.label]),
            k.place.start,
            k.place.end,
            k.place.label,
        ),
    )
    for key in ordered:
        if key in index:
            continue
        label, start, end = key.place.label, key.place.start, key.place.end
        claimant = key.claimant if isinstance(key.claimant, tuple) else None
        claimant_text = key.claimant if isinstance(key.claimant, str) else ""
        placed = (rules.Placed(kinds[i["label"]], i["start"], i["end"], i) for i in items)
        new = rules.Placed(kinds[label], start, end, key)
        if rules.first_clash(new, placed, allow_overlap=allow_overlap) is not None:
            conflicts.append(conflict_entry("span", key, votes[key], OVERLAP, None))
            continue
        if claimant is not None and claimant not in entity_at:
            conflicts.append(conflict_entry("span", key, votes[key], SPAN_LEFT_OUT, None))
            continue
        tally = voting.tally(counted.checkworthy[key].values())
        checkworthy = voting.unanimous(tally)
        if checkworthy is None:
            checkworthy = ""
        if len(tally) > 1:
            # The span is agreed, its check-worthiness is not: added without one, and said.
            conflict = conflict_entry("span", key, votes[key], CHECKWORTHY_TIE, None)
            conflict["checkworthy"] = dict(sorted(tally.items()))
            conflicts.append(conflict)
        index[key] = len(items)
        span_at.setdefault((start, end), len(items))
        if rules.may_be_claimant(kinds[label]):
            entity_at.setdefault((start, end), len(items))
        items.append(
            {
                "label": label,
                "start": start,
                "end": end,
                "claimant": None if claimant is None else entity_at[claimant],
                "claimant_text": claimant_text,
                "checkworthy": checkworthy,
            }
        )
        added_spans += 1
    slots: rules.StanceSlots[int] = rules.StanceSlots()
    for at, stance_item in enumerate(stance_items):
        slots.take(stance_item["target"], stance_item["holder"], at)
    current_keys = {item_rules.vote_key(stance_item_of(stance)) for stance in current_stances}
    added_stances = 0
    for stance_key in sorted(agreed_stances, key=stance_order):
        if stance_key in current_keys:
            continue
        target, value = stance_key.place.target, stance_key.label
        holder, evidence = stance_key.place.holder, stance_key.evidence
        # Holder and evidence are gold's spans at their offsets (a holder is an entity).
        holder_at = None if holder is None else entity_at.get(holder)
        evidence_at = None if evidence is None else span_at.get(evidence)
        if (holder is not None and holder_at is None) or (
            evidence is not None and evidence_at is None
        ):
            conflicts.append(
                conflict_entry("stance", stance_key, stance_votes[stance_key], SPAN_LEFT_OUT, None)
            )
            continue
        if slots.take(target, holder_at, len(stance_items)) is not None:
            conflicts.append(
                conflict_entry(
                    "stance", stance_key, stance_votes[stance_key], SAME_TARGET_AND_HOLDER, None
                )
            )
            continue
        stance_items.append(
            {"target": target, "label": value, "holder": holder_at, "evidence": evidence_at}
        )
        added_stances += 1
    return _AgreedPlan(items, stance_items, added_spans, added_stances, conflicts)
