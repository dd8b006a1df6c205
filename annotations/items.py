"""When two annotators' spans or stances are the same item: the one definition.

Mirrored in ``static/annotations/items.js``; tests/browser/test_items_js.py holds the two equal.

An item is a **place** and **attributes**:

- a span: place ``(label, start, end)``; attributes ``claimant`` (the claimant span's offsets
  ``(start, end)``, or its free text when the claimant is not in the text, or None),
  ``checkworthy`` (``""`` when not given) and ``attributes`` (the label's attribute values);
- a stance: place ``(target, holder)``, the holder being the holder span's offsets or None
  (the document's author); attributes ``label`` (the stance value), ``evidence`` (the
  evidence span's offsets or None) and ``attributes``.

A label's attribute values (annotations.attributes) are held as ``Values``: ``(name, value)``
pairs sorted by name, without empty values, a multi-choice list as a tuple (stored in the
order its choices are declared, so equal choices are equal tuples).

Two items are **the same item** when their places and all their attributes are equal. Items
at the same place with different attributes are an **attribute disagreement**: the thing a
reviewer must see (another claimant, another check-worthiness, another value, other evidence).
A stance's place is the project's one-stance-per-target-and-holder slot, so another holder is
another place, not an attribute.

- a relation: its label and its two ends, each the end span's place ``(label, start, end)``;
  a relation has no attributes here, so its place is the whole item (another label or another
  end is another relation). items.js' relationItem mirrors it (tests/browser/test_items_js.py).

- a document label: the label given to the whole document (``DocumentLabelItem``); another
  label of the same group is another item, so annotators who chose differently in a group
  each have an item the other lacks. Only the per-document agreement and disagreement figures
  (selectors/agreement.py) count it: the review page lists document labels in their own bar
  (doclabels.js), and gold votes on them per label (services/review/doclabels.py).

Referenced spans (claimant, holder, evidence) are matched by their offsets, never by id: ids
differ per annotator, offsets into the one text do not. Labels and targets are whatever the
caller names them by (names on the server, ids in the browser), as long as it is consistent.

Gold (by majority, accept-agreed) votes on places, then on each attribute among the
annotators at the place (services/review/building.py), so annotators who disagree only on an
attribute still vote for the same item. ``vote_key`` (the item without its check-worthiness)
groups the versions of a place that did not go into gold when they are listed; it leaves out
the attribute values too, which gold votes on one by one.
"""

import dataclasses
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Final, overload

Name = str | int  # a label or target, by name or by id
Offsets = tuple[int, int]  # a referenced span's [start, end), code points
Claimant = Offsets | str | None  # the claimant span's offsets, its free text, or none
Values = tuple[tuple[str, Hashable], ...]  # a label's attribute values, sorted by name

SPAN_ATTRIBUTES: Final = ("claimant", "checkworthy", "attributes")
STANCE_ATTRIBUTES: Final = ("label", "evidence", "attributes")

DIFFERENT_PLACES: Final = "Only items at the same place have attribute differences."
CLAIMANT_TWICE: Final = "Give the claimant as offsets or as free text, not both."


@dataclass(frozen=True, slots=True)
class SpanPlace:
    label: Name
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class StancePlace:
    target: Name
    holder: Offsets | None


@dataclass(frozen=True, slots=True)
class SpanItem:
    place: SpanPlace
    claimant: Claimant
    checkworthy: str
    attributes: Values = ()


@dataclass(frozen=True, slots=True)
class StanceItem:
    place: StancePlace
    label: Name
    evidence: Offsets | None
    attributes: Values = ()


Item = SpanItem | StanceItem


@dataclass(frozen=True, slots=True)
class RelationItem:
    label: Name
    source: SpanPlace
    target: SpanPlace

    @property
    def place(self) -> "RelationItem":
        """A relation's place is the relation itself: it has no attributes to differ on."""
        return self


@dataclass(frozen=True, slots=True)
class DocumentLabelItem:
    label: Name


def document_label_item(*, label: Name) -> DocumentLabelItem:
    """Return the item a label given to the whole document is."""
    return DocumentLabelItem(label)


def relation_item(
    *, label: Name, source: tuple[Name, int, int], target: tuple[Name, int, int]
) -> RelationItem:
    """Return the item a relation is: its label and both ends' places (label, start, end)."""
    return RelationItem(label, SpanPlace(*source), SpanPlace(*target))


def values_of(attributes: Mapping[str, Any] | None) -> Values:
    """Return an item's attribute values as ``Values`` (hashable, in one order)."""
    if not attributes:
        return ()
    pairs = []
    for name in sorted(attributes):
        value = attributes[name]
        if value is None or value == "" or value == []:
            continue
        pairs.append((name, tuple(value) if isinstance(value, list) else value))
    return tuple(pairs)


def values_json(values: Values) -> dict[str, Any]:
    """Return ``Values`` as stored: a multi-choice as a list."""
    return {name: list(value) if isinstance(value, tuple) else value for name, value in values}


def span_item(
    *,
    label: Name,
    start: int,
    end: int,
    claimant: Offsets | None = None,
    claimant_text: str | None = "",
    checkworthy: str | None = "",
    attributes: Mapping[str, Any] | None = None,
) -> SpanItem:
    """Return the item a span is: its place, its claimant (offsets or text) and check-worthiness.

    An empty ``claimant_text`` is no claimant and an empty (or None) ``checkworthy`` is not
    given, as in the database.
    """
    if claimant is not None and claimant_text:
        raise ValueError(CLAIMANT_TWICE)
    who: Claimant = (claimant[0], claimant[1]) if claimant is not None else claimant_text or None
    return SpanItem(SpanPlace(label, start, end), who, checkworthy or "", values_of(attributes))


def stance_item(
    *,
    target: Name,
    label: Name,
    holder: Offsets | None = None,
    evidence: Offsets | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> StanceItem:
    """Return the item a stance is: target and holder's offsets (its place), value, evidence."""
    return StanceItem(
        StancePlace(target, None if holder is None else (holder[0], holder[1])),
        label,
        None if evidence is None else (evidence[0], evidence[1]),
        values_of(attributes),
    )


def same_item(a: Item, b: Item) -> bool:
    """Tell whether two annotators' items are the same item: same place, same attributes."""
    return a == b


def same_place(a: Item, b: Item) -> bool:
    """Tell whether two items sit at the same place (same kind, place equal)."""
    return a.place == b.place


@overload
def vote_key(item: SpanItem) -> SpanItem: ...
@overload
def vote_key(item: StanceItem) -> StanceItem: ...
@overload
def vote_key(item: RelationItem) -> RelationItem: ...
def vote_key(item: Item | RelationItem) -> Item | RelationItem:
    """Return what gold voting counts: the item without a span's check-worthiness and without
    attribute values (each voted on by itself); a relation as it is."""
    if isinstance(item, SpanItem):
        return dataclasses.replace(item, checkworthy="", attributes=())
    if isinstance(item, RelationItem):
        return item
    return dataclasses.replace(item, attributes=())


def attribute_differences(a: Item, b: Item) -> list[str]:
    """Name the attributes in which two items at the same place differ, in a fixed order.

    Raises ValueError for items at different places: they are different items, not a
    disagreement about one item's attributes.
    """
    if not same_place(a, b):
        raise ValueError(DIFFERENT_PLACES)
    names = SPAN_ATTRIBUTES if isinstance(a, SpanItem) else STANCE_ATTRIBUTES
    return [name for name in names if getattr(a, name) != getattr(b, name)]
