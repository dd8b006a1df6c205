"""Document-label rules: the one place that says which sets of document labels are allowed.

Pure (plain ids and names, no Django): the annotating services (the document-label PUT, the
bulk replace, submit), review (building gold, accepting a label into it) and the pages'
script (``doclabels.js`` mirrors ``choose``) all follow these rules, each in its own words.

The rules:
- Document labels are chosen in groups. A single-choice group (``multiple`` false) holds at
  most one label per annotation; a multi-choice group any number.
- A required group must hold at least one label before the annotation is submitted.
- Choosing a label of a single-choice group replaces the group's other label (``choose``);
  a write that sends two labels of such a group is refused, never silently trimmed.
"""

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

G = TypeVar("G", bound=Hashable)
L = TypeVar("L", bound=Hashable)


@dataclass(frozen=True)
class Group:
    """A label group as the rules see it."""

    key: Hashable
    name: str
    multiple: bool
    required: bool


def crowded_groups(labels: Iterable[L], group_of: Mapping[L, Group]) -> list[tuple[Group, list[L]]]:
    """The single-choice groups given more than one label, each with its labels in order given."""
    given: dict[Hashable, list[L]] = {}
    groups: dict[Hashable, Group] = {}
    for label in labels:
        group = group_of[label]
        groups[group.key] = group
        given.setdefault(group.key, []).append(label)
    return [
        (groups[key], chosen)
        for key, chosen in given.items()
        if not groups[key].multiple and len(chosen) > 1
    ]


def missing_required(
    labels: Iterable[L], group_of: Mapping[L, Group], groups: Iterable[Group]
) -> list[Group]:
    """The required groups among ``groups`` that none of ``labels`` belongs to."""
    filled = {group_of[label].key for label in labels}
    return [group for group in groups if group.required and group.key not in filled]


def choose(chosen: Iterable[L], label: L, group_of: Mapping[L, Group]) -> list[L]:
    """Toggle ``label`` in ``chosen``; in a single-choice group it replaces the group's other.

    The order is kept; a label added goes last.
    """
    current = list(chosen)
    if label in current:
        return [other for other in current if other != label]
    group = group_of[label]
    if not group.multiple:
        current = [other for other in current if group_of[other].key != group.key]
    return [*current, label]


def majority(sets: list[frozenset[L]]) -> tuple[set[L], set[L]]:
    """The labels given in strictly more than half of ``sets``, and the ties (exactly half)."""
    counts: dict[L, int] = {}
    for labels in sets:
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
    kept = {label for label, count in counts.items() if 2 * count > len(sets)}
    ties = {label for label, count in counts.items() if 2 * count == len(sets)}
    return kept, ties
