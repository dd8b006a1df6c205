"""Gold: build a document's adjudicated annotation from its annotators' work.

Two ways to start gold, after which it is edited like any annotation:
- by majority: every span (label, offsets, and its claimant's offsets or free text) and every
  stance (target, value, and its holder's and evidence's offsets) found in strictly more than
  half of the document's submitted manual annotations;
- from chosen annotations: their union, exact duplicates collapsed.
Whatever does not make it into gold (a tie, a minority, an item the project's overlap rule
or one-stance-per-holder rule leaves out) is returned as a conflict, never dropped silently.
What an item is (when two annotators' spans or stances are the same) is annotations.items';
the counting (votes per item, strict majority, ties) is annotations.voting's. This module
turns stored spans and stances into items, counts their vote keys (a span's check-worthiness
is voted on separately, by plurality), and turns the verdicts into gold. Claimants, holders
and evidence are items' offsets: in gold each is the chosen span at those offsets (an entity
for a claimant or holder).
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from annotations import items, rules, voting
from annotations.errors import InvalidInput
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    Span,
    Stance,
)
from annotations.services.annotating import annotation_replace_content

MAJORITY = "majority"

ONE_SOURCE = "Give either annotations (a list of ids) or strategy, not both and not neither."
STRATEGY_UNKNOWN = "Unknown strategy {value!r}; the only strategy is 'majority'."
NOT_A_LIST_OF_IDS = "Expected a non-empty list of annotation ids."
NOT_OF_DOCUMENT = "Annotation {value} is not an annotation of this document."
GOLD_AS_SOURCE = "Annotation {value} is the gold annotation itself."
NO_SUBMITTED = "No submitted annotation of this document yet: nothing to take a majority of."

# Why an item is listed as a conflict.
TIE = voting.TIE
MINORITY = voting.MINORITY
OVERLAP = "overlap"
SAME_TARGET_AND_HOLDER = "same_target_and_holder"
CHECKWORTHY_TIE = "checkworthy_tie"
SPAN_LEFT_OUT = "span_left_out"

# What gold voting counts: items.vote_key of each span and stance (labels and targets by name).
SpanKey = items.SpanItem
StanceKey = items.StanceItem
Key = TypeVar("Key", SpanKey, StanceKey)


@dataclass
class GoldResult:
    annotation: Annotation
    created: bool
    sources: list[int]
    conflicts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ItemVotes:
    """Who has which item: the submitted annotations behind each span and stance."""

    spans: dict[SpanKey, set[int]]
    stances: dict[StanceKey, set[int]]
    # Each annotation's check-worthiness of each span.
    checkworthy: dict[SpanKey, dict[int, str]]


def gold_build(
    *,
    document: Document,
    actor: User | None,
    annotation_ids: list[Any] | None = None,
    strategy: str | None = None,
) -> GoldResult:
    """Build (or rebuild) the document's gold from chosen annotations or by majority."""
    with transaction.atomic():
        sources = _sources(document, annotation_ids, strategy)
        counted, kinds = source_votes(sources)
        span_votes, stance_votes = counted.spans, counted.stances
        everyone = [annotation.pk for annotation in sources]
        if strategy == MAJORITY:
            chosen_spans, span_conflicts = _by_majority(span_votes, len(sources), "span")
            chosen_stances, stance_conflicts = _by_majority(stance_votes, len(sources), "stance")
        else:
            chosen_spans, span_conflicts = list(span_votes), []
            chosen_stances, stance_conflicts = list(stance_votes), []
        chosen_spans, overlap_conflicts = _apply_overlap_rule(
            chosen_spans, kinds, document.project.allow_overlap, span_votes
        )
        chosen_stances, holder_conflicts = _one_per_target_and_holder(chosen_stances, stance_votes)
        span_items, checkworthy_conflicts = _span_items(
            chosen_spans, span_votes, counted.checkworthy, kinds
        )
        entity_at, span_at = span_positions(chosen_spans, kinds)
        stance_items = []
        for key in chosen_stances:
            holder, evidence = key.place.holder, key.evidence
            if (holder is not None and holder not in entity_at) or (
                evidence is not None and evidence not in span_at
            ):
                # Its holder or evidence span was left out: without it the stance would
                # silently mean something else (a null holder is the document's author).
                holder_conflicts.append(
                    conflict_entry("stance", key, stance_votes[key], SPAN_LEFT_OUT, None)
                )
                continue
            stance_items.append(
                {
                    "target": key.place.target,
                    "label": key.label,
                    "holder": None if holder is None else entity_at[holder],
                    "evidence": None if evidence is None else span_at[evidence],
                }
            )
        gold, created = gold_for(document)
        annotation_replace_content(
            annotation=gold, spans=span_items, stances=stance_items, actor=actor
        )
        gold.refresh_from_db()
    conflicts = [
        *span_conflicts,
        *overlap_conflicts,
        *checkworthy_conflicts,
        *stance_conflicts,
        *holder_conflicts,
    ]
    return GoldResult(annotation=gold, created=created, sources=everyone, conflicts=conflicts)


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


