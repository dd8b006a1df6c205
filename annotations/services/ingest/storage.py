"""Importing documents: parse, repair, deduplicate, store; and say exactly what happened.

Pure functions first (parsing each input format into records, preparing a record for
storage), then the writes. Every input line either stores a whole document (with its
pre-annotations) or stores nothing and is reported; batches are atomic, and a batch that loses
a race with a concurrent import falls back to one transaction per document.
"""

import collections
import contextlib
import csv
import datetime
import gc
import io
import itertools
import json
import logging
import multiprocessing
import struct
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, BinaryIO, NamedTuple

import orjson
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Value
from django.utils import timezone
from psycopg import DatabaseError

from annotations import repair
from annotations.models import (
    Annotation,
    AnnotationKind,
    Document,
    Label,
    LabelKind,
    Project,
    Span,
    Stance,
    StanceTarget,
)
from annotations.offsets import overlaps, range_error

logger = logging.getLogger(__name__)

SUPPORTED_EXTENSIONS = (".txt", ".jsonl", ".json", ".csv")
BATCH_SIZE = 500
MAX_EXTERNAL_ID = 255

# Messages (tests assert on these).
ERR_UNSUPPORTED_TYPE = "Unsupported file type {name!r}: use one of .txt, .jsonl, .json, .csv."
ERR_INVALID_JSON = "Invalid JSON: {error}."
ERR_NOT_OBJECT = 'Expected a JSON object with a "text" field, got {kind}.'
ERR_NO_TEXT = 'Missing "text".'
ERR_TEXT_NOT_STRING = '"text" must be a string, got {kind}.'
ERR_EMPTY_TEXT = "Empty text: nothing to annotate."
ERR_BLANK_TEXT = "The text is only whitespace: nothing to annotate."
ERR_META_NOT_OBJECT = '"meta" must be a JSON object, got {kind}.'
ERR_EXTERNAL_ID = '"external_id" must be a string of at most 255 characters.'
ERR_NUL = '"{field}" holds a NUL character (\\u0000), which cannot be stored.'
ERR_JSON_NOT_LIST = 'A .json file must hold a list of documents (or {"documents": [...]}).'
ERR_CSV_NO_TEXT_COLUMN = 'The CSV header has no "text" column (columns: {columns}).'
ERR_CSV_ROW_WIDTH = "This row has {got} cells; the header has {expected}."
ERR_SPANS_NOT_LIST = '"{key}" must be a list of spans.'
WARN_SPAN_SHAPE = "{key} #{index}: expected [start, end, label] or {{start, end, label}}; dropped."
WARN_SPAN_RANGE = "{key} #{index} [{start}, {end}) {problem} Dropped."
WARN_SPAN_LABEL = "{key} #{index}: unknown {kind} label {label!r}; dropped."
WARN_SPAN_TEXT = (
    "{key} #{index} [{start}, {end}): text {sent!r} does not match {actual!r}; dropped."
)
WARN_SPAN_UNMAPPED = (
    "{key} #{index} [{start}, {end}) cannot be carried exactly through the repairs "
    "({repairs}); dropped."
)
WARN_SPAN_OVERLAP = (
    "{key} #{index} [{start}, {end}) overlaps another {kind} span and the project does not "
    "allow overlap; dropped."
)
WARN_CLAIMANT = (
    "claims #{index}: claimant {claimant!r} is not an entity of this line; claim kept without it."
)
WARN_STANCE_SHAPE = (
    'stances #{index}: expected {{"target", "label", "holder"?, "evidence"?}}; dropped.'
)
WARN_STANCE_NAME = "stances #{index}: unknown stance {what} {name!r}; dropped."
WARN_STANCE_SPAN = "stances #{index}: {role} {span!r} is not a span of this line; dropped."
WARN_STANCE_TWICE = (
    "stances #{index}: a second stance on {target!r} by the same holder; one each, dropped."
)
WARN_CLASS_LABELS = "Document-level labels {labels!r} are not span annotations; ignored."
WARN_REPEAT = (
    "Repeated passage: characters [{start}, {end}) repeat [{first_start}, {first_end}) "
    "verbatim; import with collapse_repeats to keep one copy."
)
WARN_REPEAT_COLLAPSED = (
    "Repeated passage: characters [{start}, {end}) repeated [{first_start}, {first_end}) "
    "verbatim and were removed."
)

# Keys of a JSON record that are not copied into meta: the text and its annotations, and
# what our own export adds about who made them (so that an export imports back unchanged).
_RECORD_KEYS = {
    "text",
    "external_id",
    "meta",
    "label",
    "labels",
    "entities",
    "claims",
    "stances",
    "annotators",
    "annotator",
    "reviewed_by",
}


class UnsupportedFileType(ValueError):
    """The file's extension names no format we read."""


@dataclass(frozen=True)
class ImportOptions:
    normalize: str | None = None  # "nfc" or None
    collapse_repeats: bool = False
    encoding: str | None = None  # force a decoding instead of detecting one


