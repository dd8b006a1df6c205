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
        for item in (*example["label"], *example["claims"]):
            start, end, name = item
            assert isinstance(start, int) and isinstance(end, int) and isinstance(name, str)
            assert 0 <= start < end <= len(example["text"])
        examples.append(example)
    return examples


def test_doccano_line_has_entities_in_label_and_claims_in_their_own_list(dataset):
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
            [63, 66, "LOC"],
        ],
        "claims": [[42, 77, "CLAIM"]],
        "external_id": "news-1",
        "meta": {"n": 1},
    }


def test_doccano_offsets_are_code_points(dataset):
    examples = read_doccano(export(dataset.project, "doccano"))
    unicode = next(example for example in examples if example["id"] == dataset.unicode.pk)
    spans = (*unicode["label"], *unicode["claims"])
    texts = [unicode["text"][start:end] for start, end, _ in spans]
    assert "🇲🇱" in texts
    assert "廷巴克图" in texts
    assert "The herders counted 🐪🐪 twice" in texts


def test_doccano_of_submitted_annotations_names_each_annotator(dataset):
    examples = read_doccano(export(dataset.project, "doccano", include="submitted"))
    assert [example["annotator"] for example in examples] == ["alice", "bob", "bob"]


def overlap_off_import(spans: list[list]) -> list[list]:
    """What doccano keeps of one label column when its project forbids overlapping spans: each
    span in text order unless it overlaps one already kept."""
    kept: list[list] = []
    for start, end, label in sorted(spans):
        if all(end <= other[0] or start >= other[1] for other in kept):
            kept.append([start, end, label])
    return kept


def test_doccano_keeps_every_entity_nested_in_a_claim_through_an_overlap_off_import(dataset):
    examples = read_doccano(export(dataset.project, "doccano"))
    news = examples[0]
    # "Gao" lies inside the claim: one list of both lost it; the label column keeps it.
    assert [63, 66, "LOC"] in news["label"]
    for example in examples:
        assert overlap_off_import(example["label"]) == example["label"]
        assert overlap_off_import(example["claims"]) == example["claims"]
