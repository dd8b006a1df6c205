"""Offset units: which unit a record's span offsets are in, and their code points.

Invariants:
- Pure. The record comes in with offsets as its file gave them; it goes out with offsets in
  code points of the same (unrepaired) text, ready for preparation to check and carry.
- Never a silent guess. ``auto`` reads the unit from the record's own evidence: span texts
  that match under one unit only, an end past the code-point length but within the UTF-16
  length (only UTF-16 fits), an offset that would split a surrogate pair (only code points
  fit); failing those, the one unit in which every span begins and ends between words.
  Reading UTF-16 is said in the record's warnings (evidence for code points only confirms
  the unit every format of ours documents); with no evidence and offsets the units would
  read differently, the ambiguity is said instead (and code points are used).
- Where both units agree (no character outside the BMP, or every span before the first
  one), nothing is said: the choice changes nothing.
- Conversion is exact (``offsets.Utf16Index``): an offset between the two halves of a pair,
  or past the text, drops its span with the reason, never moves it.
"""

import dataclasses
from typing import Any

from annotations.offsets import Utf16Index
from annotations.services.ingest.records import (
    AUTO,
    CODEPOINTS,
    INFO_UNITS_READ,
    REASON_PAST_END,
    REASON_TEXTS,
    REASON_WORDS,
    UNIT_NAMES,
    UTF16,
    WARN_SPAN_RANGE,
    WARN_UNITS_AMBIGUOUS,
    WARN_UNITS_CONFLICT,
    RawSpan,
    Record,
)


def in_codepoints(record: Record, text: str, option: str) -> Record:
    """Return the record with its span offsets in code points of ``text`` (see module doc)."""
    if not record.spans:
        return record
    index = Utf16Index(text)
    if not index.has_astral:
        return record
    unit, note = _unit(record, text, index, option)
    warnings = [*record.warnings, *([note] if note else [])]
    if unit == CODEPOINTS:
        return dataclasses.replace(record, warnings=warnings)
    spans = []
    for raw in record.spans:
        try:
            start, end = _convert(index, raw.start), _convert(index, raw.end)
        except ValueError as error:
            warnings.append(
                WARN_SPAN_RANGE.format(
                    key=raw.key, index=raw.index, start=raw.start, end=raw.end, problem=error
                )
            )
            continue
        claimant = _convert_ref(index, raw.claimant)
        spans.append(dataclasses.replace(raw, start=start, end=end, claimant=claimant))
    stances = [_convert_stance(index, item) for item in record.stances]
    relations = [
        dataclasses.replace(
            relation,
            source=_convert_ref(index, relation.source),
            target=_convert_ref(index, relation.target),
        )
        for relation in record.relations
    ]
    return dataclasses.replace(
        record, spans=spans, stances=stances, relations=relations, warnings=warnings
    )


def _unit(record: Record, text: str, index: Utf16Index, option: str) -> tuple[str, str | None]:
    """The unit to read the record's offsets in, and what to say about it (or None)."""
    if record.offset_unit is not None:
        return record.offset_unit, None
    if option != AUTO:
        return option, None
    counts = {CODEPOINTS: 0, UTF16: 0}
    by_text = False  # whether a span's text decided
    differ = False
    for raw in record.spans:
        fits = {CODEPOINTS: _fits_codepoints(raw, text), UTF16: _fits_utf16(raw, text, index)}
        if fits[CODEPOINTS] != fits[UTF16]:
            counts[CODEPOINTS if fits[CODEPOINTS] else UTF16] += 1
            by_text = by_text or raw.text is not None
        differ = differ or _differs(raw, index)
    if counts[CODEPOINTS] and counts[UTF16]:
        return CODEPOINTS, WARN_UNITS_CONFLICT.format(
            codepoints=counts[CODEPOINTS], utf16=counts[UTF16]
        )
    if counts[UTF16]:
        reason = REASON_TEXTS if by_text else REASON_PAST_END
        return UTF16, INFO_UNITS_READ.format(unit=UNIT_NAMES[UTF16], reason=reason)
    if counts[CODEPOINTS]:
        return CODEPOINTS, None  # the evidence confirms the documented unit: nothing to say
    if not differ:
        return CODEPOINTS, None
    return _unit_by_words(record, text, index)


def _unit_by_words(record: Record, text: str, index: Utf16Index) -> tuple[str, str | None]:
    """With nothing decisive: the one unit whose spans all begin and end between words.

    A tool's spans cover whole words; read in the wrong unit, the ones after a character
    outside the BMP start and end inside words ("emen dr" for "firemen").
    """
    whole = {CODEPOINTS: True, UTF16: True}
    for raw in record.spans:
        if not _is_range(raw):
            continue
        places = {CODEPOINTS: (raw.start, raw.end)}
        try:
            places[UTF16] = (index.to_codepoint(raw.start), index.to_codepoint(raw.end))
        except ValueError:
            whole[UTF16] = False
        for unit, (start, end) in places.items():
            whole[unit] = whole[unit] and _between_words(text, start) and _between_words(text, end)
    if whole[UTF16] and not whole[CODEPOINTS]:
        return UTF16, INFO_UNITS_READ.format(unit=UNIT_NAMES[UTF16], reason=REASON_WORDS)
    if whole[CODEPOINTS] and not whole[UTF16]:
        return CODEPOINTS, None
    return CODEPOINTS, WARN_UNITS_AMBIGUOUS


def _between_words(text: str, offset: int) -> bool:
    """Whether an offset does not fall inside a word (letters or digits on both sides)."""
    if offset <= 0 or offset >= len(text):
        return True
    return not (text[offset - 1].isalnum() and text[offset].isalnum())


def _fits_codepoints(raw: RawSpan, text: str) -> bool:
    """Whether the span is a range of the text in code points (with its text, if sent)."""
    if not _is_range(raw) or raw.end > len(text):
        return False
    return raw.text is None or text[raw.start : raw.end] == raw.text


def _fits_utf16(raw: RawSpan, text: str, index: Utf16Index) -> bool:
    """Whether the span is a range of the text in UTF-16 code units (with its text, if sent)."""
    if not _is_range(raw):
        return False
    try:
        start, end = index.to_codepoint(raw.start), index.to_codepoint(raw.end)
    except ValueError:
        return False
    return raw.text is None or text[start:end] == raw.text


def _differs(raw: RawSpan, index: Utf16Index) -> bool:
    """Whether the two units would read this span at different places."""
    if not _is_range(raw):
        return False
    try:
        return (index.to_codepoint(raw.start), index.to_codepoint(raw.end)) != (raw.start, raw.end)
    except ValueError:
        return True


def _is_range(raw: RawSpan) -> bool:
    return type(raw.start) is int and type(raw.end) is int and 0 <= raw.start < raw.end


def _convert(index: Utf16Index, offset: Any) -> Any:
    """Convert an integer offset; leave anything else for preparation to report."""
    return index.to_codepoint(offset) if type(offset) is int else offset


def _convert_ref(index: Utf16Index, ref: Any) -> Any:
    """A reference to a span by offsets (a claimant, holder, evidence) in code points."""
    if not isinstance(ref, dict) or "start" not in ref or "end" not in ref:
        return ref
    try:
        return {**ref, "start": _convert(index, ref["start"]), "end": _convert(index, ref["end"])}
    except ValueError:
        return ref  # names no span then, and preparation says so


def _convert_stance(index: Utf16Index, item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    return {
        **item,
        **{
            role: _convert_ref(index, item[role]) for role in ("holder", "evidence") if role in item
        },
    }
