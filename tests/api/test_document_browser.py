"""The document list's search, per-role filters and sort, and managers' assignments."""

import pytest
from django.utils import timezone

from annotations.api.document_filters import SEARCH_MAX_LENGTH
from annotations.models import Annotation
from tests.api.conftest import client_for
from tests.factories import AnnotationFactory, DocumentFactory, SpanFactory

pytestmark = pytest.mark.django_db


def _url(world) -> str:
    return f"/api/projects/{world.project.pk}/documents/"


def _ids(world, role, **params):
    response = client_for(world.users[role]).get(_url(world), params)
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture
def reviewed(world):
    """Two annotators submitted a document that disagrees on a span; another is reviewed."""
    disputed = DocumentFactory(project=world.project, external_id="d-1", text="Ana met Ben.")
    ana = AnnotationFactory(document=disputed, author=world.users["reviewer"], status="submitted")
    ben = AnnotationFactory(document=disputed, author=world.users["manager"], status="submitted")
    SpanFactory(annotation=ana, label=world.entity, start=0, end=3)
    SpanFactory(annotation=ben, label=world.entity, start=8, end=11)
    agreed = DocumentFactory(project=world.project, external_id="r-1", text="Ben met Ana.")
    for author in ("reviewer", "manager"):
        mine = AnnotationFactory(document=agreed, author=world.users[author], status="submitted")
        SpanFactory(annotation=mine, label=world.entity, start=0, end=3)
    AnnotationFactory(document=agreed, author=None, kind="gold", status="submitted")
    return disputed, agreed


def test_an_annotators_status_filter_is_their_own_never_someone_elses(world, reviewed):
    disputed, agreed = reviewed

    # The reviewer and the manager submitted both; the annotator submitted nothing.
    assert _ids(world, "annotator", status="submitted") == []
    assert _ids(world, "annotator", status="new") == [disputed.pk, agreed.pk]
    assert _ids(world, "reviewer", status="submitted") == [disputed.pk, agreed.pk]


@pytest.mark.parametrize("param", ["reviewed", "disputed", "assigned_to"])
def test_an_annotator_filtering_by_others_work_is_refused_and_told_why(world, reviewed, param):
    value = "reviewer" if param == "assigned_to" else "1"

    response = client_for(world.users["annotator"]).get(_url(world), {param: value})

    assert response.status_code == 403
    assert param in response.json()["detail"]
    assert "annotators work blind" in response.json()["detail"]


def test_reviewers_filter_by_reviewed_disputed_and_assigned_to(world, reviewed):
    disputed, agreed = reviewed

    assert _ids(world, "reviewer", reviewed="1") == [agreed.pk]
    assert _ids(world, "reviewer", reviewed="0") == [world.document.pk, disputed.pk]
    assert _ids(world, "reviewer", disputed="1") == [disputed.pk]
    assert _ids(world, "manager", disputed="0") == [world.document.pk, agreed.pk]
    assert _ids(world, "manager", assigned_to="annotator") == [world.document.pk]
    assert _ids(world, "manager", assigned_to="manager") == [disputed.pk, agreed.pk]
    assert _ids(world, "manager", assigned_to="nobody") == []


def test_sort_by_update_puts_the_latest_first_and_untouched_documents_last(world, reviewed):
    disputed, agreed = reviewed
    untouched = DocumentFactory(project=world.project)
    Annotation.objects.filter(document=disputed).update(updated_at=timezone.now())

    assert _ids(world, "manager", ordering="-updated")[0] == disputed.pk
    assert _ids(world, "manager", ordering="-updated")[-1] == untouched.pk
    assert _ids(world, "manager", ordering="updated")[-1] == untouched.pk
    # An annotator's "updated" is their own work's: only the document they hold has one.
    assert _ids(world, "annotator", ordering="-updated")[0] == world.document.pk


def test_search_finds_text_and_external_id_and_refuses_an_overlong_query(world, reviewed):
    disputed, agreed = reviewed

    assert _ids(world, "annotator", q="BEN MET") == [agreed.pk]
    assert _ids(world, "annotator", q="d-1") == [disputed.pk]
    response = client_for(world.users["annotator"]).get(
        _url(world), {"q": "x" * (SEARCH_MAX_LENGTH + 1)}
    )
    assert response.status_code == 400 and "q" in response.json()["errors"]


@pytest.mark.parametrize("documents", [3, 30])
def test_the_filtered_list_runs_a_fixed_number_of_queries(
    world, documents, django_assert_max_num_queries
):
    DocumentFactory.create_batch(documents, project=world.project)
    client = client_for(world.users["manager"])

    with django_assert_max_num_queries(4):
        response = client.get(_url(world), {"disputed": "0", "ordering": "-updated", "q": "e"})

    assert response.status_code == 200


def _assign(world, role, body):
    url = f"/api/projects/{world.project.pk}/assignments/"
    return client_for(world.users[role]).post(url, body, format="json")


def test_a_manager_assigns_documents_and_hears_what_the_limit_refused(world):
    world.project.max_open_per_annotator = 2
    world.project.save()
    fresh = DocumentFactory.create_batch(3, project=world.project)
    ids = [document.pk for document in fresh]

    response = _assign(world, "manager", {"documents": ids, "annotator": "annotator"})

    assert response.status_code == 201
    # The annotator already holds world.document open: one place is left of two.
    assert response.json() == {
        "annotator": "annotator",
        "limit": 2,
        "assigned": ids[:1],
        "already": [],
        "refused": ids[1:],
    }
    mine = Annotation.objects.filter(author=world.users["annotator"], status="in_progress")
    assert sorted(mine.values_list("document_id", flat=True)) == [world.document.pk, ids[0]]


@pytest.mark.parametrize(
    ("role", "body", "code", "field"),
    [
        ("annotator", {"documents": [1], "annotator": "annotator"}, 403, None),
        ("reviewer", {"documents": [1], "annotator": "annotator"}, 403, None),
        ("outsider", {"documents": [1], "annotator": "annotator"}, 404, None),
        ("manager", {"documents": [], "annotator": "annotator"}, 400, "documents"),
        ("manager", {"documents": ["x"], "annotator": "annotator"}, 400, "documents.0"),
        ("manager", {"documents": [1], "annotator": "ghost"}, 400, "annotator"),
        ("manager", {"documents": [1], "annotator": "outsider"}, 400, "annotator"),
        ("manager", {"documents": [1], "annotator": "annotator", "x": 1}, 400, "x"),
    ],
)
def test_assigning_is_refused_with_the_reason_and_writes_nothing(world, role, body, code, field):
    document = DocumentFactory(project=world.project)
    body = {**body, "documents": [document.pk if v == 1 else v for v in body["documents"]]}
    before = Annotation.objects.count()

    response = _assign(world, role, body)

    assert response.status_code == code, response.json()
    if field is not None:
        assert field in response.json()["errors"]
    assert Annotation.objects.count() == before


def test_assigning_another_projects_document_names_it(world):
    elsewhere = DocumentFactory(project=world.other_project)

    response = _assign(world, "manager", {"documents": [elsewhere.pk], "annotator": "annotator"})

    assert response.status_code == 400
    assert f"#{elsewhere.pk}" in response.json()["errors"]["documents"][0]
