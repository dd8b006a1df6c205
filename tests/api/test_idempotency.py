import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotations.api.idempotency import (
    IDEMPOTENCY_HEADER,
    KEY_INVALID,
    KEY_REUSED,
    REPLAYED_HEADER,
)
from annotations.models import AnnotationEvent, IdempotentRequest, Span, Stance
from annotations.services import idempotency
from tests.api.conftest import client_for

KEY = {"HTTP_IDEMPOTENCY_KEY": "3f1c0c1e-6d1a-4f55-9a63-6c1f3b0e8a01"}


def _bulk_body(version: int = 1) -> dict:
    return {
        "spans": [
            {"label": "PER", "start": 0, "end": 5},
            {"label": "CLAIM", "start": 0, "end": 36, "claimant": 0, "checkworthy": "yes"},
        ],
        "stances": [{"target": "the elections", "label": "FAVOR", "holder": 0}],
        "version": version,
    }


def _bulk(client, world, body=None, **headers):
    return client.post(
        f"/api/annotations/{world.own.pk}/bulk/",
        _bulk_body() if body is None else body,
        format="json",
        **headers,
    )


@pytest.mark.django_db
def test_bulk_sent_twice_with_one_key_applies_once_and_answers_the_same(world):
    client = client_for(world.users["annotator"])
    first = _bulk(client, world, **KEY)
    events = AnnotationEvent.objects.filter(annotation=world.own).count()
    second = _bulk(client, world, **KEY)

    assert first.status_code == second.status_code == 200, first.content
    assert second.content == first.content
    assert second[REPLAYED_HEADER] == "true"
    assert AnnotationEvent.objects.filter(annotation=world.own).count() == events
    ids = [span["id"] for span in first.json()["spans"]]
    assert sorted(Span.objects.filter(annotation=world.own).values_list("pk", flat=True)) == ids
    assert Stance.objects.filter(annotation=world.own).count() == 1


@pytest.mark.django_db
def test_same_key_with_another_body_is_a_conflict_and_writes_nothing(world):
    client = client_for(world.users["annotator"])
    first = _bulk(client, world, **KEY)
    spans = list(Span.objects.filter(annotation=world.own).values_list("pk", flat=True))
    events = AnnotationEvent.objects.count()
    other = _bulk_body(version=first.json()["version"])
    other["spans"] = other["spans"][:1]
    other["stances"] = []

    response = _bulk(client, world, other, **KEY)

    assert response.status_code == 409
    assert response.json() == {"detail": KEY_REUSED, "errors": {}}
    assert list(Span.objects.filter(annotation=world.own).values_list("pk", flat=True)) == spans
    assert AnnotationEvent.objects.count() == events


@pytest.mark.django_db
def test_same_key_on_another_path_is_a_conflict(world):
    client = client_for(world.users["annotator"])
    client.patch(
        f"/api/annotations/{world.own.pk}/spans/{world.span.pk}/", {"end": 25}, format="json", **KEY
    )
    response = client.patch(
        f"/api/annotations/{world.own.pk}/spans/{world.holder.pk}/",
        {"end": 4},
        format="json",
        **KEY,
    )
    assert response.status_code == 409
    assert response.json()["detail"] == KEY_REUSED


@pytest.mark.django_db
def test_another_users_same_key_is_independent(world):
    mine = _bulk(client_for(world.users["annotator"]), world, **KEY)
    theirs = client_for(world.users["reviewer"]).post(
        f"/api/annotations/{world.reviewers.pk}/bulk/",
        {"spans": [{"label": "PER", "start": 10, "end": 16}], "stances": []},
        format="json",
        **KEY,
    )
    assert mine.status_code == theirs.status_code == 200
    assert [span["start"] for span in theirs.json()["spans"]] == [10]
    assert REPLAYED_HEADER not in theirs
    assert IdempotentRequest.objects.count() == 2


