"""History over the API: the event log of an annotation, and reverting a change."""

import pytest

from annotations.models import Span
from annotations.services import annotating, history
from annotations.services.assignment import annotation_reassign
from annotations.services.review import gold_build
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


@pytest.fixture
def scene(db):
    project = ProjectFactory()
    per = LabelFactory(project=project, name="PER", kind="entity")
    loc = LabelFactory(project=project, name="LOC", kind="entity")
    people = {}
    for role in ("annotator", "reviewer"):
        people[role] = UserFactory(username=role)
        MembershipFactory(project=project, user=people[role], role=role)
    people["outsider"] = UserFactory(username="outsider")
    document = DocumentFactory(project=project, text="Keita met Macron in Bamako.")
    own = AnnotationFactory(document=document, author=people["annotator"], status="submitted")
    SpanFactory(annotation=own, label=per, start=0, end=5)
    gold = gold_build(document=document, actor=people["reviewer"], annotation_ids=[own.pk])
    return gold.annotation, per, loc, people


def test_reviewer_sees_who_changed_gold_and_reverts_a_change(scene):
    gold, per, loc, people = scene
    reviewer = client_for(people["reviewer"])
    added = reviewer.post(
        f"/api/annotations/{gold.pk}/spans/",
        {"label": loc.pk, "start": 20, "end": 26},
        format="json",
    )
    assert added.status_code == 201

    events = reviewer.get(f"/api/annotations/{gold.pk}/events/").json()["results"]
    newest = events[0]
    assert (newest["action"], newest["actor"], newest["after"]["text"]) == (
        "span_created",
        "reviewer",
        "Bamako",
    )
    assert newest["reverted_by"] is None

    undo = reviewer.post(f"/api/events/{newest['id']}/revert/")
    assert undo.status_code == 201, undo.content
    assert undo.json()["action"] == "reverted"
    assert list(Span.objects.filter(annotation=gold).values_list("text", flat=True)) == ["Keita"]
    events = reviewer.get(f"/api/annotations/{gold.pk}/events/").json()["results"]
    reverted = next(e for e in events if e["id"] == newest["id"])
    assert reverted["reverted_by"] == undo.json()["id"]

    again = reviewer.post(f"/api/events/{newest['id']}/revert/")
    assert (
        again.status_code == 400 and "already been reverted" in again.json()["errors"]["event"][0]
    )


def test_only_those_who_may_write_the_annotation_revert_its_changes(scene):
    gold, per, loc, people = scene
    annotating.span_create(annotation=gold, label=loc, start=20, end=26, actor=people["reviewer"])
    event_id = gold.events.latest("id").pk
    assert (
        client_for(people["annotator"]).post(f"/api/events/{event_id}/revert/").status_code == 404
    )
    assert client_for(people["outsider"]).post(f"/api/events/{event_id}/revert/").status_code == 404
    assert client_for(None).post(f"/api/events/{event_id}/revert/").status_code == 401
    assert client_for(people["reviewer"]).post("/api/events/999999999/revert/").status_code == 404


def test_annotator_reads_and_reverts_changes_to_their_own_annotation(scene):
    gold, per, loc, people = scene
    own = AnnotationFactory(
        document=DocumentFactory(project=gold.document.project), author=people["annotator"]
    )
    annotating.span_create(annotation=own, label=per, start=0, end=8, actor=people["annotator"])
    client = client_for(people["annotator"])
    [event] = client.get(f"/api/annotations/{own.pk}/events/").json()["results"]
    assert client.post(f"/api/events/{event['id']}/revert/").status_code == 201
    assert not own.spans.exists()


def test_a_reassignment_shows_in_history_with_both_authors_and_cannot_be_reverted(scene):
    gold, per, loc, people = scene
    project = gold.document.project
    manager, newcomer = UserFactory(username="manager"), UserFactory(username="newcomer")
    MembershipFactory(project=project, user=manager, role="manager")
    MembershipFactory(project=project, user=newcomer, role="annotator")
    work = AnnotationFactory(document=DocumentFactory(project=project), author=people["annotator"])
    annotating.span_create(annotation=work, label=per, start=0, end=5, actor=people["annotator"])
    annotation_reassign(annotation=work, author=newcomer, actor=manager)

    client = client_for(newcomer)
    events = client.get(f"/api/annotations/{work.pk}/events/").json()["results"]
    newest = events[0]
    assert (newest["action"], newest["actor"]) == ("reassigned", "manager")
    assert (newest["before"], newest["after"]) == ({"author": "annotator"}, {"author": "newcomer"})
    assert (newest["version"], newest["reverted_by"]) == (3, None)

    refused = client.post(f"/api/events/{newest['id']}/revert/")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "event": [history.NOT_REVERTIBLE.format(action="reassigned")]
    }
    assert (
        client_for(people["annotator"]).get(f"/api/annotations/{work.pk}/events/").status_code
        == 404
    )


@pytest.mark.parametrize("changes", [3, 30])
def test_history_runs_a_bounded_number_of_queries(scene, changes, django_assert_max_num_queries):
    gold, per, loc, people = scene
    span = gold.spans.get()
    for index in range(changes):
        annotating.span_update(span=span, actor=people["reviewer"], end=5 + index % 2 * 3)
    with django_assert_max_num_queries(8):
        response = client_for(people["reviewer"]).get(f"/api/annotations/{gold.pk}/events/")
    assert response.status_code == 200
