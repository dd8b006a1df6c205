"""Text repair before storage: pure functions, no database.

Repairs undo encoding damage only. They never change typography (curly quotes, dashes,
ligatures, full-width forms), never unescape HTML entities and never normalise Unicode unless
the import asks for it. Each repair reports its name and an offset map, so pre-annotation spans
given against the input text can be carried onto the stored text, or reported when they
cannot be carried exactly.
"""

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

import ftfy
from ftfy.badness import is_bad
from ftfy.chardata import CONTROL_CHARS

from annotations.offsets import ComposedMap, OffsetMap

# Repair names, as the import report spells them.
ENCODING = "encoding"
BOM = "bom"
LINE_BREAKS = "line_breaks"
MOJIBAKE = "mojibake"
NFC = "nfc"
COLLAPSED_REPEAT = "collapsed_repeat"

# ftfy's defaults also uncurl quotes, unescape HTML, fold ligatures and full-width forms:
# those change typography or content, not encoding damage, so they are off.
FIXER_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    uncurl_quotes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    normalization=None,
)

BOM_CHAR = "\ufeff"
LINE_BREAK_RE = re.compile("\r\n|\r|\u2028|\u2029")

# ftfy costs ~0.4 ms on 2,000 characters even when there is nothing to fix, most of it in
# its mojibake detector (`is_bad`, one large regex). Cheap checks decide first whether ftfy
# can change anything at all with FIXER_CONFIG:
# - its control-character, C1, surrogate, terminal-escape and line-break fixers only act on
#   the characters of _FIXER_CHARS_RE;
# - its encoding fixer only acts when `is_bad` finds mojibake, and every pattern of `is_bad`
#   is a few characters long and holds either two adjacent non-ASCII characters or one of
#   "ŒœÃÂ" or a C1 control (a hint: one maximal run of them), with at most
#   three characters of context either side. Running `is_bad` on each hint with its context
#   finds whatever it would find in the whole text (joining the windows can only add
#   matches, which just means ftfy runs and finds nothing to fix).
# tests/test_repair.py checks on random text that the shortcut and plain ftfy agree.
_FIXER_CHARS_RE = re.compile(
    "["
    + "".join(re.escape(chr(code)) for code in sorted(CONTROL_CHARS))
    + "\x1b\r\x80-\x9f\u2028\u2029\ud800-\udfff]"
)
_FIXER_NON_ASCII = (
    "".join(re.escape(chr(code)) for code in sorted(CONTROL_CHARS) if code > 0x7F)
    + "\x80-\x9f\u2028\u2029\ud800-\udfff"
)
# Both kinds of clue in one scan, written to start with a character class, which `re` scans
# for quickly: any character but printable ASCII, tab, LF and form feed (so an ASCII one is a
# fixer character), then a match only if it starts a run of non-ASCII characters (the run is
# a hint, and may hold fixer characters) or is a fixer character or a hint on its own. Lone
# accented letters and curly quotes, most of the non-ASCII in real text, do not match.
_CLUES_RE = re.compile(
    "[^\t\n\x0c\x20-\x7e]"
    "(?:(?<=[\x00-\x7f])|[^\x00-\x7f]+|(?<=[" + _FIXER_NON_ASCII + "\u0152\u0153\u00c3\u00c2]))"
)
_CONTEXT = 3


def _may_need_ftfy(text: str) -> bool:
    hints = []
    for match in _CLUES_RE.finditer(text):
        start, end = match.span()
        if _FIXER_CHARS_RE.search(text, start, end):
            return True
        hints.append((start, end))
    if not hints:
        return False
    return is_bad(
        "\n".join([text[max(0, start - _CONTEXT) : end + _CONTEXT] for start, end in hints])
    )


MIN_REPEAT_CHARS = 200
MAX_REPEAT_CANDIDATES = 8


@dataclass(frozen=True)
class Repeat:
    """A passage of whole paragraphs ``[start, end)`` that repeats ``[first_start, first_end)``."""

    first_start: int
    first_end: int
    start: int
    end: int


@dataclass
class RepairResult:
    text: str
    repairs: list[str] = field(default_factory=list)
    repeats: list[Repeat] = field(default_factory=list)
    maps: list[OffsetMap] = field(default_factory=list)

    @property
    def offset_map(self) -> ComposedMap:
        return ComposedMap(self.maps)


