"""Text repair before storage: pure functions, no database.

Repairs undo encoding damage only. They never change typography (curly quotes, dashes,
ligatures, full-width forms), never unescape HTML entities and never normalise Unicode unless
the import asks for it. Each repair reports its name and an offset map, so pre-annotation spans
given against the input text can be carried onto the stored text, or reported when they
cannot be carried exactly.
"""

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Iterator
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
_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
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


class BomMismatch(ValueError):
    """Bytes that start with a UTF-16 or UTF-32 byte-order mark but are not in that encoding.

    A file cut short after its mark, or with an odd number of bytes, or with half a surrogate
    pair: decoding them another way would store nonsense, so the import refuses the file.
    """

    def __init__(self, encoding: str, reason: str) -> None:
        super().__init__(f"{encoding}: {reason}")
        self.encoding = encoding
        self.reason = reason


def decode_bytes(
    data: bytes, encoding: str | None = None, *, sniff_bom: bool = True
) -> tuple[str, str | None]:
    """Decode ``data``; return the text and the encoding used when it was not UTF-8.

    UTF-8 first (a UTF-8 BOM stays in the text, for the BOM repair to drop and report);
    UTF-16/32 when a BOM says so; otherwise Windows-1252, the usual non-UTF-8 news text,
    or Latin-1 for the five bytes Windows-1252 leaves undefined. Never produces U+FFFD.
    Raise BomMismatch when a UTF-16/32 byte-order mark comes with bytes of another kind.
    """
    if encoding:
        return data.decode(encoding), (None if _is_utf8_name(encoding) else encoding)
    for name, marks in (("utf-32", _UTF32_BOMS), ("utf-16", _UTF16_BOMS)):
        if sniff_bom and data.startswith(marks):
            try:
                return BOM_CHAR + data.decode(name), name
            except UnicodeDecodeError as error:
                raise BomMismatch(name.upper(), error.reason) from None
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


# Offset maps of the repairs that rewrite characters (mojibake, NFC) come from the repair
# done piece by piece, never from a diff of the whole texts (difflib is cubic on long ones):
# pieces that are repaired independently of one another, so that each piece's edit is exact,
# and every piece and edit found in linear time. Within a changed piece, the common start
# and end are kept and the middle is one edit (spans with an end inside it are reported).
# Runs between ASCII letters and digits: ftfy, configured as above, never creates one (no
# encoding it decodes with turns a byte >= 0x80 into ASCII) and deletes one only in a
# terminal escape; so when two texts hold the same ASCII letters and digits, each of them is
# kept and only the runs between them changed (a space that stood for U+00A0 is in a run).
_NOT_ANCHOR_RE = re.compile("[^0-9A-Za-z]+")
# A non-ASCII run with the ASCII character before it: NFC composes nothing with an ASCII
# character that comes second, nor reorders marks across one, so the text between two
# such runs never changes, and each run normalises on its own.
_NFC_PIECE_RE = re.compile("[\x00-\x7f]?[^\x00-\x7f]+")
# Hangul jamo compose with the syllable or jamo before them, without being marks.
_HANGUL_JAMO = range(0x1100, 0x1200)


def _ftfy_segments(text: str) -> Iterator[tuple[int, str]]:
    """Cut ``text`` where ``ftfy.fix_text`` does, which fixes each segment on its own."""
    position = 0
    while position < len(text):
        end = text.find("\n", position) + 1 or len(text)
        end = min(end, position + FIXER_CONFIG.max_decode_length)
        yield position, text[position:end]
        position = end


def _piece_edit(
    before: str, start: int, end: int, after: str, new_start: int, new_end: int
) -> tuple[int, int, int] | None:
    """One edit from ``before[start:end]`` to ``after[new_start:new_end]``, ends kept."""
    while start < end and new_start < new_end and before[start] == after[new_start]:
        start += 1
        new_start += 1
    while start < end and new_start < new_end and before[end - 1] == after[new_end - 1]:
        end -= 1
        new_end -= 1
    if start == end and new_start == new_end:
        return None
    return start, end, new_end - new_start


def _segment_edits(before: str, after: str, offset: int) -> list[tuple[int, int, int]]:
    """Edits from one segment to its mojibake repair: the runs between kept letters and digits."""
    if _NOT_ANCHOR_RE.sub("", before) != _NOT_ANCHOR_RE.sub("", after):
        edit = _piece_edit(before, 0, len(before), after, 0, len(after))
        return [] if edit is None else [(edit[0] + offset, edit[1] + offset, edit[2])]
    runs_before, runs_after = _runs_by_anchor(before), _runs_by_anchor(after)
    edits = []
    shift_before = shift_after = 0  # characters of runs so far, in either text
    while runs_before or runs_after:
        # The runs that follow the same number of kept characters face each other; an
        # empty run stands where the other text has one.
        anchors = min(run[0] for run in (runs_before[-1:] + runs_after[-1:]))
        if runs_before and runs_before[-1][0] == anchors:
            _, start, end = runs_before.pop()
        else:
            start = end = anchors + shift_before
        if runs_after and runs_after[-1][0] == anchors:
            _, new_start, new_end = runs_after.pop()
        else:
            new_start = new_end = anchors + shift_after
        shift_before += end - start
        shift_after += new_end - new_start
        edit = _piece_edit(before, start, end, after, new_start, new_end)
        if edit is not None:
            edits.append((edit[0] + offset, edit[1] + offset, edit[2]))
    return edits


def _runs_by_anchor(text: str) -> list[tuple[int, int, int]]:
    """Each run of non-anchor characters as (anchors before it, start, end), last first."""
    runs = []
    removed = 0
    for match in _NOT_ANCHOR_RE.finditer(text):
        start, end = match.span()
        runs.append((start - removed, start, end))
        removed += end - start
    runs.reverse()
    return runs


