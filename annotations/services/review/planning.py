"""Gold's plan: from who has what at each place, the bulk body gold gets and its conflicts.

Relations (annotations.items.RelationItem: a label and both ends' places) are voted on like
places; one goes in only when both its ends did (else ``SPAN_LEFT_OUT``), linking gold's
spans at those places. A relation's attribute values are not part of what it is (items), so
each annotation's are carried beside it (``RelationVote``) and voted on at the relation's place
as a span's are (``choose_attribute``).

Pure over plain values (annotations.items' items, grouped by place and annotation); the reads
are building.py's and the writes annotating's. See building.py for the rule: a place goes in
by strict majority (or everyone, for "accept all agreed"), each attribute takes the value
most given at that place, and every place left out and every attribute given differently is
a conflict naming who gave what.
"""

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from annotations import items, rules, voting

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


@dataclass(frozen=True, slots=True)
class RelationVote:
    """One annotation's relation (its place, ``relation``) with the attribute values it gave."""

    relation: items.RelationItem
    attributes: items.Values = ()

    @property
    def place(self) -> items.RelationItem:
        return self.relation


Place = TypeVar("Place", items.SpanPlace, items.StancePlace, items.RelationItem)
Item = TypeVar("Item", items.SpanItem, items.StanceItem, RelationVote)
AnyItem = items.Item | items.RelationItem | RelationVote

# An attribute's value when an annotation gives none.
NOT_GIVEN: dict[str, Hashable] = {
    "claimant": None,
    "checkworthy": "",
    "label": None,
    "evidence": None,
    # A label's attribute values are voted on as a whole (items.Values).
    "attributes": (),
}


@dataclass
class Ballots:
    """Each source annotation's item at each place: who has what, read from the database."""

    spans: dict[items.SpanPlace, dict[int, items.SpanItem]]
    stances: dict[items.StancePlace, dict[int, items.StanceItem]]
    relations: dict[items.RelationItem, dict[int, RelationVote]] = field(default_factory=dict)


@dataclass
class Plan:
    """Gold as a bulk body (annotation_replace_content), and what did not go in as it was."""

    spans: list[dict[str, Any]] = field(default_factory=list)
    stances: list[dict[str, Any]] = field(default_factory=list)
    relations: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)


def by_place(ballots: Iterable[tuple[Item, int]]) -> dict[Any, dict[int, Item]]:
    """Group (item, annotation) pairs by place, places in first-seen order.

    An annotation counts once per place: should it have two items there (spans may repeat
    where the project allows overlap), its first is its vote.
    """
    grouped: dict[Any, dict[int, Item]] = {}
    for item, annotation_id in ballots:
        grouped.setdefault(item.place, {}).setdefault(annotation_id, item)
    return grouped


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
    text: str,
    allow_overlap: bool,
    total: int | None,
) -> Plan:
    """Turn ballots into gold over the document's ``text``: by majority of ``total`` voters,
    or (None) every place."""
    plan = Plan()
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
        values = choose_attribute(place, by, "attributes", most_given, plan, text)
        plan.spans.append(span_body(place, claimant, checkworthy, entity_at, values))
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
    relation_places = list(ballots.relations)
    if total is not None:
        relation_places = _majority(ballots.relations, total, "relation", plan.conflicts, text)
    span_index = {place: index for index, place in reversed(list(enumerate(span_places)))}
    for relation in relation_places:
        by_relation = ballots.relations[relation]
        body = relation_body(relation, span_index)
        if body is None:
            plan.conflicts.extend(
                place_conflicts("relation", by_relation, SPAN_LEFT_OUT, None, text)
            )
        else:
            values = choose_attribute(relation, by_relation, "attributes", most_given, plan, text)
            plan.relations.append(body | {"attributes": values_json(values)})
    return plan


def relation_body(
    relation: items.RelationItem, span_index: Mapping[items.SpanPlace, int]
) -> dict[str, Any] | None:
    """Return a relation of the bulk body (ends by index into its spans); None: an end is not
    in gold."""
    source, target = span_index.get(relation.source), span_index.get(relation.target)
    if source is None or target is None:
        return None
    return {"label": relation.label, "source": source, "target": target}


def span_body(
    place: items.SpanPlace,
    claimant: Hashable,
    checkworthy: Hashable,
    entity_at: Mapping[items.Offsets, int],
    values: Hashable = (),
) -> dict[str, Any]:
    """Return a span of the bulk body: its claimant by index into the body's spans."""
    return {
        "label": place.label,
        "start": place.start,
        "end": place.end,
        "claimant": entity_at[claimant] if isinstance(claimant, tuple) else None,
        "claimant_text": claimant if isinstance(claimant, str) else "",
        "checkworthy": checkworthy,
        "attributes": values_json(values),
    }


def values_json(values: Hashable) -> dict[str, Any]:
    """Return chosen attribute values (items.Values) as an item stores them."""
    assert isinstance(values, tuple)  # items.Values, as every item holds them
    return items.values_json(values)


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
    values = choose_attribute(place, by, "attributes", choose, plan, text)
    return {
        "target": place.target,
        "label": value,
        "holder": None if holder is None else entity_at[holder],
        "evidence": span_at[evidence] if isinstance(evidence, tuple) else None,
        "attributes": values_json(values),
    }


