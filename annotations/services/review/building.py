"""Gold: build a document's adjudicated annotation from its annotators' work.

Two ways to start gold, after which it is edited like any annotation:
- by majority: every span (label, offsets, and its claimant's offsets or free text) and every
  stance (target, value, and its holder's and evidence's offsets) found in strictly more than
  half of the document's submitted manual annotations;
- from chosen annotations: their union, exact duplicates collapsed.
Whatever does not make it into gold (a tie, a minority, an item the project's overlap rule
or one-stance-per-holder rule leaves out) is returned as a conflict, never dropped silently.
The counting itself (votes per item, strict majority, ties) is annotations.voting's; this
module turns spans and stances into the items it counts, and the verdicts into gold.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from annotations import voting
from annotations.errors import InvalidInput
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    LabelKind,
    Span,
    Stance,
)
from annotations.offsets import overlaps
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

ClaimantKey = tuple[int, int]  # the claimant's start and end
SpanKey = tuple[str, int, int, ClaimantKey | None, str]  # label, start, end, claimant, its text
StanceKey = tuple[str, str, SpanKey | None, SpanKey | None]  # target, value, holder, evidence
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
        spans = list(
            Span.objects.filter(annotation__in=sources).select_related("label", "claimant")
        )
        stances = list(
            Stance.objects.filter(annotation__in=sources).select_related(
                "target", "label", "holder", "evidence"
            )
        )
        counted = count_items(spans, stances)
        span_votes, stance_votes = counted.spans, counted.stances
        everyone = [annotation.pk for annotation in sources]
        if strategy == MAJORITY:
            chosen_spans, span_conflicts = _by_majority(span_votes, len(sources), "span")
            chosen_stances, stance_conflicts = _by_majority(stance_votes, len(sources), "stance")
        else:
            chosen_spans, span_conflicts = list(span_votes), []
            chosen_stances, stance_conflicts = list(stance_votes), []
        kinds = {span.label.name: span.label.kind for span in spans}
        chosen_spans, overlap_conflicts = _apply_overlap_rule(
            chosen_spans, kinds, document.project.allow_overlap, span_votes
        )
        chosen_stances, holder_conflicts = _one_per_target_and_holder(chosen_stances, stance_votes)
        span_items, checkworthy_conflicts = _span_items(
            chosen_spans, span_votes, counted.checkworthy, kinds
        )
        index = {key: position for position, key in enumerate(chosen_spans)}
        stance_items = []
        for key in chosen_stances:
            target, value, holder, evidence = key
            if (holder is not None and holder not in index) or (
                evidence is not None and evidence not in index
            ):
                # Its holder or evidence span was left out: without it the stance would
                # silently mean something else (a null holder is the document's author).
                holder_conflicts.append(
                    conflict_entry("stance", key, stance_votes[key], SPAN_LEFT_OUT, None)
                )
                continue
            stance_items.append(
                {
                    "target": target,
                    "label": value,
                    "holder": None if holder is None else index[holder],
                    "evidence": None if evidence is None else index[evidence],
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
        sources = list(
            document.annotations.filter(
                kind=AnnotationKind.MANUAL, status=AnnotationStatus.SUBMITTED
            ).order_by("id")
        )
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


def span_key(span: Span) -> SpanKey:
    """Return what makes two annotators' spans the same item."""
    claimant = span.claimant
    # The claimant is matched by its offsets and label, not its id: ids differ per annotator.
    claimant_key = None
    if claimant is not None:
        claimant_key = (claimant.start, claimant.end)
    return (span.label.name, span.start, span.end, claimant_key, span.claimant_text)


def count_items(spans: Iterable[Span], stances: Iterable[Stance]) -> ItemVotes:
    """Count which annotations have each span and stance item (and each span's check-worthiness)."""
    by_id: dict[int, Span] = {}
    span_ballots: list[tuple[SpanKey, int]] = []
    checkworthy: dict[SpanKey, dict[int, str]] = {}
    for span in spans:
        by_id[span.pk] = span
        key = span_key(span)
        span_ballots.append((key, span.annotation_id))
        checkworthy.setdefault(key, {})[span.annotation_id] = span.checkworthy
    stance_ballots = [
        (
            (
                stance.target.name,
                stance.label.name,
                _key_of(by_id, stance.holder_id),
                _key_of(by_id, stance.evidence_id),
            ),
            stance.annotation_id,
        )
        for stance in stances
    ]
    return ItemVotes(
        spans=voting.count_votes(span_ballots),
        stances=voting.count_votes(stance_ballots),
        checkworthy=checkworthy,
    )


