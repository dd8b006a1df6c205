"""Per-document agreement over the API, and alpha and kappa per label in the project's figures."""

import pytest

from annotations.api.agreement import ORDERING_UNKNOWN
from annotations.selectors.quality import DOCUMENT_ORDERINGS
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
PER, BAMAKO = (0, 5), (20, 26)


@pytest.fixture
def team(db):
    project = ProjectFactory()
    labels = {
        name: LabelFactory(project=project, name=name, kind="entity") for name in ("PER", "LOC")
    }
    people = {}
    for name, role in [("ana", "annotator"), ("ben", "annotator"), ("rev", "reviewer")]:
        people[name] = UserFactory(username=name)
        MembershipFactory(project=project, user=people[name], role=role)
    return project, labels, people


def submitted(document, user, *spans):
    annotation = AnnotationFactory(document=document, author=user, status="submitted")
    for label, (start, end) in spans:
        SpanFactory(annotation=annotation, label=label, start=start, end=end)


def documents(project, labels, people):
    """Three documents: one agreed, one half agreed, one annotated by ana alone."""
    per, loc = labels["PER"], labels["LOC"]
    agreed = DocumentFactory(project=project, text=f"{TEXT} 1", external_id="agreed")
    submitted(agreed, people["ana"], (per, PER), (loc, BAMAKO))
    submitted(agreed, people["ben"], (per, PER), (loc, BAMAKO))
    split = DocumentFactory(project=project, text=f"{TEXT} 2", external_id="split")
    submitted(split, people["ana"], (per, PER), (loc, BAMAKO))
    submitted(split, people["ben"], (per, PER))
    alone = DocumentFactory(project=project, text=f"{TEXT} 3", external_id="alone")
    submitted(alone, people["ana"], (per, PER))
    return agreed, split, alone


