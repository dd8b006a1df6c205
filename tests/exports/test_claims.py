"""Claim records in exports: native jsonl (and back), ClaimReview JSON-LD, AVeriTeC."""

import io
import json
from pathlib import Path

import jsonschema
import pytest

from annotations import selectors, tasks
from annotations.exports.base import ExportReport
from annotations.exports.claimreview import NO_VERDICT
from annotations.models import Annotation, ClaimRecord, Document, ReleaseFile
from annotations.services import claims
from annotations.services.ingest import documents_import_file
from annotations.services.ingest.records import AS_GOLD, WARN_RECORD_NOT_GOLD, ImportOptions
from tests.exports.conftest import annotate, export, lines_of, make_project, span
from tests.factories import DocumentFactory, MembershipFactory, UserFactory
from tests.worker import run_worker

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "data" / "schemas" / "claimreview.schema.json").read_text()
)
TEXT = "Le Drian said that 1,500 troops are in Gao. Others doubt it."
OTHER = "A ministry statement: about 1,500 soldiers were sent north."


@pytest.fixture
def checked():
    """A project whose gold has two claims: one with a full record, one with none."""
    project = make_project("Checked claims", verdict_scale="averitec")
    document = DocumentFactory(
        project=project, text=TEXT, external_id="mali-1", meta={"url": "https://news.example/1"}
    )
    other = DocumentFactory(project=project, text=OTHER, external_id="mali-2")
    gold = annotate(
        document,
        spans=[
            span(TEXT, "PER", "Le Drian"),
            {**span(TEXT, "CLAIM", "1,500 troops are in Gao"), "claimant": 0},
            span(TEXT, "CLAIM", "Others doubt it"),
        ],
        submit=False,
    )
    annotate(other, spans=[span(OTHER, "ORG", "ministry")], submit=False)
    claim = gold.spans.get(start=TEXT.index("1,500"))
    claims.claim_record_put(
        span=claim,
        actor=None,
        normalized_text="About 1,500 French troops are deployed in Gao.",
        claim_date="2024-03-04",
        claim_type="numerical",
        verdict="Supported",
        justification="The ministry gave the same figure.",
        evidence=[
            {"document": document.pk, "start": 0, "end": 8},
            {"document": other.pk, "start": 28, "end": 40},
            {
                "url": "https://gov.example/press",
                "title": "Press release",
                "published": "2024-03-05",
            },
        ],
    )
    return project, document, other


def test_jsonl_claims_carry_their_record(checked):
    project, document, other = checked
    row = lines_of(export(project))[0]
    first, second = row["claims"]
    assert first["record"] == {
        "normalized_text": "About 1,500 French troops are deployed in Gao.",
        "claim_date": "2024-03-04",
        "claim_type": "numerical",
        "verdict": "Supported",
        "justification": "The ministry gave the same figure.",
        "evidence": [
            {"document": document.pk, "start": 0, "end": 8, "text": "Le Drian"},
            {"document": other.pk, "start": 28, "end": 40, "text": "1,500 soldie"},
            {
                "url": "https://gov.example/press",
                "title": "Press release",
                "published": "2024-03-05",
            },
        ],
    }
    assert "record" not in second


def test_claimreview_export_validates_against_the_schema_org_shape(checked):
    project, _, _ = checked
    report = ExportReport()
    reviews = json.loads(export(project, "claimreview", report=report))
    assert len(reviews) == 1
    for review in reviews:
        jsonschema.validate(review, SCHEMA)
    review = reviews[0]
    assert review["claimReviewed"] == "About 1,500 French troops are deployed in Gao."
    assert review["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "Supported",
        "ratingExplanation": "The ministry gave the same figure.",
    }
    assert review["author"] == {"@type": "Organization", "name": "Checked claims"}
    item = review["itemReviewed"]
    assert item["author"] == {"@type": "Person", "name": "Le Drian"}
    assert item["datePublished"] == "2024-03-04"
    assert item["appearance"] == [
        {
            "@type": "CreativeWork",
            "text": "1,500 troops are in Gao",
            "identifier": "mali-1",
            "url": "https://news.example/1",
        }
    ]
    assert review["citation"] == [
        {
            "@type": "CreativeWork",
            "url": "https://gov.example/press",
            "name": "Press release",
            "datePublished": "2024-03-05",
        }
    ]
    # The claim without a verdict is said, not dropped silently.
    document = Document.objects.get(external_id="mali-1")
    start = TEXT.index("Others")
    assert report.warnings == [
        NO_VERDICT.format(document=document.pk, start=start, end=start + 15, text="Others doubt it")
    ]


