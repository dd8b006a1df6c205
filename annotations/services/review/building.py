"""Gold: build a document's adjudicated annotation from its annotators' work.

Two ways to start gold, after which it is edited like any annotation:
- by majority: every span (label, offsets, and its claimant's offsets or free text) and every
  stance (target, value, and its holder's and evidence's offsets) found in strictly more than
  half of the document's submitted manual annotations;
- from chosen annotations: their union, exact duplicates collapsed.
Whatever does not make it into gold (a tie, a minority, an item the project's overlap rule
or one-stance-per-holder rule leaves out) is returned as a conflict, never dropped silently.
"""

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from annotations.errors import Conflict, InvalidInput
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
from annotations.services.annotating import (
    VERSION_INVALID,
    annotation_replace_content,
    annotation_set_status,
    span_create,
    span_delete,
    span_update,
    stance_create,
    stance_update,
)

MAJORITY = "majority"

ONE_SOURCE = "Give either annotations (a list of ids) or strategy, not both and not neither."
STRATEGY_UNKNOWN = "Unknown strategy {value!r}; the only strategy is 'majority'."
NOT_A_LIST_OF_IDS = "Expected a non-empty list of annotation ids."
NOT_OF_DOCUMENT = "Annotation {value} is not an annotation of this document."
GOLD_AS_SOURCE = "Annotation {value} is the gold annotation itself."
NO_SUBMITTED = "No submitted annotation of this document yet: nothing to take a majority of."

# Why an item is listed as a conflict.
TIE = "tie"
MINORITY = "minority"
OVERLAP = "overlap"
SAME_TARGET_AND_HOLDER = "same_target_and_holder"
CHECKWORTHY_TIE = "checkworthy_tie"
SPAN_LEFT_OUT = "span_left_out"

SpanKey = tuple[str, int, int, Hashable, str]  # label, start, end, claimant key, claimant text
StanceKey = tuple[str, str, Hashable, Hashable]  # target, value, holder key, evidence key


@dataclass
class GoldResult:
    annotation: Annotation
    created: bool
    sources: list[int]
    conflicts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Votes:
    annotations: set[int] = field(default_factory=set)
    checkworthy: dict[int, str] = field(default_factory=dict)


