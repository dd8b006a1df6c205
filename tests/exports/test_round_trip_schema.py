"""Relations, document labels and attributes survive export -> import -> export, per format.

The source project's gold (written with the ORM: the annotating services for these kinds are
another branch's) holds entities and claims with attributes, a stance with attributes,
relations between them (one with attributes) and document labels in a multi-choice and a
single-choice group. The target project declares the same schema (labels, groups,
attributes: an import never creates attribute declarations) and the import writes gold
(``as=gold``); the target's export must say the same, up to the ids of spans.
"""

import io
import zipfile
from typing import Any

import pytest

from annotations.exports import ExportReport
from annotations.exports.brat import DOCUMENT_LABELS_LEFT
from annotations.models import Annotation, AnnotationEvent, Label, Project, Relation
from annotations.services.history import event_revert
from annotations.services.ingest import AS_GOLD, ImportOptions, documents_import_file
from annotations.services.ingest.formats import brat as brat_import
from tests.exports.conftest import export, lines_of, make_schema
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelAttributeFactory,
    LabelFactory,
    ProjectFactory,
    RelationFactory,
    SpanFactory,
)

pytestmark = pytest.mark.django_db


def import_as_gold(data: bytes, name: str, **options: Any) -> tuple[Project, dict]:
    """Import a file into a project of the same schema as gold; return it and the report."""
    project = make_schema(f"Schema copy {name}")
    report = documents_import_file(
        project=project,
        name=name,
        stream=io.BytesIO(data),
        options=ImportOptions(annotate_as=AS_GOLD, **options),
    )
    assert report["errors"] == []
    assert len(report["created"]) == 2
    return project, report


def comparable(rows: list[dict]) -> list[dict]:
    """The rows without the ids of the database: documents, spans; relations name their
    ends by (label, start, end) instead; provenance left out."""
    found = []
    for row in rows:
        spans = {}
        shaped: dict[str, Any] = {}
        for key in ("entities", "claims", "sentences"):
            shaped[key] = []
            for item in row[key]:
                spans[item["id"]] = (item["label"], item["start"], item["end"])
                shaped[key].append({k: v for k, v in item.items() if k != "id"})
        shaped["relations"] = sorted(
            (
                {
                    **relation,
                    "source": spans[relation["source"]],
                    "target": spans[relation["target"]],
                }
                for relation in row["relations"]
            ),
            key=lambda relation: (relation["label"], relation["source"], relation["target"]),
        )
        for key in ("external_id", "text", "meta", "stances", "document_labels"):
            shaped[key] = row[key]
        found.append(shaped)
    return found


def test_the_source_exports_relations_document_labels_and_attributes_in_jsonl(schema_source):
    """What the other round trips compare is there to begin with, in the native shape."""
    news = lines_of(export(schema_source))[0]

    claim = news["claims"][0]
    assert claim["attributes"] == {
        "normalised": "Troops stay in Gao\nuntil June 2026",
        "questions": ["q1", "q3"],
        "confidence": 0.75,
    }
    by_id = {item["id"]: item["text"] for item in news["entities"] + news["claims"]}
    assert [
        (relation["label"], by_id[relation["source"]], by_id[relation["target"]])
        for relation in news["relations"]
    ] == [
        ("located_in", "Keita", "Bamako"),
        ("said_by", "troops would stay in Gao until June", "Le Drian"),
        ("located_in", "Le Drian", "Gao"),
    ]
    assert news["relations"][0]["attributes"] == {"certainty": "high", "note": "met there, per AFP"}
    assert news["document_labels"] == {"topic": ["security", "politics"], "verdict": ["false"]}
    assert news["stances"][0]["attributes"] == {"sentiment": "positive"}
    assert news["sentences"] == []


