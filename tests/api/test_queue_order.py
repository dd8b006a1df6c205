"""The queue follows the model: Project.queue_order = id | uncertainty | score."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import Document, ModelVersion, Recommender
from annotations.services.projects import project_update
from annotations.services.queue_scores import queue_scores_refresh
from tests.api.conftest import client_for
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    SpanFactory,
    UserFactory,
)
from tests.test_admin import form_data

pytestmark = pytest.mark.django_db


def predict(document, label, scores, *, model_version=None):
    """Give the document a prediction whose spans carry these scores (None: unscored)."""
    prediction = AnnotationFactory(
        document=document, author=None, kind="prediction", model_version=model_version
    )
    for number, score in enumerate(scores):
        SpanFactory(annotation=prediction, label=label, start=number, end=number + 1, score=score)
    return prediction


def order_of(project):
    """The documents in the order one annotator's queue hands them out (each submitted)."""
    client = client_for(member(project))
    given = []
    while (response := client.post(f"/api/projects/{project.pk}/next/")).status_code == 200:
        body = response.json()
        given.append(body["id"])
        annotation = body["annotation"]
        client.patch(
            f"/api/annotations/{annotation['id']}/",
            {"status": "submitted", "version": annotation["version"]},
            format="json",
        )
    assert response.status_code == 204, response.content
    return given


def member(project):
    return MembershipFactory(project=project, user=UserFactory()).user


@pytest.fixture
def routed():
    """Five documents: mixed scores, one without prediction, one whose spans have no score."""
    project = ProjectFactory()
    label = LabelFactory(project=project, name="CLAIM", kind="claim")
    # Predictions written straight to the database (not through a service): the queue's
    # figures are computed when a test switches the order (project_update).
    docs = [DocumentFactory(project=project, text=f"abcdef document {n}") for n in range(6)]
    predict(docs[0], label, [0.9, 0.95])  # lowest 0.9, highest 0.95
    predict(docs[1], label, [0.2, 0.99])  # lowest 0.2, highest 0.99
    # docs[2]: no prediction
    predict(docs[3], label, [0.5])  # 0.5 both ways
    predict(docs[4], label, [None, None])  # a prediction, nothing scored
    predict(docs[5], label, [0.5])  # ties with docs[3]: id order
    return project, label, [d.pk for d in docs]


def test_the_queue_is_in_document_order_by_default(routed):
    project, _, ids = routed
    assert project.queue_order == "id"
    assert order_of(project) == ids


def test_uncertainty_hands_out_the_least_confident_prediction_first(routed):
    project, _, ids = routed
    project = project_update(project=project, queue_order="uncertainty")

    # By each document's lowest span score; unscored and unpredicted last, by id.
    assert order_of(project) == [ids[1], ids[3], ids[5], ids[0], ids[2], ids[4]]


def test_score_hands_out_the_highest_scored_prediction_first(routed):
    project, _, ids = routed
    project = project_update(project=project, queue_order="score")

    assert order_of(project) == [ids[1], ids[0], ids[3], ids[5], ids[2], ids[4]]


def test_the_queue_follows_the_chosen_recommenders_newest_ready_version(routed):
    project, label, ids = routed
    recommender = Recommender.objects.create(project=project, name="NER", kind="ner")
    old = ModelVersion.objects.create(recommender=recommender, version=1, status="ready")
    newest = ModelVersion.objects.create(recommender=recommender, version=2, status="ready")
    training = ModelVersion.objects.create(recommender=recommender, version=3, status="training")
    document = Document.objects.in_bulk(ids)
    predict(document[ids[0]], label, [0.1], model_version=old)
    predict(document[ids[2]], label, [0.3], model_version=newest)
    predict(document[ids[4]], label, [0.6], model_version=newest)
    predict(document[ids[1]], label, [0.01], model_version=training)
    project.suggestions_from = recommender
    project.save()
    project = project_update(project=project, queue_order="uncertainty")

    # Only version 2's predictions count: not the imported ones, nor the other versions'.
    assert order_of(project) == [ids[2], ids[4], ids[0], ids[1], ids[3], ids[5]]


