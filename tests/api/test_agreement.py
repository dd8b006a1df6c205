"""Agreement over the API: what a reviewer reads before adjudicating."""

import pytest

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

TEXT = "Keita met Macron in Bamako on Monday."


@pytest.fixture
def team(db):
    project = ProjectFactory()
    per = LabelFactory(project=project, name="PER", kind="entity")
    loc = LabelFactory(project=project, name="LOC", kind="entity")
    people = {}
    for name, role in [("ana", "annotator"), ("ben", "annotator"), ("rev", "reviewer")]:
        people[name] = UserFactory(username=name)
        MembershipFactory(project=project, user=people[name], role=role)
    return project, per, loc, people


def submitted(document, user, *spans):
    annotation = AnnotationFactory(document=document, author=user, status="submitted")
    for label, start, end in spans:
        SpanFactory(annotation=annotation, label=label, start=start, end=end)
    return annotation


def test_agreement_reports_span_f1_token_alpha_and_pairs(team):
    project, per, loc, people = team
    for index in range(2):
        document = DocumentFactory(project=project, text=f"{TEXT} ({index})")
        submitted(document, people["ana"], (per, 0, 5), (loc, 20, 26))
        submitted(document, people["ben"], (per, 0, 5))
    response = client_for(people["rev"]).get(f"/api/projects/{project.pk}/agreement/")
    assert response.status_code == 200
    body = response.json()
    assert body["documents"] == 2 and body["annotators"] == ["ana", "ben"]
    exact = body["spans"]["exact"]
    assert exact["labels"]["PER"]["f1"] == 1.0
    assert exact["labels"]["LOC"]["f1"] == 0.0
    assert exact["overall"]["f1"] == pytest.approx(2 * 2 / (2 * 2 + 2))
    assert 0 < body["entity_tokens_alpha"] < 1
    assert body["stances"] == {}
    assert body["checkworthy"] == {"units": 0, "alpha": None, "pairs": []}


@pytest.mark.parametrize("documents", [2, 20])
def test_agreement_runs_a_bounded_number_of_queries(team, documents, django_assert_max_num_queries):
    project, per, loc, people = team
    for index in range(documents):
        document = DocumentFactory(project=project, text=f"{TEXT} ({index})")
        submitted(document, people["ana"], (per, 0, 5))
        submitted(document, people["ben"], (per, 0, 5), (loc, 20, 26))
    client = client_for(people["rev"])
    # Made with factories, not services: the first read computes every document's row (one
    # read per kind of item: spans, stances, relations, document labels; and the declared
    # attributes; and the claim records, none here).
    with django_assert_max_num_queries(31):
        assert client.get(f"/api/projects/{project.pk}/agreement/").status_code == 200
    # Then the stored totals are read: the fingerprint says they are current (and one query
    # finds that no label declares attributes, one that no claim has a record).
    with django_assert_max_num_queries(6):
        assert client.get(f"/api/projects/{project.pk}/agreement/").status_code == 200
