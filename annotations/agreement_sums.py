"""Project agreement as a sum over documents: each document's counts, stored, then added up.

Every figure of ``agreement.project_agreement`` is a function of integer counts that add up
over documents:

- span precision, recall and F1: tp, fp and fn per pair of annotators and label (each match
  mode), a pair's documents being disjoint;
- Krippendorff's alpha (entity tokens, stance values per target, check-worthiness): the
  coincidence matrix is a sum over units, so counting units by their pattern of value counts
  per document and adding the counts gives the project's matrix;
- Cohen's kappa per pair: items both judged, items they agreed on, and each side's count per
  value.
- per relation label: tp, fp and fn per pair as for spans, and the units of its presence per
  related pair of ends counted as stance values are (alpha, kappa);
- per entity and claim label, alpha and kappa on the label's presence per token: the tokens
  of the document (by number of annotators, and per pair), and for each label only its marked
  tokens (patterns, and per pair each side's and both sides' marked tokens); the tokens
  nobody marked with a label are the rest, all ``out``, so a label's figures cost keys in
  proportion to its use, not to the text.

A document's figures are one flat ``Counter`` with tuple keys (``document_counts``); the
project's are the sum of its documents' (``Counter`` addition, and subtraction when a
document changes). Integers add exactly, so the sum never drifts, and ``figures`` over the
sum equals ``project_agreement`` over the same documents to the last bit (alpha and kappa are
computed from the counts in a fixed order). Keys name annotators, labels and targets as the
agreement maths does: by name.
"""

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

from annotations.agreement import (
    EXACT,
    IN,
    OUT,
    OVERLAP,
    AnnotatorWork,
    Counts,
    Span,
    alpha_from_patterns,
    checkworthy_judgements,
    kappa_from_counts,
    label_token_presence,
    pairwise_relation_agreement,
    pairwise_span_agreement,
    relation_judgements,
    span_summary,
    span_work,
    stance_judgements,
    token_patterns,
    tokens,
    unit_patterns,
)

STANCE = "stance"
CHECKWORTHY = "checkworthy"
RELATION = "relation"
RELATIONS = "relations"  # the F1 counts' "mode", beside exact and overlap
COUNT_FIELDS = ("tp", "fp", "fn")

Key = tuple[Any, ...]


def document_counts(text: str, works: Mapping[str, AnnotatorWork]) -> Counter[Key]:
    """Return one document's agreement counts: empty with fewer than two annotators."""
    counts: Counter[Key] = Counter()
    if len(works) < 2:
        return counts
    counts["documents",] = 1
    counts.update(("annotator", name) for name in works)
    for mode in (EXACT, OVERLAP):
        for (first, second), labels in pairwise_span_agreement({0: span_work(works)}, mode).items():
            counts["pair", mode, first, second] = 1
            for label, figures in labels.items():
                if label != "overall":
                    for field in COUNT_FIELDS:
                        counts["span", mode, first, second, label, field] = figures[field]
    entities: dict[Hashable, Sequence[Span]] = {name: work.entities for name, work in works.items()}
    for pattern, weight in token_patterns([(text, entities)]).items():
        counts["tokens", pattern] = weight
    for target, unit in stance_judgements(works):
        _add_unit(counts, (STANCE, target), unit)
    for unit in checkworthy_judgements(works):
        _add_unit(counts, (CHECKWORTHY, ""), unit)
    for (first, second), labels in pairwise_relation_agreement([works]).items():
        counts["pair", RELATIONS, first, second] = 1
        for label, figures in labels.items():
            if label != "overall":
                for field in COUNT_FIELDS:
                    counts["span", RELATIONS, first, second, label, field] = figures[field]
    for label, unit in relation_judgements(works):
        _add_unit(counts, (RELATION, label), unit)
    _add_label_tokens(counts, text, span_work(works))
    return +counts  # without the zero entries, so that equal counts compare equal


