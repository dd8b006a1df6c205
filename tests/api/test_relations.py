"""Relations through the API: create, read, change, delete; every refusal names its field."""

import uuid

import pytest
from django.db import connection

from annotations.errors import InvalidInput
from annotations.models import AnnotationEvent, Label, LabelAttribute, Relation
from annotations.services import annotating, projects
from tests.api.conftest import client_for
from tests.factories import LabelFactory, RelationFactory, SpanFactory


def _url(world, relation: int | None = None) -> str:
    base = f"/api/annotations/{world.own.pk}/relations/"
    return base if relation is None else f"{base}{relation}/"


@pytest.fixture
def met(world):
    """A relation label from an entity to an entity ("Keita" -> "Bamako" in world.own)."""
    return LabelFactory(
        project=world.project,
        name="met_in",
        kind="relation",
        source_kind="entity",
        target_kind="entity",
    )


@pytest.fixture
def about(world):
    """A relation label with no kind rules: any span to any span."""
    return LabelFactory(project=world.project, name="about", kind="relation")


def _post(world, body, user="annotator", **extra):
    return client_for(world.users[user]).post(_url(world), body, format="json", **extra)


@pytest.mark.django_db
def test_relation_create_answers_the_relation_and_the_new_version(world, met):
    response = _post(
        world, {"label": met.pk, "source": world.holder.pk, "target": world.span.pk, "version": 1}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body == {
        "id": body["id"],
        "label": met.pk,
        "label_name": "met_in",
        "source": world.holder.pk,
        "target": world.span.pk,
        "attributes": {},
        "client_id": None,
        "version": 2,
    }
    relation = Relation.objects.get(pk=body["id"])
    assert (relation.source_id, relation.target_id, relation.annotation_id) == (
        world.holder.pk,
        world.span.pk,
        world.own.pk,
    )
    event = AnnotationEvent.objects.filter(annotation=world.own).latest("id")
    assert (event.action, event.object_id, event.version) == ("relation_created", body["id"], 2)
    assert event.after["label_name"] == "met_in"


@pytest.mark.django_db
def test_relations_are_listed_read_one_by_one_and_carried_by_the_annotation(world, met):
    relation = RelationFactory(source=world.holder, target=world.span, label=met)
    client = client_for(world.users["annotator"])
    listed = client.get(_url(world)).json()
    assert listed["count"] == 1
    assert listed["results"][0]["id"] == relation.pk
    one = client.get(_url(world, relation.pk)).json()
    assert (one["label_name"], one["source"], one["target"]) == (
        "met_in",
        world.holder.pk,
        world.span.pk,
    )
    detail = client.get(f"/api/annotations/{world.own.pk}/").json()
    assert detail["relations"] == [one]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"label": "met_in"}, "label", "A valid integer is required."),
        ({"source": None}, "source", "This field may not be null."),
        ({"target": "Bamako"}, "target", "A valid integer is required."),
        ({"colour": "red"}, "colour", "Unknown field"),
        ({"client_id": "not-a-uuid"}, "client_id", "Must be a valid UUID."),
        ({"attributes": {"sure": "yes"}}, "attributes.sure", 'has no attribute "sure"'),
        ({"attributes": ["yes"]}, "attributes", "Attributes must be an object"),
    ],
)
def test_relation_create_names_the_field_at_fault_and_writes_nothing(
    world, met, body, field, message
):
    full = {"label": met.pk, "source": world.holder.pk, "target": world.span.pk, **body}
    response = _post(world, full)
    assert response.status_code == 400, response.json()
    assert message in " ".join(response.json()["errors"][field])
    assert not Relation.objects.exists()
    world.own.refresh_from_db()
    assert world.own.version == 1


@pytest.mark.django_db
def test_relation_with_a_missing_end_is_refused(world, met):
    response = _post(world, {"label": met.pk, "source": world.holder.pk})
    assert response.status_code == 400
    assert response.json()["errors"] == {"target": ["This field is required."]}


@pytest.mark.django_db
def test_relation_label_must_be_a_relation_label_of_the_project(world, met):
    foreign = LabelFactory(project=world.other_project, kind="relation")
    response = _post(world, {"label": foreign.pk, "source": world.holder.pk, "target": 1})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["label"] == [annotating.LABEL_NOT_IN_PROJECT.format(value=foreign.pk)]
    response = _post(world, {"label": world.entity.pk, "source": world.holder.pk, "target": 1})
    assert response.json()["errors"]["label"] == [
        annotating.RELATION_LABEL_KIND.format(name="PER", a_kind="an entity")
    ]
    assert not Relation.objects.exists()


