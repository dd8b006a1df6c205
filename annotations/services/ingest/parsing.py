"""Parsing: the bytes of an uploaded file (or a parsed JSON body) in, ``Record``s out.

Invariants:
- Pure: no database, no Django set-up needed (worker processes parse .jsonl lines).
- Nothing is repaired here; texts and span offsets are exactly as the input gave them, so
  preparation can map pre-annotations through every repair. Only bytes are decoded.
- Every record carries its ``line`` as the import report means it: the physical line of a
  .jsonl file, the item index of a JSON list, the line where a CSV record starts (the header
  is line 1), the file name of a .txt file.
- Streams are read lazily, line by line where the format allows: memory stays flat.
"""

import csv
import io
import itertools
from collections.abc import Iterable, Iterator
from pathlib import PurePath
from typing import Any, BinaryIO, NamedTuple

import orjson

from annotations import repair
from annotations.exports.splits import SPLIT_NAMES
from annotations.services.ingest.formats import brat, conll, labelstudio, prodigy
from annotations.services.ingest.records import (
    CONLL_EXTENSIONS,
    CSV_SPAN_TABLE_COLUMNS,
    ERR_BOM_MISMATCH,
    ERR_CSV_NO_TEXT_COLUMN,
    ERR_CSV_ROW_WIDTH,
    ERR_CSV_SPAN_TABLE,
    ERR_INVALID_JSON,
    ERR_JSON_NOT_LIST,
    ERR_META_NOT_OBJECT,
    ERR_NO_TEXT,
    ERR_NOT_OBJECT,
    ERR_SPANS_NOT_LIST,
    ERR_TOKENS_ONLY,
    ERR_UNSUPPORTED_TYPE,
    WARN_DOCUMENT_LABELS_SHAPE,
    WARN_NOT_IMPORTED,
    WARN_RELATION_SHAPE,
    WARN_SPAN_SHAPE,
    WHY_NO_RELATIONS,
    WHY_TOKENS,
    WHY_UNKNOWN_ANNOTATIONS,
    RawRelation,
    RawSpan,
    Record,
    UnsupportedFileType,
    kind_name,
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
    "sentences",
    "stances",
    "relations",
    "document_labels",
    "cats",
    "annotators",
    "annotator",
    "reviewed_by",
}
# What our export adds to a split or released file: where the record went, not the document.
# Left out of meta only with the values our export writes, so a user's own "split" stays.
_SPLITS = {name for names in SPLIT_NAMES.values() for name in names}
# Keys other tools write annotations under: read by a format, or reported, never meta.
ANNOTATION_KEYS = {
    "relations",
    "spans",
    "annotations",
    "predictions",
    "completions",
    "drafts",
    "result",
    "tokens",
    "ner_tags",
    "pos_tags",
    "chunk_tags",
    "tags",
    "ner",
    "cats",
    "choices",
    "accept",
    "events",
    "attributes",
}


class JsonlLine(NamedTuple):
    """A line of a .jsonl file, read but not yet decoded nor parsed (see jsonl_lines)."""

    number: int
    data: bytes | str  # bytes to decode, or a line decoded already
    encoding: str | None  # bytes: the encoding forced (None: detect); str: the one used


def jsonl_lines(stream: BinaryIO, encoding: str | None) -> Iterator[JsonlLine]:
    """Yield the file's lines, line ends kept, for _decode_line to decode one by one.

    Lines are decoded one by one, so a file of any size streams and one Windows-1252 line
    does not spoil the rest; decoding waits so that it can happen in a worker process. A
    UTF-16/32 file (known by its BOM) is decoded whole, here. A UTF-8 BOM at the start of the
    file belongs to no document and is dropped.
    """
    head = stream.read(4)
    if encoding is None and head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
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


def jsonl_items(stream: BinaryIO, encoding: str | None) -> Iterator[JsonlLine | Record]:
    """jsonl_lines, and a file whose UTF-16/32 byte-order mark lies as the error of line 1."""
    try:
        yield from jsonl_lines(stream, encoding)
    except repair.BomMismatch as error:
        yield Record(line=1, error=_bom_error(error))


def _bom_error(error: repair.BomMismatch) -> str:
    return ERR_BOM_MISMATCH.format(encoding=error.encoding, reason=error.reason)


def _decode_line(line: JsonlLine) -> tuple[str, str | None]:
    """Return the line's text and the encoding used when it was not UTF-8."""
    if isinstance(line.data, str):
        return line.data, line.encoding
    return repair.decode_bytes(line.data, line.encoding, sniff_bom=False)


