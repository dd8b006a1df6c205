"""Relations in the event log, reverts, span deletes and the bulk replace, through the API."""

import pytest

from annotations.models import Relation, Span
from annotations.services import annotating, history
from tests.api.conftest import client_for
from tests.factories import LabelFactory, RelationFactory, SpanFactory


@pytest.fixture
def met(world):
    return LabelFactory(project=world.project, name="met_in", kind="relation", source_kind="entity")


def _events(client, world) -> list[dict]:
    return client.get(f"/api/annotations/{world.own.pk}/events/").json()["results"]


def _revert(client, event: dict):
    return client.post(f"/api/events/{event['id']}/revert/")


def _ends(world) -> set[tuple[str, str, str]]:
    return {
        (r.label.name, r.source.text, r.target.text)
        for r in Relation.objects.filter(annotation=world.own).select_related(
            "label", "source", "target"
        )
    }


@pytest.mark.django_db
def test_relation_events_are_listed_and_each_can_be_reverted(world, met):
    client = client_for(world.users["annotator"])
    url = f"/api/annotations/{world.own.pk}/relations/"
    body = {"label": met.pk, "source": world.holder.pk, "target": world.span.pk}
    created = client.post(url, body, format="json").json()
    client.patch(
        f"{url}{created['id']}/",
        {"source": world.span.pk, "target": world.holder.pk},
        format="json",
    )
    events = _events(client, world)
    assert [e["action"] for e in events[:2]] == ["relation_changed", "relation_created"]
    assert events[0]["before"]["source"] == world.holder.pk
    assert events[0]["after"]["source"] == world.span.pk

    # Undo the change: the relation goes back to Keita -> Bamako.
    assert _revert(client, events[0]).status_code == 201
    assert _ends(world) == {("met_in", "Keita", "Bamako")}
    # Undo the creation: it is gone.
    assert _revert(client, events[1]).status_code == 201
    assert _ends(world) == set()
    # Undo that delete (the revert logged a relation_deleted): it is back.
    deleted = next(e for e in _events(client, world) if e["action"] == "relation_deleted")
    assert _revert(client, deleted).status_code == 201
    assert _ends(world) == {("met_in", "Keita", "Bamako")}


@pytest.mark.django_db
def test_reverting_a_relation_changed_again_since_is_refused(world, met):
    client = client_for(world.users["annotator"])
    url = f"/api/annotations/{world.own.pk}/relations/"
    body = {"label": met.pk, "source": world.holder.pk, "target": world.span.pk}
    created = client.post(url, body, format="json").json()
    client.patch(
        f"{url}{created['id']}/",
        {"source": world.span.pk, "target": world.holder.pk},
        format="json",
    )
    creation = next(e for e in _events(client, world) if e["action"] == "relation_created")
    response = _revert(client, creation)
    assert response.status_code == 400
    assert "changed again since" in response.json()["errors"]["event"][0]
    assert Relation.objects.count() == 1


@pytest.mark.django_db
def test_deleting_a_span_deletes_its_relations_each_logged_and_revert_brings_them_back(world, met):
    client = client_for(world.users["annotator"])
    monday = SpanFactory(annotation=world.own, label=world.entity, start=30, end=36)
    RelationFactory(source=world.holder, target=world.span, label=met)
    RelationFactory(source=world.span, target=monday, label=met)
    RelationFactory(source=world.holder, target=monday, label=met)

    response = client.delete(f"/api/annotations/{world.own.pk}/spans/{world.span.pk}/?version=1")
    assert response.status_code == 200, response.json()
    # Two relations, then the span: one version each.
    assert response.json() == {"version": 4}
    assert _ends(world) == {("met_in", "Keita", "Monday")}
    events = _events(client, world)
    assert [e["action"] for e in events[:3]] == [
        "span_deleted",
        "relation_deleted",
        "relation_deleted",
    ]
    assert len(events[0]["before"]["relations"]) == 2

    assert _revert(client, events[0]).status_code == 201
    assert _ends(world) == {
        ("met_in", "Keita", "Bamako"),
        ("met_in", "Bamako", "Monday"),
        ("met_in", "Keita", "Monday"),
    }
    bamako = Span.objects.get(annotation=world.own, text="Bamako")
    assert Relation.objects.filter(target=bamako).count() == 1


