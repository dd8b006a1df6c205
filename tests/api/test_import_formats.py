"""The upload endpoint takes other tools' files, several at once, with the offsets option."""

import io
import json
import zipfile
from pathlib import Path

import pytest

from annotations.models import Document, LabelGroup, Relation, Span
from annotations.services.ingest import records as messages
from annotations.services.ingest.formats import brat
from tests.api.conftest import client_for
from tests.factories import LabelAttributeFactory, LabelFactory, LabelGroupFactory

FORMATS = Path(__file__).resolve().parent.parent / "data" / "formats"


def _url(world, query: str = "") -> str:
    return f"/api/projects/{world.project.pk}/documents/{query}"


def _upload(name: str, data: bytes | None = None) -> io.BytesIO:
    upload = io.BytesIO(data if data is not None else (FORMATS / name).read_bytes())
    upload.name = name
    return upload


def _post(world, files, query=""):
    return client_for(world.users["manager"]).post(
        _url(world, query), {"file": files}, format="multipart"
    )


def _stored(world) -> set[str]:
    return set(
        Document.objects.filter(project=world.project)
        .exclude(pk=world.document.pk)
        .values_list("external_id", flat=True)
    )


@pytest.fixture
def labels(world):
    for name in ("ORG", "LOC", "VEHICLE"):
        LabelFactory(project=world.project, name=name, kind="entity")


@pytest.mark.django_db
def test_several_files_in_one_request_give_one_report_naming_each_file(world, labels):
    response = _post(world, [_upload("bioes.bio"), _upload("doccano_relations_utf16.jsonl")])
    assert response.status_code == 201
    report = response.json()
    assert [(entry["file"], entry["line"]) for entry in report["created"]] == [
        ("bioes.bio", 1),
        ("doccano_relations_utf16.jsonl", 1),
        ("doccano_relations_utf16.jsonl", 2),
        ("doccano_relations_utf16.jsonl", 3),
    ]
    files = {entry["file"] for entry in report["warnings"]}
    assert files == {"bioes.bio", "doccano_relations_utf16.jsonl"}
    firemen = Document.objects.get(project=world.project, external_id="1")
    spans = Span.objects.filter(annotation__document=firemen).order_by("start")
    assert [firemen.text[s.start : s.end] for s in spans] == ["firemen", "firetrucks"]


@pytest.mark.django_db
def test_offsets_parameter_is_applied_and_checked(world, labels):
    response = _post(world, [_upload("doccano_relations_utf16.jsonl")], "?offsets=codepoints")
    assert response.status_code == 201
    firemen = Document.objects.get(project=world.project, external_id="1")
    span = Span.objects.get(annotation__document=firemen)
    assert firemen.text[span.start : span.end] == "emen dr"
    response = _post(world, [_upload("bioes.bio")], "?offsets=bytes")
    assert response.status_code == 400
    assert response.json()["errors"] == {"offsets": [messages.ERR_OFFSETS_OPTION]}


@pytest.mark.django_db
def test_a_brat_zip_imports_its_pairs(world, labels):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in (FORMATS / "brat").iterdir():
            archive.write(path, path.name)
    response = _post(world, [_upload("news.zip", buffer.getvalue())])
    assert response.status_code == 201
    assert _stored(world) == {"gao", "kidal", "mopti"}


@pytest.mark.django_db
def test_a_hostile_zip_is_refused_with_400_and_nothing_of_the_request_is_stored(world, labels):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../etc/cron.d/evil.txt", "Evil.")
    response = _post(world, [_upload("bioes.bio"), _upload("evil.zip", buffer.getvalue())])
    assert response.status_code == 400
    message = brat.ERR_UNSAFE_NAME.format(name="evil.zip", member="../../etc/cron.d/evil.txt")
    assert response.json()["errors"] == {"file": [message]}
    assert _stored(world) == set()


@pytest.mark.django_db
def test_an_unsupported_file_among_several_refuses_the_request(world):
    response = _post(world, [_upload("bioes.bio"), _upload("scan.pdf", b"%PDF-1.4")])
    assert response.status_code == 415
    assert _stored(world) == set()


# Relations, document labels and attributes (issue 16).
def _jsonl(*lines: dict) -> bytes:
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


NEWS_LINE = {
    "text": "Keita met Macron in Bamako.",
    "entities": [
        {"id": "k", "start": 0, "end": 5, "label": "PER", "attributes": {"role": "official"}},
        {"id": "b", "start": 20, "end": 26, "label": "LOC"},
    ],
    "relations": [{"label": "located_in", "source": "k", "target": "b"}],
    "document_labels": {"topic": ["politics"]},
}


@pytest.fixture
def schema(world):
    """LOC, a relation label from entities to entities with a choice attribute, a document
    label group, and a choice attribute on PER."""
    LabelFactory(project=world.project, name="LOC", kind="entity")
    located_in = LabelFactory(
        project=world.project,
        name="located_in",
        kind="relation",
        source_kind="entity",
        target_kind="entity",
    )
    LabelAttributeFactory(label=located_in, name="certainty", type="choice", choices=["high"])
    topic = LabelGroupFactory(project=world.project, name="topic", multiple=False)
    for name in ("politics", "security"):
        LabelFactory(project=world.project, name=name, kind="document", group=topic)
    LabelAttributeFactory(label=world.entity, name="role", type="choice", choices=["official"])