@pytest.mark.django_db
def test_relation_ends_must_be_spans_of_this_annotation(world, met):
    """A span of another annotation (here the reviewer's, same document) is not an end."""
    other = SpanFactory(annotation=world.reviewers, label=world.entity, start=10, end=16)
    response = _post(world, {"label": met.pk, "source": other.pk, "target": world.span.pk})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "source": [annotating.SPAN_NOT_IN_ANNOTATION.format(value=other.pk)]
    }


@pytest.mark.django_db
def test_relation_ends_must_have_the_kinds_its_label_asks_for(world, met):
    claim = SpanFactory(annotation=world.own, label=world.claim, start=0, end=36)
    response = _post(world, {"label": met.pk, "source": claim.pk, "target": claim.pk})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["source"] == [
        annotating.RELATION_SOURCE_KIND.format(
            name="met_in", a_kind="an entity", span=f"span {claim.pk}", its_kind="a claim"
        )
    ]
    assert errors["target"][0] == annotating.RELATION_TARGET_KIND.format(
        name="met_in", a_kind="an entity", span=f"span {claim.pk}", its_kind="a claim"
    )
    assert not Relation.objects.exists()


@pytest.mark.django_db
def test_a_label_with_no_kind_rules_links_any_two_spans(world, about):
    claim = SpanFactory(annotation=world.own, label=world.claim, start=0, end=36)
    response = _post(world, {"label": about.pk, "source": claim.pk, "target": world.span.pk})
    assert response.status_code == 201, response.json()


@pytest.mark.django_db
def test_relation_from_a_span_to_itself_is_refused(world, about):
    response = _post(world, {"label": about.pk, "source": world.span.pk, "target": world.span.pk})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "target": [annotating.RELATION_TO_ITSELF.format(span=f"span {world.span.pk}")]
    }


@pytest.mark.django_db
def test_one_relation_per_label_and_ends(world, met, about):
    RelationFactory(source=world.holder, target=world.span, label=met)
    body = {"label": met.pk, "source": world.holder.pk, "target": world.span.pk}
    response = _post(world, body)
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "target": [
            annotating.RELATION_DUPLICATE.format(
                label="met_in", source=f"span {world.holder.pk}", target=f"span {world.span.pk}"
            )
        ]
    }
    # The other direction and another label are other relations.
    assert (
        _post(world, {**body, "source": world.span.pk, "target": world.holder.pk}).status_code
        == 201
    )
    assert _post(world, {**body, "label": about.pk}).status_code == 201
    assert Relation.objects.count() == 3


