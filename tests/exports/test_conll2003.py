"""The conll2003 export, parsed the way the Hugging Face conll2003 loader parses its files."""

import pytest
from seqeval.metrics.sequence_labeling import get_entities

from annotations.exports import ExportReport
from tests.exports.conftest import export, gold_entities, one_document

pytestmark = pytest.mark.django_db


def read_like_the_hf_loader(text: str) -> list[dict]:
    """Sentences as the loader builds them: a -DOCSTART- or blank line ends one; any other line
    is split on single spaces into token, POS, chunk and NER (the last stripped)."""
    sentences, current = [], {"tokens": [], "pos": [], "chunk": [], "ner": []}
    for line in text.splitlines(keepends=True):
        if line.startswith("-DOCSTART-") or line in ("", "\n"):
            if current["tokens"]:
                sentences.append(current)
                current = {"tokens": [], "pos": [], "chunk": [], "ner": []}
            continue
        token, pos, chunk, ner = line.split(" ")
        current["tokens"].append(token)
        current["pos"].append(pos)
        current["chunk"].append(chunk)
        current["ner"].append(ner.rstrip())
    assert not current["tokens"], "the file ends inside a sentence"
    return sentences


def test_conll2003_has_docstart_and_four_columns(dataset):
    text = export(dataset.project, "conll2003").decode("utf-8")
    assert text.startswith("-DOCSTART- -X- -X- O\n\nKeita _ _ B-PER\nmet _ _ O\n")
    assert text.count("-DOCSTART- -X- -X- O\n\n") == 3
    sentences = read_like_the_hf_loader(text)
    assert {tag for sentence in sentences for tag in sentence["pos"] + sentence["chunk"]} == {"_"}


def test_conll2003_tags_give_back_every_gold_entity(dataset):
    text = export(dataset.project, "conll2003").decode("utf-8")
    documents = text.split("-DOCSTART- -X- -X- O\n")[1:]

    for chunk, source in zip(
        documents, [dataset.news, dataset.unicode, dataset.formula], strict=True
    ):
        found, cursor = [], 0
        for sentence in read_like_the_hf_loader(chunk):
            offsets = []
            for token in sentence["tokens"]:
                start = source.text.index(token, cursor)
                assert source.text[cursor:start].strip() == ""
                offsets.append((start, start + len(token)))
                cursor = start + len(token)
            for label, first, last in get_entities(sentence["ner"]):
                start, end = offsets[first][0], offsets[last][1]
                found.append((label, start, end, source.text[start:end]))
        assert sorted(found) == gold_entities(source)


def test_conll2003_keeps_a_headline_apart_and_warnings_out_of_the_data():
    text = 'Gao calm\nThe Keitas said. "Troops stay."'
    project, _ = one_document("Headline 2003", text, ("LOC", "Gao"), ("PER", "Keita"))
    report = ExportReport()

    sentences = read_like_the_hf_loader(export(project, "conll2003", report=report).decode())

    assert [s["tokens"] for s in sentences] == [
        ["Gao", "calm"],
        ["The", "Keitas", "said", "."],
        ['"', "Troops", "stay", ".", '"'],
    ]
    assert report.warning_count == 1
    assert sentences[0]["ner"] == ["B-LOC", "O"]
