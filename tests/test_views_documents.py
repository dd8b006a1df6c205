"""The document browser page, server side: what each role sees, assigning, query counts."""

import pytest
from django.test import Client

from annotations.models import Annotation
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    ProjectFactory,
    members_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    project = ProjectFactory(max_open_per_annotator=2)
    people = members_of(project, ana="annotator", zeb="annotator", meg="manager")
    documents = [
        DocumentFactory(project=project, external_id=f"doc-{n}", text=f"Text number {n}.")
        for n in range(4)
    ]
    return project, people, documents


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(project) -> str:
    return f"/projects/{project.pk}/documents/"


def test_an_annotator_sees_their_own_status_and_no_one_elses_work(team):
    project, people, documents = team
    AnnotationFactory(document=documents[0], author=people["zeb"], status="submitted")
    AnnotationFactory(document=documents[1], author=people["ana"])

    page = _client(people["ana"]).get(_url(project)).content.decode()

    assert f'data-document-id="{documents[0].pk}" data-status="new"' in page
    assert f'data-document-id="{documents[1].pk}" data-status="in_progress"' in page
    assert "zeb" not in page  # neither the annotators column nor the assigned-to filter
    assert 'name="assigned_to"' not in page and "Assign ticked documents" not in page


def test_a_manager_sees_who_holds_each_document_and_the_assign_form(team):
    project, people, documents = team
    AnnotationFactory(document=documents[0], author=people["zeb"], status="submitted")

    page = _client(people["meg"]).get(_url(project)).content.decode()

    assert 'zeb <span class="muted small">(submitted)</span>' in page
    assert 'name="assigned_to"' in page and "Assign ticked documents" in page


def test_the_page_searches_and_filters_like_the_api(team):
    project, people, documents = team

    page = _client(people["ana"]).get(_url(project), {"q": "number 2"}).content.decode()

    assert f'data-document-id="{documents[2].pk}"' in page
    assert f'data-document-id="{documents[1].pk}"' not in page
    refused = _client(people["ana"]).get(_url(project), {"assigned_to": "zeb"})
    assert refused.status_code == 403


@pytest.mark.parametrize("documents", [3, 40])
def test_the_page_runs_the_same_queries_whatever_its_size(
    team, documents, django_assert_num_queries
):
    project, people, _ = team
    for document in DocumentFactory.create_batch(documents, project=project):
        AnnotationFactory(document=document, author=people["zeb"])
    client = _client(people["meg"])

    # Session, user, project with role, count, the page, its annotators, the members to assign.
    with django_assert_num_queries(7):
        response = client.get(_url(project), {"ordering": "-updated"})

    assert response.status_code == 200


def test_assigning_from_the_page_says_what_the_limit_refused(team):
    project, people, documents = team
    ids = [document.pk for document in documents[:3]]
    back = _url(project) + "?q=Text"

    response = _client(people["meg"]).post(
        f"/projects/{project.pk}/documents/assign/",
        {"documents": ids, "annotator": "ana", "next": back},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == back
    page = response.content.decode()
    assert f"Assigned to ana: #{ids[0]}, #{ids[1]}." in page
    assert f"more than 2 unfinished documents (the project&#x27;s limit): #{ids[2]}." in page
    held = Annotation.objects.filter(author=people["ana"]).values_list("document_id", flat=True)
    assert sorted(held) == ids[:2]


def test_assigning_with_nothing_ticked_says_so_and_writes_nothing(team):
    project, people, _ = team

    response = _client(people["meg"]).post(
        f"/projects/{project.pk}/documents/assign/", {"annotator": "ana"}, follow=True
    )

    assert "Documents: Tick at least one document." in response.content.decode()
    assert not Annotation.objects.exists()


def test_assigning_to_nobody_names_the_field_and_writes_nothing(team):
    project, people, documents = team

    response = _client(people["meg"]).post(
        f"/projects/{project.pk}/documents/assign/",
        {"documents": [documents[0].pk], "annotator": ""},
        follow=True,
    )

    assert "Assign to: This field is required." in response.content.decode()
    assert not Annotation.objects.exists()


def test_only_managers_assign_from_the_page(team):
    project, people, documents = team

    response = _client(people["ana"]).post(
        f"/projects/{project.pk}/documents/assign/",
        {"documents": [documents[0].pk], "annotator": "ana"},
    )

    assert response.status_code == 403
    assert not Annotation.objects.exists()


def test_an_outside_redirect_target_is_ignored(team):
    project, people, documents = team

    response = _client(people["meg"]).post(
        f"/projects/{project.pk}/documents/assign/",
        {"documents": [documents[0].pk], "annotator": "zeb", "next": "https://evil.example/"},
    )

    assert response["Location"] == _url(project)
