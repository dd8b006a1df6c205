"""Gold: build a document's adjudicated annotation from its annotators' work.

Two ways to start gold, after which it is edited like any annotation:
- by majority: every span and stance whose **place** (annotations.items: a span's label and
  offsets, a stance's target and holder) is in strictly more than half of the document's
  submitted manual annotations;
- from chosen annotations: every place any of them has (the union, one item per place).
Either way each **attribute** of a place that goes in (a claim's claimant and
check-worthiness; a stance's value and evidence) takes the value most often given by the
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
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from annotations import items, rules, voting
from annotations.errors import Conflict, InvalidInput
from annotations.models import Annotation, AnnotationKind, AnnotationStatus, Document, Span, Stance
from annotations.services.annotating import annotation_lock_for_write, annotation_replace_content

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

# Why an item is listed as a conflict.
TIE = voting.TIE
MINORITY = voting.MINORITY
OVERLAP = "overlap"
SPAN_LEFT_OUT = "span_left_out"
ATTRIBUTE = "attribute"

# What gold voting counts for an item left out: annotations.items.vote_key (labels and
# targets by name).
SpanKey = items.SpanItem
StanceKey = items.StanceItem
Place = TypeVar("Place", items.SpanPlace, items.StancePlace)
Item = TypeVar("Item", items.SpanItem, items.StanceItem)

# An attribute's value when an annotation gives none.
NOT_GIVEN: dict[str, Hashable] = {
    "claimant": None,
    "checkworthy": "",
    "label": None,
    "evidence": None,
}


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


@dataclass
class Ballots:
    """Each source annotation's item at each place: who has what, read from the database."""

    spans: dict[items.SpanPlace, dict[int, items.SpanItem]]
    stances: dict[items.StancePlace, dict[int, items.StanceItem]]


