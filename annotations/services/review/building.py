"""Gold: build a document's adjudicated annotation from its annotators' work.

Two ways to start gold, after which it is edited like any annotation:
- by majority: every span and stance whose **place** (annotations.items: a span's label and
  offsets, a stance's target and holder) is in strictly more than half of the document's
  submitted manual annotations;
- from chosen annotations: every place any of them has (the union, one item per place).
Relations go in the same way, a relation being its label and its two ends' places (label and
offsets): by majority or union, and only when both its ends are in gold (else a conflict).
Document labels go in the same way (by majority per label, or the union; see
``review.doclabels`` for single-choice groups).
Either way each **attribute** of a place that goes in (a claim's claimant and
check-worthiness; a stance's value and evidence; any item's label attribute values, a
relation's included) takes the value most often given by the
annotations at that place (not giving one is no vote); a tie leaves it empty. So a span both
annotators marked always goes in, even when they named different claimants: disagreeing
about an attribute never drops the item.

Nothing is dropped silently: a place left out (a tie, a minority, the project's overlap rule,
a holder that did not make it) is a conflict naming its item and who had it, and every
attribute the annotations at a place do not all give alike is a conflict naming each value,
who gave it and what gold took (``ATTRIBUTE``; ``SPAN_LEFT_OUT`` when the claimant or
evidence span chosen did not make it into gold). A stance whose value ties cannot go in
without one: its value conflict says so (``gold`` null).

Rebuilding by majority over a gold that has content the build would change (a reviewer's
accepts, edits, deletions) is refused with ``GoldWouldChange`` (409) naming what would be
taken out and added, unless the caller confirms with ``replace``.

What an item is (place, attributes) is annotations.items'; the counting (strict majority,
ties, pluralities) is annotations.voting's. In gold, claimants, holders and evidence are the
chosen spans at the offsets the annotators' referenced spans have (a claimant or holder must
be an entity).
"""

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from annotations import items, selectors
from annotations.errors import Conflict, InvalidInput
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    Relation,
    Span,
    Stance,
    claimants_linked,
    stance_links_read,
)
from annotations.services.annotating import annotation_lock_for_write, annotation_replace_content
from annotations.services.review.doclabels import (
    DOCUMENT_LABEL,
    gold_labels_of,
    label_ballots,
    plan_document_labels,
)
from annotations.services.review.planning import (
    Ballots,
    Plan,
    RelationVote,
    by_place,
    item_json,
    plan_gold,
    planned_items,
)
from annotations.services.review.records import gold_records_build

MAJORITY = "majority"

ONE_SOURCE = "Give either annotations (a list of ids) or strategy, not both and not neither."
STRATEGY_UNKNOWN = "Unknown strategy {value!r}; the only strategy is 'majority'."
NOT_A_LIST_OF_IDS = "Expected a non-empty list of annotation ids."
NOT_OF_DOCUMENT = "Annotation {value} is not an annotation of this document."
GOLD_AS_SOURCE = "Annotation {value} is the gold annotation itself."
NO_SUBMITTED = "No submitted annotation of this document yet: nothing to take a majority of."
STALE_GOLD = (
    "The gold changed: you sent version {sent}, it is now at version {current}. "
    "Reload it and try again."
)
GOLD_WOULD_CHANGE = (
    "The gold has content that building by majority would change ({removed} item(s) taken out "
    "or changed, {added} added): a reviewer's accepts and edits would be lost. "
    'Send {{"strategy": "majority", "replace": true}} to replace the gold anyway.'
)
REPLACE_TO_CONFIRM = "Set to true to replace the gold's current content by the majority."


@dataclass
class GoldResult:
    annotation: Annotation
    created: bool
    sources: list[int]
    conflicts: list[dict[str, Any]] = field(default_factory=list)


class GoldWouldChange(Conflict):
    """Building by majority would change what gold has; the caller must confirm (``replace``).

    ``removed``: gold's items the build would take out or change; ``added``: what it would
    put in their place or besides (described like conflicts).
    """

    def __init__(
        self, *, current_version: int, removed: list[dict[str, Any]], added: list[dict[str, Any]]
    ) -> None:
        self.removed = removed
        self.added = added
        detail = GOLD_WOULD_CHANGE.format(removed=len(removed), added=len(added))
        super().__init__(detail, current_version=current_version)