def test_jsonl_round_trip_keeps_relations_document_labels_and_attributes(schema_source):
    first = export(schema_source)

    copy, report = import_as_gold(first, "gold.jsonl")

    assert [w["message"] for w in report["warnings"]] == []
    assert comparable(lines_of(export(copy))) == comparable(lines_of(first))


def test_doccano_round_trip_keeps_relations_and_document_labels(schema_source):
    """doccano carries relations (``entities`` with ids + ``relations``) and document labels
    (``cats``), not attributes: the copy has the same relations and labels, no attributes."""
    first = export(schema_source, "doccano")
    line = lines_of(first)[0]
    assert line["cats"] == ["security", "politics", "false"]
    ids = {entity["id"]: entity for entity in line["entities"]}
    assert [
        (relation["type"], ids[relation["from_id"]]["label"], ids[relation["to_id"]]["label"])
        for relation in line["relations"]
    ] == [("located_in", "PER", "LOC"), ("said_by", "CLAIM", "PER"), ("located_in", "PER", "LOC")]

    copy, report = import_as_gold(first, "gold.doccano.jsonl")

    assert [w["message"] for w in report["warnings"]] == []
    assert lines_without_ids(export(copy, "doccano")) == lines_without_ids(first)
    copied = comparable(lines_of(export(copy)))
    original = comparable(lines_of(export(schema_source)))
    assert [row["document_labels"] for row in copied] == [
        row["document_labels"] for row in original
    ]
    assert [without_attributes(row["relations"]) for row in copied] == [
        without_attributes(row["relations"]) for row in original
    ]


def lines_without_ids(data: bytes) -> list[dict]:
    """doccano lines without the database's ids (documents, spans, relations)."""
    found = []
    for line in lines_of(data):
        line.pop("id")
        if "entities" in line:
            place = {e["id"]: (e["label"], e["start_offset"]) for e in line["entities"]}
            line["entities"] = [{k: v for k, v in e.items() if k != "id"} for e in line["entities"]]
            line["relations"] = [
                (r["type"], place[r["from_id"]], place[r["to_id"]]) for r in line["relations"]
            ]
        found.append(line)
    return found


def without_attributes(items: list[dict]) -> list[dict]:
    return [{k: v for k, v in item.items() if k != "attributes"} for item in items]


def test_labelstudio_round_trip_keeps_relations_document_labels_and_attributes(schema_source):
    first = export(schema_source, "labelstudio")

    copy, report = import_as_gold(first, "tasks.json")

    assert [w["message"] for w in report["warnings"]] == []
    assert comparable(lines_of(export(copy))) == comparable(lines_of(export(schema_source)))
    assert export(copy, "labelstudio").replace(b"\n", b"").count(b'"type":"relation"') == 4


def test_brat_round_trip_keeps_relations_and_attributes_and_reports_document_labels(schema_source):
    """brat has no document-level annotation: the export says so per document, and the copy
    has every relation and attribute but no document labels."""
    report = ExportReport()
    first = export(schema_source, "brat", report=report)
    assert DOCUMENT_LABELS_LEFT.format(
        document=f"document {lines_of(export(schema_source))[0]['id']}",
        labels=["security", "politics", "false"],
    ).split(":")[1] in "\n".join(report.warnings)
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        ann = next(archive.read(n).decode() for n in archive.namelist() if n.endswith(".ann"))
    assert "\tlocated_in Arg1:T" in ann
    assert "\trole T" in ann  # a choice is a brat attribute
    assert 'attribute questions=["q1","q3"]' in ann  # a multi-choice, a note

    copy, imported = import_as_gold(first, "gold.zip")

    conf = brat_import.WARN_CONF.format(member="annotation.conf")
    assert [w["message"] for w in imported["warnings"]] == [conf]
    copied = comparable(lines_of(export(copy)))
    original = comparable(lines_of(export(schema_source)))
    for row in original + copied:
        row["document_labels"] = {}
        row.pop("external_id")  # the member's name
    assert sorted(copied, key=lambda row: row["text"]) == sorted(
        original, key=lambda row: row["text"]
    )


