"""Gold over the API: a reviewer adjudicates two annotators' work."""

import pytest

from annotations.models import Span
from annotations.services.review import ATTRIBUTE, REPLACE_TO_CONFIRM, TIE
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


CLAIM_TEXT = "Keita said Macron met rebels in Gao."


@pytest.fixture
def disputed_claim(team):
    """ana names Keita as the claimant, check-worthy; ben gives a free-text source, not."""
    project, per, _loc, people = team
    claim = LabelFactory(project=project, name="CLAIM", kind="claim")
    document = DocumentFactory(project=project, text=CLAIM_TEXT)
    work = {}
    for name in ("ana", "ben"):
        work[name] = AnnotationFactory(document=document, author=people[name], status="submitted")
    keita = SpanFactory(annotation=work["ana"], label=per, start=0, end=5)
    SpanFactory(
        annotation=work["ana"], label=claim, start=11, end=35, claimant=keita, checkworthy="yes"
    )
    SpanFactory(
        annotation=work["ben"], label=claim, start=11, end=35, claimant_text="AFP", checkworthy="no"
    )
    return document, work, client_for(people["rev"])


def attribute_conflicts(work):
    ana, ben = work["ana"].pk, work["ben"].pk
    place = {"kind": "span", "label": "CLAIM", "start": 11, "end": 35, "annotations": [ana, ben]}
    return [
        {
            **place,
            "reason": ATTRIBUTE,
            "attribute": "claimant",
            "values": [
                {"value": {"start": 0, "end": 5, "text": "Keita"}, "annotations": [ana]},
                {"value": {"text": "AFP"}, "annotations": [ben]},
            ],
            "gold": None,
        },
        {
            **place,
            "reason": ATTRIBUTE,
            "attribute": "checkworthy",
            "values": [
                {"value": "yes", "annotations": [ana]},
                {"value": "no", "annotations": [ben]},
            ],
            "gold": None,
        },
    ]


def test_majority_puts_the_claim_both_marked_into_gold_with_its_attributes_listed(disputed_claim):
    document, work, client = disputed_claim

    response = client.post(
        f"/api/documents/{document.pk}/gold/", {"strategy": "majority"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    [claim] = body["gold"]["spans"]
    assert (claim["label_name"], claim["start"], claim["end"]) == ("CLAIM", 11, 35)
    assert (claim["claimant"], claim["claimant_text"], claim["checkworthy"]) == (None, "", "")
    conflicts = body["conflicts"]
    assert [(c["reason"], c["label"]) for c in conflicts[:1]] == [(TIE, "PER")]
    assert conflicts[1:] == attribute_conflicts(work)


def test_accept_agreed_puts_the_claim_in_and_reports_its_attributes(disputed_claim):
    document, work, client = disputed_claim

    response = client.post(f"/api/documents/{document.pk}/gold/agreed/", {}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["added"] == {"spans": 1, "stances": 0, "relations": 0}
    assert [(s["label_name"], s["start"]) for s in body["gold"]["spans"]] == [("CLAIM", 11)]
    assert body["conflicts"] == attribute_conflicts(work)


def test_rebuilding_over_an_accept_answers_409_until_confirmed(disputed_claim):
    document, work, client = disputed_claim
    url = f"/api/documents/{document.pk}/gold/"
    built = client.post(url, {"strategy": "majority"}, format="json").json()
    claim = Span.objects.get(annotation=work["ana"], label__name="CLAIM")
    accepted = client.post(
        f"/api/documents/{document.pk}/gold/accept/",
        {"span": claim.pk, "version": built["gold"]["version"]},
        format="json",
    ).json()
    version = accepted["gold"]["version"]

    refused = client.post(url, {"strategy": "majority"}, format="json")

    assert refused.status_code == 409
    body = refused.json()
    assert body["errors"] == {"replace": [REPLACE_TO_CONFIRM]}
    assert body["current_version"] == version
    assert "replace" in body["detail"]
    # ana's claim as accepted, with its claimant, would go; the majority's would come back.
    assert sorted((i["label"], i["checkworthy"]) for i in body["removed"]) == [
        ("CLAIM", "yes"),
        ("PER", ""),
    ]
    assert [(i["label"], i["checkworthy"]) for i in body["added"]] == [("CLAIM", "")]
    assert len(Span.objects.filter(annotation_id=built["gold"]["id"])) == 2

    stale = client.post(
        url, {"strategy": "majority", "replace": True, "version": version - 1}, format="json"
    )
    assert stale.status_code == 409 and stale.json()["current_version"] == version
    confirmed = client.post(
        url, {"strategy": "majority", "replace": True, "version": version}, format="json"
    )
    assert confirmed.status_code == 200, confirmed.content
    assert [s["claimant"] for s in confirmed.json()["gold"]["spans"]] == [None]
