"""Ranked sentence units, CheckThat!-style: ``topic<TAB>sentence_id<TAB>score<TAB>run``.

One line per labelled sentence unit, a document's lines ranked by score, highest first (ties
in text order), as CheckThat!'s check-worthiness tasks want a run file for their MAP-style
scorers. ``topic`` is the document's external id (its id when it has none), ``sentence_id``
the unit (the sentence's number in the document, 0 first, as ``Span.unit`` and the API say),
``run`` what the export holds (``gold`` or ``submitted``). No header: the scorers read four
tab-separated columns.

A unit's score is the model's ``score`` when the row's item carries one (prediction scores,
docs/schema.md's ``Span.score``); otherwise it comes from the label: 1 for the project's first
sentence label (the positive class: create it first, e.g. "check-worthy") and 0 for the
others, so gold ranks as a binary relevance list. Units are read from the row's
``sentences`` when it has them, else from the sentence-labelled spans among its entities,
whose unit is the sentence they cover (annotations.sentences, the same splitter the units
were labelled by). A document's lines are sorted in memory, one document at a time.
"""

from collections.abc import Generator, Iterable, Iterator
from typing import Any

from annotations import rules, sentences
from annotations.exports.base import ExportOptions, ExportReport

NOT_A_UNIT = (
    "{where}: sentence label {label} on [{start}, {end}) is not a whole sentence; left out."
)


def render(
    rows: Iterable[dict[str, Any]], report: ExportReport, options: ExportOptions
) -> Generator[str, None, None]:
    """Yield each document's labelled units as ranked run lines."""
    sentence_labels = options.names_of(rules.SENTENCE)
    positive = sentence_labels[0] if sentence_labels else None
    for row in rows:
        topic = _clean(str(row["external_id"] or row["id"]))
        ranked = sorted(
            _units(row, set(sentence_labels), report),
            key=lambda unit: (-_score(unit, positive), unit["unit"]),
        )
        lines = [
            f"{topic}\t{unit['unit']}\t{_score(unit, positive)!r}\t{options.include}\n"
            for unit in ranked
        ]
        if lines:
            yield "".join(lines)


def _units(row: dict[str, Any], labels: set[str], report: ExportReport) -> Iterator[dict[str, Any]]:
    """The row's labelled units: its ``sentences``, or its sentence-labelled spans."""
    if "sentences" in row:
        yield from (unit for unit in row["sentences"] if unit.get("unit") is not None)
        return
    spans = [span for span in row["entities"] if span["label"] in labels]
    if not spans:
        return
    ranges = sentences.sentence_ranges(row["text"])
    for span in spans:
        unit = rules.unit_of(span["start"], span["end"], ranges)
        if unit is None:
            where = f"document {row['id']}"
            report.warn(NOT_A_UNIT.format(where=where, **span))
            continue
        yield {**span, "unit": unit}


def _score(unit: dict[str, Any], positive: str | None) -> float:
    score = unit.get("score")
    if score is not None:
        return float(score)
    return 1.0 if unit["label"] == positive else 0.0


def _clean(value: str) -> str:
    """A topic id on one line, in one column."""
    return " ".join(value.replace("\t", " ").split())