@dataclass
class RawSpan:
    key: str  # where it came from: "label", "entities" or "claims"
    index: int
    start: Any
    end: Any
    label: Any
    text: Any = None
    checkworthy: Any = ""
    claimant: Any = None  # {"start", "end", "text"?} of an entity, or {"text"}


@dataclass
class Record:
    """One input document as parsed, before any repair."""

    line: int | str
    text: Any = None
    external_id: Any = ""
    meta: Any = field(default_factory=dict)
    spans: list[RawSpan] = field(default_factory=list)
    stances: list[Any] = field(default_factory=list)
    encoding: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class PreparedSpan:
    start: int
    end: int
    label_id: int
    kind: str
    checkworthy: str = ""
    claimant: int | None = None  # index of the claimant among the line's prepared spans
    claimant_text: str = ""


@dataclass
class PreparedStance:
    target_id: int
    label_id: int
    holder: int | None  # indexes among the line's prepared spans
    evidence: int | None


@dataclass
class Prepared:
    """A record ready to store: repaired text, hash, carried-over spans, what to report."""

    line: int | str
    text: str
    content_hash: str
    external_id: str
    meta: dict
    repairs: list[str]
    encoding: str | None
    warnings: list[str]
    spans: list[PreparedSpan]
    stances: list[PreparedStance] = field(default_factory=list)
    # The document's COPY row (see _copy_row) when built with the rest; ``text`` is then
    # empty unless spans need it.
    copy_row: bytes | None = None


@dataclass
class ImportReport:
    created: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    repaired: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "duplicates": self.duplicates,
            "repaired": self.repaired,
            "warnings": self.warnings,
            "errors": self.errors,
        }


# --- Parsing: bytes in, records out -------------------------------------------------------


def _kind_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )


class JsonlLine(NamedTuple):
    """A line of a .jsonl file, read but not yet decoded nor parsed (see _jsonl_lines)."""

    number: int
    data: bytes | str  # bytes to decode, or a line decoded already
    encoding: str | None  # bytes: the encoding forced (None: detect); str: the one used


def _jsonl_lines(stream: BinaryIO, encoding: str | None) -> Iterator[JsonlLine]:
    """Yield the file's lines, line ends kept, for _decode_line to decode one by one.

    Lines are decoded one by one, so a file of any size streams and one Windows-1252 line
    does not spoil the rest; decoding waits so that it can happen in a worker process. A
    UTF-16/32 file (known by its BOM) is decoded whole, here. A UTF-8 BOM at the start of the
    file belongs to no document and is dropped.
    """
    head = stream.read(4)
    if encoding is None and head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, used = repair.decode_bytes(head + stream.read())
        text = text.removeprefix(repair.BOM_CHAR)
        for number, line in enumerate(io.StringIO(text, newline=""), start=1):
            yield JsonlLine(number, line, used)
        return
    # Complete the first line, which the 4 bytes read ahead may have split or overrun.
    first = head.removeprefix(b"\xef\xbb\xbf") + stream.readline()
    *complete, partial = first.split(b"\n")
    lines = [piece + b"\n" for piece in complete] + ([partial] if partial else [])
    for number, raw in enumerate(itertools.chain(lines, stream), start=1):
        yield JsonlLine(number, raw, encoding)


def _decode_line(line: JsonlLine) -> tuple[str, str | None]:
    """Return the line's text and the encoding used when it was not UTF-8."""
    if isinstance(line.data, str):
        return line.data, line.encoding
    return repair.decode_bytes(line.data, line.encoding, sniff_bom=False)


def _iter_lines(stream: BinaryIO, encoding: str | None) -> Iterator[tuple[int, str, str | None]]:
    """Yield ``(line number, decoded line, encoding when not UTF-8)``, line ends kept."""
    for line in _jsonl_lines(stream, encoding):
        yield line.number, *_decode_line(line)


def _spans_from(obj: dict, record: Record) -> None:
    """Collect pre-annotation spans: doccano `label`, native `entities` and `claims`."""
    for key in ("label", "labels", "entities", "claims"):
        if key not in obj:
            continue
        items = obj[key]
        if not isinstance(items, list):
            record.warnings.append(ERR_SPANS_NOT_LIST.format(key=key))
            continue
        if key in ("label", "labels") and items and all(isinstance(i, str) for i in items):
            record.warnings.append(WARN_CLASS_LABELS.format(labels=items))
            continue
        for index, item in enumerate(items):
            if isinstance(item, list | tuple) and len(item) == 3:
                record.spans.append(RawSpan(key, index, item[0], item[1], item[2]))
            elif isinstance(item, dict) and "label" in item:
                record.spans.append(
                    RawSpan(
                        key,
                        index,
                        item.get("start", item.get("start_offset")),
                        item.get("end", item.get("end_offset")),
                        item["label"],
                        item.get("text"),
                        item.get("checkworthy", ""),
                        item.get("claimant") if key == "claims" else None,
                    )
                )
            else:
                record.warnings.append(WARN_SPAN_SHAPE.format(key=key, index=index))
    if "stances" in obj:
        if isinstance(obj["stances"], list):
            record.stances = obj["stances"]
        else:
            record.warnings.append(ERR_SPANS_NOT_LIST.format(key="stances"))


