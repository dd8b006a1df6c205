import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Span
from tests.api.conftest import client_for
from tests.factories import LabelFactory, SpanFactory, StanceFactory, StanceTargetFactory


def _spans_url(world) -> str:
    return f"/api/annotations/{world.own.pk}/spans/"


@pytest.mark.django_db
def test_annotation_detail_has_spans_and_stances_in_read_shape(world):
    response = client_for(world.users["annotator"]).get(f"/api/annotations/{world.own.pk}/")
    assert response.status_code == 200
    body = response.json()
    span = next(s for s in body["spans"] if s["id"] == world.holder.pk)
    assert set(span) == {
        "id",
        "label",
        "label_name",
        "start",
        "end",
        "text",
        "client_id",
        "claimant",
        "claimant_text",
        "checkworthy",
        "attributes",
        # Sentence units (docs/schema.md): the sentence a span labels, a model's score.
        "unit",
        "score",
    }
    assert (span["label_name"], span["text"]) == ("PER", "Keita")
    assert (span["unit"], span["score"]) == (None, None)
    assert body["stances"] == [
        {
            "id": world.stance.pk,
            "target": world.target.pk,
            "target_name": "the intervention",
            "label": world.favor.pk,
            "label_name": "FAVOR",
            "holder": world.holder.pk,
            "evidence": None,
            "attributes": {},
        }
    ]


@pytest.mark.django_db
def test_annotation_detail_queries_do_not_grow_with_spans(world, django_assert_max_num_queries):
    client = client_for(world.users["annotator"])
    url = f"/api/annotations/{world.own.pk}/"
    SpanFactory(annotation=world.own, label=world.entity, start=10, end=16)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).json()["spans"]) == 3
    labels = [LabelFactory(project=world.project, kind="entity") for _ in range(5)]
    Span.objects.bulk_create(
        Span(annotation=world.own, label=labels[n % 5], start=0, end=1, text="K")
        for n in range(297)
    )
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(url).json()["spans"]) == 300


# Inside a test's transaction BEGIN/COMMIT are a SAVEPOINT and its RELEASE; the client is
# force-authenticated, so no token query. create: permission, savepoint, lock, one lookup of
# label, client_id replay and overlap, insert, version, event, release. update: a change of
# kind reads the span's relations (their labels may want the old kind). delete: one of them
# moves the span's comments to the document's thread (Comment.span is SET_NULL), one reads
# the stances it holds or evidences (built-in relations: 0034), one reads the relations to
# delete first, and Django checks the RESTRICT of their two ends (two more; the stance's
# holder and evidence were two more RESTRICTs before they became relations).
# An update of label or offsets, and a delete, mark an accepted suggestion the span came from
# as corrected (one each, docs/suggestions.md). A delete also reads the span's claim record
# (logged with the delete), and Django's cascade reaches the fact-checking tables: the
# record (and so its evidence), claim links on either side, the claim-index entry, clusters
# naming it canonical and suggestion decisions: whatever the annotation's size.
SPAN_WRITE_QUERIES = {"create": 8, "update": 15, "delete": 23}
# On PostgreSQL the version bump and the event are one statement (rows.bump_and_insert), and
# a new span is written in that same statement too.
FEWER_ON_POSTGRESQL = {"create": 2, "update": 1, "delete": 1}


@pytest.mark.django_db
@pytest.mark.parametrize("spans_before", [3, 300])
def test_span_writes_take_a_fixed_number_of_queries_whatever_the_annotations_size(
    world, spans_before, django_assert_num_queries
):
    """What a key press costs does not grow with the spans already there (no N+1, no scans)."""
    Span.objects.bulk_create(
        Span(annotation=world.own, label=world.entity, start=30, end=31, text="M")
        for _ in range(spans_before - 2)
    )
    client = client_for(world.users["annotator"])
    postgresql = connection.vendor == "postgresql"
    queries = {
        write: count - (FEWER_ON_POSTGRESQL[write] if postgresql else 0)
        for write, count in SPAN_WRITE_QUERIES.items()
    }
    with django_assert_num_queries(queries["create"]):
        created = client.post(
            _spans_url(world),
            {"label": world.entity.pk, "start": 10, "end": 16, "client_id": str(uuid.uuid4())},
            format="json",
        )
    assert created.status_code == 201, created.json()
    url = f"{_spans_url(world)}{created.json()['id']}/"
    with django_assert_num_queries(queries["update"]):
        changed = client.patch(url, {"end": 15, "label": world.claim.pk}, format="json")
    assert changed.status_code == 200, changed.json()
    with django_assert_num_queries(queries["delete"]):
        assert client.delete(url).status_code == 200
    assert world.own.spans.count() == spans_before


