"""Agreement between annotators: pure functions over plain tuples, no database.

- Span agreement between two annotators: precision, recall and F1 per label and overall,
  counting a match either on exact offsets and label or on overlapping offsets with the same
  label (each span matched at most once).
- Cohen's kappa between two annotators over paired categorical judgements.
- Krippendorff's alpha (nominal) for any number of annotators, with missing judgements: on
  stance values per target, on claim check-worthiness, and on entity tags per token.
- Per entity and claim label, alpha and Cohen's kappa on the label's presence per token: every
  token of a compared document is a unit, judged ``in`` (a span of the label covers it, in
  part) or ``out`` by each annotator (``label_token_agreement``).
- Per relation label, precision, recall and F1 as spans are scored (exact: a relation matches
  when its label and both ends' label and offsets are equal, ``items.RelationItem``), and
  alpha and kappa on the label's presence per related pair of ends: every (source, target)
  place that any annotator of the document linked is a unit, judged ``in`` or ``out`` for
  each relation label used in the document (``relation_judgements``).
- Per label attribute (``attribute_agreement``), over the items annotators marked alike:
  alpha for a choice, alpha per choice (ticked or not) for a multi-choice, the exact-match
  rate for a text or a number.

Alpha is computed from the coincidence matrix of units grouped by their pattern of value
counts. The `krippendorff` package, our reference in tests, builds a units x values x values
array instead, which for token-level alpha over a large project (millions of tokens) takes
gigabytes; grouping identical units gives the same numbers in kilobytes.

An undefined statistic (fewer than two annotators, nothing to compare, a single category in
all the data) is None, never a made-up 0 or 1.
"""

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from annotations import attributes, items

EXACT = "exact"
OVERLAP = "overlap"
OUTSIDE = "O"  # the entity tag of a token outside every entity span
IN, OUT = "in", "out"  # a token's judgement for one label: covered by a span of it, or not

Span = tuple[int, int, str]  # (start, end, label) in code points

# Words (with any combining marks), flags (a pair of regional indicators) and single
# punctuation marks; the same tokens for every annotator of a document.
TOKEN_RE = re.compile(
    "[\U0001f1e6-\U0001f1ff]{2}|(?:\\w[\u0300-\u036f\u1ab0-\u1aff\u20d0-\u20ff]*)+|[^\\w\\s]"
)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: "Counts") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def as_dict(self) -> dict[str, float | int | None]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else None
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else None
        if self.tp + self.fp + self.fn == 0:
            f1 = None  # neither annotator marked anything: nothing to agree or disagree on
        else:
            f1 = 2 * self.tp / (2 * self.tp + self.fp + self.fn)
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": precision,
            "recall": recall,
            "f1": f1,
        }


def span_counts(
    reference: Iterable[Span], other: Iterable[Span], mode: str = EXACT
) -> dict[str, Counts]:
    """Count matches of ``other`` against ``reference`` per label (F1 is symmetric)."""
    by_label: dict[str, Counts] = defaultdict(Counts)
    reference_by_label: dict[str, list[tuple[int, int]]] = defaultdict(list)
    other_by_label: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for start, end, label in set(reference):
        reference_by_label[label].append((start, end))
    for start, end, label in set(other):
        other_by_label[label].append((start, end))
    for label in reference_by_label.keys() | other_by_label.keys():
        ref = sorted(reference_by_label[label])
        oth = sorted(other_by_label[label])
        if mode == EXACT:
            matched = len(set(ref) & set(oth))
        elif mode == OVERLAP:
            matched = _overlap_matches(ref, oth)
        else:
            raise ValueError(f"mode must be {EXACT!r} or {OVERLAP!r}, not {mode!r}")
        by_label[label] = Counts(matched, len(oth) - matched, len(ref) - matched)
    return dict(by_label)


def _overlap_matches(reference: list[tuple[int, int]], other: list[tuple[int, int]]) -> int:
    # Exact pairs first, then each remaining reference span takes the unmatched span that
    # overlaps it most: one-to-one, so two small spans cannot both claim one large one.
    exact = set(reference) & set(other)
    left = [span for span in reference if span not in exact]
    free = [span for span in other if span not in exact]
    matched = len(exact)
    for start, end in left:
        best, best_overlap = None, 0
        for index, (o_start, o_end) in enumerate(free):
            shared = min(end, o_end) - max(start, o_start)
            if shared > best_overlap:
                best, best_overlap = index, shared
        if best is not None:
            free.pop(best)
            matched += 1
    return matched


