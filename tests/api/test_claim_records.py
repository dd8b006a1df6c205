"""Claim records through the API: read, write, refusals naming the field, history, bulk."""

import pytest

from annotations.models import AnnotationEvent, ClaimEvidence, ClaimRecord
from annotations.services import claims, history
from annotations.services.annotating.messages import SPAN_HAS_CLAIM_RECORD
from annotations.services.annotating.records import CLAIM_RECORD_LOST
from annotations.verdicts import VERDICT_NOT_ON_SCALE
from tests.api.conftest import client_for
from tests.factories import DocumentFactory, SpanFactory

# "Keita met Macron in Bamako on Monday." -- the claim is the whole sentence.
TEXT = "Keita met Macron in Bamako on Monday."


@pytest.fixture
def claim(world):
    return SpanFactory(annotation=world.own, label=world.claim, start=0, end=36)


def _url(span) -> str:
    return f"/api/spans/{span.pk}/claim-record/"


def _put(world, span, body, user="annotator"):
    return client_for(world.users[user]).put(_url(span), body, format="json")


FULL = {
    "normalized_text": "Keita met Macron in Bamako on Monday.",
    "claim_date": "2024-03-04",
    "claim_type": "event",
    "verdict": "SUPPORTS",
    "justification": "Both presidencies reported the meeting.",
}


@pytest.mark.django_db
def test_claim_record_reads_empty_with_the_project_scale_before_any_write(world, claim):
    response = client_for(world.users["annotator"]).get(_url(claim))
    assert response.status_code == 200
    body = response.json()
    assert body["recorded"] is False
    assert body["verdict"] == "" and body["evidence"] == []
    assert body["scale"] == "fever"
    assert body["verdicts"] == ["SUPPORTS", "REFUTES", "NOT ENOUGH INFO"]


@pytest.mark.django_db
def test_claim_record_put_stores_fields_and_evidence_and_bumps_the_version(world, claim):
    other = DocumentFactory(project=world.project, text="Le président Keita a reçu Macron.")
    evidence = [
        {"document": world.document.pk, "start": 10, "end": 16, "text": "Macron"},
        {"document": other.pk, "start": 13, "end": 18},
        {"url": "https://example.org/a?b=1", "title": "Press release", "published": "2024-03-05"},
    ]
    response = _put(world, claim, {**FULL, "evidence": evidence, "version": 1})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["recorded"] is True
    assert body["version"] == 2
    assert body["verdict"] == "SUPPORTS"
    assert body["claim_date"] == "2024-03-04"
    assert body["evidence"] == [
        {"document": world.document.pk, "start": 10, "end": 16, "text": "Macron"},
        {"document": other.pk, "start": 13, "end": 18, "text": "Keita"},
        {"url": "https://example.org/a?b=1", "title": "Press release", "published": "2024-03-05"},
    ]
    again = client_for(world.users["annotator"]).get(_url(claim)).json()
    assert again == body
    detail = client_for(world.users["annotator"]).get(f"/api/annotations/{world.own.pk}/").json()
    assert detail["claim_records"] == [
        {k: v for k, v in body.items() if k in detail["claim_records"][0]}
    ]
    assert detail["claim_records"][0]["span"] == claim.pk