def record_from_object(obj: Any, line: int | str, encoding: str | None = None) -> Record:
    """Turn one JSON value (native or doccano) into a record, or a record with an error."""
    record = Record(line=line, encoding=encoding)
    if not isinstance(obj, dict):
        record.error = ERR_NOT_OBJECT.format(kind=_kind_name(obj))
        return record
    if "text" not in obj:
        record.error = ERR_NO_TEXT
        return record
    record.text = obj["text"]
    record.external_id = obj.get("external_id", obj.get("id", ""))
    meta = obj.get("meta", {})
    if not isinstance(meta, dict):
        record.error = ERR_META_NOT_OBJECT.format(kind=_kind_name(meta))
        return record
    extra = {k: v for k, v in obj.items() if k not in _RECORD_KEYS and k != "id"}
    record.meta = {**extra, **meta} if extra else meta
    _spans_from(obj, record)
    return record


def parse_jsonl(stream: BinaryIO, encoding: str | None = None) -> Iterator[Record]:
    """Read JSON Lines: one document per non-blank line, numbered by physical line."""
    for line in _jsonl_lines(stream, encoding):
        record = _jsonl_record(line)
        if record is not None:
            yield record


def _jsonl_record(line: JsonlLine) -> Record | None:
    """Decode and parse one .jsonl line into a record; None for a blank line."""
    if line.encoding is None and isinstance(line.data, bytes):
        # The usual line, UTF-8 JSON: orjson checks the UTF-8 as it reads the bytes, which
        # saves decoding them first. Anything else takes the way that says what is wrong.
        try:
            return record_from_object(orjson.loads(line.data), line.number)
        except orjson.JSONDecodeError:
            pass
    text, used = _decode_line(line)
    if not text.strip():
        return None
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        return Record(line=line.number, error=ERR_INVALID_JSON.format(error=error))
    return record_from_object(obj, line.number, used)


def parse_json(data: bytes, encoding: str | None = None) -> Iterator[Record]:
    """Read a JSON list of documents; `line` is the 1-based item index."""
    text, used = repair.decode_bytes(data, encoding)
    try:
        items = orjson.loads(text.removeprefix(repair.BOM_CHAR))
    except orjson.JSONDecodeError as error:
        yield Record(line=1, error=ERR_INVALID_JSON.format(error=error))
        return
    if isinstance(items, dict) and isinstance(items.get("documents"), list):
        items = items["documents"]
    if not isinstance(items, list):
        yield Record(line=1, error=ERR_JSON_NOT_LIST)
        return
    for index, obj in enumerate(items, start=1):
        yield record_from_object(obj, index, used)


def parse_objects(items: Iterable[Any]) -> Iterator[Record]:
    """Read an already-parsed JSON body (a list of documents)."""
    for index, obj in enumerate(items, start=1):
        yield record_from_object(obj, index)


def parse_csv(stream: BinaryIO, encoding: str | None = None) -> Iterator[Record]:
    """Read CSV with a header: `text` is the document, `external_id` its id, the rest meta.

    `line` is the physical line where the record starts (the header is line 1), so a text
    with quoted line breaks still points at the right place.
    """
    non_utf8: dict[int, str] = {}

    def lines() -> Iterator[str]:
        for number, line, used in _iter_lines(stream, encoding):
            if used:
                non_utf8[number] = used
            yield line

    reader = csv.reader(lines())
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as error:
        yield Record(line=1, error=f"CSV: {error}.")
        return
    columns = [column.strip() for column in header]
    if "text" not in columns:
        yield Record(line=1, error=ERR_CSV_NO_TEXT_COLUMN.format(columns=", ".join(columns)))
        return
    previous_end = reader.line_num
    while True:
        start_line = previous_end + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Record(line=start_line, error=f"CSV: {error}.")
            return
        end_line = reader.line_num
        previous_end = end_line
        if not row or all(not cell.strip() for cell in row):
            continue
        used = next((non_utf8[n] for n in range(start_line, end_line + 1) if n in non_utf8), None)
        if len(row) != len(columns):
            yield Record(
                line=start_line,
                error=ERR_CSV_ROW_WIDTH.format(got=len(row), expected=len(columns)),
            )
            continue
        values = dict(zip(columns, row, strict=True))
        text = values.pop("text")
        external_id = values.pop("external_id", "")
        yield Record(
            line=start_line, text=text, external_id=external_id, meta=values, encoding=used
        )


