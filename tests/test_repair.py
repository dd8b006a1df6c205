"""Text repair: pure functions, checked against ftfy itself."""

import random

import ftfy
import pytest

from annotations import repair

# Characters that matter to ftfy's fixers and detector, mixed with ordinary text.
POOL = (
    list("abcdefghij KLMNOP.,;:!?'\"-\n\t0123456789")
    + list("éèàçïôüÉÀœŒÃÂâ€™“”‘’—–…«»°²³×¡¿¢£¥§¶¦¤¨¯¸ƒˆ˜†‡‰¬")
    + list("ВГРСвЂΒΓΞΟØÙ√≈‚Äÿ")
    + ["\x80", "\x85", "\x9d", "\xa0", "\xad", "\x1b[31m", "\x00", "\x7f", "\ufeff"]
    + ["\u2028", "\u200b", "\u206a", "\ufff9", "😀", "🇲🇱", "北京", "العربية", "e\u0301"]
    + ["Ã©", "Ã ", "Â ", "â€™", "â€”", "Ã¨", "Ð¿Ñ€", "Ã¡", "Ã¯"]
)


@pytest.mark.parametrize("seed", range(8))
def test_shortcut_and_plain_ftfy_agree_on_random_text(seed):
    rng = random.Random(seed)
    for _ in range(400):
        text = "".join(rng.choices(POOL, k=rng.randint(1, 60)))
        expected = ftfy.fix_text(text, repair.FIXER_CONFIG)
        fixed, offset_map = repair.fix_mojibake(text, want_map=False)
        assert fixed == expected, repr(text)
        assert (offset_map is not None) == (expected != text)


def test_mojibake_fix_keeps_typography():
    text = "“Quoted” — it’s ﬁne, ＦＵＬＬ width, &amp; e\u0301"
    assert repair.fix_mojibake(text, want_map=True) == (text, None)


def test_decode_never_produces_replacement_characters():
    assert repair.decode_bytes(b"caf\xe9 \x93q\x94") == ("café “q”", "windows-1252")
    # 0x81 is undefined in Windows-1252: Latin-1 takes the whole text instead.
    assert repair.decode_bytes(b"a\x81b\xe9") == ("a\x81bé", "latin-1")
    assert repair.decode_bytes("Keïta".encode()) == ("Keïta", None)


def test_line_breaks_map_offsets_and_refuse_the_middle_of_crlf():
    text, offset_map = repair.fix_line_breaks("ab\r\ncd\ref")
    assert text == "ab\ncd\nef"
    assert [offset_map.map(i) for i in range(10)] == [0, 1, 2, None, 3, 4, 5, 6, 7, 8]


def test_repeated_paragraphs_shorter_than_200_characters_are_not_reported():
    text = "Short line.\nOther.\nShort line.\nOther."
    assert repair.find_repeated_passages(text) == []


def test_repeated_run_of_paragraphs_is_found_once():
    para = [f"Paragraph {i} " + "x" * 60 for i in range(5)]
    text = "\n".join([*para, "Interlude.", *para[1:4]])
    [repeat] = repair.find_repeated_passages(text)
    assert text[repeat.start : repeat.end] == "\n".join(para[1:4])
    assert text[repeat.first_start : repeat.first_end] == "\n".join(para[1:4])
    assert repeat.start > repeat.first_end


def test_collapse_removes_the_copy_and_its_line_break():
    para = ["A" * 120, "B" * 120]
    text = "\n".join([*para, *para]) + "\n"
    fixed = repair.repair_text(text, collapse=True, want_map=True)
    assert fixed.text == "\n".join(para) + "\n"
    assert fixed.repairs == ["collapsed_repeat"]


def test_pathological_repeats_stay_fast():
    text = "\n".join(["same line"] * 20000)
    repeats = repair.find_repeated_passages(text)
    assert repeats and all(r.end - r.start >= 200 for r in repeats)