def gold_build(
    *,
    document: Document,
    actor: User | None,
    annotation_ids: list[Any] | None = None,
    strategy: str | None = None,
    replace: bool = False,
    version: int | None = None,
) -> GoldResult:
    """Build (or rebuild) the document's gold from chosen annotations or by majority.

    By majority over a gold with content the build would change, raises GoldWouldChange
    unless ``replace``; ``version``, when given, must be the gold's (else Conflict).
    """
    with transaction.atomic():
        sources = _sources(document, annotation_ids, strategy)
        ballots, kinds = source_ballots(sources)
        total = len(sources) if strategy == MAJORITY else None
        plan = plan_gold(
            ballots,
            kinds,
            text=document.text,
            allow_overlap=document.project.allow_overlap,
            total=total,
        )
        labels, label_conflicts = plan_document_labels(
            label_ballots(sources), [a.pk for a in sources], majority=strategy == MAJORITY
        )
        plan.conflicts.extend(label_conflicts)
        gold, created = gold_for(document)
        if not created:
            locked, _ = annotation_lock_for_write(
                annotation_id=gold.pk, version=version, stale=STALE_GOLD
            )
            if strategy == MAJORITY and not replace:
                _refuse_a_change(locked, plan, labels, document.text)
        content = annotation_replace_content(
            annotation=gold,
            spans=plan.spans,
            stances=plan.stances,
            relations=plan.relations,
            actor=actor,
            document_labels=labels,
        )
        plan.conflicts.extend(
            gold_records_build(
                gold=content.annotation, spans=content.spans, sources=sources, actor=actor
            )
        )
        gold.refresh_from_db()
    everyone = [annotation.pk for annotation in sources]
    return GoldResult(annotation=gold, created=created, sources=everyone, conflicts=plan.conflicts)


def _sources(
    document: Document, annotation_ids: list[Any] | None, strategy: str | None
) -> list[Annotation]:
    if (annotation_ids is None) == (strategy is None):
        raise InvalidInput({"non_field_errors": [ONE_SOURCE]})
    if strategy is not None:
        if strategy != MAJORITY:
            raise InvalidInput({"strategy": [STRATEGY_UNKNOWN.format(value=strategy)]})
        sources = submitted_sources(document)
        if not sources:
            raise InvalidInput({"strategy": [NO_SUBMITTED]})
        return sources
    if (
        not isinstance(annotation_ids, list)
        or not annotation_ids
        or not all(type(value) is int for value in annotation_ids)
    ):
        raise InvalidInput({"annotations": [NOT_A_LIST_OF_IDS]})
    found = {a.pk: a for a in document.annotations.filter(pk__in=annotation_ids)}
    errors = []
    for value in annotation_ids:
        if value not in found:
            errors.append(NOT_OF_DOCUMENT.format(value=value))
        elif found[value].kind == AnnotationKind.GOLD:
            errors.append(GOLD_AS_SOURCE.format(value=value))
    if errors:
        raise InvalidInput({"annotations": errors})
    return [found[pk] for pk in dict.fromkeys(annotation_ids)]


def submitted_sources(document: Document) -> list[Annotation]:
    """Return the document's submitted manual annotations, oldest first: gold's sources."""
    return list(
        document.annotations.filter(
            kind=AnnotationKind.MANUAL, status=AnnotationStatus.SUBMITTED
        ).order_by("id")
    )


def source_ballots(sources: Collection[Annotation]) -> tuple[Ballots, dict[items.Name, str]]:
    """Read the sources' spans, stances and relations: each one's item per place, and each
    label's kind."""
    spans = claimants_linked(
        Span.objects.with_claimant()
        .filter(annotation__in=sources)
        .select_related("label")
        .order_by("id")
    )
    stances = stance_links_read(
        Stance.objects.with_links()
        .filter(annotation__in=sources)
        .select_related("target", "label")
        .order_by("id"),
        spans,
    )
    relations = list(relations_of(Relation.objects.filter(annotation__in=sources)))
    kinds: dict[items.Name, str] = {span.label.name: span.label.kind for span in spans}
    return (
        Ballots(
            spans=by_place((span_item_of(span), span.annotation_id) for span in spans),
            stances=by_place((stance_item_of(s), s.annotation_id) for s in stances),
            relations=by_place((relation_vote_of(r), r.annotation_id) for r in relations),
        ),
        kinds,
    )