@pytest.mark.django_db
def test_relation_retry_with_same_client_id_is_idempotent_and_another_body_conflicts(
    world, met, about
):
    body = {
        "label": met.pk,
        "source": world.holder.pk,
        "target": world.span.pk,
        "client_id": str(uuid.uuid4()),
    }
    first, again = _post(world, body), _post(world, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["version"] == 2
    clash = _post(world, {**body, "label": about.pk})
    assert clash.status_code == 409
    assert clash.json()["current_version"] == 2
    assert Relation.objects.count() == 1


@pytest.mark.django_db
def test_relation_create_with_an_idempotency_key_applies_once(world, met):
    body = {"label": met.pk, "source": world.holder.pk, "target": world.span.pk}
    key = {"HTTP_IDEMPOTENCY_KEY": "relation-1"}
    first, again = _post(world, body, **key), _post(world, body, **key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Relation.objects.count() == 1
    other = _post(world, {**body, "source": world.span.pk, "target": world.holder.pk}, **key)
    assert other.status_code == 409


@pytest.mark.django_db
def test_relation_writes_with_a_stale_version_conflict(world, met):
    relation = RelationFactory(source=world.holder, target=world.span, label=met)
    client = client_for(world.users["annotator"])
    body = {"label": met.pk, "source": world.span.pk, "target": world.holder.pk, "version": 4}
    created = client.post(_url(world), body, format="json")
    assert (created.status_code, created.json()["current_version"]) == (409, 1)
    changed = client.patch(_url(world, relation.pk), {"target": 1, "version": 4}, format="json")
    assert changed.status_code == 409
    deleted = client.delete(f"{_url(world, relation.pk)}?version=4")
    assert deleted.status_code == 409
    assert Relation.objects.filter(pk=relation.pk, target=world.span).exists()


@pytest.mark.django_db
def test_relation_patch_changes_label_ends_and_is_logged(world, met, about):
    relation = RelationFactory(source=world.holder, target=world.span, label=met)
    client = client_for(world.users["annotator"])
    response = client.patch(
        _url(world, relation.pk),
        {"label": about.pk, "source": world.span.pk, "target": world.holder.pk, "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["label_name"], body["source"], body["target"], body["version"]) == (
        "about",
        world.span.pk,
        world.holder.pk,
        2,
    )
    event = AnnotationEvent.objects.filter(annotation=world.own).latest("id")
    assert event.action == "relation_changed"
    assert (event.before["label_name"], event.after["label_name"]) == ("met_in", "about")


@pytest.mark.django_db
def test_relation_patch_is_checked_as_a_whole(world, met, about):
    relation = RelationFactory(source=world.holder, target=world.span, label=met)
    RelationFactory(source=world.span, target=world.holder, label=met)
    client = client_for(world.users["annotator"])
    url = _url(world, relation.pk)
    swapped = client.patch(url, {"source": world.span.pk, "target": world.holder.pk}, format="json")
    assert swapped.status_code == 400
    assert "target" in swapped.json()["errors"]
    itself = client.patch(url, {"target": world.holder.pk}, format="json")
    assert itself.json()["errors"]["target"] == [
        annotating.RELATION_TO_ITSELF.format(span=f"span {world.holder.pk}")
    ]
    relation.refresh_from_db()
    assert (relation.source_id, relation.target_id) == (world.holder.pk, world.span.pk)


@pytest.mark.django_db
def test_relation_delete_answers_the_version_and_the_relation_is_gone(world, met):
    relation = RelationFactory(source=world.holder, target=world.span, label=met)
    client = client_for(world.users["annotator"])
    response = client.delete(f"{_url(world, relation.pk)}?version=1")
    assert response.json() == {"version": 2}
    assert not Relation.objects.exists()
    assert client.get(_url(world, relation.pk)).status_code == 404
    event = AnnotationEvent.objects.filter(annotation=world.own).latest("id")
    assert (event.action, event.object_id) == ("relation_deleted", relation.pk)


@pytest.mark.django_db
def test_relations_follow_the_annotations_permissions(world, met):
    """Authors write their own; reviewers read everyone's; annotators read blind; outsiders 404."""
    relation = RelationFactory(source=world.holder, target=world.span, label=met)
    theirs = SpanFactory(annotation=world.reviewers, label=world.entity, start=0, end=5)
    other = SpanFactory(annotation=world.reviewers, label=world.entity, start=20, end=26)
    reviewers_relation = RelationFactory(source=theirs, target=other, label=met)
    body = {"label": met.pk, "source": world.span.pk, "target": world.holder.pk}

    assert _post(world, body, user="reviewer").status_code == 403
    reviewer = client_for(world.users["reviewer"])
    assert reviewer.get(_url(world)).json()["count"] == 1
    assert reviewer.delete(_url(world, relation.pk)).status_code == 403

    annotator = client_for(world.users["annotator"])
    blind = f"/api/annotations/{world.reviewers.pk}/relations/"
    assert annotator.get(blind).status_code == 404
    assert annotator.get(f"{blind}{reviewers_relation.pk}/").status_code == 404
    assert annotator.post(blind, body, format="json").status_code == 404

    for user in ("outsider", "anonymous"):
        expected = 404 if user == "outsider" else 401
        assert _post(world, body, user=user).status_code == expected
        assert client_for(world.users[user]).get(_url(world)).status_code == expected
    # Another annotation's relation is not found through this annotation's URL.
    assert reviewer.get(_url(world, reviewers_relation.pk)).status_code == 404
    assert Relation.objects.count() == 2


# Inside a test's transaction BEGIN/COMMIT are a SAVEPOINT and its RELEASE; the client is
# force-authenticated. permission, savepoint, lock, client_id replay, label, both ends in one
# query, one-per-label-and-ends, insert, version, event, release.
RELATION_POST_QUERIES = 11
FEWER_ON_POSTGRESQL = 1  # the version bump and the event are one statement


@pytest.mark.django_db
@pytest.mark.parametrize("spans_before", [3, 300])
def test_relation_post_takes_a_fixed_number_of_queries(
    world, met, spans_before, django_assert_num_queries
):
    SpanFactory.create_batch(
        spans_before - 2, annotation=world.own, label=world.entity, start=30, end=31
    )
    expected = RELATION_POST_QUERIES - (
        FEWER_ON_POSTGRESQL if connection.vendor == "postgresql" else 0
    )
    body = {
        "label": met.pk,
        "source": world.holder.pk,
        "target": world.span.pk,
        "client_id": str(uuid.uuid4()),
    }
    with django_assert_num_queries(expected):
        response = _post(world, body)
    assert response.status_code == 201, response.json()


@pytest.mark.django_db
def test_span_relabelled_to_a_kind_its_relations_refuse_is_refused(world, met):
    relation = RelationFactory(source=world.holder, target=world.span, label=met)
    response = client_for(world.users["annotator"]).patch(
        f"/api/annotations/{world.own.pk}/spans/{world.span.pk}/",
        {"label": world.claim.pk},
        format="json",
    )
    assert response.status_code == 400
    message = annotating.RELATION_TARGET_KIND.format(
        name="met_in", a_kind="an entity", span=f"span {world.span.pk}", its_kind="a claim"
    )
    assert response.json()["errors"]["label"] == [f"{message} (relation {relation.pk})"]


@pytest.mark.django_db
def test_a_manager_declares_a_relation_labels_end_kinds(world):
    client = client_for(world.users["manager"])
    url = f"/api/projects/{world.project.pk}/labels/"
    body = {"name": "located_in", "kind": "relation", "source_kind": "entity"}
    created = client.post(url, body, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["source_kind"], created.json()["target_kind"]) == ("entity", "")
    wrong = client.post(url, {**body, "name": "x", "source_kind": "stance"}, format="json")
    assert wrong.json()["errors"] == {
        "source_kind": [
            projects.ENDPOINT_KIND_INVALID.format(value="stance", choices="entity, claim, sentence")
        ]
    }
    entity = client.post(
        url, {"name": "y", "kind": "entity", "target_kind": "claim"}, format="json"
    )
    assert entity.json()["errors"] == {"target_kind": [projects.ENDPOINT_KIND_NOT_RELATION]}
    assert not Label.objects.filter(name__in=["x", "y"]).exists()


@pytest.mark.django_db
def test_a_relation_label_in_use_is_neither_deleted_nor_changed_in_kind(world, met):
    RelationFactory(source=world.holder, target=world.span, label=met)
    with pytest.raises(InvalidInput) as deleting:
        projects.label_delete(label=met)
    assert deleting.value.errors == {
        "label": [projects.LABEL_IN_USE.format(name="met_in", spans=0, stances=0, relations=1)]
    }
    with pytest.raises(InvalidInput) as retyping:
        projects.label_update(label=met, kind="entity", source_kind="", target_kind="")
    assert retyping.value.errors["kind"] == [
        projects.LABEL_KIND_IN_USE.format(name="met_in", count=1)
    ]
    with pytest.raises(InvalidInput) as ends:
        projects.label_update(label=met, source_kind="claim")
    assert ends.value.errors == {
        "source_kind": [projects.ENDPOINT_KIND_IN_USE.format(name="met_in", count=1)]
    }
    met.refresh_from_db()
    assert (met.kind, met.source_kind) == ("relation", "entity")


@pytest.mark.django_db
def test_relation_attributes_are_checked_against_the_labels_declarations(world, met):
    LabelAttribute.objects.create(
        label=met, name="certainty", type="choice", choices=["sure", "unsure"]
    )
    body = {"label": met.pk, "source": world.holder.pk, "target": world.span.pk}
    wrong = _post(world, {**body, "attributes": {"certainty": "maybe"}})
    assert wrong.status_code == 400
    assert list(wrong.json()["errors"]) == ["attributes.certainty"]
    created = _post(world, {**body, "attributes": {"certainty": "sure"}})
    assert created.status_code == 201, created.json()
    assert created.json()["attributes"] == {"certainty": "sure"}
    changed = client_for(world.users["annotator"]).patch(
        _url(world, created.json()["id"]), {"attributes": {"certainty": "unsure"}}, format="json"
    )
    assert changed.json()["attributes"] == {"certainty": "unsure"}
    assert Relation.objects.get().attributes == {"certainty": "unsure"}
