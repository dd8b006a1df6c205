"""brat standoff: a .zip of ``name.txt`` + ``name.ann`` pairs, one document a pair.

Invariants:
- Pure. The archive is checked whole before any record is made, so a refused archive
  stores nothing: no member name that climbs out (``..``, an absolute path, a drive), no
  encrypted member, at most ``max_members`` members and ``max_bytes`` uncompressed, counted
  on the bytes actually read (a zip bomb's headers lie), not only on what the headers say.
- ``T`` lines with one range become spans (offsets as brat counts them, checked against the
  ``.txt`` by the span text the line carries). A ``T`` whose fragments are separated by
  line breaks only is how brat (and our export) writes a span that crosses lines: it is read
  as that one span. Any other discontinuous ``T`` (``0 5;10 15``) is reported.
- What our brat export writes is read back (``annotations.exports.brat``): the ``Claimant``
  relation and the ``claimant:`` note (a claim's claimant), the ``Checkworthy`` attribute,
  and the ``stance`` notes (with their attributes). A type that the ``annotation.conf``
  gives the ``Claimant`` relation's ``Arg1`` or the ``Checkworthy`` attribute is a claim
  type.
- Every other ``R`` line is a relation of its type from ``Arg1`` to ``Arg2``; an argument
  that names no ``T`` of the file is an error of the document (nothing of it is stored).
  Every other ``A``/``M`` line is an attribute of its ``T`` or ``R`` (a binary attribute,
  without a value, is ``true``), and an ``attribute <name>=<JSON>`` note too. Events
  (``E``), normalisations (``N``) and other notes (``#``) have no place here: each document
  reports how many it left.
- A ``.txt`` without its ``.ann`` is a document without spans; an ``.ann`` without its
  ``.txt``, and any other member, is reported.
"""

import itertools
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, BinaryIO

import orjson

from annotations import repair, rules
from annotations.exports.brat import (
    ATTRIBUTE_NOTE,
    AUTHOR,
    CHECKWORTHY,
    CLAIMANT,
    CLAIMANT_NOTE,
    CONF_NAME,
    NO_EVIDENCE,
    NOTES,
    STANCE_NOTE,
)
from annotations.services.ingest.records import (
    ERR_BOM_MISMATCH,
    ImportRefused,
    RawRelation,
    RawSpan,
    Record,
)

CHUNK = 64 * 1024

ERR_NOT_ZIP = "{name}: not a zip archive ({reason})."
ERR_TOO_MANY = "{name}: {count} members, over the limit of {limit}."
ERR_TOO_LARGE = "{name}: over {limit} bytes once uncompressed; refused."
ERR_UNSAFE_NAME = "{name}: member {member!r} would be written outside the archive; refused."
ERR_ENCRYPTED = "{name}: member {member!r} is encrypted; refused."
ERR_COMPRESSION = (
    "{name}: member {member!r} is compressed with method {method}, which cannot be read "
    "(stored, deflate, bzip2 and lzma can); refused."
)
# The compression methods Python's zipfile reads: any other is refused up front, by name.
READABLE_COMPRESSION = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
ERR_NO_TXT = "{member}: no {txt} beside it; its annotations cannot be placed."
ERR_NO_TXT_MEMBER = "{name}: no brat .txt file among its {count} members; nothing to import."
WARN_CONF = (
    "{member}: brat configuration, read only for its claim types (those of the Claimant "
    "relation and the Checkworthy attribute); labels are matched to the project's by name."
)
WARN_OTHER_MEMBER = "{member}: not a brat .txt or .ann file; not read."
WARN_DISCONTINUOUS = "{ann} line {line}: discontinuous span {id} ({ranges}) not imported."
WARN_BAD_LINE = "{ann} line {line}: not a brat annotation line; not read."
WARN_LEFT = "{ann}: {counts} not imported (the workbench has no place for them yet)."
KINDS = {
    "R": "relation(s) (R)",
    "E": "event(s) (E)",
    "A": "attribute(s) (A/M)",
    "M": "attribute(s) (A/M)",
    "N": "normalisation(s) (N)",
    "#": "note(s) (#)",
}


@dataclass(frozen=True)
class Limits:
    """How much an archive may hold: bytes once uncompressed, and members."""

    max_bytes: int = 50 * 1024 * 1024
    max_members: int = 10_000


