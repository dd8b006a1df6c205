"""brat standoff: a zip of ``<name>.txt`` + ``<name>.ann`` per document, and ``annotation.conf``.

``<name>`` is ``document-<id>``. The ``.txt`` is the document's text, UTF-8, exactly as stored;
brat offsets count characters of that text, i.e. code points, our offsets. In the ``.ann``
(tab-separated, as brat writes it):

- every entity and claim is a text-bound annotation ``T<n>\\t<LABEL> <start> <end>\\t<text>``,
  the claim label an entity type of its own. brat keeps a ``.ann`` line on one line, so a span
  that crosses line breaks is written as brat writes it: one fragment per line,
  ``<start> <end>;<start> <end>``, its text the fragments joined by a space;
- a claimant that is an entity is a relation ``R<n>\\tClaimant Arg1:<claim T> Arg2:<entity T>``;
  a claimant given as free text is a note ``#<n>\\tAnnotatorNotes <claim T>\\tclaimant: <text>``;
- check-worthiness is an attribute ``A<n>\\tCheckworthy <claim T> yes|no|unsure``;
- a line break in a note's text (a free-text claimant, a target's name) becomes a space,
  reported: a note is one line;
- a stance is a note ``#<n>\\tAnnotatorNotes <T>\\tstance <LABEL> target=<target>
  holder=<T or author> evidence=<T or none>`` on its evidence span (or, without one, its
  holder). brat has no document-level annotation, so a stance with neither evidence nor holder
  has nothing to hang on: it is left out and reported.

Label names become brat type names (letters, digits, ``_ - .``; anything else becomes ``_``);
a renamed label is reported once. ``annotation.conf`` declares the entity types (entities, then
claims), the ``Claimant`` relation, the ``Checkworthy`` attribute, and that entities may overlap
(a claim holds entities).
"""

import itertools
import re
from collections.abc import Generator, Iterable, Iterator
from typing import Any

import orjson

from annotations.exports.archive import Member, release_comment, zip_members
from annotations.exports.base import ExportOptions, ExportReport
from annotations.exports.tokens import document_name

CONF_NAME = "annotation.conf"
CLAIMANT = "Claimant"
CHECKWORTHY = "Checkworthy"
CHECKWORTHY_VALUES = ("yes", "no", "unsure")
SPAN_KINDS = ("entity", "claim", "sentence")
CHOICE = "choice"
NOTES = "AnnotatorNotes"
TYPE_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
# The notes this module writes, as the brat importer reads them back.
CLAIMANT_NOTE = "claimant: "
STANCE_NOTE = re.compile(
    r"stance (?P<label>.+?) target=(?P<target>.*) "
    r"holder=(?P<holder>T\d+|author) evidence=(?P<evidence>T\d+|none)"
    r"(?: attributes=(?P<attributes>\{.*\}))?"
)
AUTHOR, NO_EVIDENCE = "author", "none"

STANCE_UNPLACED = (
    "{document}: stance {label} toward {target!r} has no evidence and no holder, "
    "and brat has no document-level annotation; left out."
)
NOTE_FLATTENED = (
    "{document}: the {what} {value!r} holds a line break, which a brat note cannot; written "
    "with a space."
)
LABEL_RENAMED = "label {label!r} is the brat type {name!r} (brat types take no {chars!r})."
DOCUMENT_LABELS_LEFT = (
    "{document}: document labels {labels!r}: brat has no document-level annotation; left out."
)
# An attribute written as a note (see the module doc): ``attribute <name>=<JSON value>``.
ATTRIBUTE_NOTE = re.compile(r"attribute (?P<name>[A-Za-z][A-Za-z0-9_-]*)=(?P<value>.+)")
STANCE_ATTRIBUTES = " attributes="


def type_name(label: str) -> str:
    """The brat type for a label name."""
    return TYPE_UNSAFE.sub("_", label) or "_"


