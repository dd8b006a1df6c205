"""offsets.js, run in Chromium, agrees with annotations/offsets.py offset for offset."""

import pytest

from annotations import offsets

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = {
    "ascii": "Keita met Macron.",
    "emoji": "Crowds 😀😀 cheered",
    "flag": "Bamako 🇲🇱 — Mali",
    "CJK, one astral": "北京 and 𠀀 reporters",
    "combining accent": "Cafe\u0301 vs Café",
    "Arabic": "قال المتحدث إن القوات وصلت",
    "mixed": "🇲🇱 Keïta e\u0301 北京 😀 العربية",
}


@pytest.fixture
def offsets_js(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")

    def call(script: str, *args):
        # The script is part of the evaluated source: the page's CSP forbids eval in it.
        source = (
            "async (args) => {"
            "  const m = await import('/static/annotations/offsets.js');"
            f"  {script}"
            "}"
        )
        return page.evaluate(source, list(args))

    return call


def test_conversions_match_python_at_every_offset(offsets_js):
    for name, text in TEXTS.items():
        units = len(text.encode("utf-16-le")) // 2
        expected_to_utf16 = [offsets.codepoint_to_utf16(text, i) for i in range(len(text) + 1)]
        expected_to_cp = []
        for unit in range(units + 1):
            try:
                expected_to_cp.append(offsets.utf16_to_codepoint(text, unit))
            except ValueError as error:
                expected_to_cp.append(str(error))
        result = offsets_js(
            """
            const [text, cps, units] = args;
            const index = new m.OffsetIndex(text);
            const toCp = [];
            for (let u = 0; u <= units; u++) {
              try { toCp.push(index.toCodePoint(u)); } catch (e) { toCp.push(e.message); }
            }
            const toUtf16 = [];
            for (let c = 0; c <= cps; c++) toUtf16.push(m.codePointToUtf16(text, c));
            return {length: index.length, toUtf16, toCp};
            """,
            text,
            len(text),
            units,
        )
        assert result["length"] == len(text), name
        assert result["toUtf16"] == expected_to_utf16, name
        assert result["toCp"] == expected_to_cp, name


def test_bad_offsets_are_errors_never_clamped(offsets_js):
    text = TEXTS["flag"]
    split = text.index("🇲🇱")  # code points before the flag = UTF-16 units before it
    result = offsets_js(
        """
        const [text, split] = args;
        const attempt = (f) => {
          try { return ["ok", f()]; } catch (e) { return [e.name, e.message]; }
        };
        return [
          attempt(() => m.utf16ToCodePoint(text, split + 1)),
          attempt(() => m.utf16ToCodePoint(text, -1)),
          attempt(() => m.utf16ToCodePoint(text, text.length + 1)),
          attempt(() => m.codePointToUtf16(text, 99)),
          attempt(() => m.utf16ToCodePoint(text, 1.5)),
          m.rangeError(3, 3, 10),
          m.rangeError(0, 11, 10),
          m.rangeError(-1, 2, 10),
          m.rangeError(1, 2, 10),
        ];
        """,
        text,
        split,
    )
    units = len(text.encode("utf-16-le")) // 2
    assert result[0] == ["RangeError", offsets.UTF16_SPLITS_PAIR.format(offset=split + 1)]
    assert result[1] == ["RangeError", offsets.UTF16_NEGATIVE.format(offset=-1)]
    assert result[2] == [
        "RangeError",
        offsets.UTF16_PAST_TEXT.format(offset=units + 1, length=units),
    ]
    assert result[3][0] == "RangeError"
    assert result[4][0] == "TypeError"
    assert result[5:] == [
        offsets.range_error(3, 3, 10),
        offsets.range_error(0, 11, 10),
        offsets.range_error(-1, 2, 10),
        None,
    ]


@pytest.mark.parametrize(
    ("text", "selected", "snapped"),
    [
        ("Keita met Macron.", "eit", "Keita"),
        ("Keita met Macron. Then", " Macron. ", "Macron"),
        ("“People want water,” he said", "“People want water,”", "People want water"),
        ("Bamako 🇲🇱 — Mali", "🇲🇱", "🇲🇱"),
        ("Cafe\u0301 au lait", "Cafe", "Cafe\u0301"),
        ("reporters 北京 said", "北", "北京"),
        ("قال المتحدث إن", "المتحدث"[2:5], "المتحدث"),
        ("a , b", " , ", ","),
    ],
)
def test_selections_snap_to_whole_words(offsets_js, text, selected, snapped):
    start = text.index(selected)
    units_before = len(text[:start].encode("utf-16-le")) // 2
    units = len(selected.encode("utf-16-le")) // 2
    result = offsets_js(
        """
        const [text, start, end] = args;
        const range = m.snapToWords(text, start, end);
        return text.slice(range.start, range.end);
        """,
        text,
        units_before,
        units_before + units,
    )
    assert result == snapped


def test_snapping_deep_in_a_long_text_finds_the_same_words_as_in_a_short_one(offsets_js):
    # snapToWords segments a window around the selection: deep in a long text, in spaced and
    # unspaced scripts and across an emoji, it must give what segmenting it all would.
    filler = "Keïta 😀 met Macron in Bamako, " * 20_000
    cases = [
        (filler + "reporters 北京大学 said", "京大"),
        (filler + "北京" * 400 + "大学" + "北京" * 400, "大"),
        (filler + "Dem" + "bé" * 300 + "lé said", "bébé"),
        ("x" * 600 + " Keïta", "ïta"),
    ]
    result = offsets_js(
        """
        const segmenter = new Intl.Segmenter(undefined, { granularity: "word" });
        return args.map(([text, start, end]) => {
          const range = m.snapToWords(text, start, end);
          const whole = segmenter.segment(text);
          const first = whole.containing(start), last = whole.containing(end - 1);
          return [range.start, range.end, first.index, last.index + last.segment.length];
        });
        """,
        *[_units(text, text.rindex(part), part) for text, part in cases],
    )
    for snapped_start, snapped_end, word_start, word_end in result:
        assert (snapped_start, snapped_end) == (word_start, word_end)
    assert result[0][1] - result[0][0] > 1  # a word, not the one character selected


def _units(text: str, start: int, part: str) -> list:
    """``text`` and the UTF-16 range of ``part`` found at code point ``start``."""
    before = len(text[:start].encode("utf-16-le")) // 2
    return [text, before, before + len(part.encode("utf-16-le")) // 2]


def test_crossing_ranges_are_cut_into_properly_nested_pieces(offsets_js):
    # A [0, 10) holds B [0, 4); C [6, 14) crosses A's end and is cut at 10.
    pieces = offsets_js(
        """
        const strip = (nodes) => nodes.map((n) => n.text ? ["text", ...n.text]
          : [n.key, n.start, n.end, n.first, n.last, n.height, strip(n.children)]);
        return strip(m.layoutPieces(args[0], 16));
        """,
        [
            {"key": "A", "start": 0, "end": 10},
            {"key": "B", "start": 0, "end": 4},
            {"key": "C", "start": 6, "end": 14},
        ],
    )
    assert pieces == [
        ["A", 0, 10, True, True, 1, [
            ["B", 0, 4, True, True, 0, [["text", 0, 4]]],
            ["text", 4, 6],
            ["C", 6, 10, True, False, 0, [["text", 6, 10]]],
        ]],
        ["C", 10, 14, False, True, 0, [["text", 10, 14]]],
        ["text", 14, 16],
    ]  # fmt: skip