def parse_zip(name: str, stream: BinaryIO, limits: Limits, encoding: str | None) -> list[Record]:
    """Read a brat archive into records, or raise ImportRefused (see module doc)."""
    files = read_archive(name, stream, limits)
    claim_types = _claim_types(files)
    records = []
    warnings = []
    for member in sorted(files):
        path = PurePosixPath(member)
        if path.parts[0] == "__MACOSX" or path.name.startswith("._"):
            # macOS's resource forks: binary, whatever their extension says.
            warnings.append(WARN_OTHER_MEMBER.format(member=member))
        elif path.suffix == ".txt":
            records.append(_record(member, files, encoding, claim_types))
        elif path.suffix == ".ann":
            if str(path.with_suffix(".txt")) not in files:
                records.append(
                    Record(
                        line=member,
                        error=ERR_NO_TXT.format(member=member, txt=path.with_suffix(".txt").name),
                    )
                )
        elif path.suffix == ".conf":
            warnings.append(WARN_CONF.format(member=member))
        else:
            warnings.append(WARN_OTHER_MEMBER.format(member=member))
    if not records:
        return [Record(line=name, error=ERR_NO_TXT_MEMBER.format(name=name, count=len(files)))]
    records[0].warnings[:0] = warnings
    return records


def read_archive(name: str, stream: BinaryIO, limits: Limits) -> dict[str, bytes]:
    """Return the archive's files by name, checked as the module doc says."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError) as error:
        raise ImportRefused(ERR_NOT_ZIP.format(name=name, reason=error)) from error
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise ImportRefused(
                ERR_TOO_MANY.format(name=name, count=len(members), limit=limits.max_members)
            )
        for info in members:
            _check_member(name, info)
        if sum(info.file_size for info in members) > limits.max_bytes:
            raise ImportRefused(ERR_TOO_LARGE.format(name=name, limit=limits.max_bytes))
        files: dict[str, bytes] = {}
        budget = limits.max_bytes
        for info in members:
            if info.is_dir():
                continue
            data = b"".join(_read_bounded(name, archive, info, budget, limits.max_bytes))
            budget -= len(data)
            files[info.filename] = data
    return files


def _check_member(name: str, info: zipfile.ZipInfo) -> None:
    member = info.filename
    path = PurePosixPath(member.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise ImportRefused(ERR_UNSAFE_NAME.format(name=name, member=member))
    if info.flag_bits & 0x1:
        raise ImportRefused(ERR_ENCRYPTED.format(name=name, member=member))
    if info.compress_type not in READABLE_COMPRESSION:
        raise ImportRefused(
            ERR_COMPRESSION.format(name=name, member=member, method=info.compress_type)
        )


def _read_bounded(
    name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, limit: int
) -> Iterator[bytes]:
    """Yield a member's bytes, refusing the archive once more than ``budget`` come out."""
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                budget -= len(chunk)
                if budget < 0:
                    raise ImportRefused(ERR_TOO_LARGE.format(name=name, limit=limit))
                yield chunk
    # EOFError: a member cut short.
    except (zipfile.BadZipFile, EOFError) as error:
        raise ImportRefused(ERR_NOT_ZIP.format(name=name, reason=error)) from error


def _claim_types(files: dict[str, bytes]) -> set[str]:
    """The types every annotation.conf of the archive declares claims (see module doc)."""
    types: set[str] = set()
    for member, data in files.items():
        if PurePosixPath(member).name != CONF_NAME:
            continue
        for line in data.decode("utf-8", errors="replace").splitlines():
            name, _, args = line.partition("\t")
            if name in (CLAIMANT, CHECKWORTHY):
                first = args.split(",")[0].partition(":")[2]
                types.update(part.strip() for part in first.split("|") if part.strip())
    return types


def _record(
    member: str, files: dict[str, bytes], encoding: str | None, claim_types: set[str]
) -> Record:
    """One .txt and its .ann (if any) as a record."""
    path = PurePosixPath(member)
    external_id = str(path.with_suffix(""))
    try:
        text, used = repair.decode_bytes(files[member], encoding)
    except repair.BomMismatch as error:
        message = ERR_BOM_MISMATCH.format(encoding=error.encoding, reason=error.reason)
        return Record(line=member, external_id=external_id, error=message)
    record = Record(line=member, text=text, external_id=external_id, encoding=used)
    ann = str(path.with_suffix(".ann"))
    if ann in files:
        try:
            content, _ = repair.decode_bytes(files[ann], encoding)
        except repair.BomMismatch as error:
            message = ERR_BOM_MISMATCH.format(encoding=error.encoding, reason=error.reason)
            record.warnings.append(f"{ann}: {message}")
            return record
        _read_ann(ann, content.removeprefix(repair.BOM_CHAR), record, claim_types)
    return record


