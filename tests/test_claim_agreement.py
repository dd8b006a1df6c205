"""Agreement on claim records, figures computed by hand (annotations/claim_agreement.py), and
through the agreement API."""

import pytest

from annotations.claim_agreement import ClaimJudgement, claim_agreement, jaccard
from annotations.models import ClaimEvidence, ClaimRecord
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

U1, U2, U3 = (
    ("url", "https://1.example/"),
    ("url", "https://2.example/"),
    ("url", "https://3.example/"),
)
P = (7, 0, 5)  # a passage: document 7, [0, 5)

# Two annotators, four claims: verdicts (S,S) (R,R) (S,R) (N,N); evidence at claim 1
# {U1,U2} vs {U1} (1/2), claim 2 {U1} vs {U3} (0), claim 3 both empty (left out), claim 4
# {P} vs {P,U1} (1/2).
TABLE = [
    ("c1", "SUPPORTS", "SUPPORTS", {U1, U2}, {U1}),
    ("c2", "REFUTES", "REFUTES", {U1}, {U3}),
    ("c3", "SUPPORTS", "REFUTES", set(), set()),
    ("c4", "NOT ENOUGH INFO", "NOT ENOUGH INFO", {P}, {P, U1}),
]


def judgements():
    for claim, first, second, first_evidence, second_evidence in TABLE:
        yield ClaimJudgement(claim, "ana", first, frozenset(first_evidence))
        yield ClaimJudgement(claim, "ben", second, frozenset(second_evidence))


def test_verdict_kappa_and_alpha_match_the_hand_computation():
    # kappa: observed 3/4; expected (2*1 + 1*2 + 1*1) / 16 = 5/16; (3/4 - 5/16) / (11/16) = 7/11.
    # alpha: pooled values S3 R3 N2 (n=8); D_o = 2/8; D_e = 2(9 + 6 + 6) / 56 = 3/4; 1 - 1/3.
    figures = claim_agreement(judgements())
    assert figures["claims"] == 4
    assert figures["verdicts"]["units"] == 4
    assert figures["verdicts"]["alpha"] == pytest.approx(2 / 3)
    assert figures["verdicts"]["pairs"] == [
        {"annotators": ["ana", "ben"], "units": 4, "kappa": pytest.approx(7 / 11)}
    ]


def test_evidence_overlap_is_the_mean_jaccard_leaving_out_two_empty_sets():
    figures = claim_agreement(judgements())["evidence"]
    assert figures["comparisons"] == 3
    assert figures["jaccard"] == pytest.approx((1 / 2 + 0 + 1 / 2) / 3)
    assert figures["pairs"] == [
        {"annotators": ["ana", "ben"], "claims": 3, "jaccard": pytest.approx(1 / 3)}
    ]


def test_a_claim_one_annotator_gave_no_verdict_is_missing_not_a_disagreement():
    figures = claim_agreement(
        [
            ClaimJudgement("c1", "ana", "SUPPORTS", frozenset()),
            ClaimJudgement("c1", "ben", "", frozenset()),
        ]
    )
    assert figures["verdicts"]["pairs"] == []
    assert figures["verdicts"]["alpha"] is None
    assert figures["evidence"]["jaccard"] is None


def test_jaccard():
    assert jaccard(frozenset({1, 2}), frozenset({2, 3})) == pytest.approx(1 / 3)
    assert jaccard(frozenset(), frozenset()) is None


@pytest.mark.django_db
def test_agreement_api_reports_claim_records_of_submitted_work():
    project = ProjectFactory()
    claim = LabelFactory(project=project, name="CLAIM", kind="claim")
    reviewer = UserFactory(username="rev")
    MembershipFactory(project=project, user=reviewer, role="reviewer")
    people = {name: UserFactory(username=name) for name in ("ana", "ben")}
    for user in people.values():
        MembershipFactory(project=project, user=user, role="annotator")
    for number, (_, first, second, first_evidence, second_evidence) in enumerate(TABLE):
        document = DocumentFactory(project=project, text=f"Claim number {number} is here.")
        for name, verdict, evidence in (
            ("ana", first, first_evidence),
            ("ben", second, second_evidence),
        ):
            work = AnnotationFactory(document=document, author=people[name], status="submitted")
            span = SpanFactory(annotation=work, label=claim, start=0, end=5)
            record = ClaimRecord.objects.create(span=span, verdict=verdict)
            for position, item in enumerate(sorted(evidence, key=str)):
                if item[0] == "url":
                    ClaimEvidence.objects.create(record=record, url=item[1], position=position)
                else:
                    ClaimEvidence.objects.create(
                        record=record,
                        document=document,
                        start=0,
                        end=5,
                        text="Claim",
                        position=position,
                    )
    # Work still in progress does not count.
    draft = AnnotationFactory(document=document, author=reviewer)
    ClaimRecord.objects.create(
        span=SpanFactory(annotation=draft, label=claim, start=0, end=5), verdict="REFUTES"
    )
    answer = client_for(reviewer).get(f"/api/projects/{project.pk}/agreement/")
    assert answer.status_code == 200
    figures = answer.json()["claim_records"]
    assert figures["verdicts"]["alpha"] == pytest.approx(2 / 3)
    assert figures["verdicts"]["pairs"][0]["kappa"] == pytest.approx(7 / 11)
    assert figures["evidence"]["jaccard"] == pytest.approx(1 / 3)
