"""Units of a text for the side-by-side review: paragraphs, long ones cut into sentences.

Pure (no Django): the one splitter the review page uses (it sends the units in its payload;
curation.js only reads them). A unit is a half-open ``(start, end)`` range in code points of
the stored text (DESIGN.md, the offset rule), trimmed of surrounding whitespace, so units
never overlap, come in text order and leave out only whitespace.

- A paragraph is a run of text between line breaks (one or more: a headline on its own line
  is a unit of its own).
- A paragraph longer than ``LONG_PARAGRAPH`` is cut after each sentence end: ``.``, ``!``,
  ``?`` or ``…`` (with any closing quotes or brackets after it) followed by whitespace. The
  rule is deliberately simple: "Dr. Keita" cuts after "Dr.", which costs a reviewer a short
  unit, never a wrong offset.
- A piece still longer than ``LONGEST_UNIT`` (a text without punctuation) is cut at the last
  whitespace before the limit, or at the limit when there is none, so no unit is unbounded.

Spans are not known here, so a span may cross a unit's end; the page shows it in the unit
where it starts.
"""

import re

LONG_PARAGRAPH = 600
LONGEST_UNIT = 1200

_LINE_BREAKS = re.compile(r"[\n\r\u2028\u2029\x0b\x0c\x85]+")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*(?=\s)")


def text_units(text: str) -> list[tuple[int, int]]:
    """Return the text's units as code-point ranges, in order, trimmed of whitespace."""
    units: list[tuple[int, int]] = []
    start = 0
    for match in _LINE_BREAKS.finditer(text):
        units.extend(_paragraph_units(text, start, match.start()))
        start = match.end()
    units.extend(_paragraph_units(text, start, len(text)))
    return units


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _paragraph_units(text: str, start: int, end: int) -> list[tuple[int, int]]:
    paragraph = _trimmed(text, start, end)
    if paragraph is None:
        return []
    start, end = paragraph
    if end - start <= LONG_PARAGRAPH:
        return [paragraph]
    units: list[tuple[int, int]] = []
    piece = start
    for match in _SENTENCE_END.finditer(text, start, end):
        units.extend(_bounded(text, piece, match.end()))
        piece = match.end()
    units.extend(_bounded(text, piece, end))
    return units


def _bounded(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The trimmed piece, cut into units of at most ``LONGEST_UNIT`` code points."""
    units: list[tuple[int, int]] = []
    piece = _trimmed(text, start, end)
    while piece is not None:
        start, end = piece
        if end - start <= LONGEST_UNIT:
            units.append(piece)
            break
        limit = start + LONGEST_UNIT
        cut = max(text.rfind(" ", start + 1, limit), text.rfind("\t", start + 1, limit))
        cut = cut if cut > start else limit
        head = _trimmed(text, start, cut)
        if head is not None:
            units.append(head)
        piece = _trimmed(text, cut, end)
    return units