def _read_ann(ann: str, content: str, record: Record, claim_types: set[str]) -> None:
    """Add an .ann file's spans, claimants, check-worthiness and stances to the record; count
    what is left."""
    left = Counter[str]()
    spans: dict[str, RawSpan] = {}
    dropped: set[str] = set()  # T lines that are not spans here (reported)
    others: list[tuple[int, list[str]]] = []  # read once every T is known
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        if line[0] != "T":
            others.append((number, line.split("\t")))
            continue
        span = _text_bound(ann, number, line, record)
        if span is None:
            dropped.add(line.split("\t", 1)[0])
        else:
            spans[line.split("\t", 1)[0]] = span
            span.kind = rules.CLAIM if span.label in claim_types else None
            record.spans.append(span)
    relations: dict[str, RawRelation] = {}
    # Relations first: attributes and notes may name them.
    for number, fields in others:
        if fields[0][:1] == "R" and _read_relation(ann, number, fields, spans, dropped, record):
            relations[fields[0]] = record.relations[-1]
    for number, fields in others:
        kind = fields[0][0]
        if fields[0] in relations:
            continue
        if kind in ("R", "A", "#") and _read_link(fields, spans, record):
            continue
        if kind in ("A", "M", "#") and _read_attribute(fields, spans, relations):
            continue
        if kind in KINDS:
            left[KINDS[kind]] += 1
        else:
            record.warnings.append(WARN_BAD_LINE.format(ann=ann, line=number))
    if left:
        counts = ", ".join(f"{n} {kind}" for kind, n in left.items())
        record.warnings.append(WARN_LEFT.format(ann=ann, counts=counts))


def _text_bound(ann: str, number: int, line: str, record: Record) -> RawSpan | None:
    """The span of a T line, or None (and why) when it is not one we can take."""
    fields = line.split("\t")
    head = fields[1].split(" ", 1) if len(fields) >= 2 else []
    if len(head) != 2:
        record.warnings.append(WARN_BAD_LINE.format(ann=ann, line=number))
        return None
    label, ranges = head
    pieces = [piece.split() for piece in ranges.split(";")]
    if not all(len(piece) == 2 and all(p.isdigit() for p in piece) for piece in pieces):
        record.warnings.append(WARN_BAD_LINE.format(ann=ann, line=number))
        return None
    offsets = [(int(start), int(end)) for start, end in pieces]
    span_text = fields[2] if len(fields) > 2 else None
    key = f"{ann} {fields[0]}, line"
    if len(offsets) == 1:
        return RawSpan(key, number, *offsets[0], label, span_text)
    text = _across_lines(record.text, offsets, span_text)
    if text is None:
        record.warnings.append(
            WARN_DISCONTINUOUS.format(ann=ann, line=number, id=fields[0], ranges=ranges)
        )
        return None
    return RawSpan(key, number, offsets[0][0], offsets[-1][1], label, text)


def _across_lines(text: Any, offsets: list[tuple[int, int]], shown: str | None) -> str | None:
    """The text of fragments that are one span cut at its line breaks (None if they are not):
    only line breaks between them, and the .ann's text their texts joined by a space."""
    if not isinstance(text, str) or offsets[-1][1] > len(text):
        return None
    gaps = [text[end:start] for (_, end), (start, _) in itertools.pairwise(offsets)]
    if not all(gap and set(gap) == {"\n"} for gap in gaps):
        return None
    if shown is not None and shown != " ".join(text[start:end] for start, end in offsets):
        return None
    return text[offsets[0][0] : offsets[-1][1]]


def _reference(span: RawSpan, *, labelled: bool = False) -> dict[str, Any]:
    """How a claimant, holder or evidence names a span of the line (by offsets)."""
    ref = {"start": span.start, "end": span.end, "text": span.text}
    return {**ref, "label": span.label} if labelled else ref


