"""Offsets: range checks, overlap, UTF-16 <-> code points, and maps through text repairs."""

import pytest

from annotations import offsets
from annotations.offsets import (
    RANGE_EMPTY,
    RANGE_NEGATIVE,
    RANGE_NOT_INTEGERS,
    RANGE_PAST_TEXT,
    TEXT_MISMATCH,
    ComposedMap,
    OffsetMap,
    codepoint_to_utf16,
    overlaps,
    range_error,
    text_error,
    utf16_length,
    utf16_to_codepoint,
)

MALI_FLAG = "\U0001f1f2\U0001f1f1"  # 🇲🇱: two regional indicators, 4 UTF-16 units.
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 👨‍👩‍👧: 3 emoji joined by 2 ZWJ.
SAMPLES = {
    "ascii": "Keita met Macron in Bamako.",
    "flag": f"{MALI_FLAG} Mali {MALI_FLAG}!",
    "family": f"a{FAMILY}b",
    "cjk_bmp": "北京欢迎你",
    "cjk_astral": "\U00020bb7野家 in Tokyo",  # 𠮷 (U+20BB7) is outside the BMP.
    "combining": "Cafe\u0301 de\u0301ja\u0300 vu",  # decomposed accents: one code point each.
    "arabic": "قال الرئيس: السلام عليكم",
    "mixed": f"Le {MALI_FLAG} et 𠮷 ont dit «مرحبا» à Ségou.",
}


def utf16_units(text: str) -> int:
    """What a browser's ``String.length`` says about ``text``."""
    return len(text.encode("utf-16-le")) // 2


# range_error


@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param("0", 3, id="string-start"),
        pytest.param(0, "3", id="string-end"),
        pytest.param(0.0, 3, id="float-start"),
        pytest.param(0, 3.0, id="float-end"),
        pytest.param(None, 3, id="none-start"),
        pytest.param(0, None, id="none-end"),
        pytest.param(False, 3, id="bool-start"),
        pytest.param(0, True, id="bool-end"),
    ],
)
def test_range_error_rejects_non_integer_offsets(start, end):
    assert range_error(start, end, 10) == RANGE_NOT_INTEGERS


def test_range_error_rejects_negative_start():
    assert range_error(-1, 3, 10) == RANGE_NEGATIVE.format(start=-1)


@pytest.mark.parametrize(("start", "end"), [(3, 3), (4, 3), (0, 0)])
def test_range_error_rejects_empty_or_reversed_range(start, end):
    assert range_error(start, end, 10) == RANGE_EMPTY.format(start=start, end=end)


@pytest.mark.parametrize(("start", "end", "length"), [(0, 11, 10), (9, 11, 10), (0, 1, 0)])
def test_range_error_rejects_end_past_text(start, end, length):
    assert range_error(start, end, length) == RANGE_PAST_TEXT.format(end=end, length=length)


@pytest.mark.parametrize(("start", "end"), [(0, 1), (0, 10), (9, 10), (3, 7)])
def test_range_error_accepts_range_inside_text(start, end):
    assert range_error(start, end, 10) is None


def test_range_error_counts_code_points_not_utf16_units():
    text = f"{MALI_FLAG} Mali"
    assert range_error(0, len(text), len(text)) is None
    assert range_error(0, utf16_units(text), len(text)) is not None


def test_range_error_messages_name_the_offsets():
    assert "-2" in range_error(-2, 3, 10)
    assert "11" in range_error(0, 11, 10) and "10 characters" in range_error(0, 11, 10)


# text_error


def test_text_error_accepts_matching_text():
    assert text_error("Keita met Macron", 10, 16, "Macron") is None


def test_text_error_accepts_absent_text():
    assert text_error("Keita met Macron", 10, 16, None) is None


def test_text_error_accepts_matching_astral_text():
    text = f"Le {MALI_FLAG} flotte"
    assert text_error(text, 3, 5, MALI_FLAG) is None


def test_text_error_names_sent_and_actual_text():
    message = text_error("Keita met Macron", 10, 16, "Macro")
    assert message == TEXT_MISMATCH.format(sent="Macro", start=10, end=16, actual="Macron")
    assert "'Macro'" in message and "'Macron'" in message and "[10, 16)" in message


