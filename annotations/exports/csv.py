"""CSV for spreadsheets: one row per claim and per stance, with the texts they are about.

Columns: ``kind, document_id, external_id, start, end, text, label, target, claimant, holder,
checkworthy`` (and ``annotator`` last when the export holds submitted annotations). A claim row
has the claim's offsets and text, its label, its claimant's text and its check-worthiness; a
stance row has its evidence's offsets and text (empty without evidence), its value as
``label``, its target, and its holder's text (empty: the document's author). Any text cell
that starts with ``= + - @``, a tab or a carriage return gets a leading ``'``, so that a
spreadsheet shows it as text instead of running it as a formula (OWASP's CSV injection rule).
"""

import csv
import io
from collections.abc import Generator, Iterable
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


def neutralise(value: Any) -> Any:
    """Return a text cell a spreadsheet will not run as a formula; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def render(
    rows: Iterable[dict[str, Any]], report: ExportReport, options: ExportOptions
) -> Generator[str, None, None]:
    """Yield the header, then each row's claims and stances as CSV lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    submitted = options.include == EXPORT_SUBMITTED
    writer.writerow((*HEADER, "annotator") if submitted else HEADER)
    yield _drain(buffer)
    for row in rows:
        extra = (row["annotator"],) if submitted else ()
        for claim in row["claims"]:
            claimant = claim["claimant"]
            cells = (
                "claim",
                row["id"],
                row["external_id"],
                claim["start"],
                claim["end"],
                claim["text"],
                claim["label"],
                "",
                "" if claimant is None else claimant["text"],
                "",
                claim["checkworthy"] or "",
                *extra,
            )
            writer.writerow([neutralise(cell) for cell in cells])
        for stance in row["stances"]:
            evidence, holder = stance["evidence"], stance["holder"]
            cells = (
                "stance",
                row["id"],
                row["external_id"],
                "" if evidence is None else evidence["start"],
                "" if evidence is None else evidence["end"],
                "" if evidence is None else evidence["text"],
                stance["label"],
                stance["target"],
                "",
                "" if holder is None else holder["text"],
                "",
                *extra,
            )
            writer.writerow([neutralise(cell) for cell in cells])
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