def _read_link(fields: list[str], spans: dict[str, RawSpan], record: Record) -> bool:
    """Read an R, A or # line our brat export writes; False: not one of ours."""
    head = fields[1].split(" ") if len(fields) >= 2 else []
    kind = fields[0][0]
    if kind == "R" and len(head) == 3 and head[0] == CLAIMANT:
        claim, entity = (spans.get(arg.partition(":")[2]) for arg in head[1:])
        if claim is None or entity is None or not head[1].startswith("Arg1:"):
            return False
        claim.claimant, claim.kind = _reference(entity), rules.CLAIM
        return True
    if kind == "A" and head[:1] == [CHECKWORTHY] and len(head) == 3 and head[1] in spans:
        if not rules.is_checkworthy(head[2]):
            return False
        spans[head[1]].checkworthy, spans[head[1]].kind = head[2], rules.CLAIM
        return True
    if kind == "#" and len(head) == 2 and head[0] == NOTES and len(fields) == 3:
        return _read_note(spans.get(head[1]), fields[2], spans, record)
    return False


def _read_relation(
    ann: str,
    number: int,
    fields: list[str],
    spans: dict[str, RawSpan],
    dropped: set[str],
    record: Record,
) -> bool:
    """Read an R line other than ``Claimant`` as a relation; False: not a relation line."""
    head = fields[1].split(" ") if len(fields) >= 2 else []
    if len(head) != 3 or head[0] == CLAIMANT:
        return False
    (role1, _, first), (role2, _, second) = (arg.partition(":") for arg in head[1:])
    if not (role1 == "Arg1" and role2 == "Arg2" and first and second):
        return False
    ends: list[dict[str, Any] | None] = []
    for ident in (first, second):
        if ident in spans:
            ends.append(_reference(spans[ident], labelled=True))
        elif ident in dropped:
            ends.append({"start": None, "end": None})  # reported with its T: names nothing
        else:
            ends.append(None)
    record.relations.append(
        RawRelation(f"{ann} {fields[0]}, line", number, head[0], ends[0], ends[1], first, second)
    )
    return True


def _read_attribute(
    fields: list[str], spans: dict[str, RawSpan], relations: dict[str, RawRelation]
) -> bool:
    """Read an attribute line (``A``/``M``) or an ``attribute`` note; False: neither."""
    head = fields[1].split(" ") if len(fields) >= 2 else []
    if fields[0][0] == "#":
        found = ATTRIBUTE_NOTE.fullmatch(fields[2]) if len(fields) == 3 else None
        if found is None or len(head) != 2 or head[0] != NOTES:
            return False
        try:
            value = orjson.loads(found["value"])
        except orjson.JSONDecodeError:
            return False
        name, owner = found["name"], head[1]
    elif len(head) in (2, 3) and head[0] != CHECKWORTHY:  # a wrong one is left, not guessed
        name, owner = head[0], head[1]
        value = head[2] if len(head) == 3 else True
    else:
        return False
    item: RawSpan | RawRelation | None = spans.get(owner) or relations.get(owner)
    if item is None:
        return False
    if not isinstance(item.attributes, dict):
        item.attributes = {}
    item.attributes[name] = value
    return True


def _read_note(
    anchor: RawSpan | None, note: str, spans: dict[str, RawSpan], record: Record
) -> bool:
    """Read a claimant or stance note our brat export writes; False: not one of ours."""
    if anchor is None:
        return False
    if note.startswith(CLAIMANT_NOTE):
        anchor.claimant = {"text": note.removeprefix(CLAIMANT_NOTE)}
        anchor.kind = rules.CLAIM
        return True
    stance = STANCE_NOTE.fullmatch(note)
    if stance is None:
        return False
    holder, evidence = stance["holder"], stance["evidence"]
    if (holder != AUTHOR and holder not in spans) or (
        evidence != NO_EVIDENCE and evidence not in spans
    ):
        return False
    read = {
        "target": stance["target"],
        "label": stance["label"],
        "holder": None if holder == AUTHOR else _reference(spans[holder]),
        "evidence": None if evidence == NO_EVIDENCE else _reference(spans[evidence], labelled=True),
    }
    if stance["attributes"] is not None:
        try:
            read["attributes"] = orjson.loads(stance["attributes"])
        except orjson.JSONDecodeError:
            return False
    record.stances.append(read)
    return True