def pairwise_span_agreement(
    documents: Mapping[Hashable, Mapping[Hashable, Sequence[Span]]], mode: str = EXACT
) -> dict[tuple[Hashable, Hashable], dict[str, dict[str, Any]]]:
    """Precision/recall/F1 per label and overall for each pair of annotators.

    ``documents`` maps a document to ``{annotator: spans}``; a pair is compared on the
    documents both annotated. Keys of the result are sorted annotator pairs; each value maps
    every label (and ``"overall"``) to tp/fp/fn/precision/recall/f1.
    """
    totals: dict[tuple[Hashable, Hashable], dict[str, Counts]] = defaultdict(
        lambda: defaultdict(Counts)
    )
    for by_annotator in documents.values():
        for first, second in combinations(sorted(by_annotator, key=str), 2):
            pair = totals[(first, second)]
            for label, counts in span_counts(
                by_annotator[first], by_annotator[second], mode
            ).items():
                pair[label].add(counts)
                pair["overall"].add(counts)
            pair.setdefault("overall", Counts())
    return {
        pair: {label: counts.as_dict() for label, counts in sorted(labels.items())}
        for pair, labels in totals.items()
    }


def mean_pairwise_f1(item_sets: Sequence[set[Hashable]]) -> float | None:
    """Mean over each pair of annotators of the exact-match F1 of their items.

    A pair that marked nothing at all agrees fully; None with fewer than two annotators.
    """
    if len(item_sets) < 2:
        return None
    scores = []
    for first, second in combinations(item_sets, 2):
        shared = len(first & second)
        f1 = Counts(shared, len(second) - shared, len(first) - shared).as_dict()["f1"]
        scores.append(1.0 if f1 is None else f1)
    return sum(scores) / len(scores)


def disagreement_count(item_sets: Sequence[set[Hashable]]) -> int:
    """How many items not every annotator has."""
    if not item_sets:
        return 0
    return len(set().union(*item_sets) - set.intersection(*item_sets))