def choose_attribute(
    place: items.SpanPlace | items.StancePlace | items.RelationItem,
    by: Mapping[int, items.Item] | Mapping[int, RelationVote],
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
    place: items.SpanPlace | items.StancePlace | items.RelationItem,
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
        "kind": _kind_of(place),
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
    ``{"text"}``; check-worthiness and a stance's value (its label's name) are strings; the
    attribute values an object ``{name: value}``.
    """
    if value == NOT_GIVEN[name]:
        return None
    if name == "attributes":
        return values_json(value)
    if isinstance(value, tuple):
        return {"start": value[0], "end": value[1], "text": text[value[0] : value[1]]}
    if name == "claimant":
        return {"text": value}
    return value


def _kind_of(place: items.SpanPlace | items.StancePlace | items.RelationItem) -> str:
    if isinstance(place, items.RelationItem):
        return "relation"
    return "span" if isinstance(place, items.SpanPlace) else "stance"


def place_fields(place: items.SpanPlace | items.StancePlace | items.RelationItem) -> dict[str, Any]:
    """Return the fields naming a place in a conflict (a stance's holder by offsets; a
    relation's label and both ends' places)."""
    if isinstance(place, items.RelationItem):
        return {
            "label": place.label,
            "source": place_fields(place.source),
            "target": place_fields(place.target),
        }
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
    kind: str, by: Mapping[int, AnyItem], reason: str, total: int | None, text: str
) -> list[dict[str, Any]]:
    """Describe a place left out of gold: each distinct item there, with who has it.

    ``count`` (with ``total``) is how many annotations have the place: what the vote counted.
    """
    holders: dict[AnyItem, list[int]] = {}
    for annotation, item in sorted(by.items()):
        holders.setdefault(_vote_key(item), []).append(annotation)
    entries = []
    for item, who in holders.items():
        entry = conflict_entry(kind, item, who, reason, total)
        if total is not None:
            entry["count"] = len(by)
        entries.append(entry)
    return entries


def _vote_key(item: AnyItem) -> items.Item | items.RelationItem:
    """What gold voting counts (items.vote_key): a relation without its attribute values."""
    if isinstance(item, RelationVote):
        return item.relation
    return items.vote_key(item)


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
    kind: str, key: AnyItem, voters: Collection[int], reason: str, total: int | None
) -> dict[str, Any]:
    """Describe an item left out of gold, who has it and why (with the vote when counted)."""
    item: dict[str, Any]
    if isinstance(key, RelationVote):
        item = place_fields(key.relation)
    elif isinstance(key, items.RelationItem):
        item = place_fields(key)
    elif isinstance(key, items.SpanItem):
        item = {"label": key.place.label, "start": key.place.start, "end": key.place.end}
        if isinstance(key.claimant, tuple):
            item["claimant"] = _ref(key.claimant)
        elif key.claimant:
            item["claimant_text"] = key.claimant
    else:
        item = {"target": key.place.target, "label": key.label, "holder": _ref(key.place.holder)}
        item["evidence"] = _ref(key.evidence)
    if not isinstance(key, items.RelationItem) and key.attributes:
        item["attributes"] = items.values_json(key.attributes)
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


def planned_items(plan: Plan) -> list[AnyItem]:
    """Return the items a bulk body of gold stands for (its indexes read as offsets)."""
    offsets = [(span["start"], span["end"]) for span in plan.spans]

    def at(index: int | None) -> items.Offsets | None:
        return None if index is None else offsets[index]

    spans: list[AnyItem] = [
        items.span_item(
            label=span["label"],
            start=span["start"],
            end=span["end"],
            claimant=at(span["claimant"]),
            claimant_text=span["claimant_text"],
            checkworthy=span["checkworthy"],
            attributes=span.get("attributes"),
        )
        for span in plan.spans
    ]
    stances = [
        items.stance_item(
            target=stance["target"],
            label=stance["label"],
            holder=at(stance["holder"]),
            evidence=at(stance["evidence"]),
            attributes=stance.get("attributes"),
        )
        for stance in plan.stances
    ]
    ends = [(span["label"], span["start"], span["end"]) for span in plan.spans]
    relations = [
        RelationVote(
            items.relation_item(
                label=relation["label"],
                source=ends[relation["source"]],
                target=ends[relation["target"]],
            ),
            items.values_of(relation.get("attributes")),
        )
        for relation in plan.relations
    ]
    return [*spans, *stances, *relations]


def item_json(item: AnyItem, text: str) -> dict[str, Any]:
    """Describe a gold item for the reviewer who must confirm a rebuild."""
    if isinstance(item, items.RelationItem | RelationVote):
        described = conflict_entry("relation", item, (), "", None)
    elif isinstance(item, items.SpanItem):
        described = conflict_entry("span", item, (), "", None)
        described["text"] = text[item.place.start : item.place.end]
        described["checkworthy"] = item.checkworthy
    else:
        described = conflict_entry("stance", item, (), "", None)
    for name in ("reason", "annotations"):
        described.pop(name)
    return described