# Stances: permission and the stance's read (update, delete), savepoint, lock, the stance read
# again under it with its holder and evidence (two subqueries, no query each); create: target,
# label, the holder and evidence spans in one query, the one-stance-per-target-and-holder
# check (a query: the holder is a relation, migration 0035), the insert and its links in one
# more; update: the spans, the check, the update, its links replaced (a delete and an insert);
# delete: its links (CASCADE), its comments' stance (SET_NULL), the delete; then version and
# event, release. On PostgreSQL the version bump and the event are one statement.
STANCE_WRITE_QUERIES = {"create": 12, "update": 13, "delete": 11}


@pytest.mark.django_db
@pytest.mark.parametrize("stances_before", [1, 100])
def test_stance_writes_take_a_fixed_number_of_queries_whatever_the_annotations_size(
    world, stances_before, django_assert_num_queries
):
    for _ in range(stances_before - 1):
        StanceFactory(
            annotation=world.own,
            target=StanceTargetFactory(project=world.project),
            label=world.favor,
            holder=world.holder,
            evidence=world.span,
        )
    client = client_for(world.users["annotator"])
    fewer = 1 if connection.vendor == "postgresql" else 0
    queries = {write: count - fewer for write, count in STANCE_WRITE_QUERIES.items()}
    url = f"/api/annotations/{world.own.pk}/stances/"
    body = {"target": world.free_target.pk, "label": world.favor.pk, "holder": world.holder.pk}
    with django_assert_num_queries(queries["create"]):
        created = client.post(url, {**body, "evidence": world.span.pk}, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["holder"], created.json()["evidence"]) == (
        world.holder.pk,
        world.span.pk,
    )
    stance_url = f"{url}{created.json()['id']}/"
    with django_assert_num_queries(queries["update"]):
        changed = client.patch(stance_url, {"holder": None}, format="json")
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["holder"], changed.json()["evidence"]) == (None, world.span.pk)
    with django_assert_num_queries(queries["delete"]):
        assert client.delete(stance_url).status_code == 200
    assert world.own.stances.count() == stances_before
    # Each stance left names its holder and evidence: nothing of theirs went with the delete.
    assert set(world.own.stances.with_links().values_list("holder_id", "evidence_id")) <= {
        (world.holder.pk, world.span.pk),
        (world.holder.pk, None),
    }


