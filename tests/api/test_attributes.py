"""Attributes through the API: declared on labels, given on spans and stances, required at
submit, kept in history."""

import pytest
from django.contrib.auth.models import User

from annotations.models import LabelAttribute, LabelGroup, Span, Stance
from tests.api.conftest import client_for
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    SpanFactory,
    StanceFactory,
    UserFactory,
)

SENTIMENT = {
    "name": "sentiment",
    "type": "choice",
    "required": True,
    "choices": ["positive", "negative"],
    "description": "",
}
NORMALISED = {
    "name": "normalised",
    "type": "text",
    "required": False,
    "choices": [],
    "description": "The claim as one plain sentence.",
}


def _labels_url(world) -> str:
    return f"/api/projects/{world.project.pk}/labels/"


def _label_url(world, label) -> str:
    return f"/api/projects/{world.project.pk}/labels/{label.pk}/"


def _declare(label, *declared) -> None:
    LabelAttribute.objects.filter(label=label).delete()
    for position, item in enumerate(declared):
        LabelAttribute.objects.create(label=label, position=position, **item)


# --- declaring attributes on labels ------------------------------------------------------------


@pytest.mark.django_db
def test_a_label_is_created_with_attributes_and_reads_them(world):
    manager = client_for(world.users["manager"])
    response = manager.post(
        _labels_url(world),
        {"name": "OPINION", "kind": "claim", "attributes": [SENTIMENT, NORMALISED]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["attributes"] == [SENTIMENT, NORMALISED]
    listed = manager.get(_labels_url(world)).json()["results"]
    opinion = next(label for label in listed if label["name"] == "OPINION")
    assert opinion["attributes"] == [SENTIMENT, NORMALISED]
    assert next(label for label in listed if label["name"] == "PER")["attributes"] == []


@pytest.mark.django_db
def test_label_list_reads_attributes_in_one_query(world, django_assert_num_queries):
    for label in (world.entity, world.claim, world.favor):
        _declare(label, SENTIMENT, NORMALISED)
    manager = client_for(world.users["manager"])
    manager.get(_labels_url(world))
    # Session and membership, the count, the labels, their attributes.
    with django_assert_num_queries(4):
        results = manager.get(_labels_url(world)).json()["results"]
    assert all(len(label["attributes"]) == 2 for label in results)


@pytest.mark.django_db
def test_patch_replaces_the_whole_list_in_the_order_given(world):
    _declare(world.claim, SENTIMENT)
    manager = client_for(world.users["manager"])
    response = manager.patch(
        _label_url(world, world.claim), {"attributes": [NORMALISED, SENTIMENT]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert [item["name"] for item in response.json()["attributes"]] == ["normalised", "sentiment"]
    response = manager.patch(_label_url(world, world.claim), {"attributes": []}, format="json")
    assert response.json()["attributes"] == []
    assert not LabelAttribute.objects.filter(label=world.claim).exists()


@pytest.mark.django_db
def test_patch_without_attributes_keeps_them(world):
    _declare(world.claim, SENTIMENT)
    manager = client_for(world.users["manager"])
    response = manager.patch(_label_url(world, world.claim), {"color": "#123456"}, format="json")
    assert response.status_code == 200
    assert response.json()["attributes"] == [SENTIMENT]


@pytest.mark.django_db
def test_a_bad_declaration_is_refused_by_field_and_nothing_changes(world):
    _declare(world.claim, SENTIMENT)
    manager = client_for(world.users["manager"])
    response = manager.patch(
        _label_url(world, world.claim),
        {
            "attributes": [
                {"name": "a", "type": "choice", "choices": ["x", "x"]},
                {"name": "a", "type": "text", "choices": ["y"]},
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "attributes.0.choices": ['"x" is listed twice.'],
        "attributes.1.name": ['"a" is declared twice.'],
        "attributes.1.choices": ["Only choice and multi_choice attributes have choices."],
    }
    assert list(
        LabelAttribute.objects.users().filter(label=world.claim).values_list("name", flat=True)
    ) == ["sentiment"]


@pytest.mark.django_db
def test_a_label_with_a_bad_declaration_is_not_created(world):
    manager = client_for(world.users["manager"])
    response = manager.post(
        _labels_url(world),
        {"name": "OPINION", "kind": "claim", "attributes": [{"name": "mood", "type": "choice"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "attributes.0.choices": ["A choice attribute needs at least one choice."]
    }
    assert not world.project.labels.filter(name="OPINION").exists()


@pytest.mark.django_db
def test_removing_a_choice_in_use_is_refused_with_how_many_items_use_it(world):
    _declare(world.claim, SENTIMENT)
    SpanFactory(annotation=world.own, label=world.claim, start=0, end=5)
    Span.objects.filter(label=world.claim).update(attribute_values={"sentiment": "negative"})
    SpanFactory(annotation=world.reviewers, label=world.claim, start=0, end=5)
    Span.objects.filter(annotation=world.reviewers).update(
        attribute_values={"sentiment": "negative"}
    )
    manager = client_for(world.users["manager"])
    only_positive = {**SENTIMENT, "choices": ["positive"]}
    response = manager.patch(
        _label_url(world, world.claim), {"attributes": [only_positive]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "attributes": [
            'Choice "negative" of attribute sentiment (label CLAIM) is given on 2 item(s); it '
            "cannot be removed while they use it. Change those items first."
        ]
    }
    # A choice no item uses may go.
    only_negative = {**SENTIMENT, "choices": ["negative"]}
    response = manager.patch(
        _label_url(world, world.claim), {"attributes": [only_negative]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["attributes"][0]["choices"] == ["negative"]


@pytest.mark.django_db
def test_removing_an_attribute_in_use_is_refused_and_unused_goes(world):
    _declare(world.favor, SENTIMENT, NORMALISED)
    Stance.objects.filter(pk=world.stance.pk).update(attributes={"normalised": "x"})
    manager = client_for(world.users["manager"])
    response = manager.patch(
        _label_url(world, world.favor), {"attributes": [SENTIMENT]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["attributes"] == [
        "Attribute normalised of label FAVOR has a value on 1 item(s); it cannot be removed or "
        "change type while they do. Clear those values first."
    ]
    response = manager.patch(
        _label_url(world, world.favor), {"attributes": [NORMALISED]}, format="json"
    )
    assert response.status_code == 200
    assert [item["name"] for item in response.json()["attributes"]] == ["normalised"]


@pytest.mark.django_db
def test_changing_the_type_of_an_attribute_in_use_is_refused(world):
    _declare(world.claim, NORMALISED)
    SpanFactory(annotation=world.own, label=world.claim, start=0, end=5)
    Span.objects.filter(label=world.claim).update(attribute_values={"normalised": "x"})
    response = client_for(world.users["manager"]).patch(
        _label_url(world, world.claim),
        {"attributes": [{**NORMALISED, "type": "number"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "normalised" in response.json()["errors"]["attributes"][0]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "status"), [("annotator", 403), ("reviewer", 403)])
def test_only_managers_declare_attributes(world, role, status):
    response = client_for(world.users[role]).patch(
        _label_url(world, world.claim), {"attributes": [SENTIMENT]}, format="json"
    )
    assert response.status_code == status
    assert not LabelAttribute.objects.users().exists()


@pytest.mark.django_db
def test_members_read_a_label_and_outsiders_get_404(world):
    _declare(world.claim, SENTIMENT)
    response = client_for(world.users["annotator"]).get(_label_url(world, world.claim))
    assert response.status_code == 200
    assert response.json()["attributes"] == [SENTIMENT]
    assert client_for(world.users["outsider"]).get(_label_url(world, world.claim)).status_code == (
        404
    )
    other = LabelFactory(project=world.other_project)
    manager = client_for(world.users["manager"])
    assert manager.get(_label_url(world, other)).status_code == 404


@pytest.mark.django_db
def test_a_document_label_declares_no_attributes(world):
    group = LabelGroup.objects.create(project=world.project, name="topic")
    topic = LabelFactory(project=world.project, name="TOPIC", kind="document", group=group)
    response = client_for(world.users["manager"]).patch(
        _label_url(world, topic), {"attributes": [NORMALISED]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "attributes": ["A document label carries no attributes (it has no item to put them on)."]
    }


# --- values on spans and stances ---------------------------------------------------------------


def _spans_url(world) -> str:
    return f"/api/annotations/{world.own.pk}/spans/"


@pytest.mark.django_db
def test_a_span_is_created_with_attributes_and_reads_them(world):
    _declare(world.claim, SENTIMENT, NORMALISED)
    annotator = client_for(world.users["annotator"])
    response = annotator.post(
        _spans_url(world),
        {"label": world.claim.pk, "start": 0, "end": 5, "attributes": {"sentiment": "negative"}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["attributes"] == {"sentiment": "negative"}
    detail = annotator.get(f"/api/annotations/{world.own.pk}/").json()
    span = next(span for span in detail["spans"] if span["id"] == response.json()["id"])
    assert span["attributes"] == {"sentiment": "negative"}
    plain = next(span for span in detail["spans"] if span["id"] == world.span.pk)
    assert plain["attributes"] == {}


@pytest.mark.django_db
def test_a_bad_value_is_refused_by_field_and_nothing_is_written(world):
    _declare(world.claim, SENTIMENT, NORMALISED)
    annotator = client_for(world.users["annotator"])
    before = world.own.spans.count()
    response = annotator.post(
        _spans_url(world),
        {
            "label": world.claim.pk,
            "start": 0,
            "end": 5,
            "attributes": {"sentiment": "angry", "mood": "x", "normalised": "ok"},
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "attributes.sentiment": ['"angry" is not one of the choices: "positive", "negative".'],
        "attributes.mood": ['The label "CLAIM" has no attribute "mood".'],
    }
    assert world.own.spans.count() == before


@pytest.mark.django_db
def test_patch_replaces_a_spans_values_and_null_clears_them(world):
    _declare(world.claim, SENTIMENT, NORMALISED)
    span = SpanFactory(annotation=world.own, label=world.claim, start=0, end=5)
    annotator = client_for(world.users["annotator"])
    url = f"{_spans_url(world)}{span.pk}/"
    response = annotator.patch(
        url, {"attributes": {"sentiment": "positive", "normalised": "Keita"}}, format="json"
    )
    assert response.status_code == 200, response.json()
    span.refresh_from_db()
    assert span.attributes == {"sentiment": "positive", "normalised": "Keita"}
    response = annotator.patch(url, {"attributes": {"normalised": ""}}, format="json")
    span.refresh_from_db()
    assert span.attributes == {}
    annotator.patch(url, {"attributes": {"sentiment": "negative"}}, format="json")
    response = annotator.patch(url, {"attributes": None}, format="json")
    assert response.json()["attributes"] == {}


@pytest.mark.django_db
def test_a_new_label_keeps_only_the_values_it_accepts(world):
    _declare(world.claim, SENTIMENT, NORMALISED)
    opinion = LabelFactory(project=world.project, name="OPINION", kind="claim")
    _declare(opinion, NORMALISED)
    span = SpanFactory(annotation=world.own, label=world.claim, start=0, end=5)
    Span.objects.filter(pk=span.pk).update(
        attribute_values={"sentiment": "positive", "normalised": "K"}
    )
    response = client_for(world.users["annotator"]).patch(
        f"{_spans_url(world)}{span.pk}/", {"label": opinion.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["attributes"] == {"normalised": "K"}


@pytest.mark.django_db
def test_a_retried_create_with_the_same_values_answers_the_span_and_other_values_conflict(world):
    _declare(world.claim, SENTIMENT)
    annotator = client_for(world.users["annotator"])
    body = {
        "label": world.claim.pk,
        "start": 0,
        "end": 5,
        "client_id": "3f1d7c9e-2a4b-4c8d-9e0f-1a2b3c4d5e6f",
        "attributes": {"sentiment": "positive"},
    }
    assert annotator.post(_spans_url(world), body, format="json").status_code == 201
    assert annotator.post(_spans_url(world), body, format="json").status_code == 200
    other = {**body, "attributes": {"sentiment": "negative"}}
    assert annotator.post(_spans_url(world), other, format="json").status_code == 409


@pytest.mark.django_db
def test_a_stance_takes_values_and_refuses_bad_ones(world):
    _declare(world.favor, SENTIMENT)
    annotator = client_for(world.users["annotator"])
    url = f"/api/annotations/{world.own.pk}/stances/"
    response = annotator.post(
        url,
        {"target": world.free_target.pk, "label": world.favor.pk, "attributes": {"sentiment": 3}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "attributes.sentiment": ["Must be one of the choices, as a string."]
    }
    response = annotator.post(
        url,
        {
            "target": world.free_target.pk,
            "label": world.favor.pk,
            "attributes": {"sentiment": "positive"},
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["attributes"] == {"sentiment": "positive"}
    response = annotator.patch(
        f"{url}{world.stance.pk}/", {"attributes": {"sentiment": "negative"}}, format="json"
    )
    assert response.status_code == 200
    world.stance.refresh_from_db()
    assert world.stance.attributes == {"sentiment": "negative"}


@pytest.mark.django_db
def test_bulk_takes_values_and_names_the_item_at_fault(world):
    _declare(world.claim, SENTIMENT, NORMALISED)
    _declare(world.favor, SENTIMENT)
    annotator = client_for(world.users["annotator"])
    url = f"/api/annotations/{world.own.pk}/bulk/"
    body = {
        "spans": [
            {"label": "PER", "start": 0, "end": 5},
            {"label": "CLAIM", "start": 10, "end": 16, "attributes": {"sentiment": "positive"}},
        ],
        "stances": [
            {
                "target": "the intervention",
                "label": "FAVOR",
                "holder": 0,
                "attributes": {"sentiment": "negative"},
            }
        ],
    }
    response = annotator.post(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert [span["attributes"] for span in response.json()["spans"]] == [
        {},
        {"sentiment": "positive"},
    ]
    assert response.json()["stances"][0]["attributes"] == {"sentiment": "negative"}
    bad = {
        "spans": [
            {"label": "PER", "start": 0, "end": 5, "attributes": {"sentiment": "positive"}},
            {"label": "CLAIM", "start": 10, "end": 16, "attributes": {"normalised": 4}},
        ],
        "stances": [
            {"target": "the intervention", "label": "FAVOR", "attributes": {"sentiment": "meh"}}
        ],
    }
    response = annotator.post(url, bad, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "spans.0.attributes.sentiment": ['The label "PER" has no attribute "sentiment".'],
        "spans.1.attributes.normalised": ["Must be a text."],
        "stances.0.attributes.sentiment": [
            '"meh" is not one of the choices: "positive", "negative".'
        ],
    }
    assert Span.objects.get(annotation=world.own, label=world.claim).attributes == {
        "sentiment": "positive"
    }


# --- submit and history ------------------------------------------------------------------------


@pytest.mark.django_db
def test_submit_is_refused_while_an_item_lacks_a_required_value(world):
    _declare(world.claim, SENTIMENT, NORMALISED)
    _declare(world.favor, SENTIMENT)
    span = SpanFactory(annotation=world.own, label=world.claim, start=0, end=5)
    annotator = client_for(world.users["annotator"])
    url = f"/api/annotations/{world.own.pk}/"
    version = annotator.get(url).json()["version"]
    response = annotator.patch(url, {"status": "submitted", "version": version}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "status": [
            f'Span {span.pk} (CLAIM "Keita", 0-5) needs a value for sentiment before the '
            "annotation is submitted.",
            f'Stance {world.stance.pk} (FAVOR on "the intervention") needs a value for '
            "sentiment before the annotation is submitted.",
        ]
    }
    world.own.refresh_from_db()
    assert world.own.status == "in_progress"
    Span.objects.filter(pk=span.pk).update(attribute_values={"sentiment": "positive"})
    Stance.objects.filter(pk=world.stance.pk).update(attributes={"sentiment": "negative"})
    response = annotator.patch(url, {"status": "submitted", "version": version}, format="json")
    assert response.status_code == 200, response.json()


@pytest.mark.django_db
def test_reverting_a_change_of_values_restores_them(world):
    _declare(world.claim, SENTIMENT)
    span = SpanFactory(annotation=world.own, label=world.claim, start=0, end=5)
    Span.objects.filter(pk=span.pk).update(attribute_values={"sentiment": "positive"})
    annotator = client_for(world.users["annotator"])
    annotator.patch(
        f"{_spans_url(world)}{span.pk}/", {"attributes": {"sentiment": "negative"}}, format="json"
    )
    events = annotator.get(f"/api/annotations/{world.own.pk}/events/").json()["results"]
    change = events[0]
    assert change["before"]["attributes"] == {"sentiment": "positive"}
    assert change["after"]["attributes"] == {"sentiment": "negative"}
    response = annotator.post(f"/api/events/{change['id']}/revert/")
    assert response.status_code in (200, 201), response.json()
    span.refresh_from_db()
    assert span.attributes == {"sentiment": "positive"}


@pytest.mark.django_db
def test_reverting_a_deleted_span_brings_its_values_back(world):
    _declare(world.claim, SENTIMENT)
    span = SpanFactory(annotation=world.own, label=world.claim, start=0, end=5)
    Span.objects.filter(pk=span.pk).update(attribute_values={"sentiment": "negative"})
    annotator = client_for(world.users["annotator"])
    annotator.delete(f"{_spans_url(world)}{span.pk}/")
    events = annotator.get(f"/api/annotations/{world.own.pk}/events/").json()["results"]
    annotator.post(f"/api/events/{events[0]['id']}/revert/")
    restored = Span.objects.get(annotation=world.own, label=world.claim)
    assert restored.attributes == {"sentiment": "negative"}


# --- review: gold carries attribute values -----------------------------------------------------


@pytest.fixture
def three_claims(world):
    """Three submitted annotations marking the same claim, two saying negative."""
    _declare(world.claim, SENTIMENT)
    _declare(world.favor, SENTIMENT)
    works = []
    for index, value in enumerate(["negative", "negative", "positive"]):
        author = UserFactory(username=f"coder{index}")
        MembershipFactory(project=world.project, user=author, role="annotator")
        work = AnnotationFactory(document=world.document, author=author, status="submitted")
        span = SpanFactory(annotation=work, label=world.claim, start=10, end=16)
        Span.objects.filter(pk=span.pk).update(attribute_values={"sentiment": value})
        stance = StanceFactory(annotation=work, target=world.target, label=world.favor)
        Stance.objects.filter(pk=stance.pk).update(attributes={"sentiment": value})
        works.append(work)
    return works


@pytest.mark.django_db
def test_majority_gold_takes_the_values_most_given_and_lists_the_others(world, three_claims):
    reviewer = client_for(world.users["reviewer"])
    response = reviewer.post(
        f"/api/documents/{world.document.pk}/gold/", {"strategy": "majority"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    [claim] = body["gold"]["spans"]
    assert claim["attributes"] == {"sentiment": "negative"}
    assert [stance["attributes"] for stance in body["gold"]["stances"]] == [
        {"sentiment": "negative"}
    ]
    listed = [c for c in body["conflicts"] if c.get("attribute") == "attributes"]
    assert [(c["kind"], c["gold"]) for c in listed] == [
        ("span", {"sentiment": "negative"}),
        ("stance", {"sentiment": "negative"}),
    ]
    assert listed[0]["values"] == [
        {
            "value": {"sentiment": "negative"},
            "annotations": [three_claims[0].pk, three_claims[1].pk],
        },
        {"value": {"sentiment": "positive"}, "annotations": [three_claims[2].pk]},
    ]


@pytest.mark.django_db
def test_accepting_an_item_copies_its_values_into_gold(world, three_claims):
    reviewer = client_for(world.users["reviewer"])
    url = f"/api/documents/{world.document.pk}/gold/accept/"
    positive = Span.objects.get(annotation=three_claims[2])
    response = reviewer.post(url, {"span": positive.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["gold"]["spans"][0]["attributes"] == {"sentiment": "positive"}
    # Accepting another version of the same place brings gold's values in line.
    negative = Span.objects.get(annotation=three_claims[0])
    version = response.json()["gold"]["version"]
    response = reviewer.post(url, {"span": negative.pk, "version": version}, format="json")
    assert response.json()["gold"]["spans"][0]["attributes"] == {"sentiment": "negative"}
    stance = Stance.objects.get(annotation=three_claims[2])
    version = response.json()["gold"]["version"]
    response = reviewer.post(url, {"stance": stance.pk, "version": version}, format="json")
    assert response.json()["gold"]["stances"][0]["attributes"] == {"sentiment": "positive"}


# --- agreement per attribute -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("documents", [1, 6])
def test_agreement_per_attribute_over_items_marked_alike(
    world, documents, django_assert_max_num_queries
):
    _declare(world.claim, SENTIMENT, NORMALISED)
    for index in range(documents):
        document = DocumentFactory(project=world.project, text=f"Keita met Macron ({index}).")
        for name, sentiment, text in [("ana", "positive", "A."), ("ben", "negative", "A.")]:
            author, _ = User.objects.get_or_create(username=name)
            work = AnnotationFactory(document=document, author=author, status="submitted")
            span = SpanFactory(annotation=work, label=world.claim, start=0, end=5)
            Span.objects.filter(pk=span.pk).update(
                attribute_values={"sentiment": sentiment, "normalised": text}
            )
    reviewer = client_for(world.users["reviewer"])
    url = f"/api/projects/{world.project.pk}/agreement/"
    reviewer.get(url)
    # The stored figures (4 queries), the declarations, the spans and the stances; the claim
    # records (none here).
    with django_assert_max_num_queries(8):
        body = reviewer.get(url).json()
    sentiment, normalised = body["attributes"]
    # Every unit is (positive, negative): D_o = 1, D_e = d / (2d - 1), alpha = (1 - d) / d.
    assert sentiment == {
        "label": "CLAIM",
        "attribute": "sentiment",
        "type": "choice",
        "items": documents,
        "alpha": pytest.approx((1 - documents) / documents),
    }
    assert (normalised["items"], normalised["pairs"], normalised["exact_match"]) == (
        documents,
        documents,
        1.0,
    )
