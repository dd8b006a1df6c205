"""Document labels over the API: the set of an annotation (PUT/GET), in the detail and the bulk,
single-choice and required groups, the event log and reverting a change."""

from dataclasses import dataclass

import pytest
from django.db import connection

from annotations.models import (
    Annotation,
    AnnotationEvent,
    DocumentLabel,
    Label,
    LabelGroup,
)
from annotations.services import annotating
from annotations.services.review import NOT_A_SOURCE_LABEL
from tests.api.conftest import World, client_for
from tests.factories import AnnotationFactory, DocumentFactory, LabelFactory

pytestmark = pytest.mark.django_db


@dataclass
class Scheme:
    topic: LabelGroup  # single choice, required
    tags: LabelGroup  # multiple choice
    politics: Label
    economy: Label
    breaking: Label
    opinion: Label


@pytest.fixture
def scheme(world: World) -> Scheme:
    topic = LabelGroup.objects.create(project=world.project, name="Topic", required=True)
    tags = LabelGroup.objects.create(project=world.project, name="Tags", multiple=True)

    def label(name: str, group: LabelGroup) -> Label:
        return LabelFactory(project=world.project, name=name, kind="document", group=group)

    return Scheme(
        topic=topic,
        tags=tags,
        politics=label("politics", topic),
        economy=label("economy", topic),
        breaking=label("breaking", tags),
        opinion=label("opinion", tags),
    )


def _url(annotation: Annotation) -> str:
    return f"/api/annotations/{annotation.pk}/document-labels/"


def _given(annotation: Annotation) -> set[str]:
    return set(
        DocumentLabel.objects.filter(annotation=annotation).values_list("label__name", flat=True)
    )


def test_put_replaces_the_set_and_answers_it_with_the_new_version(world, scheme):
    client = client_for(world.users["annotator"])
    version = world.own.version
    body = {
        "labels": [scheme.politics.pk, scheme.breaking.pk, scheme.opinion.pk],
        "version": version,
    }
    response = client.put(_url(world.own), body, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "labels": sorted([scheme.politics.pk, scheme.breaking.pk, scheme.opinion.pk]),
        "version": version + 1,
    }
    again = client.put(_url(world.own), {"labels": [scheme.economy.pk]}, format="json")
    assert again.json()["labels"] == [scheme.economy.pk]
    assert _given(world.own) == {"economy"}
    assert client.get(_url(world.own)).json() == {
        "labels": [scheme.economy.pk],
        "version": version + 2,
    }


def test_the_annotation_detail_carries_the_document_labels(world, scheme):
    DocumentLabel.objects.create(annotation=world.own, label=scheme.opinion)
    DocumentLabel.objects.create(annotation=world.own, label=scheme.politics)
    body = client_for(world.users["annotator"]).get(f"/api/annotations/{world.own.pk}/").json()
    assert body["document_labels"] == sorted([scheme.opinion.pk, scheme.politics.pk])


def test_an_unchanged_set_writes_nothing(world, scheme):
    client = client_for(world.users["annotator"])
    client.put(_url(world.own), {"labels": [scheme.politics.pk]}, format="json")
    world.own.refresh_from_db()
    events = AnnotationEvent.objects.filter(annotation=world.own).count()
    response = client.put(_url(world.own), {"labels": [scheme.politics.pk]}, format="json")
    assert response.json()["version"] == world.own.version
    assert AnnotationEvent.objects.filter(annotation=world.own).count() == events