@pytest.mark.django_db
def test_every_write_answers_the_new_version(world):
    client = client_for(world.users["annotator"])
    response = client.post(
        _spans_url(world), {"label": world.entity.pk, "start": 10, "end": 16}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["version"] == 2
    span_id = response.json()["id"]
    response = client.patch(f"{_spans_url(world)}{span_id}/", {"end": 15}, format="json")
    assert (response.json()["end"], response.json()["version"]) == (15, 3)
    response = client.delete(f"{_spans_url(world)}{span_id}/?version=3")
    assert response.json() == {"version": 4}
    response = client.patch(
        f"/api/annotations/{world.own.pk}/stances/{world.stance.pk}/",
        {"holder": None},
        format="json",
    )
    assert (response.json()["holder"], response.json()["version"]) == (None, 5)


@pytest.mark.django_db
def test_span_retry_with_same_client_id_is_idempotent_and_different_body_conflicts(world):
    client = client_for(world.users["annotator"])
    body = {"label": world.entity.pk, "start": 10, "end": 16, "client_id": str(uuid.uuid4())}
    first = client.post(_spans_url(world), body, format="json")
    again = client.post(_spans_url(world), body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    clash = client.post(_spans_url(world), {**body, "end": 15}, format="json")
    assert clash.status_code == 409
    assert clash.json()["current_version"] == 2


@pytest.mark.django_db
def test_stale_status_version_conflicts_with_the_current_version(world):
    response = client_for(world.users["annotator"]).patch(
        f"/api/annotations/{world.own.pk}/", {"status": "submitted", "version": 7}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["current_version"] == 1
    assert set(response.json()) == {"detail", "errors", "current_version"}


@pytest.mark.django_db
def test_stale_delete_version_conflicts(world):
    response = client_for(world.users["annotator"]).delete(
        f"{_spans_url(world)}{world.span.pk}/?version=9"
    )
    assert response.status_code == 409


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": 10, "end": 99}, "end"),
        ({"start": 10, "end": 16, "text": "wrong!"}, "text"),
        ({"start": "ten", "end": 16}, "start"),
        ({"start": 10, "end": 16, "colour": "red"}, "colour"),
        ({"start": 10, "end": 16, "checkworthy": "maybe"}, "checkworthy"),
        ({"start": 10, "end": 16, "client_id": "not-a-uuid"}, "client_id"),
        ({"start": 10}, "end"),
    ],
)
def test_span_create_names_the_field_at_fault(world, body, field):
    response = client_for(world.users["annotator"]).post(
        _spans_url(world), {"label": world.entity.pk, **body}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.django_db
def test_label_of_another_project_is_a_field_error(world):
    foreign = LabelFactory(project=world.other_project, kind="entity")
    response = client_for(world.users["annotator"]).post(
        _spans_url(world), {"label": foreign.pk, "start": 10, "end": 16}, format="json"
    )
    assert response.status_code == 400
    assert "label" in response.json()["errors"]


@pytest.mark.django_db
def test_overlapping_span_is_refused(world):
    response = client_for(world.users["annotator"]).post(
        _spans_url(world), {"label": world.entity.pk, "start": 2, "end": 8}, format="json"
    )
    assert response.status_code == 400
    assert "start" in response.json()["errors"]


@pytest.mark.django_db
def test_span_holding_a_stance_cannot_be_deleted(world):
    response = client_for(world.users["annotator"]).delete(f"{_spans_url(world)}{world.holder.pk}/")
    assert response.status_code == 400
    assert "span" in response.json()["errors"]


@pytest.mark.django_db
def test_span_of_another_annotation_is_not_found(world):
    other = SpanFactory(annotation=world.reviewers, label=world.entity, start=0, end=5)
    response = client_for(world.users["annotator"]).patch(
        f"{_spans_url(world)}{other.pk}/", {"end": 4}, format="json"
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_bulk_errors_use_dotted_paths_and_write_nothing(world):
    response = client_for(world.users["annotator"]).post(
        f"/api/annotations/{world.own.pk}/bulk/",
        {
            "spans": [
                {"label": "PER", "start": 0, "end": 5},
                {"label": "PER", "start": 9, "end": 1},
            ],
            "stances": [{"target": "nobody", "label": "FAVOR"}],
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "spans.1.start" in errors
    assert "stances.0.target" in errors
    assert world.own.spans.count() == 2


@pytest.mark.django_db
def test_bulk_replaces_the_content(world):
    response = client_for(world.users["annotator"]).post(
        f"/api/annotations/{world.own.pk}/bulk/",
        {
            "spans": [
                {"label": "PER", "start": 0, "end": 5},
                {"label": "CLAIM", "start": 0, "end": 36, "claimant": 0, "checkworthy": "yes"},
            ],
            "stances": [{"target": "the elections", "label": "FAVOR", "holder": 0}],
            "version": 1,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2
    assert [s["label_name"] for s in body["spans"]] == ["PER", "CLAIM"]
    assert body["spans"][1]["claimant"] == body["spans"][0]["id"]
    assert body["stances"][0]["holder"] == body["spans"][0]["id"]


@pytest.mark.django_db
def test_submitted_annotation_refuses_span_writes(world):
    client = client_for(world.users["annotator"])
    client.patch(
        f"/api/annotations/{world.own.pk}/", {"status": "submitted", "version": 1}, format="json"
    )
    response = client.post(
        _spans_url(world), {"label": world.entity.pk, "start": 10, "end": 16}, format="json"
    )
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


@pytest.mark.django_db
def test_status_patch_needs_status_and_version(world):
    response = client_for(world.users["annotator"]).patch(
        f"/api/annotations/{world.own.pk}/", {"status": "done"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"status", "version"}


@pytest.mark.django_db
def test_identical_span_is_refused_even_where_overlap_is_allowed(world):
    world.project.allow_overlap = True
    world.project.save()
    body = {"label": world.entity.pk, "start": world.span.start, "end": world.span.end}

    response = client_for(world.users["annotator"]).post(_spans_url(world), body, format="json")

    assert response.status_code == 400
    (message,) = response.json()["errors"]["start"]
    assert f"as span {world.span.pk}:" in message and "same label and offsets" in message
    assert world.span.annotation.spans.count() == 2