def source_votes(sources: Collection[Annotation]) -> tuple[ItemVotes, dict[items.Name, str]]:
    """Read the sources' spans and stances: who has which item, and each span label's kind."""
    spans = list(Span.objects.filter(annotation__in=sources).select_related("label", "claimant"))
    stances = list(
        Stance.objects.filter(annotation__in=sources).select_related(
            "target", "label", "holder", "evidence"
        )
    )
    kinds: dict[items.Name, str] = {span.label.name: span.label.kind for span in spans}
    return count_items(spans, stances), kinds


def span_item_of(span: Span) -> items.SpanItem:
    """Return the item a stored span is (label by name; its claimant span read, by offsets)."""
    return items.span_item(
        label=span.label.name,
        start=span.start,
        end=span.end,
        claimant=offsets_of(span.claimant),
        claimant_text=span.claimant_text,
        checkworthy=span.checkworthy,
    )


def stance_item_of(stance: Stance) -> items.StanceItem:
    """Return the item a stored stance is (target and value by name; holder, evidence read)."""
    return items.stance_item(
        target=stance.target.name,
        label=stance.label.name,
        holder=offsets_of(stance.holder),
        evidence=offsets_of(stance.evidence),
    )


def offsets_of(span: Span | None) -> items.Offsets | None:
    """Return a referenced span's offsets, by which items match it (ids differ per annotator)."""
    return None if span is None else (span.start, span.end)


def span_key(span: Span) -> SpanKey:
    """Return what gold voting counts for a span: its item without its check-worthiness."""
    return items.vote_key(span_item_of(span))


def count_items(spans: Iterable[Span], stances: Iterable[Stance]) -> ItemVotes:
    """Count which annotations have each span and stance item (and each span's check-worthiness).

    Stances' holders and evidence are read from the stances: select them related.
    """
    span_ballots: list[tuple[SpanKey, int]] = []
    checkworthy: dict[SpanKey, dict[int, str]] = {}
    for span in spans:
        item = span_item_of(span)
        key = items.vote_key(item)
        span_ballots.append((key, span.annotation_id))
        checkworthy.setdefault(key, {})[span.annotation_id] = item.checkworthy
    stance_ballots = [
        (items.vote_key(stance_item_of(stance)), stance.annotation_id) for stance in stances
    ]
    return ItemVotes(
        spans=voting.count_votes(span_ballots),
        stances=voting.count_votes(stance_ballots),
        checkworthy=checkworthy,
    )


def span_positions(
    keys: list[SpanKey], kinds: dict[items.Name, str]
) -> tuple[dict[items.Offsets, int], dict[items.Offsets, int]]:
    """Where gold's spans ``keys`` are, by offsets: entities only (claimants, holders), and any.

    The first span at the offsets wins; evidence may be a span of any kind.
    """
    entity_at: dict[items.Offsets, int] = {}
    span_at: dict[items.Offsets, int] = {}
    for position, key in enumerate(keys):
        offsets = (key.place.start, key.place.end)
        span_at.setdefault(offsets, position)
        if rules.may_be_claimant(kinds[key.place.label]):
            entity_at.setdefault(offsets, position)
    return entity_at, span_at


def stance_order(key: StanceKey) -> str:
    """Sort stances by target, value, holder and evidence (a stable order for gold)."""
    return repr((key.place.target, key.label, key.place.holder, key.evidence))


def _by_majority(
    votes: dict[Key, set[int]], total: int, kind: str
) -> tuple[list[Key], list[dict[str, Any]]]:
    chosen, left_out = voting.majority(votes, total)
    conflicts = [conflict_entry(kind, key, votes[key], reason, total) for key, reason in left_out]
    return chosen, conflicts