def gold_build(
    *,
    document: Document,
    actor: AbstractBaseUser | None,
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
        span_votes, stance_votes = _count(spans, stances)
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
        span_items, checkworthy_conflicts = _span_items(chosen_spans, span_votes, kinds)
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
                    _conflict("stance", key, stance_votes[key], SPAN_LEFT_OUT, None)
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
        gold, created = _gold_for(document)
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


def _span_key(span: Span) -> SpanKey:
    claimant = span.claimant
    # The claimant is matched by its offsets and label, not its id: ids differ per annotator.
    claimant_key = None
    if claimant is not None:
        claimant_key = (claimant.start, claimant.end)
    return (span.label.name, span.start, span.end, claimant_key, span.claimant_text)


def _count(
    spans: Iterable[Span], stances: Iterable[Stance]
) -> tuple[dict[SpanKey, _Votes], dict[StanceKey, _Votes]]:
    span_votes: dict[SpanKey, _Votes] = defaultdict(_Votes)
    by_id: dict[int, Span] = {}
    for span in spans:
        by_id[span.pk] = span
        votes = span_votes[_span_key(span)]
        votes.annotations.add(span.annotation_id)
        votes.checkworthy[span.annotation_id] = span.checkworthy
    stance_votes: dict[StanceKey, _Votes] = defaultdict(_Votes)
    for stance in stances:
        holder = _key_of(by_id, stance.holder_id)
        evidence = _key_of(by_id, stance.evidence_id)
        stance_votes[(stance.target.name, stance.label.name, holder, evidence)].annotations.add(
            stance.annotation_id
        )
    return dict(span_votes), dict(stance_votes)


def _key_of(by_id: dict[int, Span], span_id: int | None) -> SpanKey | None:
    return None if span_id is None else _span_key(by_id[span_id])


def _by_majority(
    votes: dict[Any, _Votes], total: int, kind: str
) -> tuple[list[Any], list[dict[str, Any]]]:
    chosen, conflicts = [], []
    for key, vote in votes.items():
        count = len(vote.annotations)
        if count * 2 > total:
            chosen.append(key)
        else:
            reason = TIE if count * 2 == total else MINORITY
            conflicts.append(_conflict(kind, key, vote, reason, total))
    return chosen, conflicts


def _apply_overlap_rule(
    keys: list[SpanKey], kinds: dict[str, str], allow_overlap: bool, votes: dict[SpanKey, _Votes]
) -> tuple[list[SpanKey], list[dict[str, Any]]]:
    if allow_overlap:
        return keys, []
    kept: list[SpanKey] = []
    conflicts = []
    # The best supported first, then by position: an overlapping rival is left out.
    for key in sorted(keys, key=lambda k: (-len(votes[k].annotations), k[1], k[2], k[0])):
        label, start, end = key[0], key[1], key[2]
        clash = any(
            kinds[other[0]] == kinds[label] and overlaps(start, end, other[1], other[2])
            for other in kept
        )
        if clash:
            conflicts.append(_conflict("span", key, votes[key], OVERLAP, None))
        else:
            kept.append(key)
    # Claims whose claimant was left out lose their gold place too, and say so.
    present = {(k[1], k[2]) for k in kept if kinds[k[0]] == LabelKind.ENTITY}
    final = []
    for key in sorted(kept, key=lambda k: (k[1], k[2], k[0])):
        if key[3] is not None and key[3] not in present:
            conflicts.append(_conflict("span", key, votes[key], SPAN_LEFT_OUT, None))
        else:
            final.append(key)
    return final, conflicts


def _one_per_target_and_holder(
    keys: list[StanceKey], votes: dict[StanceKey, _Votes]
) -> tuple[list[StanceKey], list[dict[str, Any]]]:
    kept: dict[tuple[str, Hashable], StanceKey] = {}
    conflicts = []
    for key in sorted(keys, key=lambda k: (-len(votes[k].annotations), repr(k))):
        slot = (key[0], key[2])
        if slot in kept:
            conflicts.append(_conflict("stance", key, votes[key], SAME_TARGET_AND_HOLDER, None))
        else:
            kept[slot] = key
    return list(kept.values()), conflicts


def _span_items(
    keys: list[SpanKey], votes: dict[SpanKey, _Votes], kinds: dict[str, str]
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
        values = [v for v in votes[key].checkworthy.values() if v]
        checkworthy = ""
        if values:
            tally = defaultdict(int)
            for value in values:
                tally[value] += 1
            best = max(tally.values())
            leaders = [value for value, n in tally.items() if n == best]
            if len(leaders) == 1:
                checkworthy = leaders[0]
            else:
                conflict = _conflict("span", key, votes[key], CHECKWORTHY_TIE, None)
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


def _conflict(
    kind: str, key: tuple, vote: _Votes, reason: str, total: int | None
) -> dict[str, Any]:
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
        "annotations": sorted(vote.annotations),
    }
    if total is not None:
        conflict["count"] = len(vote.annotations)
        conflict["of"] = total
    return conflict


def _ref(key: SpanKey | None) -> dict[str, Any] | None:
    if key is None:
        return None
    return {"label": key[0], "start": key[1], "end": key[2]}


def _gold_for(document: Document) -> tuple[Annotation, bool]:
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


# Reviewing a document: accepting one annotator's span or stance into gold, accepting what
# every annotator agrees on, and marking gold reviewed (its status ``submitted``; reopened to
# ``in_progress`` to edit it again). Every write goes through the annotating services, so the
# project's rules hold and every change is logged (and revertable) like any other.

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
    actor: AbstractBaseUser | None,
    version: int | None = None,
) -> AcceptResult:
    """Copy another annotation's span (with its claimant) into the document's gold.

    A gold span of the same label and offsets is brought in line (claimant, check-worthiness)
    instead of doubled. Where the project forbids overlap, gold spans of the same kind that
    overlap the accepted one are taken out first: accepting is choosing this version.
    """
    with transaction.atomic():
        source = (
            Span.objects.select_related("label", "claimant__label")
            .filter(pk=_int_or_none(span_id), annotation__document=document)
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
    actor: AbstractBaseUser | None,
    version: int | None = None,
) -> AcceptResult:
    """Copy another annotation's stance into gold, with its holder and evidence spans.

    Gold keeps one stance per target and holder: an existing one takes the accepted value
    and evidence.
    """
    with transaction.atomic():
        source = (
            Stance.objects.select_related(
                "target", "label", "holder__label", "evidence__label", "evidence__claimant__label"
            )
            .filter(pk=_int_or_none(stance_id), annotation__document=document)
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
    *, document: Document, actor: AbstractBaseUser | None, version: int | None = None
) -> AgreedResult:
    """Add to gold every span and stance that all submitted annotations contain exactly.

    Gold keeps what it has; an agreed item that would overlap a gold span of the same kind
    (where the project forbids overlap) or take a second stance per target and holder is
    listed as a conflict instead. The additions are one logged change (one revert undoes
    them). Without gold yet, this starts it, even when nothing is agreed.
    """
    with transaction.atomic():
        sources = list(
            document.annotations.filter(
                kind=AnnotationKind.MANUAL, status=AnnotationStatus.SUBMITTED
            ).order_by("id")
        )
        gold, created = _gold_locked(document, version)
        spans = list(
            Span.objects.filter(annotation__in=sources).select_related("label", "claimant")
        )
        stances = list(
            Stance.objects.filter(annotation__in=sources).select_related(
                "target", "label", "holder", "evidence"
            )
        )
        span_votes, stance_votes = _count(spans, stances)
        total = len(sources)
        agreed_spans = [key for key, vote in span_votes.items() if len(vote.annotations) == total]
        agreed_stances = [
            key for key, vote in stance_votes.items() if len(vote.annotations) == total
        ]
        kinds = {span.label.name: span.label.kind for span in spans}
        result = AgreedResult(annotation=gold, created=created, sources=[a.pk for a in sources])
        plan = _agreed_plan(
            gold, document, agreed_spans, agreed_stances, span_votes, stance_votes, kinds
        )
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
    actor: AbstractBaseUser | None,
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
    gold, created = _gold_for(document)
    locked = Annotation.objects.select_for_update(of=("self",)).get(pk=gold.pk)
    if version is not None and not created:
        if type(version) is not int:
            raise InvalidInput({"version": [VERSION_INVALID.format(value=version)]})
        if version != locked.version:
            raise Conflict(
                STALE_GOLD.format(sent=version, current=locked.version),
                current_version=locked.version,
            )
    return locked, created