def parse_txt(name: str, data: bytes, encoding: str | None = None) -> Iterator[Record]:
    """Read a plain-text file as one document named after the file."""
    text, used = repair.decode_bytes(data, encoding)
    yield Record(line=name, text=text, external_id=PurePath(name).stem, encoding=used)


def parse_file(name: str, stream: BinaryIO, encoding: str | None = None) -> Iterator[Record]:
    """Dispatch on the file's extension; raise UnsupportedFileType for anything else."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".jsonl":
        return parse_jsonl(stream, encoding)
    if suffix == ".csv":
        return parse_csv(stream, encoding)
    if suffix == ".json":
        return parse_json(stream.read(), encoding)
    if suffix == ".txt":
        return parse_txt(PurePath(name).name, stream.read(), encoding)
    raise UnsupportedFileType(ERR_UNSUPPORTED_TYPE.format(name=PurePath(name).name))


# --- Preparing: one record, checked and repaired ------------------------------------------


# Marks the stance targets among the labels in LabelIndex's one query (not a label kind).
TARGET = "target"


@dataclass
class LabelIndex:
    """The project's span labels, stance values and stance targets by name; its overlap rule."""

    by_name: dict[str, tuple[int, str]]
    allow_overlap: bool
    stance_values: dict[str, int] = field(default_factory=dict)
    targets: dict[str, int] = field(default_factory=dict)

    @classmethod
    def for_project(cls, project: Project) -> "LabelIndex":
        spans, values, targets = {}, {}, {}
        # Labels and targets in one query: an import's query count does not grow with them.
        rows = Label.objects.filter(project=project).order_by().values_list("name", "id", "kind")
        rows = rows.union(
            StanceTarget.objects.filter(project=project)
            .order_by()
            .values_list("name", "id", Value(TARGET, output_field=CharField())),
            all=True,
        )
        for name, pk, kind in rows:
            if kind == TARGET:
                targets[name] = pk
            elif kind == LabelKind.STANCE:
                values[name] = pk
            else:
                spans[name] = (pk, kind)
        return cls(spans, project.allow_overlap, values, targets)


def prepare(record: Record, options: ImportOptions, labels: LabelIndex) -> Prepared | str:
    """Check and repair one record; return it ready to store, or the error message."""
    if record.error:
        return record.error
    text = record.text
    if not isinstance(text, str):
        return ERR_TEXT_NOT_STRING.format(kind=_kind_name(text))
    if text == "":
        return ERR_EMPTY_TEXT
    external_id = record.external_id
    if isinstance(external_id, int) and not isinstance(external_id, bool):
        external_id = str(external_id)
    if external_id is None:
        external_id = ""
    if not isinstance(external_id, str) or len(external_id) > MAX_EXTERNAL_ID:
        return ERR_EXTERNAL_ID
    if "\x00" in external_id:
        return ERR_NUL.format(field="external_id")
    nul_at = _nul_path(record.meta, "meta")
    if nul_at is not None:
        return ERR_NUL.format(field=nul_at)

    fixed = repair.repair_text(
        text,
        nfc=options.normalize == "nfc",
        collapse=options.collapse_repeats,
        want_map=bool(record.spans),
    )
    if not fixed.text.strip():
        return ERR_BLANK_TEXT
    warnings = list(record.warnings)
    for repeat in fixed.repeats:
        template = WARN_REPEAT_COLLAPSED if options.collapse_repeats else WARN_REPEAT
        warnings.append(
            template.format(
                start=repeat.start,
                end=repeat.end,
                first_start=repeat.first_start,
                first_end=repeat.first_end,
            )
        )
    repairs = ([repair.ENCODING] if record.encoding else []) + fixed.repairs
    spans, origins = _carry_spans(record, text, fixed, labels, warnings)
    stances = _carry_stances(record, text, spans, origins, labels, warnings)
    return Prepared(
        line=record.line,
        text=fixed.text,
        content_hash=repair.content_hash(fixed.text),
        external_id=external_id,
        meta=record.meta,
        repairs=repairs,
        encoding=record.encoding,
        warnings=warnings,
        spans=spans,
        stances=stances,
    )


def _nul_path(value: Any, path: str) -> str | None:
    """Where in a JSON value (its keys included) a string holds U+0000, or None.

    The text's own control characters are ftfy's to remove; PostgreSQL refuses U+0000 in the
    other text and JSON columns, so a record carrying one is an error of its line.
    """
    pending = [(value, path)]
    while pending:
        item, at = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return at
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and "\x00" in key:
                    return at
                pending.append((child, f"{at}.{key}"))
        elif isinstance(item, list):
            pending.extend((child, f"{at}.{index}") for index, child in enumerate(item))
    return None


