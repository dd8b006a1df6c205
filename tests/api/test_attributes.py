"""Attributes through the API: declared on labels, given on spans and stances, required at
submit, kept in history."""

import pytest

from annotations.models import LabelAttribute, LabelGroup, Span, Stance
from tests.api.conftest import client_for
from tests.factories import LabelFactory, SpanFactory

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
        LabelAttribute.objects.filter(label=world.claim).values_list("name", flat=True)
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
    Span.objects.filter(label=world.claim).update(attributes={"sentiment": "negative"})
    SpanFactory(annotation=world.reviewers, label=world.claim, start=0, end=5)
    Span.objects.filter(annotation=world.reviewers).update(attributes={"sentiment": "negative"})
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
    Span.objects.filter(label=world.claim).update(attributes={"normalised": "x"})
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
    assert not LabelAttribute.objects.exists()


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
