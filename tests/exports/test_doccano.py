"""The doccano export: doccano's sequence-labelling JSONL, checked as doccano reads it."""

import json

import pytest

from tests.exports.conftest import export

pytestmark = pytest.mark.django_db


def read_doccano(data: bytes) -> list[dict]:
    """Parse as doccano's JSONL import does: text, and label as [start, end, name] triples."""
    examples = []
    for line in data.decode("utf-8").splitlines():
        example = json.loads(line)
        assert isinstance(example["text"], str)
        for item in example["label"]:
            start, end, name = item
            assert isinstance(start, int) and isinstance(end, int) and isinstance(name, str)
            assert 0 <= start < end <= len(example["text"])
        examples.append(example)
    return examples


def test_doccano_line_has_text_and_label_triples_of_entities_and_claims(dataset):
    examples = read_doccano(export(dataset.project, "doccano"))

    news = examples[0]
    assert news == {
        "id": dataset.news.pk,
        "text": dataset.news.text,
        "label": [
            [0, 5, "PER"],
            [10, 16, "PER"],
            [20, 26, "LOC"],
            [28, 36, "PER"],
            [42, 77, "CLAIM"],
            [63, 66, "LOC"],
        ],
        "external_id": "news-1",
        "meta": {"n": 1},
    }


def test_doccano_offsets_are_code_points(dataset):
    examples = read_doccano(export(dataset.project, "doccano"))
    unicode = next(example for example in examples if example["id"] == dataset.unicode.pk)
    texts = [unicode["text"][start:end] for start, end, _ in unicode["label"]]
    assert "🇲🇱" in texts
    assert "廷巴克图" in texts
    assert "The herders counted 🐪🐪 twice" in texts


def test_doccano_of_submitted_annotations_names_each_annotator(dataset):
    examples = read_doccano(export(dataset.project, "doccano", include="submitted"))
    assert [example["annotator"] for example in examples] == ["alice", "bob", "bob"]
