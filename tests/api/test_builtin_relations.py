"""Built-in relations: a claim's claimant span is a relation without a label, written and read
as the span's ``claimant`` field only; the relations API never shows or changes one."""

import pytest

from annotations import builtins
from annotations.models import Relation, Span
from tests.api.conftest import client_for


def _claim_naming(client, world, claimant_id):
    """POST a claim on the document's words 10-19 that names ``claimant_id``; its JSON."""
    text = world.own.document.text
    response = client.post(
        f"/api/annotations/{world.own.pk}/spans/",
        {"label": world.claim.pk, "start": 10, "end": 19, "text": text[10:19],
         "claimant": claimant_id},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.django_db
def test_a_claimant_is_a_built_in_relation_the_relations_api_does_not_show(world):
    client = client_for(world.users["annotator"])
    claim = _claim_naming(client, world, world.span.pk)
    assert claim["claimant"] == world.span.pk
    [link] = Relation.links.filter(annotation=world.own, builtin=builtins.CLAIMANT)
    assert (link.builtin, link.label_id, link.source_id, link.target_id) == (
        builtins.CLAIMANT,
        None,
        claim["id"],
        world.span.pk,
    )

    base = f"/api/annotations/{world.own.pk}/relations/"
    assert client.get(base).json()["results"] == []
    assert client.get(f"/api/annotations/{world.own.pk}/").json()["relations"] == []
    # Its id is nobody's relation: read, changed or deleted through the relations API, a 404.
    assert client.get(f"{base}{link.pk}/").status_code == 404
    assert (
        client.patch(f"{base}{link.pk}/", {"target": world.holder.pk}, format="json").status_code
        == 404
    )
    assert client.delete(f"{base}{link.pk}/").status_code == 404
    assert Relation.links.filter(pk=link.pk, target=world.span).exists()


@pytest.mark.django_db
def test_changing_and_clearing_a_claimant_moves_its_one_relation(world):
    client = client_for(world.users["annotator"])
    claim = _claim_naming(client, world, world.span.pk)
    url = f"/api/annotations/{world.own.pk}/spans/{claim['id']}/"

    moved = client.patch(url, {"claimant": world.holder.pk}, format="json")
    assert moved.json()["claimant"] == world.holder.pk
    assert list(
        Relation.links.filter(source_id=claim["id"]).values_list("target_id", flat=True)
    ) == [world.holder.pk]

    cleared = client.patch(url, {"claimant": None, "claimant_text": "AFP"}, format="json")
    assert (cleared.json()["claimant"], cleared.json()["claimant_text"]) == (None, "AFP")
    assert not Relation.links.filter(source_id=claim["id"]).exists()


@pytest.mark.django_db
def test_deleting_a_claim_takes_its_claimant_relation_and_frees_the_claimant(world):
    client = client_for(world.users["annotator"])
    claim = _claim_naming(client, world, world.span.pk)
    spans = f"/api/annotations/{world.own.pk}/spans/"

    refused = client.delete(f"{spans}{world.span.pk}/")
    assert refused.status_code == 400
    assert Span.objects.filter(pk=world.span.pk).exists()

    assert client.delete(f"{spans}{claim['id']}/").status_code == 200
    assert not Relation.links.filter(annotation=world.own, builtin=builtins.CLAIMANT).exists()
    assert client.delete(f"{spans}{world.span.pk}/").status_code == 200