def _iter_lines(stream: BinaryIO, encoding: str | None) -> Iterator[tuple[int, str, str | None]]:
    """Yield ``(line number, decoded line, encoding when not UTF-8)``, line ends kept."""
    for line in jsonl_lines(stream, encoding):
        yield line.number, *_decode_line(line)


# The keys spans are read from, and the kind each implies (None: as the label says).
SPAN_KEYS = {
    "label": None,
    "labels": None,
    "entities": None,
    "claims": "claim",
    "sentences": "sentence",
}


def _spans_from(obj: dict[str, Any], record: Record, skip: set[str]) -> None:
    """Collect pre-annotations: doccano ``label`` (spans, or document labels when they are
    names), native ``entities``, ``claims``, ``sentences``, ``stances``, ``relations`` and
    ``document_labels``, doccano's ``entities`` with ``relations`` and ``cats``."""
    # doccano's relation format repeats, in "entities", the spans of "label" and "claims"
    # (our doccano export writes both): read them once, from the triples.
    if isinstance(obj.get("relations"), list) and isinstance(obj.get("label"), list):
        skip = skip | {"entities"}
    ids: dict[Any, dict[str, Any]] = {}  # a span's id in the line -> how relations name it
    for key, kind in SPAN_KEYS.items():
        if key not in obj:
            continue
        items = obj[key]
        if key in skip:
            if key == "entities" and isinstance(items, list):
                _span_ids(items, ids)
            continue
        if not isinstance(items, list):
            record.warnings.append(ERR_SPANS_NOT_LIST.format(key=key))
            continue
        if key in ("label", "labels") and items and all(isinstance(i, str) for i in items):
            # doccano's text classification: the document's labels, by name.
            record.document_labels.extend((None, name) for name in items)
            continue
        for index, item in enumerate(items):
            if isinstance(item, list | tuple) and len(item) == 3:
                record.spans.append(RawSpan(key, index, item[0], item[1], item[2], kind=kind))
            elif isinstance(item, dict) and "label" in item:
                span = RawSpan(
                    key,
                    index,
                    item.get("start", item.get("start_offset")),
                    item.get("end", item.get("end_offset")),
                    item["label"],
                    item.get("text"),
                    item.get("checkworthy", ""),
                    item.get("claimant") if key == "claims" else None,
                    kind=kind,
                    attributes=item.get("attributes"),
                    unit=item.get("unit"),
                    score=item.get("score"),
                    record=item.get("record") if key == "claims" else None,
                )
                record.spans.append(span)
                if "id" in item:
                    ids.setdefault(_hashable(item["id"]), _reference(span))
            else:
                record.warnings.append(WARN_SPAN_SHAPE.format(key=key, index=index))
    if "stances" in obj:
        if isinstance(obj["stances"], list):
            record.stances = obj["stances"]
        else:
            record.warnings.append(ERR_SPANS_NOT_LIST.format(key="stances"))
    if "relations" in obj and "relations" not in skip:
        _relations_from(obj["relations"], ids, record)
    for key in ("document_labels", "cats"):
        if key in obj and key not in skip:
            _document_labels_from(key, obj[key], record)


def _hashable(value: Any) -> Any:
    return value if isinstance(value, int | str) and not isinstance(value, bool) else repr(value)


def _reference(span: RawSpan) -> dict[str, Any]:
    """How a relation names a span of its line: by its input offsets and label."""
    return {"start": span.start, "end": span.end, "label": span.label}


def _span_ids(items: list[Any], ids: dict[Any, dict[str, Any]]) -> None:
    """The ids of doccano's ``entities`` (read from the triples): what relations name."""
    for item in items:
        if isinstance(item, dict) and "id" in item:
            start = item.get("start_offset", item.get("start"))
            end = item.get("end_offset", item.get("end"))
            ids.setdefault(
                _hashable(item["id"]), {"start": start, "end": end, "label": item.get("label")}
            )


def _relations_from(items: Any, ids: dict[Any, dict[str, Any]], record: Record) -> None:
    """Read native relations (``label``, ``source``, ``target``: span ids) and doccano's
    (``type``, ``from_id``, ``to_id``)."""
    if not isinstance(items, list):
        record.warnings.append(ERR_SPANS_NOT_LIST.format(key="relations"))
        return
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            record.warnings.append(WARN_RELATION_SHAPE.format(key="relations", index=index))
            continue
        label = item.get("label", item.get("type"))
        source = item.get("source", item.get("from_id"))
        target = item.get("target", item.get("to_id"))
        if label is None or source is None or target is None:
            record.warnings.append(WARN_RELATION_SHAPE.format(key="relations", index=index))
            continue
        record.relations.append(
            RawRelation(
                "relations",
                index,
                label,
                ids.get(_hashable(source)),
                ids.get(_hashable(target)),
                source,
                target,
                item.get("attributes"),
            )
        )


