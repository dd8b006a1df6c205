"""brat standoff: a .zip of ``name.txt`` + ``name.ann`` pairs, one document a pair.

Invariants:
- Pure. The archive is checked whole before any record is made, so a refused archive
  stores nothing: no member name that climbs out (``..``, an absolute path, a drive), no
  encrypted member, at most ``max_members`` members and ``max_bytes`` uncompressed, counted
  on the bytes actually read (a zip bomb's headers lie), not only on what the headers say.
- ``T`` lines with one range become spans (offsets as brat counts them, checked against the
  ``.txt`` by the span text the line carries); a discontinuous ``T`` (``0 5;10 15``) is
  reported. Relations (``R``), events (``E``), attributes (``A``/``M``), normalisations
  (``N``) and notes (``#``) have no place here yet: each document reports how many it left.
- A ``.txt`` without its ``.ann`` is a document without spans; an ``.ann`` without its
  ``.txt``, and any other member, is reported.
"""

import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from annotations import repair
from annotations.services.ingest.records import ERR_BOM_MISMATCH, ImportRefused, RawSpan, Record

CHUNK = 64 * 1024

ERR_NOT_ZIP = "{name}: not a zip archive ({reason})."
ERR_TOO_MANY = "{name}: {count} members, over the limit of {limit}."
ERR_TOO_LARGE = "{name}: over {limit} bytes once uncompressed; refused."
ERR_UNSAFE_NAME = "{name}: member {member!r} would be written outside the archive; refused."
ERR_ENCRYPTED = "{name}: member {member!r} is encrypted; refused."
ERR_NO_TXT = "{member}: no {txt} beside it; its annotations cannot be placed."
ERR_NO_TXT_MEMBER = "{name}: no brat .txt file among its {count} members; nothing to import."
WARN_CONF = "{member}: brat configuration, not read; labels are matched to the project's by name."
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
    records = []
    warnings = []
    for member in sorted(files):
        path = PurePosixPath(member)
        if path.parts[0] == "__MACOSX" or path.name.startswith("._"):
            # macOS's resource forks: binary, whatever their extension says.
            warnings.append(WARN_OTHER_MEMBER.format(member=member))
        elif path.suffix == ".txt":
            records.append(_record(member, files, encoding))
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
    except (zipfile.BadZipFile, NotImplementedError, EOFError) as error:
        raise ImportRefused(ERR_NOT_ZIP.format(name=name, reason=error)) from error


def _record(member: str, files: dict[str, bytes], encoding: str | None) -> Record:
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
        _read_ann(ann, content.removeprefix(repair.BOM_CHAR), record)
    return record


def _read_ann(ann: str, content: str, record: Record) -> None:
    """Add an .ann file's text-bound annotations to the record; count what is left."""
    left = Counter[str]()
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        kind = line[0]
        if kind != "T":
            if kind in KINDS:
                left[KINDS[kind]] += 1
            else:
                record.warnings.append(WARN_BAD_LINE.format(ann=ann, line=number))
            continue
        fields = line.split("\t")
        head = fields[1].split(" ", 1) if len(fields) >= 2 else []
        if len(head) != 2:
            record.warnings.append(WARN_BAD_LINE.format(ann=ann, line=number))
            continue
        label, ranges = head
        if ";" in ranges:
            record.warnings.append(
                WARN_DISCONTINUOUS.format(ann=ann, line=number, id=fields[0], ranges=ranges)
            )
            continue
        offsets = ranges.split()
        if len(offsets) != 2 or not all(part.isdigit() for part in offsets):
            record.warnings.append(WARN_BAD_LINE.format(ann=ann, line=number))
            continue
        span_text = fields[2] if len(fields) > 2 else None
        key = f"{ann} {fields[0]}, line"
        record.spans.append(
            RawSpan(key, number, int(offsets[0]), int(offsets[1]), label, span_text)
        )
    if left:
        counts = ", ".join(f"{n} {kind}" for kind, n in left.items())
        record.warnings.append(WARN_LEFT.format(ann=ann, counts=counts))
