import json

import pytest

from annotations.models import Annotation
from tests.api.conftest import client_for
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def member(project, role="annotator"):
    return MembershipFactory(project=project, user=UserFactory(), role=role).user


def next_of(client, project):
    return client.post(f"/api/projects/{project.pk}/next/", format="json")


def submit(client, body):
    annotation = body["annotation"]
    response = client.patch(
        f"/api/annotations/{annotation['id']}/",
        {"status": "submitted", "version": annotation["version"]},
        format="json",
    )
    assert response.status_code == 200, response.content


def drain(client, project) -> list[int]:
    """Take and submit documents until the queue answers 204; return them in order."""
    given = []
    while (response := next_of(client, project)).status_code == 200:
        given.append(response.json()["id"])
        submit(client, response.json())
    assert response.status_code == 204, response.content
    return given


def test_next_answers_the_document_the_callers_annotation_and_progress():
    project = ProjectFactory()
    document = DocumentFactory(
        project=project, text="Keita met Macron in Bamako. 🇲🇱", external_id="bko-1", meta={"n": 1}
    )
    DocumentFactory(project=project)
    user = member(project)

    response = next_of(client_for(user), project)

    assert response.status_code == 200
    annotation = Annotation.objects.get(author=user)
    assert response.json() == {
        "id": document.pk,
        "external_id": "bko-1",
        "meta": {"n": 1},
        "text": "Keita met Macron in Bamako. 🇲🇱",
        "annotation": {"id": annotation.pk, "version": 1, "status": "in_progress"},
        "progress": {"done": 0, "assigned": 1, "total": 2, "available": 1},
    }


def test_next_gives_the_same_document_until_it_is_finished():
    project = ProjectFactory()
    DocumentFactory.create_batch(3, project=project)
    client = client_for(member(project))

    first = next_of(client, project).json()
    again = next_of(client, project).json()
    submit(client, again)
    then = next_of(client, project).json()

    assert again["id"] == first["id"]
    assert again["annotation"]["id"] == first["annotation"]["id"]
    assert then["id"] != first["id"]
    assert then["progress"] == {"done": 1, "assigned": 2, "total": 3, "available": 1}


def test_next_returns_work_in_progress_before_new_documents():
    project = ProjectFactory()
    first, _second, third = DocumentFactory.create_batch(3, project=project)
    user = member(project)
    opened = AnnotationFactory(document=third, author=user)

    body = next_of(client_for(user), project).json()

    assert (body["id"], body["annotation"]["id"]) == (third.pk, opened.pk)
    assert first.pk < third.pk


def test_next_walks_every_document_once_in_id_order_then_answers_204():
    project = ProjectFactory()
    documents = DocumentFactory.create_batch(4, project=project)
    client = client_for(member(project))

    assert drain(client, project) == [document.pk for document in documents]
    response = next_of(client, project)
    assert response.status_code == 204
    assert response.content == b""


def test_next_never_gives_a_skipped_document_again():
    project = ProjectFactory(annotators_per_document=2)
    skipped, other = DocumentFactory.create_batch(2, project=project)
    client = client_for(member(project))
    body = next_of(client, project).json()
    client.patch(
        f"/api/annotations/{body['annotation']['id']}/",
        {"status": "skipped", "version": 1},
        format="json",
    )

    assert body["id"] == skipped.pk
    assert drain(client, project) == [other.pk]


def test_next_gives_each_document_to_exactly_two_annotators_when_asked():
    project = ProjectFactory(annotators_per_document=2)
    documents = DocumentFactory.create_batch(3, project=project)
    ids = [document.pk for document in documents]
    first, second, third = (client_for(member(project)) for _ in range(3))

    assert drain(first, project) == ids
    assert drain(second, project) == ids
    assert drain(third, project) == []
    for document in documents:
        assert Annotation.objects.filter(document=document, kind="manual").count() == 2


def test_progress_counts_the_callers_own_work_only():
    project = ProjectFactory(annotators_per_document=2)
    DocumentFactory.create_batch(3, project=project)
    alice, bob = client_for(member(project)), client_for(member(project))
    drain(alice, project)

    body = next_of(bob, project).json()

    assert body["progress"] == {"done": 0, "assigned": 1, "total": 3, "available": 2}


@pytest.mark.parametrize("role", ["annotator", "reviewer", "manager"])
def test_every_role_annotates_from_the_queue(role):
    project = ProjectFactory()
    DocumentFactory(project=project)

    assert next_of(client_for(member(project, role)), project).status_code == 200


def test_next_is_not_found_for_a_non_member_and_assigns_nothing():
    project = ProjectFactory()
    DocumentFactory(project=project)
    outsider = UserFactory()
    MembershipFactory(project=ProjectFactory(), user=outsider)

    response = next_of(client_for(outsider), project)

    assert response.status_code == 404
    assert not Annotation.objects.exists()


def test_next_asks_an_anonymous_caller_to_authenticate():
    project = ProjectFactory()
    DocumentFactory(project=project)

    response = next_of(client_for(None), project)

    assert response.status_code == 401
    assert not Annotation.objects.exists()


def test_next_refuses_a_body_field_it_does_not_know():
    project = ProjectFactory()
    DocumentFactory(project=project)
    client = client_for(member(project))

    response = client.post(f"/api/projects/{project.pk}/next/", {"skip": 1}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"skip"}
    assert not Annotation.objects.exists()


def test_next_is_post_only():
    project = ProjectFactory()
    client = client_for(member(project))

    assert client.get(f"/api/projects/{project.pk}/next/").status_code == 405


@pytest.mark.parametrize("full", [3, 40])
def test_next_runs_a_fixed_number_of_queries(full, django_assert_max_num_queries):
    project = ProjectFactory()
    documents = DocumentFactory.create_batch(full + 1, project=project)
    for document in documents[:full]:
        AnnotationFactory(document=document, author=member(project), status="submitted")
    client = client_for(member(project))

    # The project, the queue's seven statements and six savepoints, three for the progress.
    with django_assert_max_num_queries(17):
        response = next_of(client, project)

    assert response.json()["id"] == documents[-1].pk


def test_schema_documents_the_queue():
    client = client_for(UserFactory())

    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    operation = json.loads(response.content)["paths"]["/api/projects/{project_id}/next/"]["post"]
    assert set(operation["responses"]) >= {"200", "204", "404"}
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/NextDocumentOutput"}
