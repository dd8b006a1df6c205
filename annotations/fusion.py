"""Combining the lexical and the semantic rankings of claim matching into one.

Both halves answer a ranked list of (id, score). ``reciprocal_rank`` (RRF: Cormack et al.,
2009) scores an id by the sum of ``weight / (k + rank)`` over the lists it is in; ranks only,
so the two halves' incomparable scores (``ts_rank_cd`` or BM25 against cosine) need no
scaling. ``weighted`` sums min-max-scaled scores instead; ``rescored`` adds a share of the
lexical score to the cosine, with an evidence floor and a demotion. bench/claim_matching.py
measures them all; ``selectors.matching`` uses the one the held-out figures chose
(docs/fact-checking.md).
"""

from collections.abc import Sequence
from collections.abc import Set as AbstractSet

Ranked = Sequence[tuple[int, float]]


def reciprocal_rank(
    rankings: Sequence[Ranked], *, weights: Sequence[float] | None = None, k: float = 60.0
) -> list[tuple[int, float]]:
    """Fuse rankings (best first) by reciprocal rank; return (id, score), best first."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, (item, _score) in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


def weighted(rankings: Sequence[Ranked], *, weights: Sequence[float]) -> list[tuple[int, float]]:
    """Fuse rankings by a weighted sum of min-max-scaled scores; return (id, score), best first."""
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        if not ranking:
            continue
        values = [score for _item, score in ranking]
        low, high = min(values), max(values)
        span = high - low
        for item, score in ranking:
            scaled = (score - low) / span if span > 0 else 1.0
            scores[item] = scores.get(item, 0.0) + weight * scaled
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


def rescored(
    *,
    lexical: dict[int, float],
    cosine: dict[int, float],
    weight: float,
    floor: float | None = None,
    demoted: AbstractSet[int] = frozenset(),
    demotion: float = 1.0,
) -> list[tuple[int, float]]:
    """Score every candidate by its cosine plus ``weight`` times its lexical score (0 when it
    shares no word); return (id, score), best first.

    Unlike the fusions above, both halves score every candidate either half found (the
    caller computes the cosine of a lexical-only candidate; a semantic-only one scores 0
    lexically unless the caller gives its score), so a claim that one half missed is not
    scored 0 by it.

    ``floor``: the evidence a candidate needs to be ranked at all: a lexical hit, or a cosine
    of at least ``floor``. ``demoted`` (ids whose stated numbers contradict the query's:
    ``annotations.claimnumbers``) have their score multiplied by ``demotion``.
    """
    # Scores up to about 1 (PostgreSQL's: the share of the query's IDF a claim holds) are
    # taken as they are; larger ones (SQLite's BM25, unbounded) are scaled to the best.
    scale = max(max(lexical.values(), default=0.0), 1.0)
    scores = {
        item: cosine.get(item, 0.0) + weight * lexical.get(item, 0.0) / scale
        for item in {*lexical, *cosine}
        if floor is None or lexical.get(item, 0.0) > 0 or cosine.get(item, 0.0) >= floor
    }
    for item in demoted & scores.keys():
        scores[item] -= (1 - demotion) * abs(scores[item])  # lower, even below zero
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
