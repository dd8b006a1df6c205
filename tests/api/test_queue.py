import json
from datetime import timedelta

import pytest
from django.utils import timezone

from annotations.api.errors import exception_handler
from annotations.models import Annotation, Project
from annotations.services.queue import OPEN_LIMIT, OpenLimitReached
from tests.api.conftest import client_for
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    MembershipFactory,
    ProjectFactory,
    SpanFactory,
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

    # The project, the queue's seven statements and six savepoints, three for the progress,
    # and the current guidelines version the new annotation records.
    with django_assert_max_num_queries(18):
        response = next_of(client, project)

    assert response.json()["id"] == documents[-1].pk


def test_schema_documents_the_queue():
    client = client_for(UserFactory())

    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    operation = json.loads(response.content)["paths"]["/api/projects/{project_id}/next/"]["post"]
    assert set(operation["responses"]) >= {"200", "204", "404"}
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/NextDocumentOutput"}


# Fairness


def test_next_at_the_limit_answers_the_oldest_open_document_not_a_refusal():
    project = ProjectFactory(max_open_per_annotator=2)
    first, second, _third = DocumentFactory.create_batch(3, project=project)
    user = member(project)
    AnnotationFactory(document=second, author=user)
    AnnotationFactory(document=first, author=user)

    response = next_of(client_for(user), project)

    assert response.status_code == 200
    assert response.json()["id"] == first.pk


def test_next_gives_a_document_left_untouched_to_another_annotator():
    project = ProjectFactory(release_after_hours=6)
    document = DocumentFactory(project=project)
    alice, bob = member(project), member(project)
    taken = next_of(client_for(alice), project).json()
    span = SpanFactory(annotation_id=taken["annotation"]["id"])
    bob_client = client_for(bob)
    assert next_of(bob_client, project).status_code == 204

    Annotation.objects.filter(author=alice).update(updated_at=timezone.now() - timedelta(hours=7))
    response = next_of(bob_client, project)

    assert response.status_code == 200
    assert response.json()["id"] == document.pk
    kept = Annotation.objects.get(author=alice)
    assert (kept.pk, kept.status, list(kept.spans.all())) == (
        taken["annotation"]["id"],
        "in_progress",
        [span],
    )
    mine = next_of(client_for(alice), project).json()
    assert mine["annotation"]["id"] == taken["annotation"]["id"]


def test_a_refusal_at_the_limit_is_a_409_whose_detail_names_the_documents():
    refused = OpenLimitReached(limit=2, documents=[12, 15])

    response = exception_handler(refused, {})

    assert response.status_code == 409
    assert response.data["detail"] == OPEN_LIMIT.format(count=2, limit=2, documents="#12, #15")


def test_the_queue_settings_default_to_five_open_and_24_hours_and_managers_change_them():
    manager = UserFactory()
    client = client_for(manager)
    created = client.post("/api/projects/", {"name": "Sahel"}, format="json").json()
    assert (created["max_open_per_annotator"], created["release_after_hours"]) == (5, 24)

    response = client.patch(
        f"/api/projects/{created['id']}/",
        {"max_open_per_annotator": 3, "release_after_hours": 48},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert (response.json()["max_open_per_annotator"], response.json()["release_after_hours"]) == (
        3,
        48,
    )
    project = Project.objects.get(pk=created["id"])
    assert (project.max_open_per_annotator, project.release_after_hours) == (3, 48)


def test_the_queue_settings_refuse_zero_and_change_nothing():
    project = ProjectFactory()
    client = client_for(member(project, "manager"))

    response = client.patch(
        f"/api/projects/{project.pk}/",
        {"max_open_per_annotator": 0, "release_after_hours": 0},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"max_open_per_annotator", "release_after_hours"}
    project.refresh_from_db()
    assert (project.max_open_per_annotator, project.release_after_hours) == (5, 24)


def test_an_annotator_cannot_change_the_queue_settings():
    project = ProjectFactory()
    client = client_for(member(project))

    response = client.patch(
        f"/api/projects/{project.pk}/", {"max_open_per_annotator": 100}, format="json"
    )

    assert response.status_code == 403
    project.refresh_from_db()
    assert project.max_open_per_annotator == 5


def test_opening_documents_directly_stops_at_the_limit_with_a_409_naming_them():
    project = ProjectFactory(max_open_per_annotator=2)
    first, second, third = DocumentFactory.create_batch(3, project=project)
    client = client_for(member(project))

    opened = [client.post(f"/api/documents/{d.pk}/annotations/") for d in (first, second)]
    refused = client.post(f"/api/documents/{third.pk}/annotations/")

    assert [response.status_code for response in opened] == [201, 201]
    assert refused.status_code == 409
    assert refused.json()["detail"] == OPEN_LIMIT.format(
        count=2, limit=2, documents=f"#{first.pk}, #{second.pk}"
    )
    assert not Annotation.objects.filter(document=third).exists()
    # Its own work opens again whatever the limit.
    assert client.post(f"/api/documents/{first.pk}/annotations/").status_code == 200
