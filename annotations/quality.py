"""The quality loop: each annotator against reviewed gold, and labels used inconsistently.

Pure functions over plain values, no database (``selectors/quality.py`` reads, the quality
page shows).

**Against gold.** Over the documents whose gold is marked reviewed, each annotator's submitted
work is compared with the gold, the gold being the reference:

- spans (entity and claim): precision, recall and F1 per label and overall, on **exact**
  match (same label and offsets) and on one-to-one **overlap** match (same label, overlapping
  offsets), as ``agreement.span_counts`` counts them;
- check-worthiness: accuracy over the claims the annotator and gold both have at the same
  place (label and offsets) where gold gives a value; an annotator who gave none is wrong;
- stances: accuracy per target over the stance places (target and holder) either has, the
  value ``none`` standing for no stance there, as the agreement's stance units do;
- disagreements: what the annotator did otherwise than gold, grouped across documents by
  what it is ("labels 'Kidal' LOC where gold has ORG"), most frequent first, with the
  documents where it happened.

**Consistency.** The same surface string labelled differently across the corpus: spans of
entity labels in submitted work and gold, grouped by their text with case folded
(``str.casefold``) and runs of white space made one space, nothing else changed; a string is
listed when it carries two labels or more.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from annotations import items
from annotations.agreement import (
    EXACT,
    NO_STANCE,
    OVERLAP,
    AnnotatorWork,
    Counts,
    Span,
    span_counts,
)

OVERALL = "overall"
LINKED_DOCUMENTS = 5  # documents kept per disagreement or label, for links

# What each kind of disagreement with gold reads as; the texts are the user's own words.
LABEL = "label"
BOUNDARY = "boundary"
EXTRA = "extra"
MISSED = "missed"
CHECKWORTHY = "checkworthy"
STANCE = "stance"
DESCRIPTIONS = {
    LABEL: "labels “{text}” {label} where gold has {gold}",
    BOUNDARY: "marks “{text}” {label} where gold has “{gold_text}”",
    EXTRA: "marks “{text}” {label}; gold has nothing there",
    MISSED: "misses “{text}” ({gold} in gold)",
    CHECKWORTHY: "rates “{text}” check-worthy “{label}” where gold has “{gold}”",
    STANCE: "gives {label} on “{target}”{holder} where gold has {gold}",
}


@dataclass
class GoldDocument:
    """One document with reviewed gold: the gold, each annotator's submitted work, its strings."""

    document_id: int
    gold: AnnotatorWork
    works: dict[str, AnnotatorWork]  # by author
    surfaces: dict[tuple[int, int], str]  # the text at each span's offsets


@dataclass
class Tally:
    """Right answers out of all; accuracy None when there was nothing to judge."""

    right: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float | None:
        return self.right / self.total if self.total else None


@dataclass
class Disagreement:
    """One kind of difference from gold, how often it happened and where."""

    kind: str
    description: str
    count: int
    documents: list[int]  # the first LINKED_DOCUMENTS, in id order


@dataclass
class AnnotatorQuality:
    """One annotator's work compared with reviewed gold."""

    annotator: str
    documents: int = 0
    spans: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # mode, label
    checkworthy: Tally = field(default_factory=Tally)
    stances: dict[str, Tally] = field(default_factory=dict)  # by target
    disagreements: list[Disagreement] = field(default_factory=list)  # most frequent first
    disagreement_kinds: int = 0  # distinct disagreements in all, listed or not

    @property
    def stance_overall(self) -> Tally:
        """Stance accuracy pooled over every target."""
        tallies = self.stances.values()
        return Tally(sum(t.right for t in tallies), sum(t.total for t in tallies))


