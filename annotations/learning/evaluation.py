"""Held-out evaluation: the split of the gold and exact-match precision, recall and F1 per label.

A prediction counts only when its start, end and label all equal a gold span's (the strict
CoNLL measure): a span off by one character is both a false positive and a false negative.
"""

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from annotations.learning.types import Predicted, Span

Item = TypeVar("Item")

# The share of the gold held out for evaluation, and the seed of the split: the same gold
# gives the same split, so two versions' figures are comparable.
HELD_OUT_SHARE = 0.2
SPLIT_SEED = 17


def held_out_split(
    items: Sequence[Item], *, share: float = HELD_OUT_SHARE, seed: int = SPLIT_SEED
) -> tuple[list[Item], list[Item]]:
    """Split into (train, held out): ``share`` of the items held out, at least one, seeded.

    With fewer than two items nothing is held out (there would be nothing to train on).
    """
    if len(items) < 2:
        return list(items), []
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)  # noqa: S311 - a reproducible split, not a secret
    held = max(1, round(len(items) * share))
    held_positions = set(order[:held])
    train = [item for position, item in enumerate(items) if position not in held_positions]
    test = [item for position, item in enumerate(items) if position in held_positions]
    return train, test


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0


def _scores(true_positive: int, predicted: int, gold: int) -> dict[str, Any]:
    precision = _ratio(true_positive, predicted)
    recall = _ratio(true_positive, gold)
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "gold": gold,
        "predicted": predicted,
        "correct": true_positive,
    }


def span_scores(
    pairs: Iterable[tuple[Sequence[Span], Sequence[Predicted]]], labels: Iterable[str]
) -> dict[str, Any]:
    """Precision, recall and F1 per label and overall (micro) from (gold, predicted) pairs.

    Every label in ``labels`` is listed, with zeros when neither side has it.
    """
    gold_counts: Counter[str] = Counter()
    predicted_counts: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    for gold, predicted in pairs:
        gold_set = {(start, end, label) for start, end, label in gold}
        predicted_set = {(start, end, label) for start, end, label, _ in predicted}
        gold_counts.update(label for _, _, label in gold_set)
        predicted_counts.update(label for _, _, label in predicted_set)
        correct.update(label for _, _, label in gold_set & predicted_set)
    names = sorted(set(labels) | set(gold_counts) | set(predicted_counts))
    return {
        "labels": {
            name: _scores(correct[name], predicted_counts[name], gold_counts[name])
            for name in names
        },
        "overall": _scores(
            sum(correct.values()), sum(predicted_counts.values()), sum(gold_counts.values())
        ),
    }