def _carry_spans(
    record: Record,
    original: str,
    fixed: repair.RepairResult,
    labels: LabelIndex,
    warnings: list[str],
) -> tuple[list[PreparedSpan], list[RawSpan]]:
    """Check pre-annotation spans against the input text and map them onto the stored text.

    Returns the carried spans and, index for index, the input spans they came from.
    """
    carried: list[PreparedSpan] = []
    origins: list[RawSpan] = []
    offset_map = fixed.offset_map
    for raw in record.spans:
        where = {"key": raw.key, "index": raw.index}
        problem = range_error(raw.start, raw.end, len(original))
        if problem:
            warnings.append(
                WARN_SPAN_RANGE.format(**where, start=raw.start, end=raw.end, problem=problem)
            )
            continue
        found = labels.by_name.get(raw.label) if isinstance(raw.label, str) else None
        wanted_kind = LabelKind.CLAIM if raw.key == "claims" else None
        if found is None or (wanted_kind and found[1] != wanted_kind):
            kind = "claim" if wanted_kind else "entity or claim"
            warnings.append(WARN_SPAN_LABEL.format(**where, kind=kind, label=raw.label))
            continue
        if raw.text is not None and raw.text != original[raw.start : raw.end]:
            warnings.append(
                WARN_SPAN_TEXT.format(
                    **where,
                    start=raw.start,
                    end=raw.end,
                    sent=raw.text,
                    actual=original[raw.start : raw.end],
                )
            )
            continue
        start, end = offset_map.map(raw.start), offset_map.map(raw.end)
        if start is None or end is None or start >= end:
            warnings.append(
                WARN_SPAN_UNMAPPED.format(
                    **where, start=raw.start, end=raw.end, repairs=", ".join(fixed.repairs)
                )
            )
            continue
        label_id, kind = found
        if not labels.allow_overlap and any(
            other.kind == kind and overlaps(start, end, other.start, other.end) for other in carried
        ):
            warnings.append(
                WARN_SPAN_OVERLAP.format(**where, start=raw.start, end=raw.end, kind=kind)
            )
            continue
        checkworthy = raw.checkworthy if raw.checkworthy in ("yes", "no", "unsure") else ""
        carried.append(
            PreparedSpan(start, end, label_id, kind, checkworthy if kind == LabelKind.CLAIM else "")
        )
        origins.append(raw)
    for span, raw in zip(carried, origins, strict=True):
        if raw.claimant is None:
            continue
        claimant = raw.claimant
        if isinstance(claimant, dict) and set(claimant) == {"text"}:
            if isinstance(claimant["text"], str) and 0 < len(claimant["text"]) <= 500:
                span.claimant_text = claimant["text"]
                continue
        else:
            found = _find_span(claimant, original, carried, origins, LabelKind.ENTITY)
            if found is not None:
                span.claimant = found
                continue
        warnings.append(WARN_CLAIMANT.format(index=raw.index, claimant=claimant))
    return carried, origins


def _find_span(
    ref: Any, original: str, carried: list[PreparedSpan], origins: list[RawSpan], kind: str | None
) -> int | None:
    """Find the carried span a reference names by its input offsets (and text, label, kind)."""
    if not isinstance(ref, dict):
        return None
    for index, (span, raw) in enumerate(zip(carried, origins, strict=True)):
        if (
            (raw.start, raw.end) == (ref.get("start"), ref.get("end"))
            and (kind is None or span.kind == kind)
            and ref.get("text", original[raw.start : raw.end]) == original[raw.start : raw.end]
            and ref.get("label", raw.label) == raw.label
        ):
            return index
    return None


def _carry_stances(
    record: Record,
    original: str,
    carried: list[PreparedSpan],
    origins: list[RawSpan],
    labels: LabelIndex,
    warnings: list[str],
) -> list[PreparedStance]:
    """Check pre-annotation stances; their holder and evidence must be spans of the line."""
    stances: list[PreparedStance] = []
    taken: set[tuple[int, int | None]] = set()  # (target, holder): the database allows one
    for index, item in enumerate(record.stances):
        if not isinstance(item, dict) or not {"target", "label"} <= set(item):
            warnings.append(WARN_STANCE_SHAPE.format(index=index))
            continue
        target = labels.targets.get(item["target"]) if isinstance(item["target"], str) else None
        value = labels.stance_values.get(item["label"]) if isinstance(item["label"], str) else None
        if target is None or value is None:
            what, name = ("target", item["target"]) if target is None else ("value", item["label"])
            warnings.append(WARN_STANCE_NAME.format(index=index, what=what, name=name))
            continue
        found = {}
        for role, kind in (("holder", LabelKind.ENTITY), ("evidence", None)):
            ref = item.get(role)
            found[role] = None if ref is None else _find_span(ref, original, carried, origins, kind)
            if ref is not None and found[role] is None:
                warnings.append(WARN_STANCE_SPAN.format(index=index, role=role, span=ref))
                break
        else:
            if (target, found["holder"]) in taken:
                warnings.append(WARN_STANCE_TWICE.format(index=index, target=item["target"]))
                continue
            taken.add((target, found["holder"]))
            stances.append(PreparedStance(target, value, found["holder"], found["evidence"]))
    return stances