def against_gold(documents: Iterable[GoldDocument], *, top: int = 10) -> list[AnnotatorQuality]:
    """Compare each annotator's work with gold; the ``top`` most frequent disagreements each."""
    counts: dict[str, dict[str, dict[str, Counts]]] = defaultdict(
        lambda: {mode: defaultdict(Counts) for mode in (EXACT, OVERLAP)}
    )
    results: dict[str, AnnotatorQuality] = {}
    found: dict[str, dict[tuple[str, str], list[int]]] = defaultdict(lambda: defaultdict(list))
    for document in sorted(documents, key=lambda d: d.document_id):
        gold_spans = _spans(document.gold)
        for name, work in document.works.items():
            result = results.setdefault(name, AnnotatorQuality(annotator=name))
            result.documents += 1
            spans = _spans(work)
            for mode in (EXACT, OVERLAP):
                for label, label_counts in span_counts(gold_spans, spans, mode).items():
                    counts[name][mode][label].add(label_counts)
                    counts[name][mode][OVERALL].add(label_counts)
            _judge_checkworthy(result.checkworthy, document.gold, work)
            for target, tally in _stance_tallies(document.gold, work).items():
                total = result.stances.setdefault(target, Tally())
                total.right += tally.right
                total.total += tally.total
            for difference in differences(document, work):
                found[name][difference].append(document.document_id)
    for name, result in results.items():
        result.spans = {
            mode: {label: c.as_dict() for label, c in sorted(by_label.items())}
            for mode, by_label in counts[name].items()
        }
        result.stances = dict(sorted(result.stances.items()))
        ranked = sorted(found[name].items(), key=lambda item: (-len(item[1]), item[0]))
        result.disagreement_kinds = len(ranked)
        result.disagreements = [
            Disagreement(kind, description, len(where), sorted(set(where))[:LINKED_DOCUMENTS])
            for (kind, description), where in ranked[:top]
        ]
    return sorted(results.values(), key=lambda r: r.annotator)


def _spans(work: AnnotatorWork) -> list[Span]:
    return [*work.entities, *((start, end, label) for start, end, label, _ in work.claims)]


def _judge_checkworthy(tally: Tally, gold: AnnotatorWork, work: AnnotatorWork) -> None:
    theirs = {items.SpanPlace(label, s, e): value for s, e, label, value in work.claims}
    for start, end, label, value in gold.claims:
        place = items.SpanPlace(label, start, end)
        if value and place in theirs:
            tally.total += 1
            tally.right += theirs[place] == value


def _stance_values(work: AnnotatorWork) -> dict[items.StancePlace, str]:
    return {items.StancePlace(target, holder): value for target, holder, value in work.stances}


def _stance_tallies(gold: AnnotatorWork, work: AnnotatorWork) -> dict[str, Tally]:
    golden, theirs = _stance_values(gold), _stance_values(work)
    tallies: dict[str, Tally] = defaultdict(Tally)
    for place in golden.keys() | theirs.keys():
        tally = tallies[str(place.target)]
        tally.total += 1
        tally.right += golden.get(place, NO_STANCE) == theirs.get(place, NO_STANCE)
    return dict(tallies)