def test_schema_refuses_a_review_without_a_rating():
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "#x",
        "claimReviewed": "c",
        "author": {"@type": "Organization", "name": "p"},
        "itemReviewed": {"@type": "Claim", "appearance": [{"@type": "CreativeWork"}]},
    }
    with pytest.raises(jsonschema.ValidationError, match="reviewRating"):
        jsonschema.validate(review, SCHEMA)


def test_claimreview_export_of_a_project_without_verdicts_is_an_empty_array():
    project = make_project("Nothing checked")
    document = DocumentFactory(project=project, text=TEXT)
    annotate(document, spans=[span(TEXT, "PER", "Le Drian")], submit=False)
    assert json.loads(export(project, "claimreview")) == []


def test_averitec_export_has_the_averitec_shape(checked):
    project, document, other = checked
    claims_out = json.loads(export(project, "averitec"))
    assert len(claims_out) == 1
    claim = claims_out[0]
    assert claim["claim"] == "About 1,500 French troops are deployed in Gao."
    assert claim["speaker"] == "Le Drian"
    assert claim["claim_date"] == "04-03-2024"
    assert claim["label"] == "Supported"
    assert claim["justification"] == "The ministry gave the same figure."
    assert claim["claim_types"] == ["numerical"]
    assert claim["original_claim_url"] == "https://news.example/1"
    assert claim["questions"] == [
        {
            "question": "",
            "answers": [
                {
                    "answer": "Le Drian",
                    "answer_type": "Extractive",
                    "source_url": None,
                    "source_medium": "Document",
                }
            ],
        },
        {
            "question": "",
            "answers": [
                {
                    "answer": "1,500 soldie",
                    "answer_type": "Extractive",
                    "source_url": None,
                    "source_medium": "Document",
                }
            ],
        },
        {
            "question": "",
            "answers": [
                {
                    "answer": "Press release",
                    "answer_type": "Abstractive",
                    "source_url": "https://gov.example/press",
                    "source_medium": "Web text",
                }
            ],
        },
    ]
    assert (claim["document_id"], claim["external_id"]) == (document.pk, "mali-1")
    assert TEXT[claim["start"] : claim["end"]] == claim["text"] == "1,500 troops are in Gao"


def test_jsonl_round_trip_as_gold_keeps_the_records(checked):
    project, _, _ = checked
    data = export(project)
    copy = make_project("Copy", verdict_scale="averitec")
    report = documents_import_file(
        project=copy,
        name="gold.jsonl",
        stream=io.BytesIO(data),
        options=ImportOptions(annotate_as=AS_GOLD),
    )
    assert report["errors"] == []
    new = Document.objects.get(project=copy, external_id="mali-1")
    # The passage of another document cannot be named in the copy: said, the rest kept.
    assert [w["message"] for w in report["warnings"]] == [
        "claims #0: record evidence #1 cites another document "
        f"({Document.objects.get(project=project, external_id='mali-2').pk!r}), which this "
        "import cannot name; the record is kept without it."
    ]
    record = ClaimRecord.objects.get(span__annotation__document=new)
    assert record.verdict == "Supported"
    assert record.claim_date.isoformat() == "2024-03-04"
    exported = lines_of(export(copy))[0]["claims"][0]["record"]
    original = lines_of(data)[0]["claims"][0]["record"]
    assert exported == {
        **original,
        "evidence": [
            {"document": new.pk, "start": 0, "end": 8, "text": "Le Drian"},
            original["evidence"][2],
        ],
    }
    # Gold written by the import is logged like any edit: the record has its event.
    gold = Annotation.objects.get(document=new, kind="gold")
    assert gold.events.filter(action="claim_record_changed").count() == 1


def test_jsonl_import_as_prediction_says_records_are_not_kept(checked):
    project, _, _ = checked
    copy = make_project("Predicted", verdict_scale="averitec")
    report = documents_import_file(project=copy, name="p.jsonl", stream=io.BytesIO(export(project)))
    assert {"line": 1, "message": WARN_RECORD_NOT_GOLD.format(index=0)} in report["warnings"]
    assert not ClaimRecord.objects.filter(span__annotation__document__project=copy).exists()


def test_a_release_offers_the_claimreview_and_averitec_files(checked):
    project, _, _ = checked
    manager = UserFactory()
    MembershipFactory(project=project, user=manager, role="manager")
    release = tasks.release_start(
        project=project, actor=manager, name="v1", formats=["jsonl", "claimreview", "averitec"]
    )
    run_worker()
    release.refresh_from_db()
    assert release.status == "ready", release.error

    def content(name: str) -> bytes:
        stored = ReleaseFile.objects.get(release=release, format=name)
        return b"".join(selectors.release_file_chunks(release_file=stored))

    reviews = json.loads(content("claimreview"))
    assert reviews == json.loads(export(project, "claimreview"))
    assert reviews[0]["author"]["name"] == "Checked claims"
    assert json.loads(content("averitec")) == json.loads(export(project, "averitec"))
