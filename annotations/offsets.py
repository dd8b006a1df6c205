"""Offset arithmetic: the one place in Python (mirrored by static/annotations/offsets.js).

Offsets are half-open ``[start, end)`` ranges in Unicode code points of the stored text, which
are Python ``str`` indices. Browsers count UTF-16 code units, so characters outside the Basic
Multilingual Plane (emoji, some CJK) count twice there and once here.
"""

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

RANGE_NOT_INTEGERS = "start and end must be integers."
RANGE_NEGATIVE = "start must be 0 or more, not {start}."
RANGE_EMPTY = "start ({start}) must be less than end ({end})."
RANGE_PAST_TEXT = "end ({end}) is past the end of the text ({length} characters)."
UTF16_NEGATIVE = "UTF-16 offset {offset} is negative."
UTF16_SPLITS_PAIR = "UTF-16 offset {offset} falls between the two halves of a surrogate pair."
UTF16_PAST_TEXT = "UTF-16 offset {offset} is past the end of the text ({length} UTF-16 units)."
TEXT_MISMATCH = "text {sent!r} does not match the document at [{start}, {end}): {actual!r}."


def range_error(start: object, end: object, length: int) -> str | None:
    """Say what is wrong with ``[start, end)`` over a text of ``length`` code points, or None."""
    if type(start) is not int or type(end) is not int:
        return RANGE_NOT_INTEGERS
    if start < 0:
        return RANGE_NEGATIVE.format(start=start)
    if start >= end:
        return RANGE_EMPTY.format(start=start, end=end)
    if end > length:
        return RANGE_PAST_TEXT.format(end=end, length=length)
    return None


def text_error(text: str, start: int, end: int, sent: str | None) -> str | None:
    """Say why ``sent`` is not ``text[start:end]``, or None when it is (or was not sent)."""
    if sent is None:
        return None
    actual = text[start:end]
    if sent != actual:
        return TEXT_MISMATCH.format(sent=sent, start=start, end=end, actual=actual)
    return None


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Whether two half-open ranges share at least one code point."""
    return a_start < b_end and b_start < a_end


def utf16_length(char: str) -> int:
    """UTF-16 code units of one code point: 2 outside the Basic Multilingual Plane."""
    return 2 if ord(char) > 0xFFFF else 1


def utf16_to_codepoint(text: str, offset: int) -> int:
    """Convert a UTF-16 offset into ``text`` to a code-point offset.

    Raise ValueError for an offset outside the text or between the two halves of a
    surrogate pair: a bad offset from a browser is an error, never silently moved.
    """
    if offset < 0:
        raise ValueError(UTF16_NEGATIVE.format(offset=offset))
    units = 0
    for index, char in enumerate(text):
        if units == offset:
            return index
        units += utf16_length(char)
        if units > offset:
            raise ValueError(UTF16_SPLITS_PAIR.format(offset=offset))
    if units == offset:
        return len(text)
    raise ValueError(UTF16_PAST_TEXT.format(offset=offset, length=units))


def codepoint_to_utf16(text: str, offset: int) -> int:
    """Convert a code-point offset into ``text`` to a UTF-16 offset."""
    return sum(utf16_length(char) for char in text[:offset])


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class Utf16Index:
    """UTF-16 offsets into one text, turned into code points exactly.

    Built in one pass over the text (O(n)); each conversion is a binary search among the
    characters outside the BMP, the only ones that count twice in UTF-16. For many spans of
    one long text this replaces ``utf16_to_codepoint``, which walks the text for each offset.
    """

    def __init__(self, text: str) -> None:
        # The UTF-16 offset of each character outside the BMP: its code-point index plus
        # the number of such characters before it.
        self._astral = [m.start() + n for n, m in enumerate(_ASTRAL.finditer(text))]
        self.length = len(text) + len(self._astral)  # in UTF-16 code units

    @property
    def has_astral(self) -> bool:
        """Whether the text has characters outside the BMP (where the units differ)."""
        return bool(self._astral)

    def to_codepoint(self, offset: int) -> int:
        """Convert a UTF-16 offset; raise ValueError as ``utf16_to_codepoint`` does."""
        if offset < 0:
            raise ValueError(UTF16_NEGATIVE.format(offset=offset))
        if offset > self.length:
            raise ValueError(UTF16_PAST_TEXT.format(offset=offset, length=self.length))
        before = bisect_left(self._astral, offset)  # astral characters starting before it
        if before and self._astral[before - 1] + 1 == offset:
            raise ValueError(UTF16_SPLITS_PAIR.format(offset=offset))
        return offset - before


class OffsetMap:
    """Map offsets of an original text onto a text derived from it by edits.

    Built from the edits themselves (``(orig_start, orig_end, new_length)``, sorted and not
    overlapping): an offset that falls strictly inside an edited region has no exact image,
    and ``map`` answers None rather than guessing.
    """

    def __init__(self, edits: Sequence[tuple[int, int, int]] = ()) -> None:
        self._edits = list(edits)
        self._starts = [edit[0] for edit in self._edits]
        # shift[i]: how far offsets after edit i move (cumulative).
        self._shifts: list[int] = []
        shift = 0
        for orig_start, orig_end, new_length in self._edits:
            shift += new_length - (orig_end - orig_start)
            self._shifts.append(shift)

    def map(self, offset: int) -> int | None:
        """Return the image of ``offset`` (a span start or end), or None when it has none."""
        index = bisect_right(self._starts, offset) - 1
        # An offset equal to an edit's start lies before that edit: it maps to where the
        # replacement begins, whether it is a span's start or its end.
        while index >= 0 and self._edits[index][0] == offset:
            index -= 1
        if index >= 0:
            orig_start, orig_end, new_length = self._edits[index]
            shift_before = self._shifts[index - 1] if index > 0 else 0
            if offset < orig_end:
                return None
            if offset == orig_end:
                return orig_start + shift_before + new_length
            return offset + self._shifts[index]
        return offset

    def then(self, other: "OffsetMap") -> "ComposedMap":
        """Compose: first this map, then ``other``."""
        return ComposedMap([self, other])


class ComposedMap:
    """Several OffsetMaps applied one after the other."""

    def __init__(self, maps: list[OffsetMap]) -> None:
        self._maps = maps

    def map(self, offset: int) -> int | None:
        """Return the image of ``offset`` through every map, or None when it has none."""
        result: int | None = offset
        for step in self._maps:
            if result is None:
                return None
            result = step.map(result)
        return result
