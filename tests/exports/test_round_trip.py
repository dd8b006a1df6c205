"""Our own exports import back (ingest service) into the same documents and annotations."""

import io

import pytest

from annotations.models import Annotation, Document
from annotations.services.ingest import documents_import_file
from tests.exports.conftest import export, lines_of, make_project, without_span_ids

pytestmark = pytest.mark.django_db

PROVENANCE = ("id", "annotators", "reviewed_by")


def import_into_new_project(data: bytes, name: str):
    project = make_project("Round trip")
    report = documents_import_file(project=project, name=name, stream=io.BytesIO(data))
    assert report["errors"] == []
    assert report["warnings"] == []
    assert report["duplicates"] == []
    # The importer stores pre-annotations as each document's prediction; promoting them to
    # gold lets the same exporter read them back for comparison.
    Annotation.objects.filter(document__project=project, kind="prediction").update(kind="gold")
    return project


def without_provenance(rows: list[dict]) -> list[dict]:
    """The rows without who made them, and without the database's span ids."""
    return [{k: v for k, v in without_span_ids(row).items() if k not in PROVENANCE} for row in rows]


def test_jsonl_export_imports_back_into_the_same_documents_and_annotations(dataset):
    original = lines_of(export(dataset.project))

    copy = import_into_new_project(export(dataset.project), "gold.jsonl")

    assert without_provenance(lines_of(export(copy))) == without_provenance(original)
    stored = Document.objects.filter(project=copy).order_by("pk")
    assert [(d.text, d.external_id, d.meta) for d in stored] == [
        (row["text"], row["external_id"], row["meta"]) for row in original
    ]


def test_jsonl_round_trip_keeps_claimant_links_and_stance_spans(dataset):
    copy = import_into_new_project(export(dataset.project), "gold.jsonl")
    news = lines_of(export(copy))[0]
    claim = news["claims"][0]
    assert claim["claimant"] == {"start": 28, "end": 36, "text": "Le Drian"}
    assert claim["checkworthy"] == "yes"
    assert news["stances"][0]["holder"] == claim["claimant"]
    assert news["stances"][0]["evidence"]["label"] == "CLAIM"


def test_doccano_export_imports_back_into_the_same_documents_and_spans(dataset):
    original = lines_of(export(dataset.project))

    copy = import_into_new_project(export(dataset.project, "doccano"), "gold.jsonl")

    imported = lines_of(export(copy))
    assert [(row["text"], row["external_id"], row["meta"]) for row in imported] == [
        (row["text"], row["external_id"], row["meta"]) for row in original
    ]
    # doccano has labels and offsets only: no claimant, check-worthiness or stance.
    for mine, theirs in zip(imported, original, strict=True):
        assert without_span_ids(mine)["entities"] == without_span_ids(theirs)["entities"]
        assert [(c["start"], c["end"], c["label"], c["text"]) for c in mine["claims"]] == [
            (c["start"], c["end"], c["label"], c["text"]) for c in theirs["claims"]
        ]


def test_doccano_export_imported_and_exported_again_is_identical(dataset):
    original = lines_of(export(dataset.project, "doccano"))

    copy = import_into_new_project(export(dataset.project, "doccano"), "gold.jsonl")

    # The document ids are the new project's; everything else comes back as it left.
    again = lines_of(export(copy, "doccano"))
    assert without_provenance(again) == without_provenance(original)
    assert [line["claims"] for line in again] == [line["claims"] for line in original]
