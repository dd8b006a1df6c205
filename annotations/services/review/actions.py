"""Reviewing a document: accept an annotator's span, stance or relation, accept what all agree on.

Accepting one annotator's span, stance or relation into gold (a relation with its two ends),
accepting what every annotator agrees on (relations too, when their ends are in gold), and
marking gold reviewed (its status ``submitted``; reopened to ``in_progress`` to edit it
again). Every write goes through the annotating services, so the project's rules hold and
every change is logged (and revertable) like any other.
"""

from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet

from annotations import items as item_rules
from annotations import rules
from annotations.errors import InvalidInput
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    Relation,
    Span,
    Stance,
)
from annotations.services.annotating import (
    annotation_lock_for_write,
    annotation_replace_content,
    annotation_set_status,
    relation_create,
    span_create,
    span_delete,
    span_update,
    stance_create,
    stance_update,
    stances_in_slot,
)
from annotations.services.review.building import (
    STALE_GOLD,
    gold_for,
    relation_item_of,
    relations_of,
    source_ballots,
    span_item_of,
    stance_item_of,
    submitted_sources,
)
from annotations.services.review.doclabels import (
    agreed_additions,
    gold_give_document_label,
    gold_labels_of,
    label_ballots,
)
from annotations.services.review.planning import (
    OVERLAP,
    SPAN_LEFT_OUT,
    Ballots,
    Plan,
    all_gave,
    choose_attribute,
    place_conflicts,
    relation_body,
    span_body,
    stance_body,
    stance_position,
    values_json,
)
from annotations.services.review.records import gold_record_accept

NOT_A_SOURCE_SPAN = "Span {value} is not a span of another annotation of this document."
NOT_A_SOURCE_STANCE = "Stance {value} is not a stance of another annotation of this document."
NOT_A_SOURCE_RELATION = "Relation {value} is not a relation of another annotation of this document."
ONE_ITEM = "Give one of span, stance, relation or document_label (an id), not several and not none."
NO_GOLD = "This document has no gold yet; build or start it first."