def test_a_single_choice_group_refuses_two_labels_naming_the_group(world, scheme):
    body = {"labels": [scheme.breaking.pk, scheme.politics.pk, scheme.economy.pk]}
    response = client_for(world.users["annotator"]).put(_url(world.own), body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["labels.2"]
    assert errors["labels.2"] == [
        annotating.GROUP_SINGLE_CHOICE.format(group="Topic", labels="'politics', 'economy'")
    ]
    assert _given(world.own) == set()


def test_labels_that_are_not_document_labels_of_the_project_are_refused_by_index(world, scheme):
    elsewhere_group = LabelGroup.objects.create(project=world.other_project, name="Topic")
    elsewhere = LabelFactory(
        project=world.other_project, name="sport", kind="document", group=elsewhere_group
    )
    body = {
        "labels": [
            scheme.politics.pk,
            world.entity.pk,
            elsewhere.pk,
            "politics",
            scheme.breaking.pk,
            scheme.breaking.pk,
        ]
    }
    response = client_for(world.users["annotator"]).put(_url(world.own), body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "labels.1": [annotating.DOCUMENT_LABEL_KIND.format(name="PER", a_kind="an entity")],
        "labels.2": [annotating.LABEL_NOT_IN_PROJECT.format(value=elsewhere.pk)],
        "labels.3": [annotating.NOT_AN_ID.format(value="politics")],
        "labels.5": [annotating.DOCUMENT_LABEL_REPEATED.format(name="breaking", index="labels.4")],
    }
    assert _given(world.own) == set()


def test_a_stale_version_is_a_409_and_writes_nothing(world, scheme):
    body = {"labels": [scheme.politics.pk], "version": world.own.version - 1 or 99}
    response = client_for(world.users["annotator"]).put(_url(world.own), body, format="json")
    assert response.status_code == 409
    assert _given(world.own) == set()


def test_only_the_author_writes_and_an_annotator_cannot_read_anothers(world, scheme):
    reviewer = client_for(world.users["reviewer"])
    put = reviewer.put(_url(world.own), {"labels": [scheme.politics.pk]}, format="json")
    assert put.status_code == 403
    assert reviewer.get(_url(world.own)).status_code == 200
    annotator = client_for(world.users["annotator"])
    assert annotator.get(_url(world.reviewers)).status_code == 404
    assert client_for(world.users["outsider"]).get(_url(world.own)).status_code == 404


def test_a_submitted_annotation_refuses_the_change(world, scheme):
    world.own.status = "submitted"
    world.own.save()
    response = client_for(world.users["annotator"]).put(
        _url(world.own), {"labels": [scheme.politics.pk]}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status"]


def test_submit_is_refused_while_a_required_group_has_no_label(world, scheme):
    client = client_for(world.users["annotator"])
    client.put(_url(world.own), {"labels": [scheme.breaking.pk]}, format="json")
    world.own.refresh_from_db()
    patch = {"status": "submitted", "version": world.own.version}
    refused = client.patch(f"/api/annotations/{world.own.pk}/", patch, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "document_labels": [annotating.GROUP_REQUIRED_EMPTY.format(group="Topic")]
    }
    world.own.refresh_from_db()
    assert world.own.status == "in_progress"

    client.put(_url(world.own), {"labels": [scheme.breaking.pk, scheme.economy.pk]}, format="json")
    world.own.refresh_from_db()
    patch = {"status": "submitted", "version": world.own.version}
    done = client.patch(f"/api/annotations/{world.own.pk}/", patch, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "submitted"


def test_the_change_is_logged_and_a_reviewer_reverts_it_on_gold(world, scheme):
    gold = AnnotationFactory(document=world.document, author=None, kind="gold")
    reviewer = client_for(world.users["reviewer"])
    reviewer.put(_url(gold), {"labels": [scheme.politics.pk]}, format="json")
    reviewer.put(_url(gold), {"labels": [scheme.economy.pk, scheme.opinion.pk]}, format="json")
    events = reviewer.get(f"/api/annotations/{gold.pk}/events/").json()["results"]
    newest = events[0]
    assert newest["action"] == "document_labels_changed"
    assert newest["before"] == {"labels": [scheme.politics.pk]}
    assert newest["after"] == {"labels": sorted([scheme.economy.pk, scheme.opinion.pk])}

    undo = reviewer.post(f"/api/events/{newest['id']}/revert/")
    assert undo.status_code == 201, undo.content
    assert _given(gold) == {"politics"}
    # The first change is no longer what gold holds... until the revert is itself undone.
    older = reviewer.post(f"/api/events/{events[1]['id']}/revert/")
    assert older.status_code == 201, older.content
    assert _given(gold) == set()


def test_a_revert_refuses_a_set_changed_since(world, scheme):
    gold = AnnotationFactory(document=world.document, author=None, kind="gold")
    reviewer = client_for(world.users["reviewer"])
    reviewer.put(_url(gold), {"labels": [scheme.politics.pk]}, format="json")
    first = reviewer.get(f"/api/annotations/{gold.pk}/events/").json()["results"][0]
    reviewer.put(_url(gold), {"labels": [scheme.economy.pk]}, format="json")
    refused = reviewer.post(f"/api/events/{first['id']}/revert/")
    assert refused.status_code == 400
    assert _given(gold) == {"economy"}


def test_bulk_takes_document_labels_by_name_and_answers_them(world, scheme):
    client = client_for(world.users["annotator"])
    body = {"spans": [], "stances": [], "document_labels": ["politics", "opinion"]}
    response = client.post(f"/api/annotations/{world.own.pk}/bulk/", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["document_labels"] == sorted([scheme.politics.pk, scheme.opinion.pk])
    assert _given(world.own) == {"politics", "opinion"}

    # Missing means none: the bulk body is the whole annotation.
    cleared = client.post(
        f"/api/annotations/{world.own.pk}/bulk/", {"spans": [], "stances": []}, format="json"
    )
    assert cleared.json()["document_labels"] == []
    assert _given(world.own) == set()


def test_bulk_document_label_errors_use_dotted_paths_and_write_nothing(world, scheme):
    DocumentLabel.objects.create(annotation=world.own, label=scheme.breaking)
    body = {
        "spans": [{"label": "PER", "start": 0, "end": 5}],
        "stances": [],
        "document_labels": ["politics", "nope", "PER", "economy", 7],
    }
    response = client_for(world.users["annotator"]).post(
        f"/api/annotations/{world.own.pk}/bulk/", body, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "document_labels.1": [annotating.LABEL_NAME_NOT_IN_PROJECT.format(value="nope")],
        "document_labels.2": [
            annotating.DOCUMENT_LABEL_KIND.format(name="PER", a_kind="an entity")
        ],
        "document_labels.3": [
            annotating.GROUP_SINGLE_CHOICE.format(group="Topic", labels="'politics', 'economy'")
        ],
        "document_labels.4": [annotating.NOT_A_NAME.format(value=7)],
    }
    assert _given(world.own) == {"breaking"}
    assert world.own.spans.count() == 2  # untouched


def test_a_bulk_replace_with_document_labels_is_reverted_with_them(world, scheme):
    gold = AnnotationFactory(document=world.document, author=None, kind="gold")
    DocumentLabel.objects.create(annotation=gold, label=scheme.economy)
    reviewer = client_for(world.users["reviewer"])
    body = {"spans": [], "stances": [], "document_labels": ["politics", "breaking"]}
    reviewer.post(f"/api/annotations/{gold.pk}/bulk/", body, format="json")
    newest = reviewer.get(f"/api/annotations/{gold.pk}/events/").json()["results"][0]
    assert newest["action"] == "content_replaced"
    undo = reviewer.post(f"/api/events/{newest['id']}/revert/")
    assert undo.status_code == 201, undo.content
    assert _given(gold) == {"economy"}


def test_the_set_takes_a_fixed_number_of_queries(world, scheme, django_assert_num_queries):
    client = client_for(world.users["annotator"])
    labels = [scheme.politics.pk, scheme.breaking.pk, scheme.opinion.pk]
    # Permission, savepoint, lock, choices, current set, delete, insert, version, event,
    # release; on PostgreSQL the version bump and the event are one statement.
    with django_assert_num_queries(10 if connection.vendor == "sqlite" else 9):
        assert client.put(_url(world.own), {"labels": labels}, format="json").status_code == 200


def _submitted_with(document, author, *labels: Label) -> Annotation:
    annotation = AnnotationFactory(document=document, author=author, status="submitted")
    for label in labels:
        DocumentLabel.objects.create(annotation=annotation, label=label)
    return annotation


def test_agreement_gives_alpha_and_kappa_per_group_and_the_quality_page_shows_them(
    world, scheme, client
):
    # Topic on four documents by annotator and reviewer: politics/politics, economy/economy,
    # politics/economy, economy/(none): kappa 0.2 and alpha 10/38 (see test_agreement_doclabels).
    annotator, reviewer = world.users["annotator"], world.users["reviewer"]
    pairs = [
        (scheme.politics, scheme.politics),
        (scheme.economy, scheme.economy),
        (scheme.politics, scheme.economy),
        (scheme.economy, None),
    ]
    for index, (first, second) in enumerate(pairs):
        document = DocumentFactory(project=world.project, text=f"Document {index}.")
        _submitted_with(document, annotator, first)
        _submitted_with(document, reviewer, *([second] if second else []))
    body = client_for(reviewer).get(f"/api/projects/{world.project.pk}/agreement/").json()
    topic = body["document_labels"]["Topic"]
    assert topic["units"] == 4
    assert topic["alpha"] == pytest.approx(10 / 38)
    assert topic["pairs"] == [
        {"annotators": ["annotator", "reviewer"], "units": 4, "kappa": pytest.approx(0.2)}
    ]
    assert "Tags" not in body["document_labels"]  # nobody gave a label of it

    client.force_login(reviewer)
    html = client.get(f"/projects/{world.project.pk}/quality/").content.decode()
    row = html[html.index('<tr data-group="Topic">') :]
    row = row[: row.index("</tr>")]
    assert "Document labels: Topic" in row
    assert '<td class="num" data-figure="alpha">0.26</td>' in row
    assert "annotator · reviewer 0.20" in row


def _gold_labels(document) -> set[str]:
    gold = document.annotations.get(kind="gold")
    return _given(gold)


@pytest.fixture
def three(world, scheme):
    """Three annotators' submitted work on the document: Topic politics x2 / economy; Tags
    breaking x3, opinion x1."""
    people = [world.users["annotator"], world.users["reviewer"], world.users["manager"]]
    world.reviewers.delete()
    world.own.delete()
    sources = []
    for person, topic, tags in zip(
        people,
        [scheme.politics, scheme.politics, scheme.economy],
        [[scheme.breaking, scheme.opinion], [scheme.breaking], [scheme.breaking]],
        strict=True,
    ):
        sources.append(_submitted_with(world.document, person, topic, *tags))
    return sources


def test_gold_by_majority_takes_each_label_more_than_half_gave(world, scheme, three):
    response = client_for(world.users["reviewer"]).post(
        f"/api/documents/{world.document.pk}/gold/", {"strategy": "majority"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert _gold_labels(world.document) == {"politics", "breaking"}
    conflicts = [c for c in response.json()["conflicts"] if c["kind"] == "document_label"]
    assert conflicts == [
        {
            "kind": "document_label",
            "reason": "minority",
            "label": "economy",
            "group": "Topic",
            "annotations": [three[2].pk],
            "count": 1,
            "of": 3,
        },
        {
            "kind": "document_label",
            "reason": "minority",
            "label": "opinion",
            "group": "Tags",
            "annotations": [three[0].pk],
            "count": 1,
            "of": 3,
        },
    ]


def test_a_tie_is_left_out_and_listed(world, scheme, three):
    three[2].delete()  # politics x2 -> with economy gone: politics 2 of 2; opinion 1 of 2
    response = client_for(world.users["reviewer"]).post(
        f"/api/documents/{world.document.pk}/gold/", {"strategy": "majority"}, format="json"
    )
    assert _gold_labels(world.document) == {"politics", "breaking"}
    (tie,) = [c for c in response.json()["conflicts"] if c["kind"] == "document_label"]
    assert (tie["label"], tie["reason"], tie["count"], tie["of"]) == ("opinion", "tie", 1, 2)


def test_gold_from_chosen_annotations_is_the_union_one_label_per_single_choice_group(
    world, scheme, three
):
    response = client_for(world.users["reviewer"]).post(
        f"/api/documents/{world.document.pk}/gold/",
        {"annotations": [three[0].pk, three[2].pk]},
        format="json",
    )
    assert response.status_code == 201, response.content
    # Topic: politics (ana) and economy (cy) tie for most: neither goes in, both listed.
    assert _gold_labels(world.document) == {"breaking", "opinion"}
    listed = sorted(
        (c["label"], c["reason"])
        for c in response.json()["conflicts"]
        if c["kind"] == "document_label"
    )
    assert listed == [("economy", "single_choice"), ("politics", "single_choice")]

    chosen = client_for(world.users["reviewer"]).post(
        f"/api/documents/{world.document.pk}/gold/",
        {"annotations": [three[0].pk, three[1].pk, three[2].pk]},
        format="json",
    )
    assert chosen.status_code == 200
    assert _gold_labels(world.document) == {"politics", "breaking", "opinion"}


def test_accepting_a_label_replaces_its_single_choice_groups_label_in_gold(world, scheme, three):
    reviewer = client_for(world.users["reviewer"])
    url = f"/api/documents/{world.document.pk}/gold/accept/"
    first = reviewer.post(url, {"document_label": scheme.politics.pk}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["document_label"] == scheme.politics.pk
    assert first.json()["gold"]["document_labels"] == [scheme.politics.pk]
    reviewer.post(url, {"document_label": scheme.opinion.pk}, format="json")
    swapped = reviewer.post(url, {"document_label": scheme.economy.pk}, format="json")
    assert swapped.status_code == 200
    assert _gold_labels(world.document) == {"economy", "opinion"}


def test_accepting_a_label_nobody_gave_is_a_field_error(world, scheme, three):
    DocumentLabel.objects.filter(label=scheme.economy).delete()
    response = client_for(world.users["reviewer"]).post(
        f"/api/documents/{world.document.pk}/gold/accept/",
        {"document_label": scheme.economy.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "document_label": [NOT_A_SOURCE_LABEL.format(value=scheme.economy.pk)]
    }
    assert not world.document.annotations.filter(kind="gold").exists()


def test_accept_agreed_adds_the_labels_everyone_gave(world, scheme, three):
    reviewer = client_for(world.users["reviewer"])
    response = reviewer.post(f"/api/documents/{world.document.pk}/gold/agreed/", format="json")
    assert response.status_code == 201, response.content
    assert response.json()["added"]["document_labels"] == 1
    assert _gold_labels(world.document) == {"breaking"}


def test_a_majority_rebuild_over_gold_labels_it_would_change_asks_to_confirm(world, scheme, three):
    reviewer = client_for(world.users["reviewer"])
    url = f"/api/documents/{world.document.pk}/gold/"
    reviewer.post(url, {"strategy": "majority"}, format="json")
    gold = world.document.annotations.get(kind="gold")
    annotating.annotation_set_document_labels(
        annotation=gold, labels=[scheme.economy.pk, scheme.breaking.pk], actor=None
    )
    refused = reviewer.post(url, {"strategy": "majority"}, format="json")
    assert refused.status_code == 409
    body = refused.json()
    assert {"kind": "document_label", "label": "economy"} in body["removed"]
    assert {"kind": "document_label", "label": "politics"} in body["added"]
    assert _gold_labels(world.document) == {"economy", "breaking"}


def test_a_put_retried_with_its_idempotency_key_applies_once(world, scheme):
    client = client_for(world.users["annotator"])
    body = {"labels": [scheme.politics.pk], "version": world.own.version}
    key = {"HTTP_IDEMPOTENCY_KEY": "0b7f5f8e-3c1d-4f6a-8e2b-5d9c7a1e4f30"}
    first = client.put(_url(world.own), body, format="json", **key)
    events = AnnotationEvent.objects.filter(annotation=world.own).count()
    # The answer was lost: the save queue sends the same request (the same stale version).
    again = client.put(_url(world.own), body, format="json", **key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert AnnotationEvent.objects.filter(annotation=world.own).count() == events
