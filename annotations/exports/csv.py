"""CSV for spreadsheets: one row per entity, claim and stance, with the texts they are about.

Columns: ``kind, document_id, external_id, start, end, text, label, target, claimant, holder,
checkworthy``, then ``annotator`` when the export holds submitted annotations, ``split`` when
it is split and ``release`` when it belongs to a release. An entity row has its offsets, text
and label (``kind`` ``entity``); a claim row
has the claim's offsets and text, its label, its claimant's text and its check-worthiness; a
stance row has its evidence's offsets and text (empty without evidence), its value as
``label``, its target, and its holder's text (empty: the document's author). Any text cell
that starts with ``= + - @``, a tab or a carriage return gets a leading ``'``, so that a
spreadsheet shows it as text instead of running it as a formula (OWASP's CSV injection rule).
"""

import csv
import io
from collections.abc import Generator, Iterable, Iterator
from typing import Any

from annotations.exports.base import EXPORT_SUBMITTED, ExportOptions, ExportReport

HEADER = (
    "kind",
    "document_id",
    "external_id",
    "start",
    "end",
    "text",
    "label",
    "target",
    "claimant",
    "holder",
    "checkworthy",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SPAN_KEYS = ("start", "end", "text")


def neutralise(value: Any) -> Any:
    """Return a text cell a spreadsheet will not run as a formula; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def render(
    rows: Iterable[dict[str, Any]], report: ExportReport, options: ExportOptions
) -> Generator[str, None, None]:
    """Yield the header, then each row's entities, claims and stances as CSV lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    extra_columns = [name for name, wanted in _extra_columns(options) if wanted]
    writer.writerow((*HEADER, *extra_columns))
    yield _drain(buffer)
    for row in rows:
        extra = tuple(row[name] for name in extra_columns)
        for cells in _cells(row):
            writer.writerow([neutralise(cell) for cell in (*cells, *extra)])
        yield _drain(buffer)


def _extra_columns(options: ExportOptions) -> list[tuple[str, bool]]:
    return [
        ("annotator", options.include == EXPORT_SUBMITTED),
        ("split", options.split is not None),
        ("release", options.release is not None),
    ]


def _cells(row: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """The HEADER cells of each entity, claim and stance of a row."""
    document = (row["id"], row["external_id"])
    for entity in row["entities"]:
        where = (entity["start"], entity["end"], entity["text"])
        yield ("entity", *document, *where, entity["label"], "", "", "", "")
    for claim in row["claims"]:
        where = (claim["start"], claim["end"], claim["text"])
        claimant = "" if claim["claimant"] is None else claim["claimant"]["text"]
        checkworthy = claim["checkworthy"] or ""
        yield ("claim", *document, *where, claim["label"], "", claimant, "", checkworthy)
    for stance in row["stances"]:
        evidence, holder = stance["evidence"], stance["holder"]
        where = ("", "", "") if evidence is None else tuple(evidence[k] for k in SPAN_KEYS)
        holder_text = "" if holder is None else holder["text"]
        yield ("stance", *document, *where, stance["label"], stance["target"], "", holder_text, "")


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
