"""The sample corpus the import tests read, and what they expect of each corpus they know.

The corpus is ``tests/data`` (our own files; its README says what each one exercises). When
the environment variable SAMPLES_DIR names a directory, the same tests run over that one
instead: ``.ci/run`` points it at the team's shared samples when they are there. Every
corpus has one layout: ``edge/`` holds one file per edge case, named for it
(``cp1252.txt``, ``doccano.jsonl``, ...), and ``news/`` holds articles.

What a test can take from the file itself it takes (the text stored as it came, the external
id from the file name). What depends on one file's particular text (the repaired text, the
range of a repeated passage, the lines of the doccano file) is written below once per corpus,
keyed by that corpus's file names; a corpus is recognised by the names of its news articles.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from annotations.services.ingest import records

DATA = Path(__file__).resolve().parent / "data"
SAMPLES_DIR = "SAMPLES_DIR"


@dataclass(frozen=True)
class Expected:
    """What the tests expect of one corpus's files, where it depends on their text."""

    bom_crlf_text: str  # edge/bom_crlf.txt as stored
    cp1252_text: str  # edge/cp1252.txt as stored
    mojibake_start: str  # how edge/mojibake.txt reads once repaired
    # edge/doccano.jsonl: (line, external_id) created; spans per external_id as stored
    # (start, end, label, text); (line, external_id, external_id of the original) duplicates;
    # (line, fragments of the message) warnings; (line, message) errors.
    doccano_created: list[tuple[int, str]]
    doccano_spans: dict[str, list[tuple[int, int, str, str]]]
    doccano_duplicates: list[tuple[int, str, str]]
    doccano_warnings: list[tuple[int, tuple[str, ...]]]
    doccano_errors: list[tuple[int, str]]
    # edge/docs.csv: (external_id, line) created; the record with a quoted newline
    # (external_id, text, meta); the record that starts with a formula (external_id, start).
    csv_created: list[tuple[str, int]]
    csv_multiline: tuple[str, str, dict]
    csv_formula: tuple[str, str]
    # edge/unicode_mix.txt, selected in the browser: (what, text) for a flag, CJK, a
    # combining accent, Arabic and a precomposed accent, each a whole word; and an emoji
    # that appears twice in a row.
    unicode_words: list[tuple[str, str]]
    twin_emoji: str
    markup_words: str  # words of edge/markup.txt around an HTML entity
    # news/: every article's file name and the repairs its import reports.
    news: dict[str, list[str]]
    repeated: str  # the article with a repeated passage
    repeat_first: tuple[int, int]  # the passage's first copy
    repeat_again: tuple[int, int]  # its later copy
    repeat_lines: tuple[int, int]  # lines of the article, before and after collapsing
    repeated_word: str  # a word found once in each copy and nowhere before the second
    trailing_nbsp: str  # the article that ends with a mojibake no-break space
    trailing_nbsp_end: str  # how it ends once repaired


OURS = Expected(
    bom_crlf_text=(
        "Morning bulletin, Kidal\nRain: 12 mm at Tessalit, none at Aguelhok.\n\n"
        "Next bulletin at noon.\n"
    ),
    cp1252_text=(
        "The prefect\u2019s office said \u201cthe Ansongo ferry will run again on Monday\u201d "
        "\u2014 tickets 500\u00a0CFA francs, 1\u20ac for visitors\u2026\n"
    ),
    mojibake_start=(
        "The minister\u2019s convoy reached M\u00e9naka \u2014 the road from Gao is open again.\n"
        "A 50\u00a0kg sack of millet"
    ),
    doccano_created=[(1, "d1"), (2, "d2"), (4, "d3"), (5, "d4"), (8, "d5")],
    doccano_spans={
        "d1": [(0, 14, "PER", "A\u00efchatou Ma\u00efga"), (38, 44, "LOC", "M\u00e9naka")],
        "d2": [(7, 33, "ORG", "Tillab\u00e9ri regional council")],
        "d3": [(14, 17, "LOC", "Gao")],
        "d4": [(23, 28, "LOC", "Mopti")],
        # Given at [28, 33) of the mojibake; "\u00e2\u20ac\u2122" became one "\u2019".
        "d5": [(26, 31, "LOC", "Kidal")],
    },
    # A BOM in front of d1's text: the same text once repaired.
    doccano_duplicates=[(3, "d1-bom", "d1")],
    doccano_warnings=[
        (4, ("label #1 [20, 60)", "26 characters")),
        (5, ("label #0", "unknown", "'RIVER'")),
    ],
    # Line 6 is blank: no document, nothing to report.
    doccano_errors=[(7, records.ERR_EMPTY_TEXT)],
    csv_created=[("c1", 2), ("c2", 4), ("c3", 5)],
    csv_multiline=(
        "c1",
        "Heavy rain cut the Bourem track overnight.\nTrucks are waiting at the ferry.",
        {"source": "radio"},
    ),
    csv_formula=("c2", '=IMPORTXML("http://example.invalid/prices","//td")'),
    unicode_words=[
        ("flag", "\U0001f1f2\U0001f1f1"),
        ("CJK", "\u5ef7\u5df4\u514b\u56fe"),
        ("combining accent", "e\u0301"),
        ("Arabic", "\u0627\u0644\u0648\u0627\u0644\u064a"),
        ("precomposed accent", "A\u00efchatou"),
    ],
    twin_emoji="\U0001f42a",
    markup_words="Sidib\u00e9 &amp; Sons",
    news={
        "ansongo_ferry_repeat.txt": [],
        "menaka_market_mojibake.txt": ["mojibake"],
        "niamey_radio_crlf.txt": ["line_breaks"],
        "tombouctou_library.txt": [],
    },
    repeated="ansongo_ferry_repeat.txt",
    repeat_first=(216, 899),
    repeat_again=(1311, 1994),
    repeat_lines=(12, 9),
    repeated_word="Tassiga",
    trailing_nbsp="menaka_market_mojibake.txt",
    trailing_nbsp_end="on Monday.\n\u00a0",
)