@pytest.mark.django_db
def test_claim_record_put_replaces_evidence_and_an_identical_put_writes_nothing(world, claim):
    _put(world, claim, {**FULL, "evidence": [{"url": "https://a.example/"}]})
    first = _put(world, claim, {**FULL, "evidence": [{"url": "https://b.example/"}]}).json()
    assert [item["url"] for item in first["evidence"]] == ["https://b.example/"]
    events = AnnotationEvent.objects.filter(annotation=world.own).count()
    same = _put(world, claim, {**FULL, "evidence": [{"url": "https://b.example/"}]}).json()
    assert same["version"] == first["version"]
    assert AnnotationEvent.objects.filter(annotation=world.own).count() == events
    assert ClaimEvidence.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"verdict": "TRUE"}, "verdict", "not a verdict of this project's scale (fever)"),
        ({"claim_date": "4 March"}, "claim_date", "Expected a date as YYYY-MM-DD"),
        ({"evidence": [{"url": "javascript:alert(1)"}]}, "evidence.0.url", "http or https"),
        ({"evidence": [{"url": "example.org"}]}, "evidence.0.url", "http or https"),
        (
            {"evidence": [{"document": "DOC", "start": 0, "end": 36}]},
            "evidence.0.document",
            "Expected a document id",
        ),
        (
            {"evidence": [{"document": 0, "start": 0, "end": 3}]},
            "evidence.0.document",
            "not a document of this project",
        ),
        ({"evidence": [{"title": "no url"}]}, "evidence.0", "Give a passage"),
        ({"evidence": "https://a.example/"}, "evidence", "Expected a list"),
        (
            {"evidence": [{"url": "https://a.example/", "colour": 1}]},
            "evidence.0.colour",
            "Unknown field",
        ),
    ],
)
def test_claim_record_put_refuses_bad_input_naming_the_field(world, claim, body, field, message):
    response = _put(world, claim, body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert message in " ".join(errors[field]), errors
    assert not ClaimRecord.objects.exists()


@pytest.mark.django_db
def test_claim_record_put_refuses_passages_outside_the_document_or_with_other_text(world, claim):
    response = _put(
        world,
        claim,
        {
            "evidence": [
                {"document": world.document.pk, "start": 30, "end": 99},
                {"document": world.document.pk, "start": 0, "end": 5, "text": "Macron"},
            ]
        },
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "past the end of the text (37 characters)" in errors["evidence.0.start"][0]
    assert "does not match the document" in errors["evidence.1.text"][0]
    assert not ClaimRecord.objects.exists()


@pytest.mark.django_db
def test_claim_record_put_refuses_a_passage_of_another_project(world, claim):
    elsewhere = DocumentFactory(project=world.other_project, text="Secret text.")
    response = _put(world, claim, {"evidence": [{"document": elsewhere.pk, "start": 0, "end": 6}]})
    assert response.status_code == 400
    assert "not a document of this project" in response.json()["errors"]["evidence.0.document"][0]


@pytest.mark.django_db
def test_claim_record_custom_scale_takes_the_projects_own_ratings(world, claim):
    world.project.verdict_scale = "custom"
    world.project.verdict_labels = ["True", "Half true", "Pants on fire"]
    world.project.save()
    refused = _put(world, claim, {"verdict": "SUPPORTS"})
    assert refused.status_code == 400
    expected = VERDICT_NOT_ON_SCALE.format(
        value="SUPPORTS", scale="custom", choices="'True', 'Half true', 'Pants on fire'"
    )
    assert refused.json()["errors"]["verdict"] == [expected]
    assert _put(world, claim, {"verdict": "Half true"}).json()["verdict"] == "Half true"


@pytest.mark.django_db
def test_claim_record_only_on_claim_spans(world):
    response = _put(world, world.span, {"verdict": "SUPPORTS"})
    assert response.status_code == 400
    assert "Only a claim span has a claim record" in response.json()["errors"]["span"][0]


@pytest.mark.django_db
def test_claim_record_permissions_are_those_of_span_writes(world, claim):
    assert _put(world, claim, FULL, user="reviewer").status_code == 403
    assert _put(world, claim, FULL, user="outsider").status_code == 404
    assert client_for(world.users["outsider"]).get(_url(claim)).status_code == 404
    assert _put(world, claim, FULL, user="anonymous").status_code in (401, 403)
    assert client_for(world.users["reviewer"]).get(_url(claim)).status_code == 200


@pytest.mark.django_db
def test_claim_record_stale_version_is_a_conflict(world, claim):
    response = _put(world, claim, {**FULL, "version": 7})
    assert response.status_code == 409
    assert not ClaimRecord.objects.exists()


@pytest.mark.django_db
def test_claim_record_change_is_logged_and_reverted(world, claim):
    _put(world, claim, FULL)
    _put(world, claim, {**FULL, "verdict": "REFUTES"})
    event = AnnotationEvent.objects.filter(
        annotation=world.own, action="claim_record_changed"
    ).latest("id")
    assert event.before["verdict"] == "SUPPORTS" and event.after["verdict"] == "REFUTES"
    history.event_revert(event=event, actor=world.users["annotator"])
    assert ClaimRecord.objects.get(span=claim).verdict == "SUPPORTS"
    created = AnnotationEvent.objects.filter(
        annotation=world.own, action="claim_record_changed"
    ).earliest("id")
    assert created.before is None
    # Back where the creation left it: reverting the creation deletes the record.
    history.event_revert(event=created, actor=world.users["annotator"])
    assert not ClaimRecord.objects.exists()


@pytest.mark.django_db
def test_claim_record_delete_then_revert_brings_it_back(world, claim):
    _put(world, claim, {**FULL, "evidence": [{"url": "https://a.example/"}]})
    response = client_for(world.users["annotator"]).delete(_url(claim))
    assert response.status_code == 200
    assert not ClaimRecord.objects.exists()
    event = AnnotationEvent.objects.filter(annotation=world.own).latest("id")
    history.event_revert(event=event, actor=None)
    record = ClaimRecord.objects.get(span=claim)
    assert record.verdict == "SUPPORTS"
    assert list(record.evidence.values_list("url", flat=True)) == ["https://a.example/"]


@pytest.mark.django_db
def test_span_delete_logs_its_record_and_revert_brings_both_back(world, claim):
    _put(world, claim, FULL)
    client = client_for(world.users["annotator"])
    assert client.delete(f"/api/annotations/{world.own.pk}/spans/{claim.pk}/").status_code == 200
    event = AnnotationEvent.objects.filter(annotation=world.own, action="span_deleted").get()
    assert event.before["claim_record"]["verdict"] == "SUPPORTS"
    history.event_revert(event=event, actor=None)
    assert ClaimRecord.objects.get().verdict == "SUPPORTS"


@pytest.mark.django_db
def test_span_relabelled_away_from_claim_is_refused_while_it_has_a_record(world, claim):
    _put(world, claim, FULL)
    response = client_for(world.users["annotator"]).patch(
        f"/api/annotations/{world.own.pk}/spans/{claim.pk}/",
        {"label": world.entity.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["label"] == [SPAN_HAS_CLAIM_RECORD.format(span=claim.pk)]
    assert ClaimRecord.objects.get(span=claim).verdict == "SUPPORTS"


@pytest.mark.django_db
def test_span_offsets_change_keeps_its_record(world, claim):
    _put(world, claim, FULL)
    response = client_for(world.users["annotator"]).patch(
        f"/api/annotations/{world.own.pk}/spans/{claim.pk}/", {"end": 26}, format="json"
    )
    assert response.status_code == 200
    assert ClaimRecord.objects.get(span=claim).verdict == "SUPPORTS"


def _bulk(world, spans):
    return client_for(world.users["annotator"]).post(
        f"/api/annotations/{world.own.pk}/bulk/", {"spans": spans, "stances": []}, format="json"
    )


@pytest.mark.django_db
def test_bulk_replace_carries_a_record_to_the_same_claim(world, claim):
    _put(
        world, claim, {**FULL, "evidence": [{"document": world.document.pk, "start": 0, "end": 5}]}
    )
    response = _bulk(
        world,
        [
            {"label": "PER", "start": 10, "end": 16},
            {"label": "CLAIM", "start": 0, "end": 36},
        ],
    )
    assert response.status_code == 200, response.json()
    record = ClaimRecord.objects.get()
    assert record.span.start == 0 and record.span.end == 36 and record.span_id != claim.pk
    assert record.verdict == "SUPPORTS"
    assert list(record.evidence.values_list("text", flat=True)) == ["Keita"]


@pytest.mark.django_db
def test_bulk_replace_that_would_drop_a_record_is_refused_and_writes_nothing(world, claim):
    _put(world, claim, FULL)
    version = world.own.__class__.objects.get(pk=world.own.pk).version
    response = _bulk(world, [{"label": "CLAIM", "start": 0, "end": 26}])
    assert response.status_code == 400
    message = CLAIM_RECORD_LOST.format(
        span=claim.pk, label="CLAIM", start=0, end=36, verdict="SUPPORTS"
    )
    assert response.json()["errors"]["spans"] == [message]
    assert ClaimRecord.objects.get(span=claim).verdict == "SUPPORTS"
    assert world.own.__class__.objects.get(pk=world.own.pk).version == version


@pytest.mark.django_db
def test_claim_record_service_names_unknown_span_as_gone(world, claim):
    claim_id = claim.pk
    claim.delete()
    claim.pk = claim_id
    with pytest.raises(Exception, match="no longer exists"):
        claims.claim_record_put(span=claim, actor=None, verdict="SUPPORTS")


@pytest.mark.django_db
def test_claim_record_put_takes_null_for_an_empty_field(world, claim):
    response = _put(world, claim, {**FULL, "claim_date": None, "justification": None})
    assert response.status_code == 200, response.json()
    assert (response.json()["claim_date"], response.json()["justification"]) == (None, "")
