"""The upload endpoint takes other tools' files, several at once, with the offsets option."""

import io
import zipfile
from pathlib import Path

import pytest

from annotations.models import Document, Span
from annotations.services.ingest import records as messages
from annotations.services.ingest.formats import brat
from tests.api.conftest import client_for
from tests.factories import LabelFactory

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
