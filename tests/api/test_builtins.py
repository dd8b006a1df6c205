"""Built-ins: a claim's checkworthy and claimant_text are built-in attributes of its label,
read and written as the span's own fields, never shown or changed as a user's attributes."""

import pytest

from annotations import builtins
from annotations.models import LabelAttribute, Span
from annotations.selectors import annotation_content
from annotations.services.builtins import label_builtins_sync
from annotations.services.projects import label_create, label_update
from tests.api.conftest import client_for
from tests.factories import LabelFactory, SpanFactory

NORMALISED = {"name": "normalised", "type": "text", "required": False, "choices": []}


def _builtins_of(label) -> list[tuple[str, str, list[str]]]:
    rows = LabelAttribute.objects.filter(label=label).exclude(builtin="").order_by("position")
    return [(row.name, row.type, row.choices) for row in rows]


@pytest.mark.django_db
def test_a_claim_label_declares_the_two_built_ins_and_an_entity_label_none(world):
    claim = label_create(project=world.project, name="RUMOUR", kind="claim")
    entity = label_create(project=world.project, name="GPE", kind="entity")
    assert _builtins_of(claim) == [
        ("checkworthy", "choice", ["yes", "no", "unsure"]),
        ("claimant_text", "text", []),
    ]
    assert _builtins_of(entity) == []


@pytest.mark.django_db
def test_a_label_that_becomes_a_claim_label_gains_them_and_loses_them_going_back(world):
    label = label_create(project=world.project, name="RUMOUR", kind="entity")
    label_update(label=label, kind="claim")
    assert [name for name, *_ in _builtins_of(label)] == ["checkworthy", "claimant_text"]
    label_update(label=label, kind="entity")
    assert _builtins_of(label) == []


@pytest.mark.django_db
def test_syncing_twice_declares_each_built_in_once(world):
    label_builtins_sync(label=world.claim)
    label_builtins_sync(label=world.claim)
    assert len(_builtins_of(world.claim)) == 2


@pytest.mark.django_db
def test_the_label_api_lists_and_replaces_the_users_attributes_only(world):
    manager = client_for(world.users["manager"])
    url = f"/api/projects/{world.project.pk}/labels/{world.claim.pk}/"
    assert manager.get(url).json()["attributes"] == []
    response = manager.patch(url, {"attributes": [NORMALISED]}, format="json")
    assert response.status_code == 200, response.json()
    assert [item["name"] for item in response.json()["attributes"]] == ["normalised"]
    response = manager.patch(url, {"attributes": []}, format="json")
    assert response.json()["attributes"] == []
    # The built-ins are still declared.
    assert len(_builtins_of(world.claim)) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["checkworthy", "claimant_text"])
def test_declaring_a_user_attribute_under_a_built_ins_name_is_refused(world, name):
    manager = client_for(world.users["manager"])
    url = f"/api/projects/{world.project.pk}/labels/{world.claim.pk}/"
    response = manager.patch(url, {"attributes": [{**NORMALISED, "name": name}]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"attributes": [builtins.NAME_RESERVED.format(name=name)]}
    assert not LabelAttribute.objects.users().filter(label=world.claim).exists()


@pytest.mark.django_db
def test_an_entity_label_may_name_an_attribute_checkworthy_but_cannot_then_become_a_claim(world):
    manager = client_for(world.users["manager"])
    unused = LabelFactory(project=world.project, name="GPE", kind="entity")
    url = f"/api/projects/{world.project.pk}/labels/{unused.pk}/"
    declared = [{**NORMALISED, "name": "checkworthy"}]
    assert manager.patch(url, {"attributes": declared}, format="json").status_code == 200
    response = manager.patch(url, {"kind": "claim"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "attributes": [builtins.NAME_RESERVED.format(name="checkworthy")]
    }
    unused.refresh_from_db()
    assert unused.kind == "entity"


@pytest.mark.django_db
def test_a_span_cannot_write_a_built_in_through_its_attributes(world):
    client = client_for(world.users["annotator"])
    body = {"label": world.claim.pk, "start": 0, "end": 5, "attributes": {"checkworthy": "yes"}}
    response = client.post(f"/api/annotations/{world.own.pk}/spans/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["attributes.checkworthy"]
    assert not world.own.spans.filter(label=world.claim).exists()


@pytest.mark.django_db
def test_built_ins_are_stored_as_attribute_values_and_read_as_the_spans_fields(world):
    label_update(label=world.claim, attributes=[NORMALISED])
    client = client_for(world.users["annotator"])
    body = {
        "label": world.claim.pk,
        "start": 0,
        "end": 5,
        "claimant_text": "a spokesman",
        "checkworthy": "unsure",
        "attributes": {"normalised": "x"},
    }
    response = client.post(f"/api/annotations/{world.own.pk}/spans/", body, format="json")
    assert response.status_code == 201, response.json()
    read = response.json()
    assert (read["claimant_text"], read["checkworthy"], read["attributes"]) == (
        "a spokesman",
        "unsure",
        {"normalised": "x"},
    )
    stored = Span.objects.get(pk=read["id"]).attribute_values
    assert stored == {"normalised": "x", "checkworthy": "unsure", "claimant_text": "a spokesman"}
    # Clearing one drops its key, as any attribute's empty value.
    response = client.patch(
        f"/api/annotations/{world.own.pk}/spans/{read['id']}/", {"checkworthy": ""}, format="json"
    )
    assert response.json()["checkworthy"] == ""
    stored = Span.objects.get(pk=read["id"]).attribute_values
    assert stored == {"normalised": "x", "claimant_text": "a spokesman"}


@pytest.mark.django_db
def test_rows_read_in_sql_split_the_values_as_the_model_does(world):
    label_update(label=world.claim, attributes=[NORMALISED])
    claim = SpanFactory(annotation=world.own, label=world.claim, start=0, end=5)
    Span.objects.filter(pk=claim.pk).update(
        attribute_values={"normalised": "x", "checkworthy": "no", "claimant_text": "AFP"}
    )
    plain = SpanFactory(annotation=world.own, label=LabelFactory(project=world.project), start=6)
    rows = {row["id"]: row for row in annotation_content(annotation=world.own)["spans"]}
    for span in (Span.objects.get(pk=claim.pk), plain):
        row = rows[span.pk]
        assert (row["claimant_text"], row["checkworthy"], row["attributes"]) == (
            span.claimant_text,
            span.checkworthy,
            span.attributes,
        )
    assert rows[claim.pk]["attributes"] == {"normalised": "x"}
    assert rows[plain.pk]["checkworthy"] == ""