def differences(document: GoldDocument, work: AnnotatorWork) -> list[tuple[str, str]]:
    """What one annotator did otherwise than gold in one document, each as (kind, description).

    Spans are paired with gold's by offsets first (another label: ``label``), then by overlap
    with a gold span of the same label (other boundaries: ``boundary``); the rest are
    ``extra`` (the annotator's) and ``missed`` (gold's). Then check-worthiness and stances.
    """
    text = document.surfaces
    gold_spans, spans = set(_spans(document.gold)), set(_spans(work))
    same = gold_spans & spans
    gold_left = sorted(gold_spans - same)
    left = sorted(spans - same)
    found: list[tuple[str, str]] = []
    gold_at = {(s, e): label for s, e, label in gold_left}
    for span in list(left):
        start, end, label = span
        if (start, end) in gold_at:
            gold_label = gold_at.pop((start, end))
            gold_left.remove((start, end, gold_label))
            left.remove(span)
            found.append((LABEL, _describe(LABEL, text, span, gold=gold_label)))
    for span in list(left):
        start, end, label = span
        for gold_span in gold_left:
            if gold_span[2] == label and gold_span[0] < end and start < gold_span[1]:
                gold_left.remove(gold_span)
                left.remove(span)
                gold_text = text.get(gold_span[:2], "")
                found.append((BOUNDARY, _describe(BOUNDARY, text, span, gold_text=gold_text)))
                break
    found.extend((EXTRA, _describe(EXTRA, text, span)) for span in left)
    found.extend(
        (MISSED, _describe(MISSED, text, (s, e, ""), gold=label)) for s, e, label in gold_left
    )
    theirs = {(s, e, label): value for s, e, label, value in work.claims}
    for start, end, label, value in document.gold.claims:
        given = theirs.get((start, end, label))
        if value and given is not None and given != value:
            description = DESCRIPTIONS[CHECKWORTHY].format(
                text=_short(text.get((start, end), "")), label=given or "not given", gold=value
            )
            found.append((CHECKWORTHY, description))
    golden, their_stances = _stance_values(document.gold), _stance_values(work)
    for place in sorted(golden.keys() | their_stances.keys(), key=repr):
        value, gold_value = their_stances.get(place, NO_STANCE), golden.get(place, NO_STANCE)
        if value != gold_value:
            holder = f" by “{_short(text.get(place.holder, ''))}”" if place.holder else ""
            description = DESCRIPTIONS[STANCE].format(
                label=value, target=place.target, holder=holder, gold=gold_value
            )
            found.append((STANCE, description))
    return found


def _describe(kind: str, text: Mapping[tuple[int, int], str], span: Span, **more: str) -> str:
    start, end, label = span
    return DESCRIPTIONS[kind].format(text=_short(text.get((start, end), "")), label=label, **more)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def surface_key(text: str) -> str:
    """The consistency check's key for a span's text: case folded, white space runs as one space."""
    return " ".join(text.split()).casefold()


@dataclass
class LabelUse:
    """One label given to a surface string: how many spans, by whom, and where to find some."""

    label: str
    spans: int
    sources: dict[str, int] = field(default_factory=dict)  # spans by annotator, and "gold"
    links: list[int] = field(default_factory=list)  # up to LINKED_DOCUMENTS document ids


@dataclass
class Inconsistency:
    """A surface string labelled with two labels or more."""

    text: str  # the most frequent spelling
    spans: int
    labels: list[LabelUse]  # most used first
    spellings: list[str]  # every exact text that folds to it


def inconsistencies(rows: Iterable[tuple[str, str, str, int, int, int]]) -> list[Inconsistency]:
    """Surface strings with two labels or more, most spans first, then by text.

    ``rows`` are ``(text, label, source, spans, first document, last document)``, one per exact
    text, label and source (an annotator's name, or ``gold``), as one GROUP BY gives them;
    spellings that share a key (``surface_key``) are merged. Each label links to the first and
    the last document of each source that gave it, up to ``LINKED_DOCUMENTS``.
    """
    groups: dict[str, dict[str, LabelUse]] = defaultdict(dict)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    links: dict[tuple[str, str], set[int]] = defaultdict(set)
    for text, label, source, spans, first, last in rows:
        key = surface_key(text)
        if not key:
            continue
        use = groups[key].setdefault(label, LabelUse(label=label, spans=0))
        use.spans += spans
        use.sources[source] = use.sources.get(source, 0) + spans
        links[key, label].update((first, last))
        spellings[key][text] += spans
    found = []
    for key, uses in groups.items():
        if len(uses) < 2:
            continue
        for label, use in uses.items():
            use.sources = dict(sorted(use.sources.items()))
            use.links = sorted(links[key, label])[:LINKED_DOCUMENTS]
        found.append(
            Inconsistency(
                text=min(spellings[key].items(), key=lambda item: (-item[1], item[0]))[0],
                spans=sum(use.spans for use in uses.values()),
                labels=sorted(uses.values(), key=lambda use: (-use.spans, use.label)),
                spellings=sorted(spellings[key]),
            )
        )
    return sorted(found, key=lambda item: (-item.spans, surface_key(item.text)))