def document_uses(works: Mapping[str, AnnotatorWork]) -> Counter[Key]:
    """How often the document's submitted work uses each label: spans and stance values.

    Kept beside the agreement counts (``("uses", label)``; ``figures`` ignores them), so that
    a project's label use is a sum over documents too, whatever their number of annotators.
    """
    uses: Counter[Key] = Counter()
    for work in works.values():
        uses.update(("uses", label) for _, _, label in work.entities)
        uses.update(("uses", label) for _, _, label, _ in work.claims)
        uses.update(("uses", value) for _, _, value in work.stances)
        uses.update(("uses", str(relation.label)) for relation in work.relations)
    return uses


def label_uses(total: Counter[Key]) -> dict[str, int]:
    """Each label's uses in submitted work, by name, from summed ``document_uses``."""
    return {key[1]: value for key, value in total.items() if key[0] == "uses"}


def _add_unit(counts: Counter[Key], group: tuple[str, str], unit: Mapping[str, str]) -> None:
    counts["units", *group] += 1
    for pattern, weight in unit_patterns(Counter([tuple(unit.values())])).items():
        counts["pattern", *group, pattern] += weight
    for first, second in combinations(sorted(unit), 2):
        a, b = unit[first], unit[second]
        counts["kappa", *group, first, second, "n"] += 1
        counts["kappa", *group, first, second, "agreed"] += a == b
        counts["first", *group, first, second, a] += 1
        counts["second", *group, first, second, b] += 1


def _add_label_tokens(
    counts: Counter[Key], text: str, spans: Mapping[Hashable, Sequence[Span]]
) -> None:
    ranges = tokens(text)
    names = sorted(str(name) for name in spans)
    present = {str(name): label_token_presence(ranges, marked) for name, marked in spans.items()}
    counts["ltokens", len(names)] += len(ranges)
    for first, second in combinations(names, 2):
        counts["lpairtokens", first, second] += len(ranges)
    for label in sorted({label for marks in present.values() for label in marks}):
        marks = {name: present[name].get(label, set()) for name in names}
        marked = set().union(*marks.values())
        units: Counter[tuple[Hashable | None, ...]] = Counter(
            tuple(IN if index in marks[name] else OUT for name in names) for index in marked
        )
        for pattern, weight in unit_patterns(units).items():
            counts["lpattern", label, pattern] += weight
        for first, second in combinations(names, 2):
            counts["lpair", label, first, second, "first"] += len(marks[first])
            counts["lpair", label, first, second, "second"] += len(marks[second])
            counts["lpair", label, first, second, "both"] += len(marks[first] & marks[second])


def counts_total(documents: Iterable[Counter[Key]]) -> Counter[Key]:
    """Add up documents' counts."""
    total: Counter[Key] = Counter()
    for counts in documents:
        total.update(counts)
    return +total


def counts_replace(total: Counter[Key], old: Counter[Key], new: Counter[Key]) -> Counter[Key]:
    """Return ``total`` with one document's ``old`` counts replaced by its ``new`` ones."""
    replaced = Counter(total)
    replaced.update(new)
    replaced.subtract(old)
    if any(value < 0 for value in replaced.values()):
        raise ValueError("the counts taken out were never added")
    return +replaced


def counts_to_json(counts: Counter[Key]) -> list[list[Any]]:
    """Plain JSON for a database column: ``[[key..., count], ...]`` in a fixed order."""
    return [[*key, value] for key, value in sorted(counts.items(), key=repr)]


def counts_from_json(rows: Iterable[list[Any]]) -> Counter[Key]:
    """The ``Counter`` that ``counts_to_json`` wrote (JSON lists back to tuples)."""
    return Counter({_tuples(row[:-1]): row[-1] for row in rows})


def _tuples(value: Any) -> Any:
    return tuple(_tuples(item) for item in value) if isinstance(value, list) else value