# --- Writing ------------------------------------------------------------------------------


def documents_import(
    *,
    project: Project,
    records: Iterable[Record | JsonlLine],
    options: ImportOptions | None = None,
    actor: AbstractBaseUser | None = None,
    source: str = "",
    workers: int = 1,
) -> ImportReport:
    """Import records into the project and report created, duplicates, repairs and errors.

    ``workers`` > 1 prepares (repairs) records in that many processes while this one reads
    and stores; preparing is pure, so only the order of the results matters, and it is kept.
    Lines of a .jsonl file (JsonlLine) are parsed where they are prepared.
    """
    options = options or ImportOptions()
    labels = LabelIndex.for_project(project)
    report = ImportReport()
    seen: dict[str, int] = {}  # content hash -> id of the document stored by this import
    batch: list[Prepared] = []
    copy_for = (project.pk, source) if connection.vendor == "postgresql" else None
    for line, prepared in _prepare_all(records, options, labels, workers, copy_for):
        if isinstance(prepared, str):
            report.errors.append({"line": line, "message": prepared})
            continue
        batch.append(prepared)
        if len(batch) >= BATCH_SIZE:
            store_batch(project, batch, report, seen, source)
            batch = []
    if batch:
        store_batch(project, batch, report, seen, source)
    logger.info(
        "import into project %s by %s: %d created, %d duplicates, %d errors",
        project.pk,
        getattr(actor, "pk", None),
        len(report.created),
        len(report.duplicates),
        len(report.errors),
    )
    return report


PREPARE_CHUNK = 200
READ_AHEAD = 4  # chunks in flight per worker


def _prepare_chunk(
    chunk: list[Record | JsonlLine],
    options: ImportOptions,
    labels: LabelIndex,
    copy_for: tuple[int, str] | None,
) -> list[tuple[int | str, Prepared | str]]:
    """Prepare each record (parsing .jsonl lines first; blank ones give nothing).

    With ``copy_for`` (project id, source), each document's COPY row is built here too: in a
    worker process that is work taken off the process that stores.
    """
    results = []
    for item in chunk:
        record = _jsonl_record(item) if isinstance(item, JsonlLine) else item
        if record is None:
            continue
        prepared = prepare(record, options, labels)
        if copy_for is not None and not isinstance(prepared, str):
            # On a problem _copy_documents tries again, and fails as it always has.
            with contextlib.suppress(UnicodeError, TypeError, ValueError):
                prepared.copy_row = _copy_row(copy_for[0], prepared, copy_for[1])
                if not prepared.spans:
                    # The row holds the text, and nothing else needs it: sending it back
                    # to the storing process twice would cost that process more than
                    # anything else it does with the document.
                    prepared.text = ""
        results.append((record.line, prepared))
    return results


def _prepare_all(
    records: Iterable[Record | JsonlLine],
    options: ImportOptions,
    labels: LabelIndex,
    workers: int,
    copy_for: tuple[int, str] | None,
) -> Iterator[tuple[int | str, Prepared | str]]:
    """Yield each record's line with its prepared form (or error), in input order."""
    iterator = iter(records)
    chunks = iter(lambda: list(itertools.islice(iterator, PREPARE_CHUNK)), [])
    if workers <= 1:
        for chunk in chunks:
            yield from _prepare_chunk(chunk, options, labels, copy_for)
        return
    # fork: the children need no Django set-up and never touch the database. What they
    # inherit stays alive as long as they do: frozen, the garbage collector does not walk
    # it again and again (15% of a child's time otherwise), nor copy its pages to do so.
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=fork, initializer=gc.freeze) as pool:
        pending: collections.deque = collections.deque()
        for chunk in chunks:
            pending.append(pool.submit(_prepare_chunk, chunk, options, labels, copy_for))
            # Bounded read-ahead: memory stays flat whatever the file's size.
            if len(pending) >= workers * READ_AHEAD:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def documents_import_records(
    *,
    project: Project,
    records: list[Any],
    options: ImportOptions | None = None,
    actor: AbstractBaseUser | None = None,
) -> dict:
    """Import a parsed JSON body (a list of documents); return the import report."""
    report = documents_import(
        project=project, records=parse_objects(records), options=options, actor=actor
    )
    return report.as_dict()


def documents_import_file(
    *,
    project: Project,
    name: str,
    stream: BinaryIO,
    options: ImportOptions | None = None,
    actor: AbstractBaseUser | None = None,
    workers: int = 1,
) -> dict:
    """Import one uploaded file (.txt .jsonl .json .csv); return the import report."""
    options = options or ImportOptions()
    records: Iterable[Record | JsonlLine]
    if PurePath(name).suffix.lower() == ".jsonl":
        # Unparsed: parsing is left to whoever prepares them (the workers when there are).
        records = _jsonl_lines(stream, options.encoding)
    else:
        records = parse_file(name, stream, options.encoding)
    report = documents_import(
        project=project,
        records=records,
        options=options,
        actor=actor,
        source=name,
        workers=workers,
    )
    return report.as_dict()