@pytest.mark.django_db
def test_a_relation_to_a_span_the_line_does_not_have_is_an_error_of_its_line(world, schema):
    broken = {**NEWS_LINE, "relations": [{"label": "located_in", "source": "k", "target": "x"}]}
    fine = {**NEWS_LINE, "text": "Keita left Bamako.", "entities": [], "relations": []}

    response = _post(world, [_upload("lines.jsonl", _jsonl(broken, fine))], "?as=gold")

    assert response.status_code == 201
    report = response.json()
    assert report["errors"] == [
        {
            "line": 1,
            "message": messages.ERR_RELATION_END.format(
                key="relations", index=0, role="target", ref="x"
            ),
        }
    ]
    assert [entry["line"] for entry in report["created"]] == [2]
    assert not Document.objects.filter(project=world.project, text=NEWS_LINE["text"]).exists()


@pytest.mark.django_db
def test_relations_document_labels_and_attributes_come_in_as_gold(world, schema):
    response = _post(world, [_upload("lines.jsonl", _jsonl(NEWS_LINE))], "?as=gold")

    assert response.status_code == 201
    assert response.json()["warnings"] == []
    document = Document.objects.get(project=world.project, text=NEWS_LINE["text"])
    gold = document.annotations.get(kind="gold")
    keita = gold.spans.get(start=0)
    assert keita.attributes == {"role": "official"}
    [relation] = Relation.objects.filter(annotation=gold)
    assert (relation.label.name, relation.source_id, relation.target.text) == (
        "located_in",
        keita.pk,
        "Bamako",
    )
    assert [label.label.name for label in gold.document_labels.all()] == ["politics"]


@pytest.mark.django_db
def test_unknown_relation_and_document_labels_and_wrong_attributes_are_warnings(world, schema):
    line = {
        **NEWS_LINE,
        "entities": [
            {**NEWS_LINE["entities"][0], "attributes": {"role": "rebel", "age": 40}},
            NEWS_LINE["entities"][1],
        ],
        "relations": [
            {"label": "visited", "source": "k", "target": "b"},
            {"label": "located_in", "source": "b", "target": "k", "attributes": {"certainty": 3}},
        ],
        "document_labels": {"topic": ["politics", "security"], "genre": ["opinion"]},
    }

    response = _post(world, [_upload("lines.jsonl", _jsonl(line))])

    assert response.status_code == 201
    warnings = [entry["message"] for entry in response.json()["warnings"]]
    assert warnings == [
        messages.WARN_ATTRIBUTE.format(
            key="entities",
            index=0,
            field="attributes.role",
            message='"rebel" is not one of the choices: "official".',
        ),
        messages.WARN_ATTRIBUTE.format(
            key="entities",
            index=0,
            field="attributes.age",
            message='The label "PER" has no attribute "age".',
        ),
        messages.WARN_RELATION_LABEL.format(key="relations", index=0, label="visited"),
        messages.WARN_ATTRIBUTE.format(
            key="relations",
            index=1,
            field="attributes.certainty",
            message="Must be one of the choices, as a string.",
        ),
        messages.WARN_SINGLE_GROUP.format(label="security", group="topic", kept="politics"),
        messages.WARN_DOCUMENT_LABEL.format(label="opinion", group=" (group 'genre')"),
    ]
    prediction = Document.objects.get(project=world.project, text=line["text"]).annotations.get()
    assert prediction.spans.get(start=0).attributes == {}
    [relation] = Relation.objects.filter(annotation=prediction)
    assert (relation.source.text, relation.target.text, relation.attributes) == (
        "Bamako",
        "Keita",
        {},
    )
    assert [label.label.name for label in prediction.document_labels.all()] == ["politics"]


@pytest.mark.django_db
def test_create_labels_makes_relation_and_document_labels_of_the_right_kind_and_group(world):
    LabelFactory(project=world.project, name="LOC", kind="entity")
    line = {**NEWS_LINE, "document_labels": {"topic": ["politics", "security"]}}

    response = _post(world, [_upload("lines.jsonl", _jsonl(line))], "?create_labels=1")

    assert response.status_code == 201
    report = response.json()
    assert [(label["name"], label["kind"]) for label in report["labels_created"]] == [
        ("located_in", "relation"),
        ("politics", "document"),
        ("security", "document"),
    ]
    topic = LabelGroup.objects.get(project=world.project, name="topic")
    assert topic.multiple  # the line gave two of its labels
    assert set(topic.labels.values_list("name", flat=True)) == {"politics", "security"}
    prediction = Document.objects.get(project=world.project, text=line["text"]).annotations.get()
    assert prediction.relations.count() == 1
    assert prediction.document_labels.count() == 2


@pytest.mark.django_db
def test_a_relation_against_its_labels_span_kinds_is_a_warning(world, schema):
    line = {
        **NEWS_LINE,
        "claims": [{"id": "c", "start": 0, "end": 26, "label": "CLAIM"}],
        "relations": [{"label": "located_in", "source": "c", "target": "b"}],
        "document_labels": {},
    }

    response = _post(world, [_upload("lines.jsonl", _jsonl(line))])

    assert [entry["message"] for entry in response.json()["warnings"]] == [
        messages.WARN_RELATION_WRONG_KIND.format(
            key="relations",
            index=0,
            label="located_in",
            role="source",
            wanted="entity",
            kind="claim",
        )
    ]