# The team's shared sample corpus (what .ci/run passes as SAMPLES_DIR), as its README
# describes it.
SHARED_SAMPLES = Expected(
    bom_crlf_text="Line one in Kidal.\nLine two in Gao.\n\nLast line.\n",
    cp1252_text=(
        "Mali\u2019s army said \u201cthe offensive is broken\u201d \u2014 Tessalit, 2013.\n"
    ),
    mojibake_start="France\u2019s Operation Serval retook Timbuktu \u2014 officials said.",
    doccano_created=[(1, "d1"), (2, "d2"), (4, "d3")],
    doccano_spans={
        "d1": [(0, 22, "PER", "Ibrahim Boubacar Keita"), (35, 41, "LOC", "Bamako")],
        "d2": [(4, 8, "ORG", "MNLA"), (18, 23, "LOC", "Kidal")],
        "d3": [],
    },
    doccano_duplicates=[(3, "d1-dup", "d1")],
    doccano_warnings=[(4, ("[5, 99)", "17 characters"))],
    doccano_errors=[(5, records.ERR_EMPTY_TEXT)],
    csv_created=[("c1", 2), ("c2", 4), ("c3", 5)],
    csv_multiline=("c1", "Chadian troops left Kidal.\nThey headed north.", {"source": "wire"}),
    csv_formula=("c2", '=HYPERLINK("http://example.invalid","click")'),
    unicode_words=[
        ("flag", "\U0001f1f2\U0001f1f1"),
        ("CJK", "\u5317\u4eac"),
        ("combining accent", "e\u0301"),
        ("Arabic", "\u0627\u0644\u0645\u062a\u062d\u062f\u062b"),
        ("precomposed accent", "Ke\u00efta"),
    ],
    twin_emoji="\U0001f600",
    markup_words="Tom &amp; Jerry",
    news={"000_90729137ea9a1b76.txt": [], "004_0e0e8e3daa108fc4.txt": ["mojibake"]},
    repeated="000_90729137ea9a1b76.txt",
    repeat_first=(150, 1335),
    repeat_again=(1336, 2521),
    repeat_lines=(15, 8),
    repeated_word="Tessalit",
    trailing_nbsp="004_0e0e8e3daa108fc4.txt",
    trailing_nbsp_end="drones.\n\u00a0",
)

KNOWN = {"tests/data": OURS, "the shared samples": SHARED_SAMPLES}


@dataclass(frozen=True)
class Corpus:
    root: Path
    expected: Expected

    def edge(self, name: str) -> Path:
        return self.root / "edge" / name

    def news(self, name: str) -> Path:
        return self.root / "news" / name


class CorpusError(Exception):
    pass


def corpus_root() -> Path:
    """The directory SAMPLES_DIR names, or tests/data when it is unset or empty."""
    value = os.environ.get(SAMPLES_DIR, "")
    return Path(value).expanduser().resolve() if value else DATA


def corpus_load(root: Path) -> Corpus:
    """The corpus at ``root`` with the expectations written for it; say why when there are none."""
    articles = {path.name for path in (root / "news").glob("*.txt")}
    for expected in KNOWN.values():
        if set(expected.news) == articles:
            return Corpus(root, expected)
    if not root.is_dir():
        problem = "is not a directory"
    else:
        problem = f"has news articles {sorted(articles)}, which no corpus here has"
    raise CorpusError(
        f"The sample corpus {root} {problem}. Known corpora: {', '.join(KNOWN)}; "
        f"unset {SAMPLES_DIR} for tests/data, or add this corpus's expectations to "
        "tests/corpus.py."
    )