def decode_bytes(
    data: bytes, encoding: str | None = None, *, sniff_bom: bool = True
) -> tuple[str, str | None]:
    """Decode ``data``; return the text and the encoding used when it was not UTF-8.

    UTF-8 first (a UTF-8 BOM stays in the text, for the BOM repair to drop and report);
    UTF-16/32 when a BOM says so; otherwise Windows-1252, the usual non-UTF-8 news text,
    or Latin-1 for the five bytes Windows-1252 leaves undefined. Never produces U+FFFD.
    """
    if encoding:
        return data.decode(encoding), (None if _is_utf8_name(encoding) else encoding)
    if sniff_bom and data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return BOM_CHAR + data.decode("utf-32"), "utf-32"
    if sniff_bom and data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return BOM_CHAR + data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("windows-1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _is_utf8_name(encoding: str) -> bool:
    return encoding.lower().replace("_", "-") in {"utf-8", "utf8", "utf-8-sig"}


def _diff_map(before: str, after: str) -> OffsetMap:
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return OffsetMap(
        [(i1, i2, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    )


def drop_bom(text: str) -> tuple[str, OffsetMap | None]:
    """Drop a leading byte-order mark."""
    if text.startswith(BOM_CHAR):
        return text[1:], OffsetMap([(0, 1, 0)])
    return text, None


def fix_line_breaks(text: str) -> tuple[str, OffsetMap | None]:
    """Turn CRLF, lone CR and Unicode line/paragraph separators into LF."""
    if "\r" not in text and "\u2028" not in text and "\u2029" not in text:
        return text, None
    edits = [(m.start(), m.end(), 1) for m in LINE_BREAK_RE.finditer(text)]
    if not edits:
        return text, None
    return LINE_BREAK_RE.sub("\n", text), OffsetMap(edits)


def fix_mojibake(text: str, *, want_map: bool) -> tuple[str, OffsetMap | None]:
    """Undo encoding damage with ftfy (configured not to touch typography)."""
    if not _may_need_ftfy(text):
        return text, None
    fixed = ftfy.fix_text(text, FIXER_CONFIG)
    if fixed == text:
        return text, None
    return fixed, (_diff_map(text, fixed) if want_map else OffsetMap())


def normalize_nfc(text: str, *, want_map: bool) -> tuple[str, OffsetMap | None]:
    """Compose to NFC (only when the import asks for it)."""
    if unicodedata.is_normalized("NFC", text):
        return text, None
    fixed = unicodedata.normalize("NFC", text)
    return fixed, (_diff_map(text, fixed) if want_map else OffsetMap())


def find_repeated_passages(text: str, min_chars: int = MIN_REPEAT_CHARS) -> list[Repeat]:
    """Find runs of whole paragraphs, ``min_chars`` or longer, repeated verbatim later on.

    A paragraph is a non-empty line. Each later copy is reported once, against its first
    occurrence; copies do not overlap the passage they repeat.
    """
    lines = text.split("\n")
    if len(set(lines)) == len(lines):
        return []  # no line twice, so no paragraph twice (the usual case, and quick)
    paragraphs: list[tuple[int, int]] = []
    position = 0
    for line in lines:
        if line.strip():
            paragraphs.append((position, position + len(line)))
        position += len(line) + 1
    bodies = [text[start:end] for start, end in paragraphs]
    if len(set(bodies)) == len(bodies):
        return []

    first_seen: dict[str, list[int]] = {}
    repeats: list[Repeat] = []
    covered_until = -1  # paragraphs up to this index already belong to a reported copy
    for j, body in enumerate(bodies):
        candidates = first_seen.setdefault(body, [])
        if j > covered_until:
            best: tuple[int, int] | None = None  # (run length in paragraphs, i)
            # The earliest few occurrences are enough; a bound keeps pathological
            # inputs (thousands of identical short lines) linear.
            for i in candidates[:MAX_REPEAT_CANDIDATES]:
                length = 0
                while (
                    j + length < len(bodies)
                    and i + length < j
                    and bodies[i + length] == bodies[j + length]
                ):
                    length += 1
                if best is None or length > best[0]:
                    best = (length, i)
            if best is not None:
                length, i = best
                first = (paragraphs[i][0], paragraphs[i + length - 1][1])
                copy = (paragraphs[j][0], paragraphs[j + length - 1][1])
                if (
                    copy[1] - copy[0] >= min_chars
                    and text[first[0] : first[1]] == text[copy[0] : copy[1]]
                ):
                    repeats.append(Repeat(first[0], first[1], copy[0], copy[1]))
                    covered_until = j + length - 1
        candidates.append(j)
    return repeats


def collapse_repeats(text: str, repeats: list[Repeat]) -> tuple[str, OffsetMap]:
    """Remove each repeated copy together with the line break before it."""
    edits = []
    pieces = []
    position = 0
    for repeat in repeats:
        # The copy starts a paragraph, so a line break precedes it: remove that too.
        start = repeat.start - 1 if repeat.start > 0 and text[repeat.start - 1] == "\n" else 0
        edits.append((start, repeat.end, 0))
        pieces.append(text[position:start])
        position = repeat.end
    pieces.append(text[position:])
    return "".join(pieces), OffsetMap(edits)


def repair_text(
    text: str, *, nfc: bool = False, collapse: bool = False, want_map: bool = False
) -> RepairResult:
    """Apply every repair in order and say what changed.

    ``want_map`` asks for exact offset maps of the content-changing repairs (a diff, so only
    worth it when pre-annotation spans must be carried over).
    """
    result = RepairResult(text=text)
    steps = [
        (BOM, drop_bom),
        (LINE_BREAKS, fix_line_breaks),
        (MOJIBAKE, lambda t: fix_mojibake(t, want_map=want_map)),
    ]
    if nfc:
        steps.append((NFC, lambda t: normalize_nfc(t, want_map=want_map)))
    for name, step in steps:
        fixed, offset_map = step(result.text)
        if offset_map is not None:
            result.text = fixed
            result.repairs.append(name)
            result.maps.append(offset_map)
    result.repeats = find_repeated_passages(result.text)
    if collapse and result.repeats:
        result.text, offset_map = collapse_repeats(result.text, result.repeats)
        result.repairs.append(COLLAPSED_REPEAT)
        result.maps.append(offset_map)
    return result


def content_hash(text: str) -> str:
    """Return the sha256 of the stored text: what makes two documents duplicates."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
