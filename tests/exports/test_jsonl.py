"""The native JSONL export, read back with ``json``: every field, every offset, every text."""

import pytest

from annotations.exports import ExportReport
from tests.corpus import DATA
from tests.exports.conftest import NEWS, at, export, lines_of

pytestmark = pytest.mark.django_db


def lines(data: bytes) -> list[dict]:
    assert data.endswith(b"\n")
    return lines_of(data)


def test_jsonl_export_is_the_native_shape_for_each_gold_document(dataset):
    exported = lines(export(dataset.project))

    assert [row["id"] for row in exported] == sorted(
        [dataset.news.pk, dataset.unicode.pk, dataset.formula.pk]
    )
    news = exported[0]
    assert list(news) == [
        "id",
        "external_id",
        "text",
        "meta",
        "entities",
        "claims",
        "sentences",
        "stances",
        "relations",
        "document_labels",
        "annotators",
        "reviewed_by",
    ]
    assert all(isinstance(item.pop("id"), int) for item in news["entities"] + news["claims"])
    le_drian = {"start": 28, "end": 36, "text": "Le Drian"}
    claim = {"start": 42, "end": 77, "text": "troops would stay in Gao until June"}
    assert news == {
        "id": dataset.news.pk,
        "external_id": "news-1",
        "text": NEWS,
        "meta": {"n": 1},
        "entities": [
            {"start": 0, "end": 5, "label": "PER", "text": "Keita", "attributes": {}},
            {"start": 10, "end": 16, "label": "PER", "text": "Macron", "attributes": {}},
            {"start": 20, "end": 26, "label": "LOC", "text": "Bamako", "attributes": {}},
            {**le_drian, "label": "PER", "attributes": {}},
            {"start": 63, "end": 66, "label": "LOC", "text": "Gao", "attributes": {}},
        ],
        "claims": [
            {
                **claim,
                "label": "CLAIM",
                "attributes": {},
                "checkworthy": "yes",
                "claimant": le_drian,
            }
        ],
        "sentences": [],
        "stances": [
            {
                "target": "the intervention",
                "label": "FAVOR",
                "holder": le_drian,
                "evidence": {**claim, "label": "CLAIM"},
                "attributes": {},
            }
        ],
        "relations": [],
        "document_labels": {},
        "annotators": ["alice", "bob"],
        "reviewed_by": "reviewer",
    }


def test_jsonl_offsets_are_code_points_of_the_stored_text(dataset):
    for row in lines(export(dataset.project)):
        text = row["text"]
        for item in (*row["entities"], *row["claims"]):
            assert text[item["start"] : item["end"]] == item["text"]
        for claim in row["claims"]:
            claimant = claim["claimant"]
            if claimant is not None and "start" in claimant:
                assert text[claimant["start"] : claimant["end"]] == claimant["text"]
        for stance in row["stances"]:
            for ref in (stance["holder"], stance["evidence"]):
                if ref is not None:
                    assert text[ref["start"] : ref["end"]] == ref["text"]


def test_jsonl_keeps_emoji_cjk_combining_marks_and_arabic_exactly(dataset):
    row = next(row for row in lines(export(dataset.project)) if row["id"] == dataset.unicode.pk)
    text = (DATA / "edge" / "unicode_mix.txt").read_text(encoding="utf-8")
    assert row["text"] == text
    found = {item["text"]: (item["start"], item["end"]) for item in row["entities"]}
    assert found == {
        "Gossi": at(text, "Gossi"),
        "🇲🇱": (6, 8),
        "Aïchatou": at(text, "Aïchatou"),
        "e\u0301": (76, 78),
        "廷巴克图": (167, 171),
        "غاو": at(text, "غاو"),
    }
    claims = {claim["text"]: claim for claim in row["claims"]}
    arabic = claims["قال الوالي إن المساعدات وصلت إلى غاو"]
    assert arabic["claimant"] == {"text": "الوالي"}
    assert arabic["checkworthy"] is None
    assert claims["The herders counted 🐪🐪 twice"]["checkworthy"] == "unsure"
    assert row["stances"] == [
        {
            "target": "the intervention",
            "label": "AGAINST",
            "holder": None,
            "evidence": None,
            "attributes": {},
        }
    ]
    assert row["reviewed_by"] == "manager"
    assert row["annotators"] == []


def test_jsonl_writes_unicode_as_utf8_not_escapes(dataset):
    data = export(dataset.project)
    assert "🇲🇱".encode() in data
    assert b"\\u" not in data


def test_jsonl_include_submitted_gives_one_line_per_submitted_annotation(dataset):
    exported = lines(export(dataset.project, include="submitted"))

    assert [(row["id"], row["annotator"]) for row in exported] == [
        (dataset.news.pk, "alice"),
        (dataset.news.pk, "bob"),
        (dataset.pending.pk, "bob"),
    ]
    assert "annotators" not in exported[0]
    assert "reviewed_by" not in exported[0]
    [adrar] = exported[2]["entities"]
    assert isinstance(adrar.pop("id"), int)
    assert adrar == {
        "start": 35,
        "end": 52,
        "label": "LOC",
        "text": "Adrar des Ifoghas",
        "attributes": {},
    }


def test_jsonl_label_filter_keeps_only_those_labels(dataset):
    exported = lines(export(dataset.project, labels=["LOC", "FAVOR"]))

    news = exported[0]
    assert [item["text"] for item in news["entities"]] == ["Bamako", "Gao"]
    assert news["claims"] == []
    assert [stance["label"] for stance in news["stances"]] == ["FAVOR"]
    # Documents stay, even with nothing of those labels: "no LOC here" is data too.
    assert len(exported) == 3
    assert exported[2]["stances"] == []


def test_jsonl_status_filter_picks_documents_by_their_gold_status(dataset):
    final = lines(export(dataset.project, statuses=["submitted"]))
    under_way = lines(export(dataset.project, statuses=["in_progress"]))

    assert [row["id"] for row in final] == [dataset.news.pk, dataset.formula.pk]
    assert [row["id"] for row in under_way] == [dataset.unicode.pk]


def test_jsonl_reports_the_rows_it_wrote(dataset):
    report = ExportReport()
    export(dataset.project, report=report)
    assert report.rows == 3
    assert report.warning_count == 0
