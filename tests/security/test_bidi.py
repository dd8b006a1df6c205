"""Invisible bidirectional controls are refused in names and external ids, with the field."""

import io
import json

import pytest

from annotations.models import Document, Label, Project, StanceTarget
from annotations.services.ingest.records import ERR_META_TOO_DEEP, MAX_META_DEPTH
from annotations.text import BIDI_CONTROL, BIDI_CONTROLS, bidi_control_error
from tests.api.conftest import client_for
from tests.factories import DocumentFactory, MembershipFactory, ProjectFactory
from tests.test_admin import form_data, url

CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
RLO = "\u202e"


def test_every_bidi_control_is_named_with_its_field_code_and_place():
    assert frozenset(CONTROLS) == BIDI_CONTROLS
    for character in CONTROLS:
        message = bidi_control_error(f"ab{character}c", field="name")
        assert message == BIDI_CONTROL.format(field="name", code=ord(character), position=2)
        assert message.startswith("name contains")


@pytest.mark.parametrize(
    "value",
    [
        "Bamako",
        "مالي",  # right-to-left script is text, not a control
        "שלום עולם",
        "a\u200db",  # zero-width joiner: not a direction control
        "Ǆ͏x",
        "",
    ],
)
def test_ordinary_text_passes(value):
    assert bidi_control_error(value, field="name") is None


@pytest.fixture
def manager(db):
    project = ProjectFactory(name="Sahel")
    membership = MembershipFactory(project=project, role="manager")
    return project, client_for(membership.user)


def _name_error(response) -> str:
    assert response.status_code == 400, response.content
    (message,) = response.json()["errors"]["name"]
    return message


def test_a_project_name_with_a_bidi_control_is_refused(manager):
    project, client = manager
    message = _name_error(client.post("/api/projects/", {"name": f"Sahel{RLO}lx"}, format="json"))
    assert message == BIDI_CONTROL.format(field="name", code=0x202E, position=5)
    renamed = client.patch(f"/api/projects/{project.pk}/", {"name": f"{RLO}X"}, format="json")
    assert _name_error(renamed).startswith("name contains")
    assert set(Project.objects.values_list("name", flat=True)) == {"Sahel"}


def test_label_and_target_names_with_a_bidi_control_are_refused(manager):
    project, client = manager
    label = client.post(
        f"/api/projects/{project.pk}/labels/",
        {"name": "PER\u2066ORG\u2069", "kind": "entity"},
        format="json",
    )
    assert _name_error(label).startswith("name contains")
    target = client.post(
        f"/api/projects/{project.pk}/targets/", {"name": "\u200fFrance"}, format="json"
    )
    assert _name_error(target).startswith("name contains")
    assert not Label.objects.exists()
    assert not StanceTarget.objects.exists()


def test_an_imported_external_id_with_a_bidi_control_is_reported_on_its_line(manager):
    project, client = manager
    lines = [
        {"text": "Keita met Macron in Bamako.", "external_id": "ok-1"},
        {"text": "A second story from Gao.", "external_id": f"txt.{RLO}exe"},
    ]
    upload = io.BytesIO(("\n".join(json.dumps(line) for line in lines) + "\n").encode())
    upload.name = "stories.jsonl"
    response = client.post(
        f"/api/projects/{project.pk}/documents/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201
    report = response.json()
    assert [item["external_id"] for item in report["created"]] == ["ok-1"]
    assert report["errors"] == [
        {"line": 2, "message": BIDI_CONTROL.format(field="external_id", code=0x202E, position=4)}
    ]
    assert list(Document.objects.values_list("external_id", flat=True)) == ["ok-1"]


def test_document_text_keeps_its_direction_marks(manager):
    project, client = manager
    text = "He said \u200fשלום\u200f to them."
    response = client.post(
        f"/api/projects/{project.pk}/documents/",
        [{"text": text, "external_id": "rtl"}],
        format="json",
    )
    assert response.status_code == 201
    assert Document.objects.get().text == text


@pytest.mark.django_db
def test_the_admin_refuses_what_an_import_refuses_in_external_id_and_meta(admin_client):
    # The admin's document form applies the import's rules: no bidi controls in
    # external_id, no meta deeper than the import allows.
    document = DocumentFactory(external_id="plain")
    page = admin_client.get(url(Document, "change", document.pk))
    deep: dict = {}
    for _ in range(MAX_META_DEPTH):
        deep = {"x": deep}
    data = form_data(page) | {"external_id": "news\u202egpj.exe", "meta": json.dumps(deep)}

    response = admin_client.post(url(Document, "change", document.pk), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "external_id" in errors and "U+202E" in errors["external_id"][0]
    assert errors["meta"] == [ERR_META_TOO_DEEP.format(limit=MAX_META_DEPTH)]
    document.refresh_from_db()
    assert (document.external_id, document.meta) == ("plain", {})