def _document_labels_from(key: str, value: Any, record: Record) -> None:
    """Read native ``document_labels`` ({group: [names]}) or doccano's ``cats`` (a list of
    names, or spaCy's {name: score}, a score of 0.5 or more meaning given)."""
    if isinstance(value, dict) and key == "document_labels":
        for group, names in value.items():
            names = [names] if isinstance(names, str) else names
            if not isinstance(names, list):
                record.warnings.append(WARN_DOCUMENT_LABELS_SHAPE.format(key=key))
                continue
            record.document_labels.extend((group, name) for name in names)
    elif isinstance(value, dict):
        record.document_labels.extend(
            (None, name)
            for name, score in value.items()
            if isinstance(score, int | float) and score >= 0.5
        )
    elif isinstance(value, list):
        record.document_labels.extend((None, name) for name in value)
    else:
        record.warnings.append(WARN_DOCUMENT_LABELS_SHAPE.format(key=key))


def _report_unread(obj: dict[str, Any], record: Record, read: set[str]) -> set[str]:
    """Report the keys recognisably annotation that nothing read; return them (not meta)."""
    unread = set()
    for key, value in obj.items():
        if key in read or key in _RECORD_KEYS or key not in ANNOTATION_KEYS:
            continue
        unread.add(key)
        if value in (None, [], {}, ""):
            continue
        why = WHY_NO_RELATIONS if key == "relations" else WHY_UNKNOWN_ANNOTATIONS
        if key in ("tokens", "ner_tags"):
            why = WHY_TOKENS
        count = len(value) if isinstance(value, list | dict) else 1
        items = "item" if count == 1 else "items"
        record.warnings.append(WARN_NOT_IMPORTED.format(key=key, count=count, items=items, why=why))
    return unread


def record_from_object(obj: Any, line: int | str, encoding: str | None = None) -> Record:
    """Turn one JSON value (ours, doccano, Prodigy, Label Studio) into a record, or an error."""
    record = Record(line=line, encoding=encoding)
    if not isinstance(obj, dict):
        record.error = ERR_NOT_OBJECT.format(kind=kind_name(obj))
        return record
    if labelstudio.is_task(obj):
        return labelstudio.task_record(obj, line, encoding)
    if "text" not in obj:
        record.error = ERR_TOKENS_ONLY if "tokens" in obj else ERR_NO_TEXT
        return record
    record.text = obj["text"]
    record.external_id = obj.get("external_id", obj.get("id", ""))
    meta = obj.get("meta", {})
    if not isinstance(meta, dict):
        record.error = ERR_META_NOT_OBJECT.format(kind=kind_name(meta))
        return record
    read = labelstudio.read_min_spans(obj, record) | prodigy.read_spans(obj, record)
    record.source_id = obj.get("id")
    _spans_from(obj, record, read)
    read |= _report_unread(obj, record, read)
    extra = {
        key: value
        for key, value in obj.items()
        if key not in _RECORD_KEYS | read and key != "id" and not _is_export_field(key, value)
    }
    record.meta = {**extra, **meta} if extra else meta
    return record


def _is_export_field(key: str, value: Any) -> bool:
    """Whether a key and its value are one our export added: a split name under ``split``,
    a release name under ``release``."""
    return (key == "split" and value in _SPLITS) or (key == "release" and isinstance(value, str))


def parse_jsonl(stream: BinaryIO, encoding: str | None = None) -> Iterator[Record]:
    """Read JSON Lines: one document per non-blank line, numbered by physical line."""
    for line in jsonl_items(stream, encoding):
        record = line if isinstance(line, Record) else jsonl_record(line)
        if record is not None:
            yield record


def jsonl_blank(item: JsonlLine | Record) -> bool:
    """Whether a .jsonl line is blank: one that jsonl_record makes no record of."""
    if isinstance(item, Record):
        return False
    if item.encoding is None and isinstance(item.data, bytes) and item.data[:1] == b"{":
        return False  # the usual line, known without decoding it
    text, _ = _decode_line(item)
    return _blank(text)


def _blank(text: str) -> bool:
    return not text.strip()


