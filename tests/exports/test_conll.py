"""The CoNLL export, read back as a CoNLL reader would and checked with seqeval."""

import pytest
from seqeval.metrics.sequence_labeling import get_entities

from annotations.exports import ExportReport
from annotations.exports.conll import DOCSTART
from tests.exports.conftest import annotate, export, make_project, span
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db

NEWS_GOLDEN = """\
-DOCSTART- -X- -X- O

Keita\tB-PER
met\tO
Macron\tB-PER
in\tO
Bamako\tB-LOC
.\tO

Le\tB-PER
Drian\tI-PER
said\tO
troops\tO
would\tO
stay\tO
in\tO
Gao\tB-LOC
until\tO
June\tO
.\tO

"""


def read_conll(text: str) -> list[dict]:
    """Split a CoNLL file into documents of sentences of (token, tag), as a CoNLL reader does:
    every line that is not -DOCSTART- or blank is a token and its tag."""
    documents: list[dict] = []
    sentence: list[tuple[str, str]] = []
    for line in text.split("\n"):
        if line == DOCSTART.rstrip("\n"):
            documents.append({"sentences": []})
        elif line == "":
            if sentence:
                documents[-1]["sentences"].append(sentence)
            sentence = []
        else:
            token, tag = line.split("\t")
            assert token and not any(ch.isspace() for ch in token)
            assert tag == "O" or tag[:2] in ("B-", "I-"), line
            sentence.append((token, tag))
    assert not sentence, "the file ends inside a sentence"
    return documents


def entities_of(document: dict, text: str) -> list[tuple[str, int, int, str]]:
    """The entities seqeval reads from the tags, placed back in the text by their tokens."""
    found = []
    cursor = 0
    for sentence in document["sentences"]:
        offsets = []
        for token, _ in sentence:
            start = text.index(token, cursor)
            # Tokens are exact slices of the text, in order, with only whitespace between.
            assert text[cursor:start].strip() == ""
            offsets.append((start, start + len(token)))
            cursor = start + len(token)
        for label, first, last in get_entities([tag for _, tag in sentence]):
            start, end = offsets[first][0], offsets[last][1]
            found.append((label, start, end, text[start:end]))
    assert text[cursor:].strip() == ""
    return found


def test_conll_document_reads_as_the_golden_file(dataset):
    text = export(dataset.project, "conll").decode("utf-8")
    assert text.startswith(NEWS_GOLDEN + DOCSTART)


def test_conll_tags_read_by_seqeval_give_back_every_gold_entity(dataset):
    text = export(dataset.project, "conll").decode("utf-8")
    documents = read_conll(text)

    assert len(documents) == 3
    for document, source in zip(
        documents, [dataset.news, dataset.unicode, dataset.formula], strict=True
    ):
        gold = sorted(
            (s.label.name, s.start, s.end, s.text)
            for s in source.annotations.get(kind="gold").spans.select_related("label")
            if s.label.kind == "entity"
        )
        assert sorted(entities_of(document, source.text)) == gold


def test_conll_keeps_flag_emoji_combining_marks_cjk_and_arabic_entities(dataset):
    documents = read_conll(export(dataset.project, "conll").decode("utf-8"))
    entities = entities_of(documents[1], dataset.unicode.text)
    assert ("LOC", 6, 8, "🇲🇱") in entities
    assert ("ORG", 76, 78, "e\u0301") in entities
    assert ("LOC", 167, 171, "廷巴克图") in entities
    assert ("LOC", 320, 323, "غاو") in entities


def test_conll_reports_a_span_that_cuts_into_a_token_and_leaves_it_out(dataset):
    project = make_project("Misaligned")
    text = "The Keitas met. Gao fell."
    document = DocumentFactory(project=project, text=text, external_id="m1")
    annotate(document, spans=[span(text, "PER", "Keita"), span(text, "LOC", "Gao")])
    report = ExportReport()

    documents = read_conll(export(project, "conll", report=report).decode("utf-8"))

    message = (
        f"document {document.pk} (m1): PER [4, 9) 'Keita' does not start and end on token "
        "boundaries (tokens ['Keitas']); left out."
    )
    assert report.warnings == [message]
    # The warning stays out of the data: a CoNLL reader and seqeval see only the tokens.
    assert entities_of(documents[0], text) == [("LOC", 16, 19, "Gao")]
    assert [token for sentence in documents[0]["sentences"] for token, _ in sentence] == [
        "The",
        "Keitas",
        "met",
        ".",
        "Gao",
        "fell",
        ".",
    ]


def test_conll_reports_overlapping_entities_and_keeps_the_outer_one(dataset):
    project = make_project("Overlaps", allow_overlap=True)
    text = "Le Drian spoke."
    document = DocumentFactory(project=project, text=text)
    annotate(document, spans=[span(text, "PER", "Le Drian"), span(text, "ORG", "Drian")])
    report = ExportReport()

    documents = read_conll(export(project, "conll", report=report).decode("utf-8"))

    assert entities_of(documents[0], text) == [("PER", 0, 8, "Le Drian")]
    assert report.warnings == [
        f"document {document.pk}: ORG [3, 8) 'Drian' overlaps PER [0, 8), and tokens carry "
        "one entity each; left out."
    ]


def test_conll_never_splits_a_sentence_inside_an_entity(dataset):
    project = make_project("Sentences")
    text = "Staff of Yahoo! Inc met. They left.\n\nGao fell."
    document = DocumentFactory(project=project, text=text)
    annotate(document, spans=[span(text, "ORG", "Yahoo! Inc"), span(text, "LOC", "Gao")])

    documents = read_conll(export(project, "conll").decode("utf-8"))

    sentences = [[token for token, _ in sentence] for sentence in documents[0]["sentences"]]
    assert sentences == [
        ["Staff", "of", "Yahoo", "!", "Inc", "met", "."],
        ["They", "left", "."],
        ["Gao", "fell", "."],
    ]
    assert entities_of(documents[0], text) == [
        ("ORG", 9, 19, "Yahoo! Inc"),
        ("LOC", 37, 40, "Gao"),
    ]


def test_conll_ends_a_sentence_at_a_line_break_so_a_headline_stands_alone():
    project = make_project("Headline")
    text = "Troops leave Gao\nThe last French soldiers left Gao on Monday. Residents watched."
    document = DocumentFactory(project=project, text=text)
    annotate(document, spans=[span(text, "LOC", "Gao")])

    sentences = read_conll(export(project, "conll").decode("utf-8"))[0]["sentences"]

    assert [[token for token, _ in sentence] for sentence in sentences] == [
        ["Troops", "leave", "Gao"],
        ["The", "last", "French", "soldiers", "left", "Gao", "on", "Monday", "."],
        ["Residents", "watched", "."],
    ]


@pytest.mark.parametrize("quote", ['"', "\u201c", "\u00ab"])
def test_conll_starts_a_sentence_with_its_opening_quote(quote):
    project = make_project("Quotes")
    closing = {'"': '"', "\u201c": "\u201d", "\u00ab": "\u00bb"}[quote]
    text = f"The mayor spoke. {quote}We stay in Gao,{closing} she said."
    document = DocumentFactory(project=project, text=text)
    annotate(document, spans=[span(text, "LOC", "Gao")])

    sentences = read_conll(export(project, "conll").decode("utf-8"))[0]["sentences"]

    assert [[token for token, _ in sentence] for sentence in sentences] == [
        ["The", "mayor", "spoke", "."],
        [quote, "We", "stay", "in", "Gao", ",", closing, "she", "said", "."],
    ]