def test_text_error_rejects_differently_normalised_text():
    # NFC "é" is not NFD "e" + U+0301: the stored text is never normalised behind our back.
    assert text_error("Cafe\u0301", 0, 5, "Caf\u00e9") is not None


def test_text_error_rejects_empty_text_for_non_empty_range():
    assert text_error("Keita", 0, 5, "") is not None


# overlaps


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param((0, 5), (4, 8), id="one-shared-code-point"),
        pytest.param((0, 5), (0, 5), id="identical"),
        pytest.param((0, 10), (3, 4), id="contains"),
        pytest.param((3, 4), (0, 10), id="contained"),
        pytest.param((2, 6), (0, 3), id="overlaps-start"),
    ],
)
def test_overlaps_detects_shared_code_points(a, b):
    assert overlaps(*a, *b)
    assert overlaps(*b, *a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param((0, 5), (5, 8), id="touching"),
        pytest.param((0, 2), (7, 9), id="apart"),
    ],
)
def test_overlaps_treats_touching_ranges_as_disjoint(a, b):
    assert not overlaps(*a, *b)
    assert not overlaps(*b, *a)


# UTF-16 <-> code points


@pytest.mark.parametrize(
    ("char", "units"),
    [("a", 1), ("é", 1), ("北", 1), ("م", 1), ("\uffff", 1), ("\U00010000", 2), ("😀", 2)],
)
def test_utf16_length_counts_astral_code_points_twice(char, units):
    assert utf16_length(char) == units


def test_mali_flag_is_two_code_points_and_four_utf16_units():
    text = f"{MALI_FLAG} Mali"
    assert len(MALI_FLAG) == 2
    assert codepoint_to_utf16(text, 2) == 4
    assert utf16_to_codepoint(text, 4) == 2
    assert codepoint_to_utf16(text, len(text)) == utf16_units(text) == len(text) + 2


def test_family_emoji_counts_each_person_twice_and_each_joiner_once():
    text = f"a{FAMILY}b"
    assert codepoint_to_utf16(text, 1 + len(FAMILY)) == 1 + 8
    assert utf16_to_codepoint(text, 9) == 6
    assert text[utf16_to_codepoint(text, 1) : utf16_to_codepoint(text, 9)] == FAMILY


@pytest.mark.parametrize(
    ("text", "codepoint", "utf16"),
    [
        pytest.param("北京欢迎你", 2, 2, id="cjk-bmp"),
        pytest.param("\U00020bb7野家", 1, 2, id="cjk-astral"),
        pytest.param("\U00020bb7野家", 3, 4, id="cjk-astral-end"),
        pytest.param("Cafe\u0301 noir", 5, 5, id="combining-mark"),
        pytest.param("قال الرئيس", 3, 3, id="arabic"),
        pytest.param("", 0, 0, id="empty"),
    ],
)
def test_offsets_convert_both_ways(text, codepoint, utf16):
    assert codepoint_to_utf16(text, codepoint) == utf16
    assert utf16_to_codepoint(text, utf16) == codepoint


@pytest.mark.parametrize("text", SAMPLES.values(), ids=SAMPLES.keys())
def test_codepoint_to_utf16_agrees_with_utf16_encoding(text):
    for offset in range(len(text) + 1):
        assert codepoint_to_utf16(text, offset) == utf16_units(text[:offset])


@pytest.mark.parametrize("text", SAMPLES.values(), ids=SAMPLES.keys())
def test_every_code_point_offset_survives_a_round_trip_through_utf16(text):
    for offset in range(len(text) + 1):
        assert utf16_to_codepoint(text, codepoint_to_utf16(text, offset)) == offset


def test_browser_selection_of_flag_maps_to_the_flag():
    # What the browser sends for a selection of the second flag, in UTF-16 units.
    text = SAMPLES["flag"]
    utf16_start = text.encode("utf-16-le").index(MALI_FLAG.encode("utf-16-le"), 2) // 2
    start = utf16_to_codepoint(text, utf16_start)
    end = utf16_to_codepoint(text, utf16_start + 4)
    assert text[start:end] == MALI_FLAG
    assert (start, end) == (8, 10)


