"""Occurrences: where else a span's string stands in a text, as whole words (pure).

"Annotate all occurrences" (the ``*`` key, ``services.annotating.occurrences``) and the
project-wide suggestions it writes both ask here; nothing else finds occurrences, and the
page does not preview them (the server answers with what it marked).

The rules:
- Offsets are half-open code-point ranges of the text (Python ``str`` indices), like every
  offset of the workbench, whatever comes before the match (emoji, CJK, combining marks).
- Whole words: a match may not start or end inside a word. It starts inside one when the code
  point before it and its first code point are both word characters; it ends inside one when
  its last code point and the one after it are. Word characters are Unicode ``\\w`` (letters,
  digits, marks counted by ``str.isalnum``, and ``_``), one code point at a time. So "Mali"
  is not found in "Malian", while "$5" is found in "cost $5." (a match that begins with a
  non-word character cannot begin inside a word).
- Case: exact by default; ``case_sensitive=False`` matches code point by code point under
  Unicode simple case folding (Python's ``re.IGNORECASE``), so a match is always as long as
  the string looked for and "kidal" finds "Kidal" and "KIDAL". Full folding ("ß" as "ss")
  would change lengths and is not done.
- Matches may overlap one another ("ab ab" in "ab ab ab" is found at 0 and at 3): which of
  them may be kept is the overlap rule's business (annotations.rules), not this module's.
"""

import re

_WORD = re.compile(r"\w")


def is_word_char(char: str) -> bool:
    """Whether a single code point is a word character (Unicode ``\\w``)."""
    return _WORD.fullmatch(char) is not None


def starts_inside_word(text: str, start: int) -> bool:
    """Whether a range starting at ``start`` would start in the middle of a word."""
    return 0 < start < len(text) and is_word_char(text[start - 1]) and is_word_char(text[start])


def ends_inside_word(text: str, end: int) -> bool:
    """Whether a range ending at ``end`` would end in the middle of a word."""
    return 0 < end < len(text) and is_word_char(text[end - 1]) and is_word_char(text[end])


def occurrences(text: str, needle: str, *, case_sensitive: bool = True) -> list[tuple[int, int]]:
    """Return every whole-word occurrence of ``needle`` in ``text`` as (start, end), in order."""
    if not needle:
        return []
    pattern = re.compile(re.escape(needle), 0 if case_sensitive else re.IGNORECASE)
    found: list[tuple[int, int]] = []
    position = 0
    while (match := pattern.search(text, position)) is not None:
        start, end = match.span()
        if not starts_inside_word(text, start) and not ends_inside_word(text, end):
            found.append((start, end))
        position = start + 1
    return found
