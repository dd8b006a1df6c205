"""Reviewing over the API: accept one annotator's item into gold, or everything agreed."""

import pytest

from annotations.models import Annotation, Span, Stance
from annotations.services.review import NOT_A_SOURCE_SPAN, ONE_ITEM
from tests.api.conftest import client_for
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    SpanFactory,
    StanceFactory,
    StanceTargetFactory,
    UserFactory,
)

TEXT = "Keita met Macron in Bamako on Monday."


@pytest.fixture
def team(db):
    project = ProjectFactory()
    labels = {
        name: LabelFactory(project=project, name=name, kind=kind)
        for name, kind in [("PER", "entity"), ("LOC", "entity"), ("FAVOR", "stance")]
    }
    people = {}
    for name, role in [("ana", "annotator"), ("ben", "annotator"), ("rev", "reviewer")]:
        people[name] = UserFactory(username=name)
        MembershipFactory(project=project, user=people[name], role=role)
    document = DocumentFactory(project=project, text=TEXT)
    work = {}
    for name in ("ana", "ben"):
        work[name] = AnnotationFactory(document=document, author=people[name], status="submitted")
        SpanFactory(annotation=work[name], label=labels["PER"], start=0, end=5)
    SpanFactory(annotation=work["ana"], label=labels["LOC"], start=20, end=26)
    return project, labels, people, document, work


def accept(client, document, body):
    return client.post(f"/api/documents/{document.pk}/gold/accept/", body, format="json")


def test_a_reviewer_accepts_a_span_and_gold_is_created_then_reused(team):
    project, labels, people, document, work = team
    loc = Span.objects.get(annotation=work["ana"], label=labels["LOC"])
    client = client_for(people["rev"])

    response = accept(client, document, {"span": loc.pk})

    assert response.status_code == 201, response.content
    body = response.json()
    assert [(s["label_name"], s["start"], s["text"]) for s in body["gold"]["spans"]] == [
        ("LOC", 20, "Bamako")
    ]
    assert body["span"] == body["gold"]["spans"][0]["id"]
    assert body["stance"] is None and body["replaced"] == []
    per = Span.objects.get(annotation=work["ben"], label=labels["PER"])
    again = accept(client, document, {"span": per.pk, "version": body["gold"]["version"]})
    assert again.status_code == 200
    assert len(again.json()["gold"]["spans"]) == 2


def test_a_stale_version_answers_409_with_the_current_one(team):
    _project, labels, people, document, work = team
    client = client_for(people["rev"])
    loc = Span.objects.get(annotation=work["ana"], label=labels["LOC"])
    version = accept(client, document, {"span": loc.pk}).json()["gold"]["version"]
    per = Span.objects.get(annotation=work["ana"], label=labels["PER"])
    response = accept(client, document, {"span": per.pk, "version": version - 1})
    assert response.status_code == 409
    assert response.json()["current_version"] == version


def test_accepting_a_stance_copies_it_into_gold(team):
    project, labels, people, document, work = team
    stance = StanceFactory(
        annotation=work["ben"], target=StanceTargetFactory(project=project), label=labels["FAVOR"]
    )
    response = accept(client_for(people["rev"]), document, {"stance": stance.pk})
    assert response.status_code == 201, response.content
    [gold_stance] = response.json()["gold"]["stances"]
    assert gold_stance["label_name"] == "FAVOR" and gold_stance["holder"] is None
    assert response.json()["stance"] == gold_stance["id"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "non_field_errors", ONE_ITEM),
        ({"span": 1, "stance": 1}, "non_field_errors", ONE_ITEM),
        ({"span": 999999}, "span", NOT_A_SOURCE_SPAN.format(value=999999)),
        ({"span": "x"}, "span", "A valid integer is required."),
        ({"span": 1, "extra": 1}, "extra", None),
    ],
)
def test_bad_accept_bodies_name_the_field_and_write_nothing(team, body, field, message):
    _project, _labels, people, document, _work = team
    response = accept(client_for(people["rev"]), document, body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors
    if message is not None:
        assert errors[field] == [message]
    assert not Annotation.objects.filter(kind="gold").exists()


def test_a_span_of_another_document_is_not_accepted(team):
    project, labels, people, document, _work = team
    elsewhere = SpanFactory(
        annotation=AnnotationFactory(document=DocumentFactory(project=project)),
        label=labels["PER"],
    )
    response = accept(client_for(people["rev"]), document, {"span": elsewhere.pk})
    assert response.status_code == 400
    assert response.json()["errors"]["span"] == [NOT_A_SOURCE_SPAN.format(value=elsewhere.pk)]


def test_annotators_get_403_and_non_members_404(team):
    _project, labels, people, document, work = team
    per = Span.objects.get(annotation=work["ana"], label=labels["PER"])
    for user, expected in [(people["ana"], 403), (UserFactory(), 404), (None, 401)]:
        client = client_for(user)
        assert accept(client, document, {"span": per.pk}).status_code == expected
        url = f"/api/documents/{document.pk}/gold/agreed/"
        assert client.post(url, {}, format="json").status_code == expected
    assert not Annotation.objects.filter(kind="gold").exists()


def test_accept_agreed_adds_what_both_annotators_have(team):
    _project, _labels, people, document, _work = team
    client = client_for(people["rev"])
    response = client.post(f"/api/documents/{document.pk}/gold/agreed/", {}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["added"] == {"spans": 1, "stances": 0, "relations": 0}
    assert [(s["label_name"], s["start"]) for s in body["gold"]["spans"]] == [("PER", 0)]
    assert body["conflicts"] == []
    assert len(body["sources"]) == 2
    again = client.post(
        f"/api/documents/{document.pk}/gold/agreed/",
        {"version": body["gold"]["version"]},
        format="json",
    )
    assert again.status_code == 200
    assert again.json()["added"] == {"spans": 0, "stances": 0, "relations": 0}


def test_reviewed_gold_refuses_accepts_until_reopened(team):
    _project, labels, people, document, work = team
    client = client_for(people["rev"])
    gold = client.post(f"/api/documents/{document.pk}/gold/agreed/", {}, format="json").json()
    marked = client.patch(
        f"/api/annotations/{gold['gold']['id']}/",
        {"status": "submitted", "version": gold["gold"]["version"]},
        format="json",
    )
    assert marked.status_code == 200
    loc = Span.objects.get(annotation=work["ana"], label=labels["LOC"])
    refused = accept(client, document, {"span": loc.pk})
    assert refused.status_code == 400
    assert "reopen it" in refused.json()["errors"]["status"][0]
    assert not Stance.objects.exists()