def store_batch(
    project: Project,
    batch: list[Prepared],
    report: ImportReport,
    seen: dict[str, int],
    source: str,
) -> None:
    """Store one batch of prepared documents atomically, adding the outcome to ``report``.

    Shared by direct imports and background import jobs (services/jobs.py).
    """
    # The first item of each new text is stored; any other item is a duplicate, reported
    # against the document that holds its text (stored earlier, by this batch, or by a
    # concurrent import that won the race).
    fresh: dict[str, Prepared] = {}
    for item in batch:
        if item.content_hash not in seen and item.content_hash not in fresh:
            fresh[item.content_hash] = item
    seen.update(_stored_ids(project, list(fresh)))
    to_store = [item for item in fresh.values() if item.content_hash not in seen]
    stored: set[int] = set()  # id() of the items this batch stored
    if to_store:
        try:
            with transaction.atomic():
                ids = _insert(project, to_store, source)
            pairs = list(zip(to_store, ids, strict=True))
        except IntegrityError:
            pairs = []
            for item in to_store:
                try:
                    with transaction.atomic():
                        pairs.append((item, _insert(project, [item], source)[0]))
                except IntegrityError:
                    seen[item.content_hash] = (
                        Document.objects.filter(project=project, content_hash=item.content_hash)
                        .values_list("id", flat=True)
                        .get()
                    )
        for item, pk in pairs:
            seen[item.content_hash] = pk
            stored.add(id(item))
    for item in batch:
        if id(item) in stored:
            _report_created(report, item, seen[item.content_hash])
        else:
            _report_duplicate(report, item, seen[item.content_hash])


_STORED_IDS_SQL = (
    "SELECT h.hash, d.id FROM unnest(string_to_array(%s, ',')) AS h(hash) CROSS JOIN LATERAL "  # noqa: S608 (names from the model)
    f"(SELECT id FROM {Document._meta.db_table} WHERE project_id = %s "
    "AND content_hash = h.hash LIMIT 1) AS d"
)


def _stored_ids(project: Project, hashes: list[str]) -> list[tuple[str, int]]:
    """Return ``(content hash, id)`` of the project's documents that have these hashes.

    On PostgreSQL, ``content_hash IN (...)`` lets the planner pick a scan of every document
    of the project (through the external_id index, filtered on the hash), which it does
    whenever its statistics lag behind a large import: each batch then reads the whole
    project and an import slows down as it grows. One probe of the unique index per hash
    (LIMIT 1 keeps the lateral subquery a nested loop) costs the same at any size.
    """
    if not hashes:
        return []
    if connection.vendor != "postgresql":
        existing = Document.objects.filter(project=project, content_hash__in=hashes)
        return list(existing.values_list("content_hash", "id"))
    with connection.cursor() as cursor:
        # One string rather than an array: quoting 500 values costs more than the query.
        cursor.execute(_STORED_IDS_SQL, [",".join(hashes), project.pk])
        return cursor.fetchall()


