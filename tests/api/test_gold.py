"""Gold over the API: a reviewer adjudicates two annotators' work."""

import pytest

from annotations.models import Span
from annotations.services.review import TIE
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

TEXT = "Keita met Macron in Bamako on Monday."


@pytest.fixture
def team(db):
    project = ProjectFactory()
    per = LabelFactory(project=project, name="PER", kind="entity")
    loc = LabelFactory(project=project, name="LOC", kind="entity")
    people = {}
    for name, role in [("ana", "annotator"), ("ben", "annotator"), ("rev", "reviewer")]:
        people[name] = UserFactory(username=name)
        MembershipFactory(project=project, user=people[name], role=role)
    return project, per, loc, people


def submitted(document, user, *spans):
    annotation = AnnotationFactory(document=document, author=user, status="submitted")
    for label, start, end in spans:
        SpanFactory(annotation=annotation, label=label, start=start, end=end)
    return annotation


def test_reviewer_builds_majority_gold_sees_the_tie_and_edits_gold(team):
    project, per, loc, people = team
    document = DocumentFactory(project=project, text=TEXT)
    submitted(document, people["ana"], (per, 0, 5), (loc, 20, 26))
    submitted(document, people["ben"], (per, 0, 5))
    client = client_for(people["rev"])

    response = client.post(
        f"/api/documents/{document.pk}/gold/", {"strategy": "majority"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    gold = body["gold"]
    assert gold["kind"] == "gold"
    assert [(s["label_name"], s["start"], s["end"], s["text"]) for s in gold["spans"]] == [
        ("PER", 0, 5, "Keita")
    ]
    [conflict] = body["conflicts"]
    assert (conflict["label"], conflict["start"], conflict["reason"]) == ("LOC", 20, TIE)

    # The reviewer settles the tie by adding the span to gold like any annotation.
    added = client.post(
        f"/api/annotations/{gold['id']}/spans/",
        {"label": loc.pk, "start": 20, "end": 26, "text": "Bamako"},
        format="json",
    )
    assert added.status_code == 201, added.content
    assert Span.objects.filter(annotation_id=gold["id"]).count() == 2

    # Rebuilding would take the reviewer's span out: asked first (was: replaced silently).
    again = client.post(
        f"/api/documents/{document.pk}/gold/", {"strategy": "majority"}, format="json"
    )
    assert again.status_code == 409
    confirmed = client.post(
        f"/api/documents/{document.pk}/gold/",
        {"strategy": "majority", "replace": True},
        format="json",
    )
    assert confirmed.status_code == 200
    assert confirmed.json()["gold"]["id"] == gold["id"]


def test_gold_request_errors_name_the_field(team):
    project, _, _, people = team
    document = DocumentFactory(project=project, text=TEXT)
    client = client_for(people["rev"])
    url = f"/api/documents/{document.pk}/gold/"
    assert client.post(url, {}, format="json").json()["errors"] == {
        "non_field_errors": [
            "Give either annotations (a list of ids) or strategy, not both and not neither."
        ]
    }
    response = client.post(url, {"strategy": "vote"}, format="json")
    assert response.status_code == 400 and "strategy" in response.json()["errors"]
    response = client.post(url, {"annotations": [99999999]}, format="json")
    assert response.status_code == 400 and "annotations" in response.json()["errors"]
    response = client.post(url, {"strategy": "majority", "author": 1}, format="json")
    assert response.status_code == 400 and "author" in response.json()["errors"]