def figures(total: Counter[Key]) -> dict[str, Any]:
    """Every figure ``project_agreement`` gives, from the sum of the documents' counts."""
    annotators = sorted(key[1] for key in total if key[0] == "annotator")
    by_kind: dict[str, dict[Any, Counter[Key]]] = defaultdict(lambda: defaultdict(Counter))
    for key, value in total.items():
        if key[0] in ("span", "pair"):
            by_kind[key[1]][key[0]][key[2:]] = value
        elif key[0] in ("units", "pattern", "kappa", "first", "second"):
            by_kind[key[1]][key[2]][(key[0], *key[3:])] = value
    return {
        "documents": total["documents",],
        "annotators": annotators,
        "spans": {mode: _spans(by_kind[mode]) for mode in (EXACT, OVERLAP)},
        "entity_tokens_alpha": alpha_from_patterns(
            {key[1]: value for key, value in total.items() if key[0] == "tokens"}
        ),
        "stances": {
            target: _categorical(counts, annotators)
            for target, counts in sorted(by_kind[STANCE].items())
        },
        "checkworthy": _categorical(by_kind[CHECKWORTHY][""], annotators),
        "label_tokens": _label_tokens(total, annotators),
        "relations": _spans(by_kind[RELATIONS]),
        "relation_labels": {
            label: _categorical(counts, annotators)
            for label, counts in sorted(by_kind[RELATION].items())
        },
    }


def _label_tokens(total: Counter[Key], annotators: list[str]) -> dict[str, dict[str, Any]]:
    """Alpha and kappa per label on presence per token, from ``_add_label_tokens``' counts."""
    by_size = {key[1]: value for key, value in total.items() if key[0] == "ltokens"}
    patterns: dict[str, dict[Any, int]] = defaultdict(dict)
    pair_counts: dict[str, Counter[Key]] = defaultdict(Counter)
    for key, value in total.items():
        if key[0] == "lpattern":
            patterns[key[1]][key[2]] = value
        elif key[0] == "lpair":
            pair_counts[key[1]][key[2:]] = value
    result = {}
    for label, marked in sorted(patterns.items()):
        # Per number of annotators, the tokens nobody marked with the label: all ``out``.
        unmarked: Counter[int] = Counter(by_size)
        for pattern, weight in marked.items():
            unmarked[sum(count for _, count in pattern)] -= weight
        every = dict(marked)
        for size, weight in unmarked.items():
            if weight:
                every[((OUT, size),)] = every.get(((OUT, size),), 0) + weight
        pairs = []
        for first, second in combinations(annotators, 2):
            units = total["lpairtokens", first, second]
            if units:
                counts = pair_counts[label]
                a, b = counts[first, second, "first"], counts[first, second, "second"]
                kappa = kappa_from_counts(
                    total=units,
                    agreed=units - a - b + 2 * counts[first, second, "both"],
                    first={IN: a, OUT: units - a},
                    second={IN: b, OUT: units - b},
                )
                pairs.append({"annotators": [first, second], "units": units, "kappa": kappa})
        result[label] = {
            "units": sum(by_size.values()),
            "alpha": alpha_from_patterns(every),
            "pairs": pairs,
        }
    return result


def _spans(counts: Mapping[str, Counter[Key]]) -> dict[str, Any]:
    pairs: dict[tuple[str, str], dict[str, Counts]] = {
        pair: defaultdict(Counts) for pair in counts.get("pair", Counter())
    }
    for (first, second, label, field), value in counts.get("span", Counter()).items():
        setattr(pairs[first, second][label], field, value)
    result: dict[tuple[Hashable, Hashable], dict[str, dict[str, Any]]] = {}
    for pair, labels in pairs.items():
        overall = Counts()
        for label_counts in list(labels.values()):
            overall.add(label_counts)
        labels["overall"] = overall
        result[pair] = {label: c.as_dict() for label, c in sorted(labels.items())}
    return span_summary(result)


def _categorical(counts: Counter[Key], annotators: list[str]) -> dict[str, Any]:
    patterns = {key[1]: value for key, value in counts.items() if key[0] == "pattern"}
    values: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    for key, value in counts.items():
        if key[0] in ("first", "second"):
            values[key[0], key[1], key[2]][key[3]] = value
    pairs = []
    for first, second in combinations(annotators, 2):
        units = counts["kappa", first, second, "n"]
        if units:
            kappa = kappa_from_counts(
                total=units,
                agreed=counts["kappa", first, second, "agreed"],
                first=values["first", first, second],
                second=values["second", first, second],
            )
            pairs.append({"annotators": [first, second], "units": units, "kappa": kappa})
    return {"units": counts["units",], "alpha": alpha_from_patterns(patterns), "pairs": pairs}
