"""The spaCy export: a DocBin that spaCy loads, with entities, claims and the document's data."""

import pytest
import spacy
from spacy.tokens import DocBin

from annotations.exports import ExportReport
from tests.exports.conftest import annotate, export, make_project, span
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def load(data: bytes, tmp_path) -> list:
    path = tmp_path / "gold.spacy"
    path.write_bytes(data)
    return list(DocBin().from_disk(path).get_docs(spacy.blank("en").vocab))


def test_spacy_docbin_loads_with_every_gold_entity_at_its_offsets(dataset, tmp_path):
    docs = load(export(dataset.project, "spacy"), tmp_path)

    assert [doc.user_data["id"] for doc in docs] == [
        dataset.news.pk,
        dataset.unicode.pk,
        dataset.formula.pk,
    ]
    for doc, source in zip(docs, [dataset.news, dataset.unicode, dataset.formula], strict=True):
        assert doc.text == source.text
        gold = source.annotations.get(kind="gold").spans.select_related("label")
        assert sorted((e.label_, e.start_char, e.end_char, e.text) for e in doc.ents) == sorted(
            (s.label.name, s.start, s.end, s.text) for s in gold if s.label.kind == "entity"
        )
        assert sorted((s.label_, s.start_char, s.end_char) for s in doc.spans["claims"]) == sorted(
            (s.label.name, s.start, s.end) for s in gold if s.label.kind == "claim"
        )
        # msgpack, which DocBin stores user data with, reads lists back as tuples.
        assert doc.user_data["export_warnings"] == ()


def test_spacy_docbin_carries_the_document_data(dataset, tmp_path):
    doc = load(export(dataset.project, "spacy"), tmp_path)[0]
    assert doc.user_data["external_id"] == "news-1"
    assert doc.user_data["meta"] == {"n": 1}
    assert doc.user_data["annotators"] == ("alice", "bob")
    assert doc.user_data["reviewed_by"] == "reviewer"


def test_spacy_docbin_reports_an_entity_off_token_boundaries(dataset, tmp_path):
    project = make_project("Misaligned")
    text = "The Keitas met in Gao."
    document = DocumentFactory(project=project, text=text)
    annotate(document, spans=[span(text, "PER", "Keita"), span(text, "LOC", "Gao")])
    report = ExportReport()

    doc = load(export(project, "spacy", report=report), tmp_path)[0]

    assert [(e.label_, e.text) for e in doc.ents] == [("LOC", "Gao")]
    assert report.warning_count == 1
    assert list(doc.user_data["export_warnings"]) == report.warnings
    assert "does not start and end on token boundaries" in report.warnings[0]