def jsonl_record(line: JsonlLine) -> Record | None:
    """Decode and parse one .jsonl line into a record; None for a blank line."""
    if line.encoding is None and isinstance(line.data, bytes):
        # The usual line, UTF-8 JSON: orjson checks the UTF-8 as it reads the bytes, which
        # saves decoding them first. Anything else takes the way that says what is wrong.
        try:
            return record_from_object(orjson.loads(line.data), line.number)
        except orjson.JSONDecodeError:
            pass
    text, used = _decode_line(line)
    if _blank(text):
        return None
    return _line_record(text, line.number, used)


def _line_record(text: str, number: int, used: str | None) -> Record:
    """Parse one decoded JSON line into a record (or its error)."""
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        return Record(line=number, error=ERR_INVALID_JSON.format(error=error))
    return record_from_object(obj, number, used)


def _is_json_lines(text: str) -> bool:
    """Whether a text that is not one JSON value starts with a line that is a JSON object."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        return isinstance(orjson.loads(first), dict)
    except orjson.JSONDecodeError:
        return False


def parse_json(data: bytes, encoding: str | None = None) -> Iterator[Record]:
    """Read a JSON list of documents; `line` is the 1-based item index."""
    try:
        text, used = repair.decode_bytes(data, encoding)
    except repair.BomMismatch as error:
        yield Record(line=1, error=_bom_error(error))
        return
    text = text.removeprefix(repair.BOM_CHAR)
    try:
        items = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        if _is_json_lines(text):
            # What Hugging Face's to_json writes: JSON Lines in a .json file.
            for number, line in enumerate(io.StringIO(text, newline=""), start=1):
                if line.strip():
                    yield _line_record(line, number, used)
            return
        yield Record(line=1, error=ERR_INVALID_JSON.format(error=error))
        return
    if isinstance(items, dict) and isinstance(items.get("documents"), list):
        items = items["documents"]
    elif isinstance(items, dict) and ("text" in items or labelstudio.is_task(items)):
        items = [items]  # one document, or one Label Studio task
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
    except repair.BomMismatch as error:  # the whole file is decoded before its first line
        yield Record(line=1, error=_bom_error(error))
        return
    columns = [column.strip() for column in header]
    if "text" not in columns:
        yield Record(line=1, error=ERR_CSV_NO_TEXT_COLUMN.format(columns=", ".join(columns)))
        return
    if set(columns) >= CSV_SPAN_TABLE_COLUMNS:
        yield Record(line=1, error=ERR_CSV_SPAN_TABLE)
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
    """Read a plain-text file as one document named after the file (or as CoNLL, if it is)."""
    try:
        text, used = repair.decode_bytes(data, encoding)
    except repair.BomMismatch as error:
        yield Record(line=name, error=_bom_error(error))
        return
    if conll.looks_like_conll(text):
        records = list(parse_conll_text(name, text, used))
        records[0].warnings.insert(0, conll.WARN_TXT_IS_CONLL)
        yield from records
        return
    yield Record(line=name, text=text, external_id=PurePath(name).stem, encoding=used)


def parse_conll(name: str, data: bytes, encoding: str | None = None) -> Iterator[Record]:
    """Read a CoNLL / IOB file: one record per document (see formats/conll.py)."""
    try:
        text, used = repair.decode_bytes(data, encoding)
    except repair.BomMismatch as error:
        yield Record(line=1, error=_bom_error(error))
        return
    yield from parse_conll_text(name, text, used)


def parse_conll_text(name: str, text: str, used: str | None) -> Iterator[Record]:
    for record in conll.parse_conll(name, text.removeprefix(repair.BOM_CHAR)):
        record.encoding = used
        yield record


def parse_file(
    name: str,
    stream: BinaryIO,
    encoding: str | None = None,
    limits: brat.Limits | None = None,
) -> Iterator[Record]:
    """Dispatch on the file's extension; raise UnsupportedFileType for anything else.

    A .zip (brat) is read and checked whole here, before any record is returned: a refused
    archive raises ImportRefused and nothing is stored.
    """
    suffix = PurePath(name).suffix.lower()
    if suffix == ".jsonl":
        return parse_jsonl(stream, encoding)
    if suffix == ".csv":
        return parse_csv(stream, encoding)
    if suffix == ".json":
        return parse_json(stream.read(), encoding)
    if suffix == ".txt":
        return parse_txt(PurePath(name).name, stream.read(), encoding)
    if suffix in CONLL_EXTENSIONS:
        return parse_conll(PurePath(name).name, stream.read(), encoding)
    if suffix == ".zip":
        return iter(brat.parse_zip(PurePath(name).name, stream, limits or brat.Limits(), encoding))
    raise UnsupportedFileType(ERR_UNSUPPORTED_TYPE.format(name=PurePath(name).name))
