"""Agreement on claim records (pure): verdicts and evidence, over claims annotators share.

A claim is matched across annotators by its place: the document, the label and the offsets.
At each claim, an annotator's judgement is the verdict of their claim record (none: missing)
and the set of their evidence (a passage by document and offsets, a source by its address).

- Verdicts: nominal Krippendorff's alpha over the claims, and Cohen's kappa per pair of
  annotators over the claims both gave a verdict.
- Evidence: the Jaccard overlap of two annotators' evidence sets at a claim both gave a
  record with evidence (two empty sets say nothing and are left out), averaged over every
  such claim and pair, and per pair.

An undefined figure is None.
"""

from collections.abc import Hashable, Iterable, Mapping
from itertools import combinations
from typing import Any, NamedTuple

from annotations.agreement import cohen_kappa, krippendorff_alpha


class ClaimJudgement(NamedTuple):
    """One annotator's record on one claim."""

    claim: Hashable  # the claim's place: (document, label, start, end)
    annotator: str
    verdict: str  # "" for none
    evidence: frozenset[Hashable]


def jaccard(first: frozenset[Hashable], second: frozenset[Hashable]) -> float | None:
    """|A ∩ B| / |A ∪ B|; None for two empty sets."""
    union = first | second
    return None if not union else len(first & second) / len(union)


def claim_agreement(judgements: Iterable[ClaimJudgement]) -> dict[str, Any]:
    """Verdict and evidence agreement over the claims (see the module doc)."""
    by_claim: dict[Hashable, dict[str, ClaimJudgement]] = {}
    for judgement in judgements:
        by_claim.setdefault(judgement.claim, {})[judgement.annotator] = judgement
    annotators = sorted({name for given in by_claim.values() for name in given})
    verdict_units: list[Mapping[str, str]] = [
        {name: j.verdict for name, j in given.items() if j.verdict} for given in by_claim.values()
    ]
    verdict_units = [unit for unit in verdict_units if unit]
    verdict_pairs = []
    evidence_pairs = []
    overlaps: list[float] = []
    for first, second in combinations(annotators, 2):
        both = [(u[first], u[second]) for u in verdict_units if first in u and second in u]
        if both:
            verdict_pairs.append(
                {"annotators": [first, second], "units": len(both), "kappa": cohen_kappa(both)}
            )
        scores = [
            score
            for given in by_claim.values()
            if first in given and second in given
            if (score := jaccard(given[first].evidence, given[second].evidence)) is not None
        ]
        overlaps.extend(scores)
        if scores:
            evidence_pairs.append(
                {
                    "annotators": [first, second],
                    "claims": len(scores),
                    "jaccard": sum(scores) / len(scores),
                }
            )
    return {
        "claims": len(by_claim),
        "verdicts": {
            "units": len(verdict_units),
            "alpha": krippendorff_alpha(
                [unit.get(name) for name in annotators] for unit in verdict_units
            ),
            "pairs": verdict_pairs,
        },
        "evidence": {
            "comparisons": len(overlaps),
            "jaccard": sum(overlaps) / len(overlaps) if overlaps else None,
            "pairs": evidence_pairs,
        },
    }