@pytest.mark.django_db
def test_without_the_header_a_resent_bulk_applies_again(world):
    client = client_for(world.users["annotator"])
    body = _bulk_body()
    del body["version"]
    first = _bulk(client, world, body)
    second = _bulk(client, world, body)
    assert first.status_code == second.status_code == 200
    assert second.json()["version"] == first.json()["version"] + 1
    assert first.json()["spans"][0]["id"] != second.json()["spans"][0]["id"]
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db
def test_span_create_repeated_with_one_key_applies_once(world):
    client = client_for(world.users["annotator"])
    url = f"/api/annotations/{world.own.pk}/spans/"
    body = {"label": world.entity.pk, "start": 10, "end": 16}
    first = client.post(url, body, format="json", **KEY)
    second = client.post(url, body, format="json", **KEY)
    assert first.status_code == second.status_code == 201, first.content
    assert second.content == first.content
    assert Span.objects.filter(annotation=world.own, start=10, end=16).count() == 1


@pytest.mark.django_db
def test_span_patch_repeated_with_one_key_applies_once(world):
    client = client_for(world.users["annotator"])
    url = f"/api/annotations/{world.own.pk}/spans/{world.span.pk}/"
    first = client.patch(url, {"end": 25, "version": 1}, format="json", **KEY)
    second = client.patch(url, {"end": 25, "version": 1}, format="json", **KEY)
    assert first.status_code == second.status_code == 200, first.content
    assert second.content == first.content
    world.own.refresh_from_db()
    assert world.own.version == 2


@pytest.mark.django_db
def test_span_delete_repeated_with_one_key_applies_once(world):
    client = client_for(world.users["annotator"])
    url = f"/api/annotations/{world.own.pk}/spans/{world.span.pk}/?version=1"
    first = client.delete(url, **KEY)
    second = client.delete(url, **KEY)
    assert first.status_code == second.status_code, first.content
    assert first.status_code < 300
    assert second.content == first.content
    assert not Span.objects.filter(pk=world.span.pk).exists()
    world.own.refresh_from_db()
    assert world.own.version == 2


@pytest.mark.django_db
def test_key_of_a_refused_write_answers_the_same_refusal(world):
    client = client_for(world.users["annotator"])
    body = {"spans": [{"label": "PER", "start": 9, "end": 1}], "stances": []}
    first = _bulk(client, world, body, **KEY)
    assert first.status_code == 400
    # Whatever changes in between, the key keeps its first answer.
    world.project.labels.filter(name="PER").update(name="PERSON")
    second = _bulk(client, world, body, **KEY)
    assert second.status_code == 400
    assert second.content == first.content
    assert second[REPLAYED_HEADER] == "true"


@pytest.mark.django_db
def test_an_expired_key_applies_again(world):
    client = client_for(world.users["annotator"])
    body = _bulk_body()
    del body["version"]
    first = _bulk(client, world, body, **KEY)
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))
    second = _bulk(client, world, body, **KEY)
    assert second.status_code == 200
    assert REPLAYED_HEADER not in second
    assert second.json()["version"] == first.json()["version"] + 1
    assert IdempotentRequest.objects.count() == 1


@pytest.mark.django_db
@override_settings(IDEMPOTENCY_KEY_HOURS=1)
def test_the_expiry_is_a_setting(world):
    client = client_for(world.users["annotator"])
    body = _bulk_body()
    del body["version"]
    first = _bulk(client, world, body, **KEY)
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    second = _bulk(client, world, body, **KEY)
    assert second.json()["version"] == first.json()["version"] + 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["k" * 256, ""])