def sentence_project(name: str) -> Project:
    project = ProjectFactory(name=name, sentence_units=True)
    LabelFactory(project=project, name="CLAIM", kind="claim")
    check = LabelFactory(project=project, name="checkworthy", kind="sentence")
    LabelFactory(project=project, name="unimportant", kind="sentence")
    LabelFactory(project=project, name="restates", kind="relation", source_kind="claim")
    LabelAttributeFactory(label=check, name="reason", type="text")
    return project


def test_jsonl_round_trip_keeps_sentence_units_their_scores_and_relations_to_them():
    """Sentence labels (units with their number and score) come back as gold, and so does a
    relation from a claim to a sentence."""
    text = "Gao is calm. Troops will stay until June."
    source = sentence_project("Units source")
    document = DocumentFactory(project=source, text=text, external_id="units")
    annotation = AnnotationFactory(document=document, author=None, kind="gold")
    labels = {label.name: label for label in Label.objects.filter(project=source)}
    first = SpanFactory(
        annotation=annotation, label=labels["unimportant"], start=0, end=12, unit=0, score=0.1
    )
    second = SpanFactory(
        annotation=annotation,
        label=labels["checkworthy"],
        start=13,
        end=41,
        unit=1,
        score=0.93,
        attributes={"reason": "a date"},
    )
    claim = SpanFactory(annotation=annotation, label=labels["CLAIM"], start=13, end=40)
    RelationFactory(source=claim, target=second, label=labels["restates"])
    exported = export(source)
    assert [(s["label"], s["unit"], s["score"]) for s in lines_of(exported)[0]["sentences"]] == [
        ("unimportant", 0, 0.1),
        ("checkworthy", 1, 0.93),
    ]
    assert first.pk in {s["id"] for s in lines_of(exported)[0]["sentences"]}

    copy = sentence_project("Units copy")
    report = documents_import_file(
        project=copy,
        name="units.jsonl",
        stream=io.BytesIO(exported),
        options=ImportOptions(annotate_as=AS_GOLD),
    )

    assert report["errors"] == [] and report["warnings"] == []
    assert comparable(lines_of(export(copy))) == comparable(lines_of(exported))


def test_a_gold_import_logs_relations_document_labels_and_attributes_and_reverts_whole(
    schema_source,
):
    """The import goes through the bulk replace: its one event holds every kind it wrote, the
    history shows them, and reverting it leaves the gold empty again (nothing refused)."""
    copy, _ = import_as_gold(export(schema_source), "gold.jsonl")
    gold = Annotation.objects.get(
        document__project=copy, kind="gold", document__external_id="news-1"
    )
    [event] = AnnotationEvent.objects.filter(annotation=gold)
    assert event.action == "content_replaced"
    after = event.after
    names = {span["id"]: span["text"] for span in after["spans"]}
    assert sorted(
        (names[relation["source"]], names[relation["target"]]) for relation in after["relations"]
    ) == sorted(
        [
            ("Keita", "Bamako"),
            ("troops would stay in Gao until June", "Le Drian"),
            ("Le Drian", "Gao"),
        ]
    )
    labels = dict(Label.objects.filter(project=copy).values_list("id", "name"))
    assert sorted(labels[pk] for pk in after["document_labels"]) == [
        "false",
        "politics",
        "security",
    ]
    [claim] = [span for span in after["spans"] if span["text"].startswith("troops")]
    assert claim["attributes"]["normalised"] == "Troops stay in Gao\nuntil June 2026"
    assert after["stances"][0]["attributes"] == {"sentiment": "positive"}

    undo = event_revert(event=event, actor=None)

    assert undo.action == "reverted"
    assert not gold.spans.exists()
    assert not gold.stances.exists()
    assert not Relation.links.filter(annotation=gold).exists()
    assert not gold.document_labels.exists()
