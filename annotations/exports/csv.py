"""CSV for spreadsheets: one row per entity, claim and stance, with the texts they are about.

Columns: ``kind, document_id, external_id, start, end, text, label, target, claimant, holder,
checkworthy``, then ``annotator`` when the export holds submitted annotations, ``split`` when
it is split and ``release`` when it belongs to a release, then the columns of what the
project's labels declare (below). An entity row has its offsets, text
and label (``kind`` ``entity``); a claim row
has the claim's offsets and text, its label, its claimant's text and its check-worthiness; a
stance row has its evidence's offsets and text (empty without evidence), its value as
``label``, its target, and its holder's text (empty: the document's author). Any text cell
that starts with ``= + - @``, a tab or a carriage return gets a leading ``'``, so that a
spreadsheet shows it as text instead of running it as a formula (OWASP's CSV injection rule).

Issue 16's kinds, each with columns only when the project has labels of it, so that a
project without them exports exactly the columns above:

- a sentence (a sentence unit's span) is a row of kind ``sentence`` (offsets, text, label)
  with the columns ``unit`` and ``score``;
- a relation is a row of kind ``relation``: its source's offsets and text, its label, and
  its target's in ``to_start``, ``to_end``, ``to_text``;
- a document label is a row of kind ``document``: its label and, in ``group``, its group;
- attributes: a column ``attributes.<name>`` per attribute name the project's labels
  declare, filled on the rows of items that have a value (text and numbers as they are, a
  multi-choice as its JSON list).
"""

import csv
import io
import json
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
    schema = _Schema(options)
    writer.writerow((*HEADER, *extra_columns, *schema.header))
    yield _drain(buffer)
    for row in rows:
        extra = tuple(row[name] for name in extra_columns)
        for cells, item in _items(row, schema):
            more = schema.cells(item)
            writer.writerow([neutralise(cell) for cell in (*cells, *extra, *more)])
        yield _drain(buffer)


class _Schema:
    """The columns of issue 16's kinds that this project's labels call for (module doc)."""

    def __init__(self, options: ExportOptions) -> None:
        self.groups = bool(options.names_of("document"))
        self.relations = bool(options.names_of("relation"))
        self.units = bool(options.names_of("sentence"))
        self.attributes = options.attribute_names()
        self.header = [
            *(["group"] if self.groups else []),
            *(["to_start", "to_end", "to_text"] if self.relations else []),
            *(["unit", "score"] if self.units else []),
            *(f"attributes.{name}" for name in self.attributes),
        ]

    def cells(self, item: dict[str, Any]) -> list[Any]:
        found: list[Any] = []
        if self.groups:
            found.append(item.get("group", ""))
        if self.relations:
            to = item.get("to") or {}
            found += [to.get("start", ""), to.get("end", ""), to.get("text", "")]
        if self.units:
            found += ["" if item.get(key) is None else item[key] for key in ("unit", "score")]
        values = item.get("attributes") or {}
        found += [_attribute(values.get(name)) for name in self.attributes]
        return found


def _attribute(value: Any) -> Any:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value


def _items(
    row: dict[str, Any], schema: _Schema
) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """The HEADER cells of every item of a row, with the item (for the schema's columns)."""
    items = [*row["entities"], *row["claims"]]
    yield from zip(_cells(row), [*items, *row["stances"]], strict=True)
    document = (row["id"], row["external_id"])
    spans = {}
    for item in [*items, *row.get("sentences", ())]:
        spans[item.get("id")] = item
    for sentence in row.get("sentences", ()):
        where = (sentence["start"], sentence["end"], sentence["text"])
        yield ("sentence", *document, *where, sentence["label"], "", "", "", ""), sentence
    for relation in row.get("relations", ()):
        source, target = spans[relation["source"]], spans[relation["target"]]
        where = (source["start"], source["end"], source["text"])
        cells = ("relation", *document, *where, relation["label"], "", "", "", "")
        yield cells, {**relation, "to": target}
    for group, names in (row.get("document_labels") or {}).items():
        for name in names:
            yield ("document", *document, "", "", "", name, "", "", "", ""), {"group": group}


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