def test_a_key_too_long_or_empty_is_refused(world, key):
    response = _bulk(client_for(world.users["annotator"]), world, HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert response.json()["errors"] == {IDEMPOTENCY_HEADER: [KEY_INVALID]}
    world.own.refresh_from_db()
    assert world.own.version == 1


@pytest.mark.django_db
def test_a_key_of_255_characters_is_accepted(world):
    response = _bulk(client_for(world.users["annotator"]), world, HTTP_IDEMPOTENCY_KEY="k" * 255)
    assert response.status_code == 200


@pytest.mark.django_db
def test_an_anonymous_write_with_a_key_is_still_unauthorized(world):
    response = _bulk(client_for(None), world, **KEY)
    assert response.status_code == 401
    assert not IdempotentRequest.objects.exists()


@pytest.mark.postgresql  # concurrent writers wait on a row lock
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_identical_bulk_requests_apply_once(world):
    barrier = threading.Barrier(2)
    answers: list = []
    failures: list[BaseException] = []

    def send() -> None:
        try:
            client = client_for(world.users["annotator"])
            barrier.wait(timeout=30)
            answers.append(_bulk(client, world, **KEY))
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not failures, failures
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].content == answers[1].content
    world.own.refresh_from_db()
    assert world.own.version == 2
    assert Span.objects.filter(annotation=world.own).count() == 2


@pytest.mark.django_db
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_a_multipart_body_over_the_limit_is_refused_before_it_is_read(world):
    response = client_for(world.users["manager"]).post(
        f"/api/projects/{world.project.pk}/documents/",
        {"file": SimpleUploadedFile("big.txt", b"x" * 500)},
        **KEY,
    )
    assert response.status_code == 413
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db
def test_a_key_committed_between_the_lookup_and_the_claim_answers_the_first_answer(
    world, monkeypatch
):
    client = client_for(world.users["annotator"])
    first = _bulk(client, world, **KEY)
    events = AnnotationEvent.objects.count()
    # As if the identical request committed just after this one looked: its claim collides.
    monkeypatch.setattr(idempotency, "_find", lambda **kwargs: None)

    second = _bulk(client, world, **KEY)

    assert second.status_code == 200
    assert second.content == first.content
    assert AnnotationEvent.objects.count() == events


@pytest.mark.django_db
def test_the_sweep_deletes_expired_keys_and_keeps_live_ones(world):
    """`requeue_stalled` (the loop beside the workers) purges keys past their lifetime; a live
    key still answers its first answer afterwards."""
    client = client_for(world.users["annotator"])
    body = _bulk_body()
    del body["version"]
    for number in range(5):
        _bulk(client, world, body, HTTP_IDEMPOTENCY_KEY=f"old-{number}")
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))
    live = _bulk(client, world, body, **KEY)

    out = StringIO()
    call_command("requeue_stalled", stdout=out)

    assert "5 expired idempotency keys deleted" in out.getvalue()
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == [
        KEY["HTTP_IDEMPOTENCY_KEY"]
    ]
    again = _bulk(client, world, body, **KEY)
    assert again[REPLAYED_HEADER] == "true"
    assert again.content == live.content


@pytest.mark.django_db
def test_the_purge_walks_past_whole_batches_of_expired_keys(world):
    client = client_for(world.users["annotator"])
    body = _bulk_body()
    del body["version"]
    for number in range(7):
        _bulk(client, world, body, HTTP_IDEMPOTENCY_KEY=f"old-{number}")
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))
    _bulk(client, world, body, **KEY)

    assert idempotency.idempotent_requests_purge_expired(batch=3) == 7
    assert IdempotentRequest.objects.count() == 1


@pytest.mark.django_db
def test_a_key_costs_six_statements_on_top_of_the_write(world):
    """The transaction around the write (2), the claim's insert in its savepoint (3) and the
    stored answer (1): a new key is never looked up before it is claimed."""
    client = client_for(world.users["annotator"])
    url = f"/api/annotations/{world.own.pk}/spans/"
    counts = []
    for start, headers in ((6, {}), (10, KEY)):
        with CaptureQueriesContext(connection) as queries:
            created = client.post(
                url,
                {"label": world.entity.pk, "start": start, "end": start + 4},
                format="json",
                **headers,
            )
        assert created.status_code == 201, created.content
        counts.append(len(queries))
    assert counts[1] - counts[0] == 6