def test_queue_order_is_a_project_setting_in_the_api(routed):
    project, _, _ = routed
    manager = member(project)
    project.memberships.filter(user=manager).update(role="manager")
    client = client_for(manager)

    response = client.patch(f"/api/projects/{project.pk}/", {"queue_order": "score"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["queue_order"] == "score"

    refused = client.patch(f"/api/projects/{project.pk}/", {"queue_order": "random"}, format="json")
    assert refused.status_code == 400
    assert "queue_order" in refused.json()["errors"]


@pytest.mark.parametrize("order", ["id", "uncertainty", "score"])
def test_next_costs_the_same_queries_in_every_order(routed, order):
    project, _, _ = routed
    project_update(project=project, queue_order=order)
    client = client_for(member(project))

    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/projects/{project.pk}/next/")

    assert response.status_code == 200
    candidates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(CANDIDATE)]
    assert len(candidates) == 1  # the candidate: one query, the model's order inside it
    assert "annotations_span" not in candidates[0]  # the stored figures, not the spans
    assert len(queries.captured_queries) == NEXT_QUERIES


CANDIDATE = 'SELECT "annotations_document"."id", "annotations_document"."project_id"'
# A first call (no work in progress): the project; a savepoint; the caller's membership (locked);
# their open work; the candidate document; its places; the annotation made for it (a savepoint,
# a lookup, another savepoint, the guidelines version, the insert, its event, three releases);
# then the progress the answer carries (three counts). The same whatever the order.
NEXT_QUERIES = 18


def test_predictions_imported_later_take_their_place_in_the_queue(routed):
    project, _, ids = routed
    project = project_update(project=project, queue_order="uncertainty")
    manager = member(project)
    project.memberships.filter(user=manager).update(role="manager")
    records = [
        {
            "text": "Very doubtful text.",
            "entities": [{"start": 0, "end": 4, "label": "CLAIM", "score": 0.05}],
        }
    ]

    response = client_for(manager).post(
        f"/api/projects/{project.pk}/documents/", records, format="json"
    )

    assert response.status_code == 201, response.content
    new = response.json()["created"][0]["id"]
    assert order_of(project)[0] == new


def test_queue_figures_follow_a_new_shown_version_when_refreshed(routed):
    project, label, ids = routed
    project = project_update(project=project, queue_order="score")
    recommender = Recommender.objects.create(project=project, name="NER", kind="ner")
    version = ModelVersion.objects.create(recommender=recommender, version=1, status="ready")
    predict(Document.objects.get(pk=ids[5]), label, [0.999], model_version=version)
    project.suggestions_from = recommender
    project.save()
    assert order_of_first(project) != ids[5]

    queue_scores_refresh(project=project)

    assert order_of_first(project) == ids[5]


def order_of_first(project):
    response = client_for(member(project)).post(f"/api/projects/{project.pk}/next/")
    return response.json()["id"]


def test_the_settings_page_sets_the_queue_order_and_ranks_the_documents(client, routed):
    project, _, ids = routed
    manager = member(project)
    project.memberships.filter(user=manager).update(role="manager")
    client.force_login(manager)
    page = client.get(f"/projects/{project.pk}/settings/").content.decode()
    assert 'name="queue_order"' in page and "Least confident model prediction first" in page

    response = client.post(
        f"/projects/{project.pk}/settings/",
        {
            "name": project.name,
            "annotators_per_document": "1",
            "allow_overlap": "no",
            "queue_order": "score",
        },
    )

    assert response.status_code == 302, response.content
    project.refresh_from_db()
    assert project.queue_order == "score"
    assert order_of_first(project) == ids[1]


def test_a_settings_form_without_the_queue_order_keeps_it(client, routed):
    project, _, _ = routed
    project = project_update(project=project, queue_order="uncertainty")
    manager = member(project)
    project.memberships.filter(user=manager).update(role="manager")
    client.force_login(manager)

    response = client.post(
        f"/projects/{project.pk}/settings/",
        {"name": "Renamed", "annotators_per_document": "1", "allow_overlap": "no"},
    )

    assert response.status_code == 302, response.content
    project.refresh_from_db()
    assert (project.name, project.queue_order) == ("Renamed", "uncertainty")


def test_the_admin_sets_the_queue_order_and_ranks_the_documents(admin_client, routed):
    project, _, ids = routed
    change = reverse("admin:annotations_project_change", args=[project.pk])
    response = admin_client.get(change)
    assert 'name="queue_order"' in response.content.decode()

    response = admin_client.post(change, {**form_data(response), "queue_order": "uncertainty"})

    assert response.status_code == 302, response.content
    project.refresh_from_db()
    assert project.queue_order == "uncertainty"
    assert order_of_first(project) == ids[1]