def test_combining_mark_stays_with_its_base_letter():
    text = "de\u0301ja\u0300"
    assert codepoint_to_utf16(text, 3) == 3
    assert text[0:3] == "de\u0301"


# OffsetMap: the edits each repair reports, as (orig_start, orig_end, new_length).


def apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Rebuild the repaired text from sorted ``(start, end, replacement)`` edits."""
    pieces, position = [], 0
    for start, end, replacement in edits:
        pieces += [text[position:start], replacement]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def offset_map(edits: list[tuple[int, int, str]]) -> OffsetMap:
    return OffsetMap([(start, end, len(replacement)) for start, end, replacement in edits])


def test_empty_map_maps_every_offset_to_itself():
    mapping = OffsetMap()
    assert [mapping.map(offset) for offset in range(5)] == [0, 1, 2, 3, 4]
    assert mapping.map(7) == 7


def test_bom_deletion_shifts_every_offset_back_by_one():
    original = "\ufeffKeita met Macron"
    mapping = OffsetMap([(0, 1, 0)])
    repaired = original[1:]
    # A span that starts on the BOM itself starts at the beginning of the repaired text.
    assert mapping.map(0) == 0
    assert mapping.map(1) == 0
    assert mapping.map(6) == 5
    assert repaired[mapping.map(11) : mapping.map(17)] == "Macron"


def test_crlf_edit_maps_offsets_around_the_line_break():
    original = "Bamako\r\nSegou"
    k = original.index("\r")
    mapping = OffsetMap([(k, k + 2, 1)])
    repaired = "Bamako\nSegou"
    assert mapping.map(k) == k  # end just before the CR
    assert mapping.map(k + 2) == k + 1  # start just after the LF
    assert repaired[mapping.map(k + 2) : mapping.map(13)] == "Segou"


def test_offset_between_cr_and_lf_has_no_image():
    k = 6
    assert OffsetMap([(k, k + 2, 1)]).map(k + 1) is None


def test_several_crlf_edits_accumulate_their_shifts():
    original = "a\r\nb\r\nc\r\nd"
    edits = [(i, i + 2, "\n") for i, char in enumerate(original) if char == "\r"]
    mapping = offset_map(edits)
    repaired = apply_edits(original, edits)
    assert repaired == "a\nb\nc\nd"
    for char in "abcd":
        index = original.index(char)
        start = mapping.map(index)
        assert repaired[start : mapping.map(index + 1)] == char


def test_mojibake_replacement_maps_its_edges_and_refuses_its_inside():
    # UTF-8 read as cp1252: the apostrophe U+2019 became the three characters U+00E2 U+20AC U+2122.
    original = "l\u00e2\u20ac\u2122homme"
    repaired = "l\u2019homme"
    assert original.encode("cp1252").decode("utf-8") == repaired
    mapping = OffsetMap([(1, 4, 1)])
    assert mapping.map(1) == 1
    assert mapping.map(2) is None
    assert mapping.map(3) is None
    assert mapping.map(4) == 2
    assert mapping.map(9) == 7
    assert repaired[mapping.map(1) : mapping.map(4)] == "\u2019"
    assert repaired[mapping.map(4) : mapping.map(9)] == "homme"


def test_adjacent_edits_map_the_offset_between_them_to_one_place():
    # Two mojibake sequences side by side: "â€œ" then "â€™" (3 -> 1 each).
    edits = [(2, 5, "\u201c"), (5, 8, "\u2019")]
    original = "x \u00e2\u20ac\u0153\u00e2\u20ac\u2122 y"
    mapping = offset_map(edits)
    repaired = apply_edits(original, edits)
    assert repaired == "x \u201c\u2019 y"
    assert mapping.map(5) == 3
    assert repaired[mapping.map(2) : mapping.map(5)] == "\u201c"
    assert repaired[mapping.map(5) : mapping.map(8)] == "\u2019"
    assert mapping.map(9) == 5


def test_offsets_before_the_first_edit_do_not_move():
    mapping = OffsetMap([(10, 12, 1), (20, 23, 1)])
    assert [mapping.map(offset) for offset in range(11)] == list(range(11))


def test_offsets_after_the_last_edit_move_by_the_total_shift():
    mapping = OffsetMap([(10, 12, 1), (20, 23, 1)])
    assert mapping.map(23) == 20
    assert mapping.map(30) == 27


def test_offsets_between_edits_move_by_the_shift_so_far():
    mapping = OffsetMap([(10, 12, 1), (20, 23, 1)])
    assert mapping.map(12) == 11
    assert mapping.map(15) == 14
    assert mapping.map(20) == 19


def test_edit_that_grows_the_text_shifts_later_offsets_forward():
    mapping = OffsetMap([(3, 4, 3)])
    assert mapping.map(3) == 3
    assert mapping.map(4) == 6
    assert mapping.map(8) == 10


def test_offset_at_an_insertion_maps_before_the_inserted_text():
    mapping = OffsetMap([(5, 5, 2)])
    assert mapping.map(5) == 5
    assert mapping.map(6) == 8


def test_map_keeps_every_span_that_avoids_the_edited_regions():
    """Every span whose edges are mapped covers the repaired form of its original text."""
    original = "\ufeffL\u00e2\u20ac\u2122homme\r\n\u00e2\u20ac\u0153Oui\u00e2\u20ac\u009d\r\nfin"
    edits = [(0, 1, ""), (2, 5, "\u2019"), (12, 15, "\u201c"), (18, 21, "\u201d")]
    edits += [(i, i + 2, "\n") for i, char in enumerate(original) if char == "\r"]
    edits.sort()
    mapping = offset_map(edits)
    repaired = apply_edits(original, edits)
    assert repaired == "L\u2019homme\n\u201cOui\u201d\nfin"
    for start in range(len(original)):
        for end in range(start + 1, len(original) + 1):
            new_start = mapping.map(start)
            new_end = mapping.map(end)
            if new_start is None or new_end is None:
                continue
            inside = [(s - start, e - start, r) for s, e, r in edits if start <= s and e <= end]
            assert repaired[new_start:new_end] == apply_edits(original[start:end], inside)


def test_composed_map_applies_bom_then_crlf_repairs():
    original = "\ufeffa\r\nb"
    without_bom = OffsetMap([(0, 1, 0)])  # "a\r\nb"
    without_crlf = OffsetMap([(1, 3, 1)])  # "a\nb", offsets of the text without BOM
    composed = without_bom.then(without_crlf)
    repaired = "a\nb"
    assert isinstance(composed, ComposedMap)
    assert composed.map(1) == 0
    assert composed.map(2) == 1
    assert composed.map(4) == 2
    assert composed.map(5) == 3
    assert repaired[composed.map(4) : composed.map(5)] == "b"
    assert original[4:5] == "b"


def test_composed_map_has_no_image_when_any_step_has_none():
    composed = ComposedMap([OffsetMap([(0, 1, 0)]), OffsetMap([(1, 3, 1)])])
    assert composed.map(3) is None  # between CR and LF of the original


def test_composed_map_of_no_maps_is_the_identity():
    assert ComposedMap([]).map(42) == 42


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("abc", -1, offsets.UTF16_NEGATIVE.format(offset=-1)),
        ("abc", 4, offsets.UTF16_PAST_TEXT.format(offset=4, length=3)),
        ("😀a", 1, offsets.UTF16_SPLITS_PAIR.format(offset=1)),
        ("a🇲🇱", 2, offsets.UTF16_SPLITS_PAIR.format(offset=2)),
    ],
)
def test_utf16_to_codepoint_refuses_offsets_it_cannot_map_exactly(text, offset, message):
    with pytest.raises(ValueError) as error:
        offsets.utf16_to_codepoint(text, offset)
    assert str(error.value) == message


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_utf16_index_agrees_with_the_walk_at_every_offset(name):
    text = SAMPLES[name]
    index = offsets.Utf16Index(text)
    assert index.length == len(text.encode("utf-16-le")) // 2
    for offset in range(-1, index.length + 2):
        try:
            expected: int | str = utf16_to_codepoint(text, offset)
        except ValueError as error:
            expected = str(error)
        try:
            got: int | str = index.to_codepoint(offset)
        except ValueError as error:
            got = str(error)
        assert got == expected, offset