def configuration(options: ExportOptions, report: ExportReport) -> str:
    """The annotation.conf of the project's entity and claim labels."""
    entities = [type_name(name) for name in options.names_of("entity")]
    claims = [type_name(name) for name in options.names_of("claim")]
    for name in options.names_of("entity", "claim"):
        if type_name(name) != name:
            unsafe = "".join(sorted(set(TYPE_UNSAFE.findall(name))))
            report.warn(LABEL_RENAMED.format(label=name, name=type_name(name), chars=unsafe))
    sentences = [type_name(name) for name in options.names_of("sentence")]
    for name in options.names_of("entity", "claim", "sentence", "relation"):
        if type_name(name) != name and name not in options.names_of("entity", "claim"):
            unsafe = "".join(sorted(set(TYPE_UNSAFE.findall(name))))
            report.warn(LABEL_RENAMED.format(label=name, name=type_name(name), chars=unsafe))
    lines = ["[entities]", *entities, *claims, *sentences, "", "[relations]"]
    if claims and entities:
        lines.append(f"{CLAIMANT}\tArg1:{'|'.join(claims)}, Arg2:{'|'.join(entities)}")
    for name in options.names_of("relation"):
        lines.append(f"{type_name(name)}\tArg1:<ENTITY>, Arg2:<ENTITY>")
    lines += [
        "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>",
        "",
        "[events]",
        "",
        "[attributes]",
    ]
    if claims:
        lines.append(f"{CHECKWORTHY}\tArg:{'|'.join(claims)}, Value:{'|'.join(CHECKWORTHY_VALUES)}")
    for name, (types, values) in _choice_attributes(options).items():
        lines.append(f"{name}\tArg:{'|'.join(types)}, Value:{'|'.join(values)}")
    return "\n".join(lines) + "\n"


def _choice_attributes(options: ExportOptions) -> dict[str, tuple[list[str], list[str]]]:
    """The span labels' choice attributes brat can declare: name -> (types, values)."""
    found: dict[str, tuple[list[str], list[str]]] = {}
    for spec in options.attributes:
        if spec.kind not in SPAN_KINDS or spec.type != CHOICE:
            continue
        types, values = found.setdefault(spec.name, ([], []))
        types.append(type_name(spec.label))
        values.extend(v for v in spec.choices if _brat_value(v) and v not in values)
    return {name: entry for name, entry in found.items() if entry[1]}