def cohen_kappa(pairs: Iterable[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa for two annotators' judgements of the same items, or None if undefined."""
    pairs = list(pairs)
    return kappa_from_counts(
        total=len(pairs),
        agreed=sum(1 for a, b in pairs if a == b),
        first=Counter(a for a, _ in pairs),
        second=Counter(b for _, b in pairs),
    )


def kappa_from_counts(
    *, total: int, agreed: int, first: Mapping[Any, int], second: Mapping[Any, int]
) -> float | None:
    """Cohen's kappa from its sufficient statistics: items, agreements, each side's values."""
    if not total:
        return None
    observed = agreed / total
    matching = sum(first.get(c, 0) * second.get(c, 0) for c in first.keys() | second.keys())
    expected = matching / total**2
    if expected == 1:
        return None  # one category throughout: chance explains everything
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(units: Iterable[Sequence[Hashable | None]]) -> float | None:
    """Nominal Krippendorff's alpha over units, each a list of values (None when missing)."""
    return alpha_from_patterns(unit_patterns(Counter(tuple(unit) for unit in units)))


Pattern = tuple[tuple[Hashable, int], ...]  # (value, how many annotators gave it), sorted


def unit_patterns(units: Mapping[tuple[Hashable | None, ...], int]) -> Counter[Pattern]:
    """Count units by their pattern of value counts (missing values left out)."""
    # Identical units are counted once (few distinct ones in practice), then each distinct
    # unit becomes its pattern of value counts.
    patterns: Counter[Pattern] = Counter()
    for unit, weight in units.items():
        counts = Counter(value for value in unit if value is not None)
        patterns[tuple(sorted(counts.items(), key=repr))] += weight
    return patterns


def alpha_from_patterns(patterns: Mapping[tuple[tuple[Hashable, int], ...], int]) -> float | None:
    """Nominal alpha from ``{((value, how many annotators gave it), ...): how many units}``."""
    categories: dict[Hashable, int] = {}
    rows: list[tuple[list[int], list[int], int, int]] = []
    # In a fixed order, so that the same counts give the same float to the last bit however
    # they were gathered (all at once, or summed document by document).
    for pattern, weight in sorted(patterns.items(), key=lambda item: repr(item[0])):
        pairable = sum(count for _, count in pattern)
        if pairable < 2:
            continue  # a unit judged by one annotator pairs with nothing
        indexes = [categories.setdefault(value, len(categories)) for value, _ in pattern]
        rows.append((indexes, [count for _, count in pattern], pairable, weight))
    if not rows or len(categories) < 2:
        return None
    size = len(categories)
    coincidences = [[0.0] * size for _ in range(size)]
    for indexes, counts, pairable, weight in rows:
        scale = weight / (pairable - 1)
        for c, n_c in zip(indexes, counts, strict=True):
            for k, n_k in zip(indexes, counts, strict=True):
                coincidences[c][k] += (n_c * n_k - (n_c if c == k else 0)) * scale
    totals = [sum(row) for row in coincidences]
    n = sum(totals)
    observed = n - sum(coincidences[c][c] for c in range(size))
    expected = (n**2 - sum(t * t for t in totals)) / (n - 1)
    if expected == 0:
        return None
    return 1 - observed / expected


def tokens(text: str) -> list[tuple[int, int]]:
    """Split text into word and punctuation tokens, as code-point ranges."""
    return [match.span() for match in TOKEN_RE.finditer(text)]


def token_tags(token_ranges: Sequence[tuple[int, int]], spans: Iterable[Span]) -> list[str]:
    """Tag each token with the label of the entity span covering it, or ``O``.

    A token covered by two spans (where overlap is allowed) takes the longer span's label.
    """
    tags = [OUTSIDE] * len(token_ranges)
    lengths = [0] * len(token_ranges)
    starts = [start for start, _ in token_ranges]
    for start, end, label in spans:
        index = _first_token_at_or_after(starts, start, token_ranges)
        while index < len(token_ranges) and token_ranges[index][0] < end:
            if token_ranges[index][1] > start and end - start > lengths[index]:
                tags[index] = label
                lengths[index] = end - start
            index += 1
    return tags


def _first_token_at_or_after(
    starts: list[int], offset: int, token_ranges: Sequence[tuple[int, int]]
) -> int:
    index = bisect_right(starts, offset) - 1
    if index >= 0 and token_ranges[index][1] > offset:
        return index
    return index + 1


def label_token_presence(
    token_ranges: Sequence[tuple[int, int]], spans: Iterable[Span]
) -> dict[str, set[int]]:
    """For each label, the indexes of the tokens that a span of that label covers (in part)."""
    present: dict[str, set[int]] = defaultdict(set)
    starts = [start for start, _ in token_ranges]
    for start, end, label in spans:
        index = _first_token_at_or_after(starts, start, token_ranges)
        while index < len(token_ranges) and token_ranges[index][0] < end:
            if token_ranges[index][1] > start:
                present[label].add(index)
            index += 1
    return dict(present)


def label_token_agreement(
    documents: Iterable[tuple[str, Mapping[Hashable, Sequence[Span]]]],
) -> dict[str, dict[str, Any]]:
    """Alpha and pairwise kappa per label on its presence per token, over ``(text, {annotator:
    spans})``; documents with fewer than two annotators are left out.

    Every token of every compared document is a unit for every label used in them, judged
    ``in`` or ``out`` by each of the document's annotators: a label nobody used in a document
    is agreed ``out`` on all its tokens. This is the full computation, unit by unit, that
    ``agreement_sums`` gets from counts.
    """
    compared = []
    labels: set[str] = set()
    for text, by_annotator in documents:
        if len(by_annotator) < 2:
            continue
        ranges = tokens(text)
        present = {
            str(name): label_token_presence(ranges, spans) for name, spans in by_annotator.items()
        }
        labels.update(label for marks in present.values() for label in marks)
        compared.append((len(ranges), present))
    annotators = sorted({name for _, present in compared for name in present})
    result = {}
    for label in sorted(labels):
        units: Counter[tuple[tuple[str, str], ...]] = Counter()
        for size, present in compared:
            marks = {name: marks.get(label, set()) for name, marks in sorted(present.items())}
            marked = set().union(*marks.values())
            for index in marked:
                units[tuple((n, IN if index in m else OUT) for n, m in marks.items())] += 1
            # The tokens nobody marked with the label: one unit each, all ``out``.
            if size > len(marked):
                units[tuple((name, OUT) for name in marks)] += size - len(marked)
        result[label] = _weighted_categorical(units, annotators)
    return result


def _weighted_categorical(
    units: Counter[tuple[tuple[str, str], ...]], annotators: list[str]
) -> dict[str, Any]:
    """Alpha and kappa per pair over units given as ``{((annotator, value), ...): how many}``."""
    judged: Counter[tuple[Hashable | None, ...]] = Counter()
    for unit, weight in units.items():
        judged[tuple(value for _, value in unit)] += weight
    patterns = unit_patterns(judged)
    pairs = []
    for first, second in combinations(annotators, 2):
        total = agreed = 0
        firsts: Counter[str] = Counter()
        seconds: Counter[str] = Counter()
        for unit, weight in units.items():
            values = dict(unit)
            if first in values and second in values:
                total += weight
                agreed += weight * (values[first] == values[second])
                firsts[values[first]] += weight
                seconds[values[second]] += weight
        if total:
            kappa = kappa_from_counts(total=total, agreed=agreed, first=firsts, second=seconds)
            pairs.append({"annotators": [first, second], "units": total, "kappa": kappa})
    return {"units": sum(units.values()), "alpha": alpha_from_patterns(patterns), "pairs": pairs}


def token_alpha(documents: Iterable[tuple[str, Mapping[Hashable, Sequence[Span]]]]) -> float | None:
    """Krippendorff's alpha on entity tags per token, over ``(text, {annotator: spans})``.

    Every token is a unit, ``O`` (no entity) included: agreeing that a token is outside
    every entity is agreement too.
    """
    return alpha_from_patterns(token_patterns(documents))


def token_patterns(
    documents: Iterable[tuple[str, Mapping[Hashable, Sequence[Span]]]],
) -> Counter[Pattern]:
    """The units of ``token_alpha`` (one per token of a document with 2+ annotators), by pattern."""
    units: Counter[tuple[Hashable | None, ...]] = Counter()
    for text, by_annotator in documents:
        if len(by_annotator) < 2:
            continue
        ranges = tokens(text)
        tagged = [token_tags(ranges, spans) for spans in by_annotator.values()]
        # Sorted so that units with the same tags from other annotators count together.
        units.update(tuple(sorted(unit)) for unit in zip(*tagged, strict=True))
    return unit_patterns(units)


@dataclass
class AnnotatorWork:
    """One annotator's submitted work on one document, as plain values."""

    entities: list[Span]
    claims: list[tuple[int, int, str, str]]  # start, end, label, checkworthy
    stances: list[tuple[str, items.Offsets | None, str]]  # target, holder (offsets or None), value
    relations: list[items.RelationItem] = field(default_factory=list)  # labels by name


NO_STANCE = "none"


def project_agreement(
    documents: Iterable[tuple[str, Mapping[str, AnnotatorWork]]],
) -> dict[str, Any]:
    """Every agreement figure of a project over ``(text, {annotator: work})`` per document.

    Documents with fewer than two annotators are left out. Units are items' places
    (``annotations.items``) and the judgements their attributes: stance units are (document,
    stance place: target and holder) judged by value, with ``none`` for an annotator who marked
    no stance there; check-worthiness units are the claims' places (label and offsets),
    missing for an annotator without that claim.
    """
    compared = [(text, works) for text, works in documents if len(works) >= 2]
    annotators = sorted({name for _, works in compared for name in works})
    span_documents: dict[Hashable, dict[Hashable, list[Span]]] = {
        index: span_work(works) for index, (_, works) in enumerate(compared)
    }
    stance_units: dict[str, list[dict[str, str]]] = defaultdict(list)
    checkworthy_units: list[dict[str, str]] = []
    relation_units: dict[str, list[dict[str, str]]] = defaultdict(list)
    for _, works in compared:
        for target, unit in stance_judgements(works):
            stance_units[target].append(unit)
        checkworthy_units.extend(checkworthy_judgements(works))
        for label, unit in relation_judgements(works):
            relation_units[label].append(unit)
    return {
        "documents": len(compared),
        "annotators": annotators,
        "spans": {
            mode: span_summary(pairwise_span_agreement(span_documents, mode))
            for mode in (EXACT, OVERLAP)
        },
        "entity_tokens_alpha": token_alpha(
            (text, {name: work.entities for name, work in works.items()})
            for text, works in compared
        ),
        "stances": {
            target: _categorical_summary(units, annotators)
            for target, units in sorted(stance_units.items())
        },
        "checkworthy": _categorical_summary(checkworthy_units, annotators),
        "label_tokens": label_token_agreement((text, span_work(works)) for text, works in compared),
        "relations": span_summary(pairwise_relation_agreement(works for _, works in compared)),
        "relation_labels": {
            label: _categorical_summary(units, annotators)
            for label, units in sorted(relation_units.items())
        },
    }


def relation_counts(
    reference: Iterable[items.RelationItem], other: Iterable[items.RelationItem]
) -> dict[str, Counts]:
    """Count exact matches of ``other``'s relations against ``reference``'s, per label."""
    by_label: dict[str, Counts] = {}
    reference, other = set(reference), set(other)
    for label in sorted({str(r.label) for r in reference | other}):
        ref = {r for r in reference if str(r.label) == label}
        oth = {r for r in other if str(r.label) == label}
        matched = len(ref & oth)
        by_label[label] = Counts(matched, len(oth) - matched, len(ref) - matched)
    return by_label


def pairwise_relation_agreement(
    documents: Iterable[Mapping[str, AnnotatorWork]],
) -> dict[tuple[Hashable, Hashable], dict[str, dict[str, Any]]]:
    """Precision/recall/F1 per relation label and overall for each pair of annotators.

    Shaped as ``pairwise_span_agreement``'s result; a pair is compared on the documents
    both annotated, whether or not either drew a relation there.
    """
    totals: dict[tuple[Hashable, Hashable], dict[str, Counts]] = defaultdict(
        lambda: defaultdict(Counts)
    )
    for works in documents:
        for first, second in combinations(sorted(works), 2):
            pair = totals[(first, second)]
            found = relation_counts(works[first].relations, works[second].relations)
            for label, counts in found.items():
                pair[label].add(counts)
                pair["overall"].add(counts)
            pair.setdefault("overall", Counts())
    return {
        pair: {label: counts.as_dict() for label, counts in sorted(labels.items())}
        for pair, labels in totals.items()
    }


def relation_judgements(works: Mapping[str, AnnotatorWork]) -> list[tuple[str, dict[str, str]]]:
    """One document's relation units: (label, {annotator: ``in`` or ``out``}).

    A unit is a (source, target) pair of places that some annotator linked, once per relation
    label used in the document: ``in`` for an annotator who linked them with that label.
    """
    linked = {
        name: {(r.source, r.target, str(r.label)) for r in work.relations}
        for name, work in works.items()
    }
    ends = {(source, target) for marks in linked.values() for source, target, _ in marks}
    labels = {label for marks in linked.values() for _, _, label in marks}
    return [
        (
            label,
            {
                name: IN if (source, target, label) in marks else OUT
                for name, marks in linked.items()
            },
        )
        for label in sorted(labels)
        for source, target in sorted(ends, key=repr)
    ]


def span_work(works: Mapping[str, AnnotatorWork]) -> dict[Hashable, list[Span]]:
    """Each annotator's entity and claim spans, as the span figures compare them."""
    return {
        name: [*work.entities, *((s, e, label) for s, e, label, _ in work.claims)]
        for name, work in works.items()
    }


def stance_judgements(works: Mapping[str, AnnotatorWork]) -> list[tuple[str, dict[str, str]]]:
    """One document's stance units: (target, {annotator: value or ``none``}) per stance place."""
    judged = {
        name: {items.StancePlace(target, holder): value for target, holder, value in work.stances}
        for name, work in works.items()
    }
    slots = {place for values in judged.values() for place in values}
    return [
        (str(place.target), {name: values.get(place, NO_STANCE) for name, values in judged.items()})
        for place in sorted(slots, key=repr)
    ]


def checkworthy_judgements(works: Mapping[str, AnnotatorWork]) -> list[dict[str, str]]:
    """One document's check-worthiness units: {annotator: value} per claim place."""
    claims: dict[items.SpanPlace, dict[str, str]] = defaultdict(dict)
    for name, work in works.items():
        for start, end, label, checkworthy in work.claims:
            if checkworthy:
                claims[items.SpanPlace(label, start, end)][name] = checkworthy
    return list(claims.values())


def span_summary(
    pairs: dict[tuple[Hashable, Hashable], dict[str, dict[str, Any]]],
) -> dict[str, Any]:
    totals: dict[str, Counts] = defaultdict(Counts)
    for labels in pairs.values():
        for label, figures in labels.items():
            totals[label].add(Counts(figures["tp"], figures["fp"], figures["fn"]))
    overall = totals.pop("overall", Counts())
    return {
        "overall": overall.as_dict(),
        "labels": {label: counts.as_dict() for label, counts in sorted(totals.items())},
        "pairs": [
            {
                "annotators": list(pair),
                "overall": labels["overall"],
                "labels": {k: v for k, v in labels.items() if k != "overall"},
            }
            for pair, labels in sorted(pairs.items(), key=lambda item: repr(item[0]))
        ],
    }


def _categorical_summary(units: list[dict[str, str]], annotators: list[str]) -> dict[str, Any]:
    pairs = []
    for first, second in combinations(annotators, 2):
        both = [(u[first], u[second]) for u in units if first in u and second in u]
        if both:
            pairs.append(
                {"annotators": [first, second], "units": len(both), "kappa": cohen_kappa(both)}
            )
    return {
        "units": len(units),
        "alpha": krippendorff_alpha([unit.get(name) for name in annotators] for unit in units),
        "pairs": pairs,
    }


# Attributes: the values a label's items carry (annotations.attributes), compared over the
# items two or more annotators marked alike (same place and label: a span's label and
# offsets, a stance's target, holder and value). A choice is judged by nominal alpha (no
# value given: missing); a multi-choice by alpha per choice, each annotator who marked the
# item saying yes (ticked) or no; a text or a number by the rate of exact matches over the
# pairs of annotators who marked the item and gave a value between them.

YES, NO = "yes", "no"

# {annotator: {item place: (label name, {attribute name: value})}}, one per document.
AttributeWork = Mapping[str, Mapping[Hashable, tuple[str, Mapping[str, Any]]]]


def attribute_agreement(
    documents: Iterable[AttributeWork],
    declared: Mapping[str, Sequence[attributes.AttributeSpec]],
) -> list[dict[str, Any]]:
    """Agreement per declared attribute (label by name), in label then declaration order."""
    units: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for works in documents:
        places: dict[Hashable, str] = {}
        for marked in works.values():
            for place, (label, _) in marked.items():
                places.setdefault(place, label)
        for place, label in places.items():
            judged = {
                name: marked[place][1] for name, marked in sorted(works.items()) if place in marked
            }
            if len(judged) < 2:
                continue
            for spec in declared.get(label, ()):
                units[(label, spec.name)].append(
                    {name: values.get(spec.name) for name, values in judged.items()}
                )
    found = []
    for label, specs in declared.items():
        for spec in specs:
            found.append(_attribute_figures(label, spec, units.get((label, spec.name), [])))
    return found


def _attribute_figures(
    label: str, spec: attributes.AttributeSpec, units: list[dict[str, Any]]
) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "label": label,
        "attribute": spec.name,
        "type": spec.type,
        "items": len(units),
    }
    if spec.type == attributes.CHOICE:
        figures["alpha"] = krippendorff_alpha(
            [None if attributes.is_empty(v) else v for v in unit.values()] for unit in units
        )
    elif spec.type == attributes.MULTI_CHOICE:
        figures["choices"] = {
            choice: krippendorff_alpha(
                [YES if choice in (v or ()) else NO for v in unit.values()] for unit in units
            )
            for choice in spec.choices
        }
    else:
        pairs = same = 0
        for unit in units:
            for first, second in combinations(unit.values(), 2):
                if attributes.is_empty(first) and attributes.is_empty(second):
                    continue
                pairs += 1
                same += first == second
        figures["pairs"] = pairs
        figures["exact_match"] = same / pairs if pairs else None
    return figures
