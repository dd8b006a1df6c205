"""Voting over annotators' items: who voted for what, strict majority, ties, agreement.

Pure: items are plain hashable keys (tuples of labels and offsets), voters are plain hashable
ids (annotation ids); no database, no Django. The gold services decide what an item is and
what to do with the verdicts; this module only counts.

- An item's votes are the set of voters that have it: a voter counts once per item.
- An item has a majority when strictly more than half of all voters have it. Exactly half is
  a tie (1 of 2, 2 of 4); less is a minority. Every voter counts in the total, including
  those that have none of the items.
- An item is agreed when every voter has it.
- A value (a span's check-worthiness, say) wins a plurality when it is counted more often
  than every other value; it is unanimous when it is the only value counted.
Results keep the order in which items were first seen, so callers get stable output.
"""

from collections.abc import Collection, Hashable, Iterable, Mapping
from typing import Final, Literal, TypeVar

Item = TypeVar("Item", bound=Hashable)
Voter = TypeVar("Voter", bound=Hashable)
Value = TypeVar("Value", bound=Hashable)

TIE: Final = "tie"
MINORITY: Final = "minority"
Shortfall = Literal["tie", "minority"]


def count_votes(ballots: Iterable[tuple[Item, Voter]]) -> dict[Item, set[Voter]]:
    """Return each item's voters from (item, voter) pairs, items in first-seen order."""
    votes: dict[Item, set[Voter]] = {}
    for item, voter in ballots:
        votes.setdefault(item, set()).add(voter)
    return votes


def has_majority(count: int, total: int) -> bool:
    """Tell whether ``count`` of ``total`` voters is strictly more than half."""
    return count * 2 > total


def shortfall(count: int, total: int) -> Shortfall | None:
    """Return why ``count`` of ``total`` voters is no majority: a tie or a minority (or None)."""
    if has_majority(count, total):
        return None
    return TIE if count * 2 == total else MINORITY


def majority(
    votes: Mapping[Item, Collection[Hashable]], total: int
) -> tuple[list[Item], list[tuple[Item, Shortfall]]]:
    """Split items into those with a strict majority of ``total`` voters and the others.

    The others come with their shortfall (TIE or MINORITY); both lists keep the votes' order.
    """
    chosen: list[Item] = []
    left_out: list[tuple[Item, Shortfall]] = []
    for item, voters in votes.items():
        reason = shortfall(len(voters), total)
        if reason is None:
            chosen.append(item)
        else:
            left_out.append((item, reason))
    return chosen, left_out


def agreed(votes: Mapping[Item, Collection[Hashable]], total: int) -> list[Item]:
    """Return the items that every one of ``total`` voters has, in the votes' order."""
    return [item for item, voters in votes.items() if len(voters) == total]


def tally(values: Iterable[Value]) -> dict[Value, int]:
    """Return how often each value occurs, values in first-seen order."""
    counts: dict[Value, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def plurality(counts: Mapping[Value, int]) -> Value | None:
    """Return the value counted more often than any other; None on a tie or with no values."""
    if not counts:
        return None
    best = max(counts.values())
    leaders = [value for value, count in counts.items() if count == best]
    return leaders[0] if len(leaders) == 1 else None


def unanimous(counts: Mapping[Value, int]) -> Value | None:
    """Return the only value counted; None when values differ or none was counted."""
    if len(counts) != 1:
        return None
    return next(iter(counts))