def _brat_value(value: object) -> bool:
    return isinstance(value, str) and TYPE_UNSAFE.search(value) is None and value != ""


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut [start, end) at its line breaks into the pieces brat writes (empty pieces dropped).

    The span runs from the first piece's start to the last piece's end, so a reader that joins
    the pieces gets it back exactly (brat's own spans never start or end on a line break).
    """
    pieces, cursor = [], start
    for line in text[start:end].split("\n"):
        if line:
            pieces.append((cursor, cursor + len(line)))
        cursor += len(line) + 1
    return pieces or [(start, end)]


class _Ann:
    """The lines of one .ann file, numbering each kind of annotation as brat does."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines: list[str] = []
        self.counts = {"T": 0, "R": 0, "A": 0, "#": 0}
        self.ids: dict[tuple[int, int, str], str] = {}

    def add(self, kind: str, body: str) -> str:
        self.counts[kind] += 1
        ident = f"{kind}{self.counts[kind]}"
        self.lines.append(f"{ident}\t{body}\n")
        return ident

    def span(self, item: dict[str, Any]) -> str:
        pieces = fragments(self.text, item["start"], item["end"])
        where = ";".join(f"{start} {end}" for start, end in pieces)
        shown = _one_line(" ".join(self.text[start:end] for start, end in pieces))
        ident = self.add("T", f"{type_name(item['label'])} {where}\t{shown}")
        self.ids.setdefault((item["start"], item["end"], item["label"]), ident)
        return ident

    def find(self, ref: dict[str, Any] | None, labels: Iterable[str]) -> str | None:
        if ref is None or "start" not in ref:
            return None
        for label in labels:
            found = self.ids.get((ref["start"], ref["end"], label))
            if found is not None:
                return found
        return None


def annotations(row: dict[str, Any], report: ExportReport) -> str:
    """The .ann content of one row."""

    def note_text(what: str, value: str) -> str:
        if "\n" in value:
            where = document_name(row)
            report.warn(NOTE_FLATTENED.format(document=where, what=what, value=value))
        return _one_line(value)

    ann = _Ann(row["text"])
    by_id: dict[int, str] = {}  # span id -> its T
    for entity in row["entities"]:
        by_id[entity.get("id", -1)] = ann.span(entity)
        _attributes(ann, by_id[entity.get("id", -1)], entity)
    entity_labels = list(dict.fromkeys(entity["label"] for entity in row["entities"]))
    for claim in row["claims"]:
        ident = ann.span(claim)
        by_id[claim.get("id", -1)] = ident
        _attributes(ann, ident, claim)
        claimant = claim.get("claimant")
        target = ann.find(claimant, entity_labels)
        if target is not None:
            ann.add("R", f"{CLAIMANT} Arg1:{ident} Arg2:{target}")
        elif claimant is not None:
            ann.add(
                "#", f"{NOTES} {ident}\t{CLAIMANT_NOTE}{note_text('claimant', claimant['text'])}"
            )
        if claim.get("checkworthy"):
            ann.add("A", f"{CHECKWORTHY} {ident} {claim['checkworthy']}")
    span_labels = entity_labels + [claim["label"] for claim in row["claims"]]
    for stance in row["stances"]:
        evidence = stance["evidence"]
        evidence_id = ann.find(evidence, [evidence["label"]] if evidence else [])
        holder_id = ann.find(stance["holder"], span_labels)
        anchor = evidence_id or holder_id
        if anchor is None:
            where = document_name(row)
            report.warn(STANCE_UNPLACED.format(document=where, **stance))
            continue
        note = (
            f"stance {stance['label']} target={note_text('target', stance['target'])} "
            f"holder={holder_id or AUTHOR} evidence={evidence_id or NO_EVIDENCE}"
        )
        if stance.get("attributes"):
            note += STANCE_ATTRIBUTES + _json(stance["attributes"])
        ann.add("#", f"{NOTES} {anchor}\t{note}")
    for sentence in row.get("sentences", ()):
        by_id[sentence["id"]] = ann.span(sentence)
        _attributes(ann, by_id[sentence["id"]], sentence)
    for relation in row.get("relations", ()):
        source, target = by_id[relation["source"]], by_id[relation["target"]]
        ident = ann.add("R", f"{type_name(relation['label'])} Arg1:{source} Arg2:{target}")
        _attributes(ann, ident, relation, notes_only=True)
    if row.get("document_labels"):
        names = [name for names in row["document_labels"].values() for name in names]
        report.warn(DOCUMENT_LABELS_LEFT.format(document=document_name(row), labels=names))
    return "".join(ann.lines)


def _attributes(ann: "_Ann", ident: str, item: dict[str, Any], *, notes_only: bool = False) -> None:
    """An item's attributes: a brat attribute for a single choice a brat name can hold, a note
    for anything else (see the module doc)."""
    for name, value in (item.get("attributes") or {}).items():
        if not notes_only and _brat_value(value) and TYPE_UNSAFE.search(name) is None:
            ann.add("A", f"{name} {ident} {value}")
        else:
            ann.add("#", f"{NOTES} {ident}\tattribute {name}={_json(value)}")


def _json(value: Any) -> str:
    # One line, as a note is: JSON escapes every line break inside a string.
    return orjson.dumps(value).decode()


def _one_line(value: str) -> str:
    # A .ann line ends at a line break; brat writes the text of a multi-line span this way.
    return value.replace("\n", " ")


def documents(
    rows: Iterable[dict[str, Any]], report: ExportReport, prefix: str = ""
) -> Iterator[Member]:
    """The .txt and .ann members of each row, under ``prefix``."""
    for row in rows:
        stem = f"{prefix}document-{row['id']}"
        yield f"{stem}.txt", [row["text"]]
        yield f"{stem}.ann", [annotations(row, report)]


def render(
    rows: Iterable[dict[str, Any]], report: ExportReport, options: ExportOptions
) -> Generator[bytes, None, None]:
    """Yield the zip: annotation.conf, then each document's .txt and .ann."""
    members = [(CONF_NAME, [configuration(options, report)])]
    comment = release_comment(options.release)
    yield from zip_members(itertools.chain(members, documents(rows, report)), comment=comment)
