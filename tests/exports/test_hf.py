"""The hf export (and jsonl), loaded with Hugging Face ``datasets`` offline, as a user would."""

import orjson
import pytest
from seqeval.metrics.sequence_labeling import get_entities

from annotations.exports import ExportReport
from tests.exports.conftest import export, gold_entities, load_hf, one_document

pytestmark = pytest.mark.django_db

TAG_NAMES = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]


def entities_of(record: dict, text: str) -> list[tuple[str, int, int, str]]:
    """The entities the BIO ids say, placed back in the text through token_starts."""
    names = record["ner_tag_names"]
    tags = [names[tag] for tag in record["ner_tags"]]
    found = []
    for label, first, last in get_entities(tags):
        start = record["token_starts"][first]
        end = record["token_starts"][last] + len(record["tokens"][last])
        found.append((label, start, end, text[start:end]))
    return sorted(found)


def test_hf_loads_with_datasets_and_its_tags_give_back_every_gold_entity(dataset, tmp_path):
    loaded = load_hf(tmp_path, "json", {"train": export(dataset.project, "hf")})["train"]

    assert loaded.num_rows == 3
    assert set(loaded.column_names) >= {"id", "tokens", "ner_tags", "ner_tag_names"}
    for record, source in zip(
        loaded, [dataset.news, dataset.unicode, dataset.formula], strict=True
    ):
        assert record["id"] == source.pk
        assert record["ner_tag_names"] == TAG_NAMES
        for token, start in zip(record["tokens"], record["token_starts"], strict=True):
            assert source.text[start : start + len(token)] == token
        assert entities_of(record, source.text) == gold_entities(source)


def test_hf_tag_names_become_a_class_label_feature(dataset, tmp_path):
    from datasets import ClassLabel, Sequence

    loaded = load_hf(tmp_path, "json", {"train": export(dataset.project, "hf")})["train"]
    names = loaded[0]["ner_tag_names"]
    typed = loaded.cast_column("ner_tags", Sequence(ClassLabel(names=names)))

    tags = typed.features["ner_tags"].feature.int2str(typed[0]["ner_tags"])
    assert tags[:3] == ["B-PER", "O", "B-PER"]  # Keita met Macron


def test_hf_reports_an_entity_off_token_boundaries_and_tags_it_o():
    text = "The Keitas met in Gao."
    project, _ = one_document("Misaligned hf", text, ("PER", "Keita"), ("LOC", "Gao"))
    report = ExportReport()

    record = orjson.loads(export(project, "hf", report=report))

    assert report.warning_count == 1
    assert "PER [4, 9) 'Keita'" in report.warnings[0]
    assert entities_of(record, text) == [("LOC", 18, 21, "Gao")]


def test_jsonl_loads_with_datasets_with_its_offsets_exact(dataset, tmp_path):
    loaded = load_hf(tmp_path, "json", {"train": export(dataset.project)})["train"]

    assert loaded.num_rows == 3
    for record in loaded:
        for entity in record["entities"]:
            assert record["text"][entity["start"] : entity["end"]] == entity["text"]


@pytest.mark.parametrize("name", ["hf", "parquet"])
def test_hf_and_parquet_carry_the_document_labels_of_a_project_that_has_them(
    name, schema_source, tmp_path
):
    builder = "json" if name == "hf" else "parquet"
    loaded = load_hf(tmp_path, builder, {"train": export(schema_source, name)})["train"]

    assert loaded["document_labels"] == [["security", "politics", "false"], ["security"]]