def test_documents_are_listed_least_agreement_first_with_their_figures(team):
    project, labels, people = team
    agreed, split, alone = documents(project, labels, people)
    response = client_for(people["rev"]).get(f"/api/projects/{project.pk}/agreement/documents/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [row["external_id"] for row in body["results"]] == ["split", "agreed", "alone"]
    first = body["results"][0]
    # ana has PER and Bamako, ben PER only: F1 = 2 * 1 / (2 * 1 + 1) = 2/3.
    assert first["document"] == split.pk
    assert first["agreement"] == pytest.approx(2 / 3)
    assert first["span_f1_exact"] == pytest.approx(2 / 3)
    assert first["disagreements"] == 1
    assert first["annotators"] == ["ana", "ben"] and first["annotations"] == 2
    assert first["review_url"] == f"/documents/{split.pk}/review/"
    assert body["results"][1]["agreement"] == 1.0
    last = body["results"][2]
    assert last["agreement"] is None and last["annotations"] == 1 and last["annotators"] == []


def test_documents_can_be_sorted_most_agreement_first_or_by_disagreements(team):
    project, labels, people = team
    documents(project, labels, people)
    client = client_for(people["rev"])
    url = f"/api/projects/{project.pk}/agreement/documents/"
    most = client.get(url, {"ordering": "-agreement"}).json()["results"]
    assert [row["external_id"] for row in most] == ["agreed", "split", "alone"]
    disputed = client.get(url, {"ordering": "-disagreements"}).json()["results"]
    assert disputed[0]["external_id"] == "split"


def test_an_unknown_ordering_is_refused_naming_the_choices(team):
    project, labels, people = team
    response = client_for(people["rev"]).get(
        f"/api/projects/{project.pk}/agreement/documents/", {"ordering": "speed"}
    )
    assert response.status_code == 400
    assert response.json()["errors"]["ordering"] == [
        ORDERING_UNKNOWN.format(value="speed", choices=", ".join(DOCUMENT_ORDERINGS))
    ]


def test_annotators_and_outsiders_never_read_per_document_agreement(team):
    project, labels, people = team
    documents(project, labels, people)
    url = f"/api/projects/{project.pk}/agreement/documents/"
    assert client_for(people["ana"]).get(url).status_code == 403
    assert client_for(UserFactory(username="outsider")).get(url).status_code == 404


@pytest.mark.parametrize("count", [2, 20])
def test_the_list_runs_a_fixed_number_of_queries(team, count, django_assert_num_queries):
    project, labels, people = team
    for index in range(count):
        document = DocumentFactory(project=project, text=f"{TEXT} ({index})")
        submitted(document, people["ana"], (labels["PER"], PER))
        submitted(document, people["ben"], (labels["PER"], PER), (labels["LOC"], BAMAKO))
    client = client_for(people["rev"])
    url = f"/api/projects/{project.pk}/agreement/documents/"
    assert client.get(url).status_code == 200  # the first read stores every document's row
    # Project and role, stored totals, fingerprint, annotators' names, count, page.
    with django_assert_num_queries(6):
        assert len(client.get(url).json()["results"]) == count


def test_project_agreement_gives_alpha_and_kappa_per_label(team):
    project, labels, people = team
    documents(project, labels, people)
    body = client_for(people["rev"]).get(f"/api/projects/{project.pk}/agreement/").json()
    # Compared: "agreed" and "split", 9 tokens each ("Keita met Macron in Bamako on Monday .
    # 1"). PER: both mark Keita in both: alpha 1. LOC: Bamako marked by both in "agreed",
    # by ana alone in "split".
    per, loc = body["label_tokens"]["PER"], body["label_tokens"]["LOC"]
    assert per["units"] == loc["units"] == 18
    assert per["alpha"] == 1.0 and per["pairs"][0]["kappa"] == 1.0
    # LOC kappa: agreed 17 of 18; ana in 2, ben in 1: chance (2*1 + 16*17) / 324.
    chance = (2 * 1 + 16 * 17) / 324
    assert loc["pairs"][0]["kappa"] == pytest.approx((17 / 18 - chance) / (1 - chance))
    assert 0 < loc["alpha"] < 1


def test_the_document_detail_carries_its_agreement_for_reviewers_only(team):
    project, labels, people = team
    _, split, alone = documents(project, labels, people)
    # Made with factories: no row is stored yet, the detail computes it.
    body = client_for(people["rev"]).get(f"/api/documents/{split.pk}/").json()
    assert body["agreement"]["agreement"] == pytest.approx(2 / 3)
    assert body["agreement"]["annotators"] == ["ana", "ben"]
    assert body["agreement"]["disagreements"] == 1
    single = client_for(people["rev"]).get(f"/api/documents/{alone.pk}/").json()
    assert single["agreement"]["agreement"] is None and single["agreement"]["annotations"] == 1
    unseen = DocumentFactory(project=project, text="Nobody has submitted this.")
    assert client_for(people["rev"]).get(f"/api/documents/{unseen.pk}/").json()["agreement"] is None
    assert "agreement" not in client_for(people["ana"]).get(f"/api/documents/{split.pk}/").json()


def test_the_document_detail_recomputes_a_stale_agreement(team, django_assert_num_queries):
    project, labels, people = team
    _, split, _ = documents(project, labels, people)
    client = client_for(people["rev"])
    url = f"/api/documents/{split.pk}/"
    assert client.get(url).json()["agreement"]["agreement"] == pytest.approx(2 / 3)
    # Current: the document (with the caller's role and status), the row, the annotations.
    with django_assert_num_queries(3):
        client.get(url)
    # ben adds the LOC span behind the services' back: a new version, so the row is stale.
    ben = split.annotations.get(author=people["ben"])
    SpanFactory(annotation=ben, label=labels["LOC"], start=BAMAKO[0], end=BAMAKO[1])
    ben.version += 1
    ben.save()
    assert client.get(url).json()["agreement"]["agreement"] == 1.0