@pytest.mark.django_db
def test_span_delete_revert_finds_an_other_end_that_came_back_with_a_new_id(world, met):
    """Delete Bamako then Keita, bring back Keita first: Bamako's relation finds the new Keita."""
    RelationFactory(source=world.holder, target=world.span, label=met)
    world.stance.delete()  # Keita holds it; only relations tie these spans here
    client = client_for(world.users["annotator"])
    spans = f"/api/annotations/{world.own.pk}/spans/"
    client.delete(f"{spans}{world.span.pk}/")
    bamako_deleted = _events(client, world)[0]
    client.delete(f"{spans}{world.holder.pk}/")
    keita_deleted = _events(client, world)[0]
    assert keita_deleted["before"].get("relations") is None  # went with Bamako

    too_early = _revert(client, bamako_deleted)
    assert too_early.status_code == 400
    assert too_early.json()["errors"]["event"] == [
        history.END_GONE.format(
            relation=bamako_deleted["before"]["relations"][0]["id"], span=world.holder.pk
        )
    ]
    assert not Span.objects.filter(annotation=world.own, text="Bamako").exists()

    assert _revert(client, keita_deleted).status_code == 201
    assert _revert(client, bamako_deleted).status_code == 201
    assert _ends(world) == {("met_in", "Keita", "Bamako")}


@pytest.mark.django_db
def test_bulk_replaces_relations_with_the_spans_and_answers_them(world, met):
    client = client_for(world.users["annotator"])
    RelationFactory(source=world.holder, target=world.span, label=met)
    response = client.post(
        f"/api/annotations/{world.own.pk}/bulk/",
        {
            "spans": [
                {"label": "PER", "start": 0, "end": 5},
                {"label": "PER", "start": 10, "end": 16},
                {"label": "CLAIM", "start": 0, "end": 36},
            ],
            "stances": [],
            "relations": [
                {"label": "met_in", "source": 0, "target": 1},
                {"label": "met_in", "source": 1, "target": 2, "attributes": {}},
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    ids = [span["id"] for span in body["spans"]]
    assert [(r["label_name"], r["source"], r["target"]) for r in body["relations"]] == [
        ("met_in", ids[0], ids[1]),
        ("met_in", ids[1], ids[2]),
    ]
    assert _ends(world) == {
        ("met_in", "Keita", "Macron"),
        ("met_in", "Macron", "Keita met Macron in Bamako on Monday"),
    }

    # The replace is revertible: the old relation comes back with the old spans.
    replaced = _events(client, world)[0]
    assert replaced["action"] == "content_replaced"
    assert _revert(client, replaced).status_code == 201
    assert _ends(world) == {("met_in", "Keita", "Bamako")}


@pytest.mark.django_db
def test_bulk_relation_errors_use_dotted_paths_and_write_nothing(world, met):
    response = client_for(world.users["annotator"]).post(
        f"/api/annotations/{world.own.pk}/bulk/",
        {
            "spans": [
                {"label": "PER", "start": 0, "end": 5},
                {"label": "CLAIM", "start": 0, "end": 36},
            ],
            "stances": [],
            "relations": [
                {"label": "met_in", "source": 0, "target": 1},
                {"label": "nope", "source": 0, "target": 1},
                {"label": "met_in", "source": 0, "target": 7},
                {"label": "met_in", "source": 1, "target": 0},
                {"label": "met_in", "source": 0, "target": 0},
                {"label": "met_in", "source": 0, "target": 1},
                {"label": "PER", "source": 0, "target": 1, "colour": "red"},
                {"label": "met_in", "target": 1},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["relations.1.label"] == [
        annotating.LABEL_NAME_NOT_IN_PROJECT.format(value="nope")
    ]
    assert errors["relations.2.target"] == [annotating.INDEX_INVALID.format(last=1, value=7)]
    assert errors["relations.3.source"] == [
        annotating.RELATION_SOURCE_KIND.format(
            name="met_in", a_kind="an entity", span="spans.1", its_kind="a claim"
        )
    ]
    assert errors["relations.4.target"] == [annotating.RELATION_TO_ITSELF.format(span="spans.0")]
    assert errors["relations.5.target"] == [
        annotating.RELATION_DUPLICATE.format(label="met_in", source="spans.0", target="spans.1")
        + " (relations.0)"
    ]
    assert errors["relations.6.label"] == [
        annotating.RELATION_LABEL_KIND.format(name="PER", a_kind="an entity")
    ]
    assert "relations.6.colour" in errors
    assert errors["relations.7.source"] == [annotating.REQUIRED]
    assert not any(key.startswith("relations.0") for key in errors)
    assert world.own.spans.count() == 2
    assert list(Span.objects.filter(annotation=world.own).values_list("text", flat=True)) == [
        "Keita",
        "Bamako",
    ]
