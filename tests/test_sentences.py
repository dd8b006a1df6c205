"""The shared sentence splitter: sentence units and the CoNLL export split text the same way."""

import itertools

from annotations import rules, sentences
from annotations.exports.tokens import bio_tags, pipeline
from annotations.exports.tokens import sentences as export_sentences


def texts(text: str) -> list[str]:
    return [text[start:end] for start, end in sentences.sentence_ranges(text)]


def test_abbreviations_the_tokenizer_knows_do_not_end_a_sentence():
    text = "Dr. Keita met Macron in Bamako. Mr. Smith paid $3.50 at 5 p.m. yesterday."
    assert texts(text) == [
        "Dr. Keita met Macron in Bamako.",
        "Mr. Smith paid $3.50 at 5 p.m. yesterday.",
    ]


def test_a_line_break_ends_a_sentence_so_a_headline_is_a_unit():
    assert texts("Troops leave Gao\nThe army said so. It starts today?") == [
        "Troops leave Gao",
        "The army said so.",
        "It starts today?",
    ]


def test_an_opening_quote_starts_the_sentence_it_opens():
    text = 'Troops stay in Gao. "We will not leave," he said. Done'
    assert texts(text) == ["Troops stay in Gao.", '"We will not leave," he said.', "Done"]


def test_ranges_are_code_points_of_the_stored_text():
    # 🇫🇷 is two code points and four UTF-16 units: offsets after it count code points.
    text = "Le 🇫🇷 drapeau flotte. 東京は大きい。 Next one."
    ranges = sentences.sentence_ranges(text)
    assert ranges == ((0, 21), (22, 29), (30, 39))
    assert [text[start:end] for start, end in ranges] == [
        "Le 🇫🇷 drapeau flotte.",
        "東京は大きい。",
        "Next one.",
    ]


def test_sentences_come_in_order_trimmed_and_never_overlap():
    text = "  One here.   Two there!\n\n  Three?  "
    ranges = sentences.sentence_ranges(text)
    assert texts(text) == ["One here.", "Two there!", "Three?"]
    for (_, end), (start, _) in itertools.pairwise(ranges):
        assert end < start


def test_blank_text_has_no_sentences():
    assert sentences.sentence_ranges("") == ()
    assert sentences.sentence_ranges(" \n ") == ()


def test_unit_of_finds_the_sentence_that_is_exactly_the_range():
    ranges = sentences.sentence_ranges("One here. Two there. Three.")
    assert [rules.unit_of(start, end, ranges) for start, end in ranges] == [0, 1, 2]
    assert rules.unit_of(0, 8, ranges) is None  # short of the full stop
    assert rules.unit_of(0, 20, ranges) is None  # two sentences
    assert rules.unit_of(5, 9, ranges) is None


def test_the_conll_export_splits_with_the_same_function():
    text = 'Dr. Keita met Macron.  "We stay," he said.  So.\nHeadline'
    doc = pipeline()(text)

    class Report:
        def warn(self, message: str) -> None:
            raise AssertionError(message)

    tags = bio_tags({"entities": []}, doc, Report())
    groups = export_sentences(doc, tags)
    as_ranges = tuple((g[0].idx, g[-1].idx + len(g[-1].text)) for g in groups)
    assert as_ranges == sentences.sentence_ranges(text)
    assert texts(text) == ["Dr. Keita met Macron.", '"We stay," he said.', "So.", "Headline"]


def test_the_export_never_cuts_an_entity_where_units_may():
    text = "He met J. Smith today."
    doc = pipeline()(text)
    # Whatever spaCy does after "J.", the entity's tags keep it in one sentence of the export.
    start = text.index("J.")
    row = {
        "id": 1,
        "entities": [{"start": start, "end": start + 8, "label": "PER", "text": "J. Smith"}],
    }
    tags = bio_tags(row, doc, None)
    groups = export_sentences(doc, tags)
    assert any("J." in [t.text for t in g] and "Smith" in [t.text for t in g] for g in groups)