def _apply_overlap_rule(
    keys: list[SpanKey],
    kinds: dict[items.Name, str],
    allow_overlap: bool,
    votes: dict[SpanKey, set[int]],
) -> tuple[list[SpanKey], list[dict[str, Any]]]:
    if allow_overlap:
        return keys, []
    layout: rules.Layout[rules.Placed[SpanKey]] = rules.Layout(allow_overlap=allow_overlap)
    conflicts = []
    # The best supported first, then by position: an overlapping rival is left out.
    for key in sorted(keys, key=lambda k: (-len(votes[k]), *_position(k))):
        place = key.place
        if layout.place(rules.Placed(kinds[place.label], place.start, place.end, key)) is not None:
            conflicts.append(conflict_entry("span", key, votes[key], OVERLAP, None))
    kept = [placed.key for placed in layout.kept]
    # Claims whose claimant was left out lose their gold place too, and say so.
    present = {
        (k.place.start, k.place.end) for k in kept if rules.may_be_claimant(kinds[k.place.label])
    }
    final = []
    for key in sorted(kept, key=_position):
        if isinstance(key.claimant, tuple) and key.claimant not in present:
            conflicts.append(conflict_entry("span", key, votes[key], SPAN_LEFT_OUT, None))
        else:
            final.append(key)
    return final, conflicts


def _position(key: SpanKey) -> tuple[int, int, str]:
    return (key.place.start, key.place.end, str(key.place.label))


def _one_per_target_and_holder(
    keys: list[StanceKey], votes: dict[StanceKey, set[int]]
) -> tuple[list[StanceKey], list[dict[str, Any]]]:
    # A stance's place is its target and holder: gold keeps one stance per place.
    slots: rules.StanceSlots[StanceKey] = rules.StanceSlots()
    kept: list[StanceKey] = []
    conflicts = []
    for key in sorted(keys, key=lambda k: (-len(votes[k]), stance_order(k))):
        if slots.take(key.place.target, key.place.holder, key) is not None:
            conflict = conflict_entry("stance", key, votes[key], SAME_TARGET_AND_HOLDER, None)
            conflicts.append(conflict)
        else:
            kept.append(key)
    return kept, conflicts


def _span_items(
    keys: list[SpanKey],
    votes: dict[SpanKey, set[int]],
    checkworthy_votes: dict[SpanKey, dict[int, str]],
    kinds: dict[items.Name, str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    # Claimants are entity spans, found by their offsets.
    positions = {
        (key.place.start, key.place.end): index
        for index, key in enumerate(keys)
        if rules.may_be_claimant(kinds[key.place.label])
    }
    span_items, conflicts = [], []
    for key in keys:
        label, start, end = key.place.label, key.place.start, key.place.end
        claimant = key.claimant if isinstance(key.claimant, tuple) else None
        claimant_text = key.claimant if isinstance(key.claimant, str) else ""
        # The most given check-worthiness wins; a tie between the given ones leaves it empty.
        tally = voting.tally(value for value in checkworthy_votes[key].values() if value)
        checkworthy = voting.plurality(tally)
        if checkworthy is None:
            checkworthy = ""
            if tally:
                conflict = conflict_entry("span", key, votes[key], CHECKWORTHY_TIE, None)
                conflict["checkworthy"] = dict(sorted(tally.items()))
                conflicts.append(conflict)
        span_items.append(
            {
                "label": label,
                "start": start,
                "end": end,
                "claimant": positions.get(claimant) if claimant is not None else None,
                "claimant_text": claimant_text,
                "checkworthy": checkworthy,
            }
        )
    return span_items, conflicts


def conflict_entry(
    kind: str, key: items.Item, voters: Collection[int], reason: str, total: int | None
) -> dict[str, Any]:
    """Describe an item left out of gold, who has it and why (with the vote when counted)."""
    item: dict[str, Any]
    if isinstance(key, items.SpanItem):
        item = {"label": key.place.label, "start": key.place.start, "end": key.place.end}
        if isinstance(key.claimant, tuple):
            item["claimant"] = _ref(key.claimant)
        elif key.claimant:
            item["claimant_text"] = key.claimant
    else:
        item = {"target": key.place.target, "label": key.label, "holder": _ref(key.place.holder)}
        item["evidence"] = _ref(key.evidence)
    conflict = {
        "kind": kind,
        "reason": reason,
        **item,
        "annotations": sorted(voters),
    }
    if total is not None:
        conflict["count"] = len(voters)
        conflict["of"] = total
    return conflict


def _ref(offsets: items.Offsets | None) -> dict[str, int] | None:
    return None if offsets is None else {"start": offsets[0], "end": offsets[1]}


def gold_for(document: Document) -> tuple[Annotation, bool]:
    """Return the document's gold annotation, created if missing, and whether it was."""
    existing = document.annotations.filter(kind=AnnotationKind.GOLD).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return (
                Annotation.objects.create(document=document, kind=AnnotationKind.GOLD),
                True,
            )
    except IntegrityError:
        # Another reviewer created it a moment ago: build on theirs.
        return document.annotations.get(kind=AnnotationKind.GOLD), False