def relations_of(relations: QuerySet[Relation]) -> QuerySet[Relation]:
    """The relations with what their items are read from (labels, ends and the ends' labels)."""
    return relations.select_related("label", "source__label", "target__label").order_by("id")


def relation_item_of(relation: Relation) -> items.RelationItem:
    """Return the item a stored relation is: its label and its ends' places, by name."""
    assert relation.label is not None  # a user's relation (Relation.objects) has its label
    assert relation.source is not None  # and starts at a span
    return items.relation_item(
        label=relation.label.name,
        source=(relation.source.label.name, relation.source.start, relation.source.end),
        target=(relation.target.label.name, relation.target.start, relation.target.end),
    )


def relation_vote_of(relation: Relation) -> RelationVote:
    """Return a stored relation as gold votes on it: its item and its attribute values."""
    return RelationVote(relation_item_of(relation), items.values_of(relation.attributes))


def span_item_of(span: Span) -> items.SpanItem:
    """Return the item a stored span is (label by name; its claimant span read, by offsets)."""
    return items.span_item(
        label=span.label.name,
        start=span.start,
        end=span.end,
        claimant=offsets_of(span.claimant),
        claimant_text=span.claimant_text,
        checkworthy=span.checkworthy,
        attributes=span.attributes,
    )


def stance_item_of(stance: Stance) -> items.StanceItem:
    """Return the item a stored stance is (target and value by name; holder, evidence read)."""
    return items.stance_item(
        target=stance.target.name,
        label=stance.label.name,
        holder=offsets_of(stance.holder),
        evidence=offsets_of(stance.evidence),
        attributes=stance.attributes,
    )


def offsets_of(span: Span | None) -> items.Offsets | None:
    """Return a referenced span's offsets, by which items match it (ids differ per annotator)."""
    return None if span is None else (span.start, span.end)


def _refuse_a_change(gold: Annotation, plan: Plan, labels: list[str], text: str) -> None:
    """Raise GoldWouldChange when ``plan`` (and ``labels``) would change what the gold has."""
    spans = claimants_linked(
        Span.objects.with_claimant().filter(annotation=gold).select_related("label")
    )
    stances = stance_links_read(
        Stance.objects.with_links().filter(annotation=gold).select_related("target", "label"),
        spans,
    )
    have = sorted(label.name for label in gold_labels_of(gold))
    if not spans and not stances and not have:
        return  # nothing a reviewer could lose
    relations = list(relations_of(Relation.objects.filter(annotation=gold)))
    now: Counter[items.Item | items.RelationItem | RelationVote] = Counter(
        [
            *map(span_item_of, spans),
            *map(stance_item_of, stances),
            *map(relation_vote_of, relations),
        ]
    )
    planned = Counter(planned_items(plan))
    if now == planned and have == labels:
        return
    raise GoldWouldChange(
        current_version=gold.version,
        removed=[item_json(item, text) for item in (now - planned).elements()]
        + [{"kind": DOCUMENT_LABEL, "label": name} for name in have if name not in labels],
        added=[item_json(item, text) for item in (planned - now).elements()]
        + [{"kind": DOCUMENT_LABEL, "label": name} for name in labels if name not in have],
    )


def gold_for(document: Document) -> tuple[Annotation, bool]:
    """Return the document's gold annotation, created if missing, and whether it was."""
    existing = document.annotations.filter(kind=AnnotationKind.GOLD).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            current = selectors.guidelines_current(project_id=document.project_id)
            gold = Annotation.objects.create(
                document=document, kind=AnnotationKind.GOLD, guidelines_version=current
            )
            return gold, True
    except IntegrityError:
        # Another reviewer created it a moment ago: build on theirs.
        return document.annotations.get(kind=AnnotationKind.GOLD), False