def _nfc_piece_edits(piece: str, fixed: str, offset: int) -> list[tuple[int, int, int]]:
    """Edits from one piece to its NFC form, cut finer before each starter that stays."""
    cuts = [0]
    cuts.extend(
        index
        for index in range(1, len(piece))
        if not unicodedata.combining(piece[index])
        and not unicodedata.decomposition(piece[index])
        and ord(piece[index]) not in _HANGUL_JAMO
    )
    cuts.append(len(piece))
    parts = [piece[start:end] for start, end in itertools.pairwise(cuts)]
    normalized = [unicodedata.normalize("NFC", part) for part in parts]
    if "".join(normalized) != fixed:
        # A cut that NFC does not respect (a starter that composes with the one before):
        # the piece is one edit.
        parts, normalized, cuts = [piece], [fixed], [0, len(piece)]
    edits = []
    for start, part, new in zip(cuts, parts, normalized, strict=False):  # cuts: one more
        if part != new:
            edit = _piece_edit(part, 0, len(part), new, 0, len(new))
            if edit is not None:
                edits.append((edit[0] + offset + start, edit[1] + offset + start, edit[2]))
    return edits


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
    if not want_map:
        fixed = ftfy.fix_text(text, FIXER_CONFIG)
        return (text, None) if fixed == text else (fixed, OffsetMap())
    pieces, edits = [], []
    for offset, segment in _ftfy_segments(text):
        fixed = ftfy.fix_text(segment, FIXER_CONFIG) if _may_need_ftfy(segment) else segment
        if fixed != segment:
            edits.extend(_segment_edits(segment, fixed, offset))
        pieces.append(fixed)
    if not edits:
        return text, None
    return "".join(pieces), OffsetMap(edits)


def normalize_nfc(text: str, *, want_map: bool) -> tuple[str, OffsetMap | None]:
    """Compose to NFC (only when the import asks for it)."""
    if unicodedata.is_normalized("NFC", text):
        return text, None
    fixed = unicodedata.normalize("NFC", text)
    if not want_map:
        return fixed, OffsetMap()
    edits = []
    for match in _NFC_PIECE_RE.finditer(text):
        piece = match.group()
        if not unicodedata.is_normalized("NFC", piece):
            edits.extend(
                _nfc_piece_edits(piece, unicodedata.normalize("NFC", piece), match.start())
            )
    return fixed, OffsetMap(edits)


def find_repeated_passages(text: str, min_chars: int = MIN_REPEAT_CHARS) -> list[Repeat]:
    """Find runs of whole paragraphs, ``min_chars`` or longer, repeated verbatim later on.

    A paragraph is a non-empty line. Each later copy is reported once, against its first
    occurrence; copies do not overlap the passage they repeat.

    Linear in the text: a copy that can be reported starts with a *window*, its first
    paragraphs up to ``min_chars`` characters, that is verbatim an earlier window. Windows
    are looked up by the hash of their text, so a paragraph costs one look-up, and runs are
    walked paragraph by paragraph only from a window that matched (and then reported, so
    every walk covers paragraphs that are never looked at again). Only the earliest
    ``MAX_REPEAT_CANDIDATES`` occurrences of a paragraph are candidates for its first copy.
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

    def run_length(i: int, j: int) -> int:
        """Paragraphs from i and from j that are verbatim equal, gaps between them included."""
        if bodies[i] != bodies[j]:
            return 0
        limit = min(j - i, len(paragraphs) - j)  # the copy never overlaps what it repeats
        length = 1
        while (
            length < limit
            and bodies[i + length] == bodies[j + length]
            and _gap_before(text, paragraphs, i + length)
            == _gap_before(text, paragraphs, j + length)
        ):
            length += 1
        return length

    occurrences: dict[str, int] = {}
    earliest: dict[int, list[int]] = {}  # a window's hash -> candidates that start one
    repeats: list[Repeat] = []
    covered_until = -1  # paragraphs up to this index already belong to a reported copy
    last = 0  # the last paragraph of the window that starts at paragraph j
    for j, (start, _) in enumerate(paragraphs):
        last = max(last, j)
        while last < len(paragraphs) and paragraphs[last][1] - start < min_chars:
            last += 1
        if last == len(paragraphs):
            break  # too little text left for a copy to start here, or anywhere later
        width = last - j + 1
        window = hash(text[start : paragraphs[last][1]])
        if j > covered_until:
            best: tuple[int, int] | None = None  # (run length in paragraphs, i)
            for i in earliest.get(window, ()):
                if i + width > j:
                    break  # later candidates are nearer still: their copies would overlap
                length = run_length(i, j)
                if length >= width and (best is None or length > best[0]):
                    best = (length, i)
            if best is not None:
                length, i = best
                repeats.append(
                    Repeat(
                        paragraphs[i][0],
                        paragraphs[i + length - 1][1],
                        start,
                        paragraphs[j + length - 1][1],
                    )
                )
                covered_until = j + length - 1
        seen = occurrences.get(bodies[j], 0)
        if seen < MAX_REPEAT_CANDIDATES:
            # The earliest few occurrences are enough; a bound keeps pathological
            # inputs (thousands of identical short lines) linear.
            occurrences[bodies[j]] = seen + 1
            earliest.setdefault(window, []).append(j)
    return repeats


def _gap_before(text: str, paragraphs: list[tuple[int, int]], index: int) -> str:
    """The line breaks and blank lines between paragraph ``index`` and the one before."""
    return text[paragraphs[index - 1][1] : paragraphs[index][0]]


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
