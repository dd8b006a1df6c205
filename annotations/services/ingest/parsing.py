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
from annotations.services.ingest.records import (
    ERR_BOM_MISMATCH,
    ERR_CSV_NO_TEXT_COLUMN,
    ERR_CSV_ROW_WIDTH,
    ERR_INVALID_JSON,
    ERR_JSON_NOT_LIST,
    ERR_META_NOT_OBJECT,
    ERR_NO_TEXT,
    ERR_NOT_OBJECT,
    ERR_SPANS_NOT_LIST,
    ERR_UNSUPPORTED_TYPE,
    WARN_CLASS_LABELS,
    WARN_SPAN_SHAPE,
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
    "stances",
    "annotators",
    "annotator",
    "reviewed_by",
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


def _spans_from(obj: dict[str, Any], record: Record) -> None:
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
        record.error = ERR_NOT_OBJECT.format(kind=kind_name(obj))
        return record
    if "text" not in obj:
        record.error = ERR_NO_TEXT
        return record
    record.text = obj["text"]
    record.external_id = obj.get("external_id", obj.get("id", ""))
    meta = obj.get("meta", {})
    if not isinstance(meta, dict):
        record.error = ERR_META_NOT_OBJECT.format(kind=kind_name(meta))
        return record
    extra = {k: v for k, v in obj.items() if k not in _RECORD_KEYS and k != "id"}
    record.meta = {**extra, **meta} if extra else meta
    _spans_from(obj, record)
    return record


def parse_jsonl(stream: BinaryIO, encoding: str | None = None) -> Iterator[Record]:
    """Read JSON Lines: one document per non-blank line, numbered by physical line."""
    for line in jsonl_items(stream, encoding):
        record = line if isinstance(line, Record) else jsonl_record(line)
        if record is not None:
            yield record


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
    if not text.strip():
        return None
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        return Record(line=line.number, error=ERR_INVALID_JSON.format(error=error))
    return record_from_object(obj, line.number, used)


def parse_json(data: bytes, encoding: str | None = None) -> Iterator[Record]:
    """Read a JSON list of documents; `line` is the 1-based item index."""
    try:
        text, used = repair.decode_bytes(data, encoding)
    except repair.BomMismatch as error:
        yield Record(line=1, error=_bom_error(error))
        return
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
    except repair.BomMismatch as error:  # the whole file is decoded before its first line
        yield Record(line=1, error=_bom_error(error))
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
    try:
        text, used = repair.decode_bytes(data, encoding)
    except repair.BomMismatch as error:
        yield Record(line=name, error=_bom_error(error))
        return
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