def _place(
    gold: Annotation,
    source: Span,
    actor: AbstractBaseUser | None,
    replaced: list[dict[str, Any]],
    *,
    field: str,
) -> Span:
    """Return gold's copy of ``source`` (by label and offsets), writing what is needed."""
    claimant = None
    if source.claimant is not None:
        claimant = _place(gold, source.claimant, actor, replaced, field=f"{field}.claimant")
    gold_spans = list(Span.objects.filter(annotation=gold).select_related("label"))
    same = next(
        (
            span
            for span in gold_spans
            if (span.label_id, span.start, span.end) == (source.label_id, source.start, source.end)
        ),
        None,
    )
    try:
        if same is not None:
            if source.label.kind != LabelKind.CLAIM:
                return same
            return span_update(
                span=same,
                actor=actor,
                claimant=claimant,
                claimant_text=source.claimant_text,
                checkworthy=source.checkworthy,
            )
        if not gold.document.project.allow_overlap:
            for other in gold_spans:
                if other.label.kind == source.label.kind and overlaps(
                    source.start, source.end, other.start, other.end
                ):
                    span_delete(span=other, actor=actor)
                    replaced.append(
                        {"label": other.label.name, "start": other.start, "end": other.end}
                    )
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
    votes: dict[SpanKey, _Votes],
    stance_votes: dict[StanceKey, _Votes],
    kinds: dict[str, str],
) -> _AgreedPlan:
    """Gold's current content as a bulk body, plus the agreed items it lacks."""
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
    position = {span.pk: index for index, span in enumerate(current)}
    items = [
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
    index = {_span_key(span): i for i, span in enumerate(current)}
    entity_at = {
        (span.start, span.end): i
        for i, span in enumerate(current)
        if span.label.kind == LabelKind.ENTITY
    }
    conflicts: list[dict[str, Any]] = []
    added_spans = 0
    allow_overlap = document.project.allow_overlap
    # Entities first, so that an agreed claim finds its agreed claimant already placed.
    ordered = sorted(
        agreed_spans, key=lambda k: (kinds[k[0]] != LabelKind.ENTITY, k[1], k[2], k[0])
    )
    for key in ordered:
        if key in index:
            continue
        label, start, end, claimant, claimant_text = key
        clash = not allow_overlap and any(
            kinds[item["label"]] == kinds[label]
            and overlaps(start, end, item["start"], item["end"])
            for item in items
        )
        if clash:
            conflicts.append(_conflict("span", key, votes[key], OVERLAP, None))
            continue
        if claimant is not None and claimant not in entity_at:
            conflicts.append(_conflict("span", key, votes[key], SPAN_LEFT_OUT, None))
            continue
        values = set(votes[key].checkworthy.values())
        checkworthy = next(iter(values)) if len(values) == 1 else ""
        if len(values) > 1:
            # The span is agreed, its check-worthiness is not: added without one, and said.
            conflict = _conflict("span", key, votes[key], CHECKWORTHY_TIE, None)
            conflict["checkworthy"] = dict(sorted(Counter(votes[key].checkworthy.values()).items()))
            conflicts.append(conflict)
        index[key] = len(items)
        if kinds[label] == LabelKind.ENTITY:
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
    taken = {(item["target"], item["holder"]) for item in stance_items}
    current_keys = {
        (
            stance.target.name,
            stance.label.name,
            None if stance.holder is None else _span_key(stance.holder),
            None if stance.evidence is None else _span_key(stance.evidence),
        )
        for stance in current_stances
    }
    added_stances = 0
    for key in sorted(agreed_stances, key=repr):
        if key in current_keys:
            continue
        target, value, holder, evidence = key
        holder_at = None if holder is None else index.get(holder)
        evidence_at = None if evidence is None else index.get(evidence)
        if (holder is not None and holder_at is None) or (
            evidence is not None and evidence_at is None
        ):
            conflicts.append(_conflict("stance", key, stance_votes[key], SPAN_LEFT_OUT, None))
            continue
        if (target, holder_at) in taken:
            conflicts.append(
                _conflict("stance", key, stance_votes[key], SAME_TARGET_AND_HOLDER, None)
            )
            continue
        taken.add((target, holder_at))
        stance_items.append(
            {"target": target, "label": value, "holder": holder_at, "evidence": evidence_at}
        )
        added_stances += 1
    return _AgreedPlan(items, stance_items, added_spans, added_stances, conflicts)