@dataclass
class Plan:
    """Gold as a bulk body (annotation_replace_content), and what did not go in as it was."""

    spans: list[dict[str, Any]] = field(default_factory=list)
    stances: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)


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
        plan = plan_gold(ballots, kinds, document=document, total=total)
        gold, created = gold_for(document)
        if not created:
            locked, _ = annotation_lock_for_write(
                annotation_id=gold.pk, version=version, stale=STALE_GOLD
            )
            if strategy == MAJORITY and not replace:
                _refuse_a_change(locked, plan, document.text)
        annotation_replace_content(
            annotation=gold, spans=plan.spans, stances=plan.stances, actor=actor
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
    """Read the sources' spans and stances: each one's item per place, and each label's kind."""
    spans = list(
        Span.objects.filter(annotation__in=sources)
        .select_related("label", "claimant")
        .order_by("id")
    )
    stances = list(
        Stance.objects.filter(annotation__in=sources)
        .select_related("target", "label", "holder", "evidence")
        .order_by("id")
    )
    kinds: dict[items.Name, str] = {span.label.name: span.label.kind for span in spans}
    return (
        Ballots(
            spans=by_place((span_item_of(span), span.annotation_id) for span in spans),
            stances=by_place((stance_item_of(s), s.annotation_id) for s in stances),
        ),
        kinds,
    )


def by_place(ballots: Iterable[tuple[Item, int]]) -> dict[Any, dict[int, Item]]:
    """Group (item, annotation) pairs by place, places in first-seen order.

    An annotation counts once per place: should it have two items there (spans may repeat
    where the project allows overlap), its first is its vote.
    """
    grouped: dict[Any, dict[int, Item]] = {}
    for item, annotation_id in ballots:
        grouped.setdefault(item.place, {}).setdefault(annotation_id, item)
    return grouped


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


# Choosing attribute values


def most_given(values: Mapping[int, Hashable], name: str) -> Hashable:
    """Return the value most annotations gave (giving none is no vote); a tie: not given."""
    empty = NOT_GIVEN[name]
    winner = voting.plurality(voting.tally(value for value in values.values() if value != empty))
    return empty if winner is None else winner


def all_gave(values: Mapping[int, Hashable], name: str) -> Hashable:
    """Return the value every annotation gave alike (none given counts); else not given."""
    only = voting.unanimous(voting.tally(values.values()))
    return NOT_GIVEN[name] if only is None else only


Choose = Callable[[Mapping[int, Hashable], str], Hashable]


def plan_gold(
    ballots: Ballots,
    kinds: dict[items.Name, str],
    *,
    document: Document,
    total: int | None,
) -> Plan:
    """Turn ballots into gold: by majority of ``total`` voters, or (None) every place.

    Pure over its arguments apart from reading the document's text and overlap setting.
    """
    plan = Plan()
    text, allow_overlap = document.text, document.project.allow_overlap
    span_places = list(ballots.spans)
    stance_places = list(ballots.stances)
    if total is not None:
        span_places = _majority(ballots.spans, total, "span", plan.conflicts, text)
        stance_places = _majority(ballots.stances, total, "stance", plan.conflicts, text)
    span_places = _apply_overlap_rule(span_places, kinds, allow_overlap, ballots.spans, plan, text)
    entity_at, span_at = span_positions(span_places, kinds)
    for place in span_places:
        by = ballots.spans[place]
        claimant = choose_attribute(place, by, "claimant", most_given, plan, text, found=entity_at)
        checkworthy = choose_attribute(place, by, "checkworthy", most_given, plan, text)
        plan.spans.append(span_body(place, claimant, checkworthy, entity_at))
    for stance_place in sorted(stance_places, key=stance_position):
        stance = stance_body(
            stance_place,
            ballots.stances[stance_place],
            most_given,
            plan,
            text,
            entity_at=entity_at,
            span_at=span_at,
        )
        if stance is not None:
            plan.stances.append(stance)
    return plan


def span_body(
    place: items.SpanPlace,
    claimant: Hashable,
    checkworthy: Hashable,
    entity_at: Mapping[items.Offsets, int],
) -> dict[str, Any]:
    """Return a span of the bulk body: its claimant by index into the body's spans."""
    return {
        "label": place.label,
        "start": place.start,
        "end": place.end,
        "claimant": entity_at[claimant] if isinstance(claimant, tuple) else None,
        "claimant_text": claimant if isinstance(claimant, str) else "",
        "checkworthy": checkworthy,
    }


def stance_body(
    place: items.StancePlace,
    by: Mapping[int, items.StanceItem],
    choose: Choose,
    plan: Plan,
    text: str,
    *,
    entity_at: Mapping[items.Offsets, int],
    span_at: Mapping[items.Offsets, int],
) -> dict[str, Any] | None:
    """Return the stance of the bulk body for a place gold takes, or None (and say why).

    ``choose`` picks each attribute (most_given by majority, all_gave for accept-agreed).
    """
    holder = place.holder
    if holder is not None and holder not in entity_at:
        # Without its holder the stance would silently mean something else (a null holder is
        # the document's author).
        plan.conflicts.extend(place_conflicts("stance", by, SPAN_LEFT_OUT, None, text))
        return None
    value = choose_attribute(place, by, "label", choose, plan, text)
    if value is None:
        return None  # a stance needs a value: the value's conflict says it did not go in
    evidence = choose_attribute(place, by, "evidence", choose, plan, text, found=span_at)
    return {
        "target": place.target,
        "label": value,
        "holder": None if holder is None else entity_at[holder],
        "evidence": span_at[evidence] if isinstance(evidence, tuple) else None,
    }


def choose_attribute(
    place: items.SpanPlace | items.StancePlace,
    by: Mapping[int, items.Item],
    name: str,
    choose: Choose,
    plan: Plan,
    text: str,
    *,
    found: Mapping[items.Offsets, int] | None = None,
    gold: Hashable | None = None,
    in_gold: bool = False,
) -> Hashable:
    """Choose a place's attribute and list it as a conflict unless everyone gave it alike.

    ``found``: where gold's referenced spans are; a chosen span that is not there is left
    out (``SPAN_LEFT_OUT``). ``in_gold``: gold already has the place with ``gold`` as its
    value, which it keeps; it is listed when it is not what every annotation gave.
    """
    values = {annotation: getattr(item, name) for annotation, item in sorted(by.items())}
    chosen = gold if in_gold else choose(values, name)
    reason = ATTRIBUTE
    if not in_gold and isinstance(chosen, tuple) and found is not None and chosen not in found:
        chosen, reason = NOT_GIVEN[name], SPAN_LEFT_OUT
    if reason == ATTRIBUTE and len({*values.values(), chosen}) == 1:
        return chosen
    plan.conflicts.append(attribute_conflict(place, name, values, chosen, reason, text))
    return chosen


def attribute_conflict(
    place: items.SpanPlace | items.StancePlace,
    name: str,
    values: Mapping[int, Hashable],
    gold: Hashable,
    reason: str,
    text: str,
) -> dict[str, Any]:
    """Describe an attribute of a place the annotations differ on: each value, who, gold's."""
    grouped: dict[Hashable, list[int]] = {}
    for annotation, value in values.items():
        grouped.setdefault(value, []).append(annotation)
    return {
        "kind": "span" if isinstance(place, items.SpanPlace) else "stance",
        "reason": reason,
        "attribute": name,
        **place_fields(place),
        "values": [
            {"value": value_json(name, value, text), "annotations": who}
            for value, who in grouped.items()
        ],
        "gold": value_json(name, gold, text),
        "annotations": sorted(values),
    }


def value_json(name: str, value: Hashable, text: str) -> Any:
    """Return an attribute's value as the API shows it; null when not given.

    A claimant or evidence span is ``{"start", "end", "text"}``, a free-text claimant
    ``{"text"}``; check-worthiness and a stance's value (its label's name) are strings.
    """
    if value == NOT_GIVEN[name]:
        return None
    if isinstance(value, tuple):
        return {"start": value[0], "end": value[1], "text": text[value[0] : value[1]]}
    if name == "claimant":
        return {"text": value}
    return value


def place_fields(place: items.SpanPlace | items.StancePlace) -> dict[str, Any]:
    """Return the fields naming a place in a conflict (a stance's holder by offsets)."""
    if isinstance(place, items.SpanPlace):
        return {"label": place.label, "start": place.start, "end": place.end}
    return {"target": place.target, "holder": _ref(place.holder)}


def span_positions(
    places: list[items.SpanPlace], kinds: Mapping[items.Name, str]
) -> tuple[dict[items.Offsets, int], dict[items.Offsets, int]]:
    """Where gold's spans ``places`` are, by offsets: entities only (claimants, holders), and any.

    The first span at the offsets wins; evidence may be a span of any kind.
    """
    entity_at: dict[items.Offsets, int] = {}
    span_at: dict[items.Offsets, int] = {}
    for position, place in enumerate(places):
        offsets = (place.start, place.end)
        span_at.setdefault(offsets, position)
        if rules.may_be_claimant(kinds[place.label]):
            entity_at.setdefault(offsets, position)
    return entity_at, span_at


def _majority(
    ballots: Mapping[Place, Mapping[int, Item]],
    total: int,
    kind: str,
    conflicts: list[dict[str, Any]],
    text: str,
) -> list[Place]:
    """The places strictly more than half of ``total`` voters have; the others as conflicts."""
    chosen, left_out = voting.majority({place: set(by) for place, by in ballots.items()}, total)
    for place, reason in left_out:
        conflicts.extend(place_conflicts(kind, ballots[place], reason, total, text))
    return chosen


def place_conflicts(
    kind: str, by: Mapping[int, items.Item], reason: str, total: int | None, text: str
) -> list[dict[str, Any]]:
    """Describe a place left out of gold: each distinct item there, with who has it.

    ``count`` (with ``total``) is how many annotations have the place: what the vote counted.
    """
    holders: dict[items.Item, list[int]] = {}
    for annotation, item in sorted(by.items()):
        holders.setdefault(items.vote_key(item), []).append(annotation)
    entries = []
    for item, who in holders.items():
        entry = conflict_entry(kind, item, who, reason, total)
        if total is not None:
            entry["count"] = len(by)
        entries.append(entry)
    return entries


def _apply_overlap_rule(
    places: list[items.SpanPlace],
    kinds: dict[items.Name, str],
    allow_overlap: bool,
    ballots: Mapping[items.SpanPlace, Mapping[int, items.SpanItem]],
    plan: Plan,
    text: str,
) -> list[items.SpanPlace]:
    """Keep the places the project's overlap rule allows together, in text order.

    The best supported first, then by position: an overlapping rival is left out and listed.
    """
    layout: rules.Layout[rules.Placed[items.SpanPlace]] = rules.Layout(allow_overlap=allow_overlap)
    for place in sorted(places, key=lambda p: (-len(ballots[p]), *_position(p))):
        clash = layout.place(rules.Placed(kinds[place.label], place.start, place.end, place))
        if clash is not None:
            plan.conflicts.extend(place_conflicts("span", ballots[place], OVERLAP, None, text))
    return sorted((placed.key for placed in layout.kept), key=_position)


def _position(place: items.SpanPlace) -> tuple[int, int, str]:
    return (place.start, place.end, str(place.label))


def stance_position(place: items.StancePlace) -> str:
    return repr((place.target, place.holder))


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


# Rebuilding over a gold a reviewer has worked on


def _refuse_a_change(gold: Annotation, plan: Plan, text: str) -> None:
    """Raise GoldWouldChange when ``plan`` would change what the (locked) gold has."""
    spans = list(Span.objects.filter(annotation=gold).select_related("label", "claimant"))
    stances = list(
        Stance.objects.filter(annotation=gold).select_related(
            "target", "label", "holder", "evidence"
        )
    )
    if not spans and not stances:
        return  # nothing a reviewer could lose
    now: Counter[items.Item] = Counter([*map(span_item_of, spans), *map(stance_item_of, stances)])
    planned = Counter(planned_items(plan))
    if now == planned:
        return
    raise GoldWouldChange(
        current_version=gold.version,
        removed=[item_json(item, text) for item in (now - planned).elements()],
        added=[item_json(item, text) for item in (planned - now).elements()],
    )


def planned_items(plan: Plan) -> list[items.Item]:
    """Return the items a bulk body of gold stands for (its indexes read as offsets)."""
    offsets = [(span["start"], span["end"]) for span in plan.spans]

    def at(index: int | None) -> items.Offsets | None:
        return None if index is None else offsets[index]

    spans: list[items.Item] = [
        items.span_item(
            label=span["label"],
            start=span["start"],
            end=span["end"],
            claimant=at(span["claimant"]),
            claimant_text=span["claimant_text"],
            checkworthy=span["checkworthy"],
        )
        for span in plan.spans
    ]
    stances = [
        items.stance_item(
            target=stance["target"],
            label=stance["label"],
            holder=at(stance["holder"]),
            evidence=at(stance["evidence"]),
        )
        for stance in plan.stances
    ]
    return [*spans, *stances]


def item_json(item: items.Item, text: str) -> dict[str, Any]:
    """Describe a gold item for the reviewer who must confirm a rebuild."""
    if isinstance(item, items.SpanItem):
        described = conflict_entry("span", item, (), "", None)
        described["text"] = text[item.place.start : item.place.end]
        described["checkworthy"] = item.checkworthy
    else:
        described = conflict_entry("stance", item, (), "", None)
    for name in ("reason", "annotations"):
        described.pop(name)
    return described


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