@dataclass
class AcceptResult:
    """What accepting an item into gold did: the gold (created or not) and the gold item."""

    annotation: Annotation
    created: bool
    span: Span | None = None
    stance: Stance | None = None
    relation: Relation | None = None
    replaced: list[dict[str, Any]] = field(default_factory=list)
    document_label: int | None = None
    conflicts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class AgreedResult:
    """What "accept all agreed" did: how many items it added and what it had to leave out."""

    annotation: Annotation
    created: bool
    sources: list[int]
    added_spans: int = 0
    added_stances: int = 0
    added_relations: int = 0
    added_document_labels: int = 0
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
    instead of doubled; a claim's record is merged into gold's (``records.gold_record_accept``,
    a differing verdict listed in ``conflicts``). Where the project forbids overlap, gold
    spans of the same kind that overlap the accepted one are taken out first: accepting is
    choosing this version.
    """
    with transaction.atomic():
        source = _source_item(
            Span.objects.with_claimant().select_related("label", "annotation__author"),
            span_id,
            document,
            field="span",
            message=NOT_A_SOURCE_SPAN,
        )
        gold, created = _gold_locked(document, version)
        replaced: list[dict[str, Any]] = []
        span = _place(gold, source, actor, replaced, field="span")
        conflicts = gold_record_accept(gold=gold, claim=span, source=source, actor=actor)
    gold.refresh_from_db()
    return AcceptResult(
        annotation=gold, created=created, span=span, replaced=replaced, conflicts=conflicts
    )


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
        source = _source_item(
            Stance.objects.with_links().select_related("target", "label"),
            stance_id,
            document,
            field="stance",
            message=NOT_A_SOURCE_STANCE,
        )
        gold, created = _gold_locked(document, version)
        replaced: list[dict[str, Any]] = []
        holder = None
        if source.holder is not None:
            holder = _place(gold, source.holder, actor, replaced, field="holder")
        evidence = None
        if source.evidence is not None:
            evidence = _place(gold, source.evidence, actor, replaced, field="evidence")
        existing = (
            stances_in_slot(annotation=gold, target=source.target_id, holder=holder)
            .with_links()
            .first()
        )
        evidence_id = None if evidence is None else evidence.pk
        if existing is None:
            stance = stance_create(
                annotation=gold,
                target=source.target_id,
                label=source.label_id,
                holder=holder,
                evidence=evidence_id,
                attributes=source.attributes,
                actor=actor,
            )
        else:
            stance = stance_update(
                stance=existing,
                label=source.label_id,
                evidence=evidence_id,
                attributes=source.attributes,
                actor=actor,
            )
    gold.refresh_from_db()
    return AcceptResult(annotation=gold, created=created, stance=stance, replaced=replaced)


def gold_accept_relation(
    *,
    document: Document,
    relation_id: Any,
    actor: User | None,
    version: int | None = None,
) -> AcceptResult:
    """Copy another annotation's relation into gold, with its two end spans.

    Each end is accepted like a span (gold's span at the same place is used when there is
    one); a relation gold already has between those spans with that label is kept as it is.
    """
    with transaction.atomic():
        source = _source_item(
            Relation.objects.select_related("label", "source__label", "target__label"),
            relation_id,
            document,
            field="relation",
            message=NOT_A_SOURCE_RELATION,
        )
        assert source.label_id is not None  # a user's relation (Relation.objects)
        assert source.source is not None  # and so it starts at a span
        gold, created = _gold_locked(document, version)
        replaced: list[dict[str, Any]] = []
        start = _place(gold, source.source, actor, replaced, field="relation.source")
        end = _place(gold, source.target, actor, replaced, field="relation.target")
        relation = Relation.objects.filter(
            annotation=gold, label_id=source.label_id, source=start, target=end
        ).first()
        if relation is None:
            relation, _ = relation_create(
                annotation=gold,
                label=source.label_id,
                source=start,
                target=end,
                attributes=source.attributes,
                actor=actor,
            )
    gold.refresh_from_db()
    return AcceptResult(annotation=gold, created=created, relation=relation, replaced=replaced)


def gold_accept_document_label(
    *,
    document: Document,
    label_id: Any,
    actor: User | None,
    version: int | None = None,
) -> AcceptResult:
    """Give gold a document label another annotation of the document gave.

    In a single-choice group it replaces the label of the group gold had.
    """
    with transaction.atomic():
        gold, created = _gold_locked(document, version)
        given = gold_give_document_label(
            document=document, gold=gold, label_id=label_id, actor=actor
        )
    gold.refresh_from_db()
    return AcceptResult(annotation=gold, created=created, document_label=given)


def gold_accept_agreed(
    *, document: Document, actor: User | None, version: int | None = None
) -> AgreedResult:
    """Add to gold every span, stance and document label all submitted annotations have.

    An agreed place goes in with the attributes every annotation gave alike; an attribute
    they differ on is left empty and listed (claimant, check-worthiness, evidence; a stance
    whose value differs cannot go in and is listed). Gold keeps what it has: a place it
    already has keeps gold's attributes (listed where the annotations differ from them or
    among themselves), and an agreed span that would overlap a gold span of its kind (where
    the project forbids overlap) is listed instead. The additions are one logged change (one
    revert undoes them). Without gold yet, this starts it, even when nothing is agreed.
    """
    with transaction.atomic():
        sources = submitted_sources(document)
        gold, created = _gold_locked(document, version)
        ballots, kinds = source_ballots(sources)
        result = AgreedResult(annotation=gold, created=created, sources=[a.pk for a in sources])
        plan, result.added_spans, result.added_stances = _agreed_plan(
            gold, document, ballots, kinds, len(sources)
        )
        result.added_relations = _agreed_relations(gold, plan, ballots, len(sources), document)
        result.conflicts = plan.conflicts
        have = gold_labels_of(gold)
        labels, label_conflicts = agreed_additions(label_ballots(sources), len(sources), have)
        result.conflicts.extend(label_conflicts)
        result.added_document_labels = len(labels)
        if result.added_spans or result.added_stances or result.added_relations or labels:
            annotation_replace_content(
                annotation=gold,
                spans=plan.spans,
                stances=plan.stances,
                relations=plan.relations,
                actor=actor,
                document_labels=[*(label.name for label in have), *labels],
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


Source = TypeVar("Source", Span, Stance, Relation)


def _source_item(
    queryset: QuerySet[Source], item_id: Any, document: Document, *, field: str, message: str
) -> Source:
    """The span or stance ``item_id`` of another annotation of the document, or a field error."""
    source_id = _int_or_none(item_id)
    source = (
        None
        if source_id is None
        else queryset.filter(pk=source_id, annotation__document=document)
        .exclude(annotation__kind=AnnotationKind.GOLD)
        .first()
    )
    if source is None:
        raise InvalidInput({field: [message.format(value=item_id)]})
    return source


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
                return span_update(span=same, actor=actor, attributes=source.attributes)
            return span_update(
                span=same,
                actor=actor,
                claimant=claimant,
                claimant_text=source.claimant_text,
                checkworthy=source.checkworthy,
                attributes=source.attributes,
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
            attributes=source.attributes,
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


def _agreed_relations(
    gold: Annotation, plan: Plan, ballots: Ballots, total: int, document: Document
) -> int:
    """Put gold's relations into ``plan``, then the agreed ones it lacks; return how many.

    ``plan.spans`` starts with gold's spans in id order (``_agreed_plan``). An agreed relation
    goes in when both its ends are in the plan; otherwise it is listed (``SPAN_LEFT_OUT``).
    It carries the attribute values every annotation gave alike (as an agreed span does).
    """
    gold_spans = list(
        Span.objects.filter(annotation=gold).order_by("id").values_list("pk", flat=True)
    )
    position = {pk: index for index, pk in enumerate(gold_spans)}
    current = list(relations_of(Relation.objects.filter(annotation=gold)))
    for relation in current:
        assert relation.label is not None  # a user's relation (Relation.objects)
        assert relation.source_id is not None  # and so it starts at a span
        plan.relations.append(
            {
                "label": relation.label.name,
                "source": position[relation.source_id],
                "target": position[relation.target_id],
                "attributes": relation.attributes,
            }
        )
    in_gold = {relation_item_of(relation) for relation in current}
    span_index: dict[item_rules.SpanPlace, int] = {}
    for index, span in enumerate(plan.spans):
        span_index.setdefault(
            item_rules.SpanPlace(span["label"], span["start"], span["end"]), index
        )
    added = 0
    for place, by in ballots.relations.items():
        if len(by) != total or place in in_gold:
            continue
        body = relation_body(place, span_index)
        if body is None:
            plan.conflicts.extend(
                place_conflicts("relation", by, SPAN_LEFT_OUT, None, document.text)
            )
            continue
        values = choose_attribute(place, by, "attributes", all_gave, plan, document.text)
        plan.relations.append(body | {"attributes": values_json(values)})
        added += 1
    return added


def _agreed_plan(
    gold: Annotation,
    document: Document,
    ballots: Ballots,
    kinds: dict[item_rules.Name, str],
    total: int,
) -> tuple[Plan, int, int]:
    """Gold's current content as a bulk body, plus the agreed places it lacks.

    Returns the plan and how many spans and stances it adds. A place every annotation has
    goes in with the attributes they all gave alike (others left empty and listed); a place
    gold already has keeps gold's attributes, listed where they are not what every
    annotation gave.
    """
    current = list(
        Span.objects.with_claimant().filter(annotation=gold).select_related("label").order_by("id")
    )
    current_stances = list(
        Stance.objects.with_links()
        .filter(annotation=gold)
        .select_related("target", "label")
        .order_by("id")
    )
    # Looked up by optional ids (claimant, holder, evidence): None finds nothing.
    position: dict[int | None, int] = {span.pk: index for index, span in enumerate(current)}
    plan = Plan(
        spans=[
            {
                "label": span.label.name,
                "start": span.start,
                "end": span.end,
                "client_id": None if span.client_id is None else str(span.client_id),
                "claimant": position.get(span.claimant_id),
                "claimant_text": span.claimant_text,
                "checkworthy": span.checkworthy,
                "attributes": span.attributes,
            }
            for span in current
        ],
        stances=[
            {
                "target": stance.target.name,
                "label": stance.label.name,
                "holder": position.get(stance.holder_id),
                "evidence": position.get(stance.evidence_id),
                "attributes": stance.attributes,
            }
            for stance in current_stances
        ],
    )
    text = document.text
    kinds = kinds | {span.label.name: span.label.kind for span in current}
    gold_spans: dict[item_rules.SpanPlace, item_rules.SpanItem] = {}
    span_at: dict[item_rules.Offsets, int] = {}
    entity_at: dict[item_rules.Offsets, int] = {}
    for index, span in enumerate(current):
        gold_spans.setdefault(span_item_of(span).place, span_item_of(span))
        span_at.setdefault((span.start, span.end), index)
        if rules.may_be_claimant(span.label.kind):
            entity_at.setdefault((span.start, span.end), index)
    allow_overlap = document.project.allow_overlap
    added_spans = 0
    agreed = [place for place, by in ballots.spans.items() if len(by) == total]
    # Entities first, so that an agreed claim finds its agreed claimant already placed.
    agreed.sort(
        key=lambda p: (not rules.may_be_claimant(kinds[p.label]), p.start, p.end, str(p.label))
    )
    for place in agreed:
        by = ballots.spans[place]
        existing = gold_spans.get(place)
        if existing is not None:
            for name in item_rules.SPAN_ATTRIBUTES:
                choose_attribute(
                    place,
                    by,
                    name,
                    all_gave,
                    plan,
                    text,
                    gold=getattr(existing, name),
                    in_gold=True,
                )
            continue
        placed = (rules.Placed(kinds[s["label"]], s["start"], s["end"], s) for s in plan.spans)
        new = rules.Placed(kinds[place.label], place.start, place.end, place)
        if rules.first_clash(new, placed, allow_overlap=allow_overlap) is not None:
            plan.conflicts.extend(place_conflicts("span", by, OVERLAP, None, text))
            continue
        claimant = choose_attribute(place, by, "claimant", all_gave, plan, text, found=entity_at)
        checkworthy = choose_attribute(place, by, "checkworthy", all_gave, plan, text)
        values = choose_attribute(place, by, "attributes", all_gave, plan, text)
        plan.spans.append(span_body(place, claimant, checkworthy, entity_at, values))
        span_at.setdefault((place.start, place.end), len(plan.spans) - 1)
        if rules.may_be_claimant(kinds[place.label]):
            entity_at.setdefault((place.start, place.end), len(plan.spans) - 1)
        added_spans += 1
    gold_stances = {stance_item_of(s).place: stance_item_of(s) for s in current_stances}
    added_stances = 0
    agreed_stances = [place for place, by in ballots.stances.items() if len(by) == total]
    for stance_place in sorted(agreed_stances, key=stance_position):
        by_stance = ballots.stances[stance_place]
        in_gold = gold_stances.get(stance_place)
        if in_gold is not None:
            for name in item_rules.STANCE_ATTRIBUTES:
                choose_attribute(
                    stance_place,
                    by_stance,
                    name,
                    all_gave,
                    plan,
                    text,
                    gold=getattr(in_gold, name),
                    in_gold=True,
                )
            continue
        stance = stance_body(
            stance_place, by_stance, all_gave, plan, text, entity_at=entity_at, span_at=span_at
        )
        if stance is not None:
            plan.stances.append(stance)
            added_stances += 1
    return plan, added_spans, added_stances
