"""Gold carries claim records: majority on the verdict (a disagreement is a conflict), the
union of the evidence; a record gold already has survives a rebuild."""

import pytest

from annotations.models import ClaimEvidence, ClaimRecord, Span
from tests.api.conftest import client_for
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    SpanFactory,
    UserFactory,
)

TEXT = "Keita said that 1,500 troops are in Gao."
# The claim: "1,500 troops are in Gao" at [16, 39).


def _record(span, verdict, *, urls=(), justification=""):
    record = ClaimRecord.objects.create(span=span, verdict=verdict, justification=justification)
    for position, url in enumerate(urls):
        ClaimEvidence.objects.create(record=record, url=url, position=position)
    return record


@pytest.fixture
def three(db):
    project = ProjectFactory()
    claim = LabelFactory(project=project, name="CLAIM", kind="claim")
    document = DocumentFactory(project=project, text=TEXT)
    people = {}
    for name, role in [
        ("ana", "annotator"),
        ("ben", "annotator"),
        ("cy", "annotator"),
        ("rev", "reviewer"),
    ]:
        people[name] = UserFactory(username=name)
        MembershipFactory(project=project, user=people[name], role=role)
    spans = {}
    for name in ("ana", "ben", "cy"):
        work = AnnotationFactory(document=document, author=people[name], status="submitted")
        spans[name] = SpanFactory(annotation=work, label=claim, start=16, end=39)
    return document, spans, client_for(people["rev"])


def _build(document, client, **body):
    response = client.post(
        f"/api/documents/{document.pk}/gold/", body or {"strategy": "majority"}, format="json"
    )
    assert response.status_code in (200, 201), response.json()
    return response.json()


def test_majority_gold_takes_the_verdict_most_given_and_every_piece_of_evidence(three):
    document, spans, client = three
    _record(spans["ana"], "REFUTES", urls=["https://a.example/"], justification="Said 1,200.")
    _record(spans["ben"], "REFUTES", urls=["https://b.example/", "https://a.example/"])
    _record(spans["cy"], "SUPPORTS")
    answer = _build(document, client)
    gold_claim = Span.objects.get(annotation_id=answer["gold"]["id"])
    record = answer["gold"]["claim_records"][0]
    assert record["span"] == gold_claim.pk
    assert record["verdict"] == "REFUTES"
    assert record["justification"] == "Said 1,200."
    assert [item["url"] for item in record["evidence"]] == [
        "https://a.example/",
        "https://b.example/",
    ]
    conflict = next(c for c in answer["conflicts"] if c["kind"] == "claim_record")
    assert conflict["values"] == {"ana": "REFUTES", "ben": "REFUTES", "cy": "SUPPORTS"}
    assert (conflict["gold"], conflict["text"]) == ("REFUTES", "1,500 troops are in Gao")


def test_a_verdict_tie_leaves_gold_without_one_and_says_so(three):
    document, spans, client = three
    _record(spans["ana"], "REFUTES")
    _record(spans["ben"], "SUPPORTS")
    answer = _build(document, client)
    assert answer["gold"]["claim_records"][0]["verdict"] == ""
    conflict = next(c for c in answer["conflicts"] if c["kind"] == "claim_record")
    assert conflict["values"] == {"ana": "REFUTES", "ben": "SUPPORTS"}
    assert conflict["gold"] == ""


def test_agreed_verdicts_are_no_conflict(three):
    document, spans, client = three
    _record(spans["ana"], "SUPPORTS")
    _record(spans["ben"], "SUPPORTS")
    answer = _build(document, client)
    assert answer["gold"]["claim_records"][0]["verdict"] == "SUPPORTS"
    assert not [c for c in answer["conflicts"] if c["kind"] == "claim_record"]


def test_gold_from_chosen_annotations_carries_their_records(three):
    document, spans, client = three
    _record(spans["cy"], "NOT ENOUGH INFO")
    answer = _build(document, client, annotations=[spans["cy"].annotation_id])
    assert answer["gold"]["claim_records"][0]["verdict"] == "NOT ENOUGH INFO"


def test_a_rebuild_keeps_the_record_a_reviewer_gave_gold(three):
    document, spans, client = three
    _record(spans["ana"], "SUPPORTS")
    gold = _build(document, client)["gold"]
    gold_claim = Span.objects.get(annotation_id=gold["id"])
    put = client.put(
        f"/api/spans/{gold_claim.pk}/claim-record/", {"verdict": "REFUTES"}, format="json"
    )
    assert put.status_code == 200, put.json()
    answer = _build(document, client, strategy="majority", replace=True)
    assert answer["gold"]["claim_records"][0]["verdict"] == "REFUTES"


def _accept(document, client, span):
    response = client.post(
        f"/api/documents/{document.pk}/gold/accept/", {"span": span.pk}, format="json"
    )
    assert response.status_code in (200, 201), response.json()
    return response.json()


def _gold_record(client, answer):
    response = client.get(f"/api/spans/{answer['span']}/claim-record/")
    assert response.status_code == 200, response.json()
    return response.json()


def test_accepting_one_claim_copies_its_record_into_gold(three):
    document, spans, client = three
    _record(spans["ana"], "REFUTES", urls=["https://a.example/"], justification="Said 1,200.")
    answer = _accept(document, client, spans["ana"])
    record = _gold_record(client, answer)
    assert record["recorded"] is True
    assert (record["verdict"], record["justification"]) == ("REFUTES", "Said 1,200.")
    assert [item["url"] for item in record["evidence"]] == ["https://a.example/"]
    assert answer["conflicts"] == []
    # The annotator's record is copied, not moved.
    assert ClaimRecord.objects.filter(span=spans["ana"]).exists()


def test_accepting_a_second_claim_merges_records_and_lists_a_differing_verdict(three):
    document, spans, client = three
    _record(spans["ana"], "REFUTES", urls=["https://a.example/"], justification="Said 1,200.")
    _record(spans["ben"], "SUPPORTS", urls=["https://b.example/", "https://a.example/"])
    _accept(document, client, spans["ana"])
    answer = _accept(document, client, spans["ben"])
    record = _gold_record(client, answer)
    # Fields most given (a tie leaves it empty), evidence the union: as a build merges.
    assert record["verdict"] == ""
    assert record["justification"] == "Said 1,200."
    assert [item["url"] for item in record["evidence"]] == [
        "https://a.example/",
        "https://b.example/",
    ]
    [conflict] = answer["conflicts"]
    assert conflict["values"] == {"gold": "REFUTES", "ben": "SUPPORTS"}
    assert (conflict["kind"], conflict["gold"]) == ("claim_record", "")


def test_accepting_a_claim_without_a_record_keeps_golds_record(three):
    document, spans, client = three
    _record(spans["ana"], "REFUTES")
    _accept(document, client, spans["ana"])
    answer = _accept(document, client, spans["ben"])
    assert _gold_record(client, answer)["verdict"] == "REFUTES"
    assert answer["conflicts"] == []
