import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import client_for
from tests.factories import AnnotationFactory, DocumentFactory


def _documents_url(world) -> str:
    return f"/api/projects/{world.project.pk}/documents/"


@pytest.mark.django_db
def test_document_list_carries_the_callers_status(world):
    submitted = DocumentFactory(project=world.project)
    AnnotationFactory(document=submitted, author=world.users["annotator"], status="submitted")
    fresh = DocumentFactory(project=world.project)
    response = client_for(world.users["annotator"]).get(_documents_url(world))
    assert response.status_code == 200
    statuses = {item["id"]: item["status"] for item in response.json()["results"]}
    assert statuses == {
        world.document.pk: "in_progress",
        submitted.pk: "submitted",
        fresh.pk: "new",
    }
    item = response.json()["results"][0]
    assert set(item) >= {"id", "external_id", "meta", "status"}


@pytest.mark.django_db
def test_document_list_filters_by_status_gold_external_id_and_text(world):
    gold = DocumentFactory(project=world.project, external_id="g-1", text="Gold text about Mali.")
    AnnotationFactory(document=gold, author=None, kind="gold")
    client = client_for(world.users["annotator"])

    def ids(**params):
        response = client.get(_documents_url(world), params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["results"]]

    assert ids(status="in_progress") == [world.document.pk]
    assert ids(status="new") == [gold.pk]
    assert ids(has_gold="true") == [gold.pk]
    assert ids(has_gold="0") == [world.document.pk]
    assert ids(external_id="g-1") == [gold.pk]
    assert ids(q="mali") == [gold.pk]
    assert ids(ordering="-id") == [gold.pk, world.document.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"ordering": "author__password"}, "ordering"),
        ({"ordering": "text"}, "ordering"),
        ({"status": "done"}, "status"),
        ({"has_gold": "maybe"}, "has_gold"),
        ({"author": "1"}, "author"),
    ],
)
def test_document_list_refuses_unknown_ordering_and_filters(world, params, field):
    response = client_for(world.users["annotator"]).get(_documents_url(world), params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.django_db
def test_document_list_queries_do_not_grow_with_documents(world, django_assert_max_num_queries):
    client = client_for(world.users["annotator"])
    for _ in range(2):
        DocumentFactory(project=world.project)
    with CaptureQueriesContext(connection) as few:
        assert client.get(_documents_url(world)).json()["count"] == 3
    for _ in range(27):
        document = DocumentFactory(project=world.project)
        AnnotationFactory(document=document, author=world.users["annotator"])
    with django_assert_max_num_queries(len(few)):
        assert client.get(_documents_url(world)).json()["count"] == 30


@pytest.mark.django_db
def test_document_detail_has_text_and_status(world):
    response = client_for(world.users["reviewer"]).get(f"/api/documents/{world.document.pk}/")
    assert response.status_code == 200
    assert response.json()["text"] == world.document.text
    assert response.json()["status"] == "in_progress"  # the reviewer's own annotation


@pytest.mark.django_db
def test_import_json_body_answers_201_with_the_report(world):
    response = client_for(world.users["manager"]).post(
        _documents_url(world) + "?normalize=nfc",
        [{"text": "Cafe\u0301 in Gao.", "external_id": "a"}, {"text": ""}],
        format="json",
    )
    assert response.status_code == 201
    report = response.json()
    assert [item["external_id"] for item in report["created"]] == ["a"]
    assert report["repaired"][0]["repairs"] == ["nfc"]
    assert report["errors"][0]["line"] == 2


@pytest.mark.django_db
def test_import_of_only_duplicates_answers_200_and_only_errors_400(world):
    client = client_for(world.users["manager"])
    response = client.post(_documents_url(world), [{"text": world.document.text}], format="json")
    assert response.status_code == 200
    assert response.json()["duplicates"][0]["duplicate_of"] == world.document.pk
    response = client.post(_documents_url(world), [{"text": 3}], format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["line"] == 1


@pytest.mark.django_db
def test_import_multipart_jsonl_file(world):
    lines = [
        json.dumps({"text": f"Story {n} from Timbuktu.", "external_id": f"s{n}"}) for n in (1, 2)
    ]
    upload = io.BytesIO(("\n".join(lines) + "\n").encode())
    upload.name = "stories.jsonl"
    response = client_for(world.users["manager"]).post(
        _documents_url(world), {"file": upload}, format="multipart"
    )
    assert response.status_code == 201
    assert [item["line"] for item in response.json()["created"]] == [1, 2]


@pytest.mark.django_db
def test_import_unknown_file_type_is_415(world):
    upload = io.BytesIO(b"%PDF-1.4")
    upload.name = "report.pdf"
    response = client_for(world.users["manager"]).post(
        _documents_url(world), {"file": upload}, format="multipart"
    )
    assert response.status_code == 415
    assert "file" in response.json()["errors"]


@pytest.mark.django_db
def test_import_over_the_size_limit_is_413(world, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = client_for(world.users["manager"]).post(
        _documents_url(world), [{"text": "x" * 200}], format="json"
    )
    assert response.status_code == 413
    assert response.json()["errors"] == {}


@pytest.mark.django_db
def test_import_options_and_body_are_checked(world):
    client = client_for(world.users["manager"])
    response = client.post(
        _documents_url(world) + "?normalize=nfkc&collapse_repeats=yes", [], format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"normalize", "collapse_repeats"}
    response = client.post(_documents_url(world), {"text": "not a list"}, format="json")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
