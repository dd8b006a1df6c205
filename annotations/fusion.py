"""Combining the lexical and the semantic rankings of claim matching into one.

Both halves answer a ranked list of (id, score). ``reciprocal_rank`` (RRF: Cormack et al.,
2009) scores an id by the sum of ``weight / (k + rank)`` over the lists it is in; ranks only,
so the two halves' incomparable scores (``ts_rank_cd`` or BM25 against cosine) need no
scaling. ``weighted`` sums min-max-scaled scores instead. bench/claim_matching.py measures
both; ``services``/``selectors`` use the one the figures chose (docs/fact-checking.md).
"""

from collections.abc import Sequence

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
    *, lexical: dict[int, float], cosine: dict[int, float], weight: float
) -> list[tuple[int, float]]:
    """Score every candidate by its cosine plus ``weight`` times its lexical score (0 when it
    shares no word); return (id, score), best first.

    Unlike the fusions above, both halves score every candidate either half found (the
    caller computes the cosine of a lexical-only candidate and the lexical score of a
    semantic-only one), so a claim that one half missed is not scored 0 by it.
    """
    # Scores up to about 1 (PostgreSQL's: the share of the query's IDF a claim holds) are
    # taken as they are; larger ones (SQLite's BM25, unbounded) are scaled to the best.
    scale = max(max(lexical.values(), default=0.0), 1.0)
    scores = {
        item: cosine.get(item, 0.0) + weight * lexical.get(item, 0.0) / scale
        for item in {*lexical, *cosine}
    }
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
