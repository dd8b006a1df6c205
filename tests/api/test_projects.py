import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import GuidelinesVersion, Membership
from annotations.services.projects import LICENCE_TOO_LONG
from tests.api.conftest import client_for
from tests.factories import SpanFactory, UserFactory


@pytest.mark.django_db
def test_creator_becomes_manager_of_new_project():
    user = UserFactory()
    response = client_for(user).post(
        "/api/projects/", {"name": "Sahel", "annotators_per_document": 2}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "manager"
    assert body["annotators_per_document"] == 2
    assert Membership.objects.get(project_id=body["id"], user=user).role == "manager"


@pytest.mark.django_db
def test_project_list_holds_only_callers_projects(world):
    response = client_for(world.users["outsider"]).get("/api/projects/")
    assert [p["name"] for p in response.json()["results"]] == ["Elsewhere"]
    assert response.json()["count"] == 1


@pytest.mark.django_db
def test_project_create_names_the_fields_at_fault():
    response = client_for(UserFactory()).post(
        "/api/projects/", {"name": "  ", "annotators_per_document": 0, "colour": 1}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "annotators_per_document", "colour"}


@pytest.mark.django_db
def test_project_patch_refuses_unknown_field(world):
    response = client_for(world.users["manager"]).patch(
        f"/api/projects/{world.project.pk}/", {"created_by": 1}, format="json"
    )
    assert response.status_code == 400
    assert "created_by" in response.json()["errors"]


@pytest.mark.django_db
def test_project_licence_and_citation_are_set_for_release_cards(world):
    client = client_for(world.users["manager"])
    url = f"/api/projects/{world.project.pk}/"
    citation = "@misc{sahel, title={Sahel claims}}"

    response = client.patch(url, {"licence": "CC-BY-4.0", "citation": citation}, format="json")

    assert response.status_code == 200
    assert (response.json()["licence"], response.json()["citation"]) == ("CC-BY-4.0", citation)
    world.project.refresh_from_db()
    assert (world.project.licence, world.project.citation) == ("CC-BY-4.0", citation)


@pytest.mark.django_db
def test_project_licence_too_long_is_refused_naming_it(world):
    response = client_for(world.users["manager"]).patch(
        f"/api/projects/{world.project.pk}/", {"licence": "x" * 201}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"licence": [LICENCE_TOO_LONG.format(limit=200)]}
    world.project.refresh_from_db()
    assert world.project.licence == ""


@pytest.mark.django_db
def test_member_added_by_username_and_unknown_username_is_a_field_error(world):
    client = client_for(world.users["manager"])
    url = f"/api/projects/{world.project.pk}/members/"
    response = client.post(url, {"username": "outsider", "role": "reviewer"}, format="json")
    assert response.status_code == 201
    assert response.json()["role"] == "reviewer"
    response = client.post(url, {"username": "nobody", "role": "reviewer"}, format="json")
    assert response.status_code == 400
    assert "username" in response.json()["errors"]
    response = client.post(url, {"username": "outsider", "role": "boss"}, format="json")
    assert "role" in response.json()["errors"]


@pytest.mark.django_db
def test_last_manager_cannot_demote_themselves(world):
    response = client_for(world.users["manager"]).post(
        f"/api/projects/{world.project.pk}/members/",
        {"username": "manager", "role": "annotator"},
        format="json",
    )
    assert response.status_code == 400
    assert "role" in response.json()["errors"]


@pytest.mark.django_db
def test_duplicate_label_name_and_bad_colour_are_field_errors(world):
    response = client_for(world.users["manager"]).post(
        f"/api/projects/{world.project.pk}/labels/",
        {"name": "PER", "kind": "entity", "color": "red"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "color"}


@pytest.mark.django_db
def test_label_gets_a_colour_when_none_given(world):
    response = client_for(world.users["manager"]).post(
        f"/api/projects/{world.project.pk}/labels/",
        {"name": "LOC", "kind": "entity"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["color"].startswith("#")


@pytest.mark.django_db
def test_huge_ids_in_urls_are_not_found(world):
    client = client_for(world.users["annotator"])
    huge = "9" * 40
    for url in (
        f"/api/projects/{huge}/",
        f"/api/projects/{huge}/documents/",
        f"/api/documents/{huge}/",
        f"/api/annotations/{huge}/",
        f"/api/annotations/{world.own.pk}/spans/{huge}/",
    ):
        response = client.get(url) if "spans" not in url else client.delete(url)
        assert response.status_code == 404, url
        assert response.json()["errors"] == {}


@pytest.mark.django_db
def test_nul_characters_in_a_body_are_refused(world):
    client = client_for(world.users["manager"])
    response = client.post("/api/projects/", {"name": "a\x00b"}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["errors"]
    response = client.post(
        f"/api/projects/{world.project.pk}/documents/",
        [{"text": "fine", "meta": {"k": "v\x00"}}],
        format="json",
    )
    assert response.status_code == 400
    assert "0.meta.k" in response.json()["errors"]


@pytest.mark.django_db
def test_malformed_json_is_a_400_in_the_error_shape(world):
    response = client_for(world.users["manager"]).generic(
        "POST", "/api/projects/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}


@pytest.mark.django_db
def test_json_responses_declare_utf8(world):
    response = client_for(world.users["manager"]).get(f"/api/projects/{world.project.pk}/")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    response = client_for(None).get("/api/projects/")
    assert response["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.django_db
def test_project_patch_of_guidelines_makes_a_version_by_the_caller():
    user = UserFactory(username="editor")
    client = client_for(user)
    created = client.post("/api/projects/", {"name": "Sahel", "guidelines": "One."}, format="json")
    url = f"/api/projects/{created.json()['id']}/"

    client.patch(url, {"guidelines": "Two."}, format="json")
    client.patch(url, {"guidelines": "Two.", "name": "Sahel news"}, format="json")

    versions = GuidelinesVersion.objects.filter(project_id=created.json()["id"])
    assert [(v.number, v.text, v.created_by) for v in versions] == [
        (1, "One.", user),
        (2, "Two.", user),
    ]


@pytest.mark.django_db
def test_guidelines_versions_are_listed_newest_first_to_members_only(world):
    manager = world.users["manager"]
    url = f"/api/projects/{world.project.pk}/"
    client_for(manager).patch(url, {"guidelines": "One."}, format="json")
    client_for(manager).patch(url, {"guidelines": "Two."}, format="json")

    listed = client_for(world.users["annotator"]).get(f"{url}guidelines/")
    outsider = client_for(UserFactory()).get(f"{url}guidelines/")

    assert listed.status_code == 200
    assert [(v["number"], v["text"], v["created_by"]) for v in listed.json()["results"]] == [
        (2, "Two.", manager.username),
        (1, "One.", manager.username),
    ]
    assert outsider.status_code == 404


@pytest.mark.django_db
def test_guidelines_list_costs_the_same_queries_however_many_versions(world):
    manager = world.users["manager"]
    url = f"/api/projects/{world.project.pk}/"
    client = client_for(manager)

    def queries_listing() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{url}guidelines/").status_code == 200
        return len(queries)

    client.patch(url, {"guidelines": "One."}, format="json")
    one = queries_listing()
    for text in ("Two.", "Three.", "Four."):
        client.patch(url, {"guidelines": text}, format="json")
    assert queries_listing() == one


@pytest.mark.django_db
def test_project_patch_to_no_overlap_is_refused_naming_the_documents_that_overlap(world):
    world.project.allow_overlap = True
    world.project.save()
    # A second PER over "in Bamako" (17-26) beside the annotator's "Bamako" (20-26).
    SpanFactory(annotation=world.span.annotation, label=world.span.label, start=17, end=26)
    client = client_for(world.users["manager"])

    response = client.patch(
        f"/api/projects/{world.project.pk}/", {"allow_overlap": False}, format="json"
    )

    assert response.status_code == 400
    (message,) = response.json()["errors"]["allow_overlap"]
    assert message.startswith("1 document(s) hold overlapping spans")
    assert f"Documents: {world.document.pk}." in message
    world.project.refresh_from_db()
    assert world.project.allow_overlap is True


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "says"), [("K", "(pick the claimant)"), ("p", "label PER")])
def test_label_post_refuses_a_key_already_taken_in_either_case(world, key, says):
    client = client_for(world.users["manager"])
    world.entity.shortcut = "P"
    world.entity.save()

    response = client.post(
        f"/api/projects/{world.project.pk}/labels/",
        {"name": "DATE", "kind": "entity", "shortcut": key},
        format="json",
    )

    assert response.status_code == 400
    (message,) = response.json()["errors"]["shortcut"]
    assert says in message
    assert not world.project.labels.filter(name="DATE").exists()