def _insert(project: Project, items: list[Prepared], source: str) -> list[int]:
    """Store the items' documents and pre-annotations; return the new document ids."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        ids = _copy_documents(project, items, source, now)
    else:
        documents = Document.objects.bulk_create(
            [
                Document(
                    project_id=project.pk,
                    text=item.text,
                    external_id=item.external_id,
                    meta=item.meta,
                    content_hash=item.content_hash,
                    ingestion_report=_ingestion_report(item, source),
                    created_at=now,
                )
                for item in items
            ]
        )
        ids = [document.pk for document in documents]
    with_spans = [
        (item, pk) for item, pk in zip(items, ids, strict=True) if item.spans or item.stances
    ]
    if with_spans:
        annotations = Annotation.objects.bulk_create(
            [
                Annotation(document_id=pk, author=None, kind=AnnotationKind.PREDICTION)
                for _, pk in with_spans
            ]
        )
        rows = {
            (position, index): Span(
                annotation=annotation,
                label_id=span.label_id,
                start=span.start,
                end=span.end,
                text=item.text[span.start : span.end],
                checkworthy=span.checkworthy,
                claimant_text=span.claimant_text,
            )
            for position, ((item, _), annotation) in enumerate(
                zip(with_spans, annotations, strict=True)
            )
            for index, span in enumerate(item.spans)
        }
        # Claimants are entities, which never have claimants themselves: storing the spans
        # without one first gives every claimant its id before the claims that name it.
        claims = {}
        for position, (item, _) in enumerate(with_spans):
            for index, span in enumerate(item.spans):
                if span.claimant is not None:
                    claims[(position, index)] = (position, span.claimant)
        Span.objects.bulk_create(
            [row for key, row in rows.items() if key not in claims], batch_size=1000
        )
        for key, claimant in claims.items():
            rows[key].claimant = rows[claimant]
        Span.objects.bulk_create([rows[key] for key in claims], batch_size=1000)
        stances = [
            Stance(
                annotation=annotation,
                target_id=stance.target_id,
                label_id=stance.label_id,
                holder=None if stance.holder is None else rows[(position, stance.holder)],
                evidence=None if stance.evidence is None else rows[(position, stance.evidence)],
            )
            for position, ((item, _), annotation) in enumerate(
                zip(with_spans, annotations, strict=True)
            )
            for stance in item.stances
        ]
        if stances:
            Stance.objects.bulk_create(stances, batch_size=1000)
    return ids


_DOCUMENT_COLUMNS = (
    "id",
    "project_id",
    "text",
    "external_id",
    "meta",
    "content_hash",
    "ingestion_report",
    "created_at",
)
_COPY_SQL = (
    f"COPY {Document._meta.db_table} ({', '.join(_DOCUMENT_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
)
# PostgreSQL's binary COPY format: a header, then per row the number of fields and each
# field as its length and its bytes (big-endian), then a trailer.
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)
_ROW_START = struct.Struct(">hiq")  # field count, then the id (an 8-byte bigint)
_INT4 = struct.Struct(">i")
_INT8_FIELD = struct.Struct(">iq")
_JSONB_VERSION = b"\x01"
_PG_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)  # timestamps count from it


def _copy_row(project_id: int, item: Prepared, source: str) -> bytes:
    """Return the document's fields from project_id to ingestion_report, as binary COPY.

    Binary saves escaping the text here and unescaping it in PostgreSQL; text is UTF-8,
    jsonb its version byte and the JSON text.
    """
    text = item.text.encode()
    external_id = item.external_id.encode()
    meta = orjson.dumps(item.meta)
    digest = item.content_hash.encode()
    report = orjson.dumps(_ingestion_report(item, source))
    return b"".join(
        (
            _INT8_FIELD.pack(8, project_id),
            _INT4.pack(len(text)),
            text,
            _INT4.pack(len(external_id)),
            external_id,
            _INT4.pack(len(meta) + 1),
            _JSONB_VERSION,
            meta,
            _INT4.pack(len(digest)),
            digest,
            _INT4.pack(len(report) + 1),
            _JSONB_VERSION,
            report,
        )
    )


def _copy_documents(
    project: Project, items: list[Prepared], source: str, now: datetime.datetime
) -> list[int]:
    """Insert with COPY, several times faster than INSERT for bulk text on PostgreSQL.

    The ids are taken from the table's sequence first, as bulk_create would get them back.
    Constraints hold exactly as for INSERT: a duplicate hash fails the whole COPY.
    """
    created_at = _INT8_FIELD.pack(8, (now - _PG_EPOCH) // datetime.timedelta(microseconds=1))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Document._meta.db_table, len(items)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        data = [_COPY_HEADER]
        for pk, item in zip(ids, items, strict=True):
            data.append(_ROW_START.pack(len(_DOCUMENT_COLUMNS), 8, pk))
            data.append(item.copy_row or _copy_row(project.pk, item, source))
            data.append(created_at)
        data.append(_COPY_TRAILER)
        try:
            with cursor.copy(_COPY_SQL) as copy:
                copy.write(b"".join(data))
        except DatabaseError as error:
            # psycopg's own error, which Django's cursor wrapper does not translate for COPY.
            if (error.sqlstate or "").startswith("23"):
                raise IntegrityError(str(error)) from error
            raise
    return ids


def _ingestion_report(item: Prepared, source: str) -> dict:
    report: dict[str, Any] = {"line": item.line, "repairs": item.repairs}
    if source:
        report["source"] = source
    if item.encoding:
        report["encoding"] = item.encoding
    if item.warnings:
        report["warnings"] = item.warnings
    return report


def _report_created(report: ImportReport, item: Prepared, document_id: int) -> None:
    report.created.append({"id": document_id, "external_id": item.external_id, "line": item.line})
    if item.repairs:
        entry: dict[str, Any] = {
            "line": item.line,
            "external_id": item.external_id,
            "repairs": item.repairs,
        }
        if item.encoding:
            entry["encoding"] = item.encoding
        report.repaired.append(entry)
    for message in item.warnings:
        report.warnings.append({"line": item.line, "message": message})


def _report_duplicate(report: ImportReport, item: Prepared, duplicate_of: int | None) -> None:
    report.duplicates.append(
        {"line": item.line, "external_id": item.external_id, "duplicate_of": duplicate_of}
    )


def report_as_json(report: dict) -> str:
    """Render an import report as indented JSON (what `import_documents` prints)."""
    return json.dumps(report, indent=2, ensure_ascii=False)