def _key_of(by_id: dict[int, Span], span_id: int | None) -> SpanKey | None:
    return None if span_id is None else span_key(by_id[span_id])


def _by_majority(
    votes: dict[Key, set[int]], total: int, kind: str
) -> tuple[list[Key], list[dict[str, Any]]]:
    chosen, left_out = voting.majority(votes, total)
    conflicts = [conflict_entry(kind, key, votes[key], reason, total) for key, reason in left_out]
    return chosen, conflicts


def _apply_overlap_rule(
    keys: list[SpanKey], kinds: dict[str, str], allow_overlap: bool, votes: dict[SpanKey, set[int]]
) -> tuple[list[SpanKey], list[dict[str, Any]]]:
    if allow_overlap:
        return keys, []
    kept: list[SpanKey] = []
    conflicts = []
    # The best supported first, then by position: an overlapping rival is left out.
    for key in sorted(keys, key=lambda k: (-len(votes[k]), k[1], k[2], k[0])):
        label, start, end = key[0], key[1], key[2]
        clash = any(
            kinds[other[0]] == kinds[label] and overlaps(start, end, other[1], other[2])
            for other in kept
        )
        if clash:
            conflicts.append(conflict_entry("span", key, votes[key], OVERLAP, None))
        else:
            kept.append(key)
    # Claims whose claimant was left out lose their gold place too, and say so.
    present = {(k[1], k[2]) for k in kept if kinds[k[0]] == LabelKind.ENTITY}
    final = []
    for key in sorted(kept, key=lambda k: (k[1], k[2], k[0])):
        if key[3] is not None and key[3] not in present:
            conflicts.append(conflict_entry("span", key, votes[key], SPAN_LEFT_OUT, None))
        else:
            final.append(key)
    return final, conflicts


def _one_per_target_and_holder(
    keys: list[StanceKey], votes: dict[StanceKey, set[int]]
) -> tuple[list[StanceKey], list[dict[str, Any]]]:
    kept: dict[tuple[str, SpanKey | None], StanceKey] = {}
    conflicts = []
    for key in sorted(keys, key=lambda k: (-len(votes[k]), repr(k))):
        slot = (key[0], key[2])
        if slot in kept:
            conflict = conflict_entry("stance", key, votes[key], SAME_TARGET_AND_HOLDER, None)
            conflicts.append(conflict)
        else:
            kept[slot] = key
    return list(kept.values()), conflicts


def _span_items(
    keys: list[SpanKey],
    votes: dict[SpanKey, set[int]],
    checkworthy_votes: dict[SpanKey, dict[int, str]],
    kinds: dict[str, str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    # Claimants are entity spans, found by their offsets.
    positions = {
        (key[1], key[2]): index
        for index, key in enumerate(keys)
        if kinds[key[0]] == LabelKind.ENTITY
    }
    items, conflicts = [], []
    for key in keys:
        label, start, end, claimant, claimant_text = key
        # The most given check-worthiness wins; a tie between the given ones leaves it empty.
        tally = voting.tally(value for value in checkworthy_votes[key].values() if value)
        checkworthy = voting.plurality(tally)
        if checkworthy is None:
            checkworthy = ""
            if tally:
                conflict = conflict_entry("span", key, votes[key], CHECKWORTHY_TIE, None)
                conflict["checkworthy"] = dict(sorted(tally.items()))
                conflicts.append(conflict)
        items.append(
            {
                "label": label,
                "start": start,
                "end": end,
                "claimant": positions.get(claimant) if claimant is not None else None,
                "claimant_text": claimant_text,
                "checkworthy": checkworthy,
            }
        )
    return items, conflicts


def conflict_entry(
    kind: str, key: tuple[Any, ...], voters: Collection[int], reason: str, total: int | None
) -> dict[str, Any]:
    """Describe an item left out of gold, who has it and why (with the vote when counted)."""
    if kind == "span":
        label, start, end, claimant, claimant_text = key
        item: dict[str, Any] = {"label": label, "start": start, "end": end}
        if claimant is not None:
            item["claimant"] = {"start": claimant[0], "end": claimant[1]}
        if claimant_text:
            item["claimant_text"] = claimant_text
    else:
        target, value, holder, evidence = key
        item = {"target": target, "label": value, "holder": _ref(holder)}
        item["evidence"] = _ref(evidence)
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


def _ref(key: SpanKey | None) -> dict[str, Any] | None:
    if key is None:
        return None
    return {"label": key[0], "start": key[1], "end": key[2]}


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
