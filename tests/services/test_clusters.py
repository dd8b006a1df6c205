"""Claim links and clusters: confirmed links form clusters, merge them, and a rejection splits."""

import pytest

from annotations.errors import InvalidInput
from annotations.models import ClaimCluster, ClaimLink, ClaimRecord
from annotations.services import matching
from tests.factories import LabelFactory, ProjectFactory, UserFactory
from tests.services.matching_fixtures import claim_in_new_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims():
    project = ProjectFactory()
    label = LabelFactory(project=project, kind="claim")
    spans = [
        claim_in_new_document(project, label, text)
        for text in (
            "Mali left the G5 Sahel in May.",
            "In May Bamako quit the G5 Sahel force.",
            "Mali withdrew from the G5 Sahel.",
            "The G5 Sahel was founded in 2014.",
        )
    ]
    return project, spans, UserFactory()


def _cluster_of(span):
    record = ClaimRecord.objects.filter(span=span).first()
    return None if record is None else record.cluster_id


def test_confirming_a_link_makes_a_cluster_of_the_two_claims(claims):
    project, (a, b, _c, _d), user = claims
    ClaimRecord.objects.create(
        span=b, normalized_text="Mali left the G5 Sahel alliance.", verdict="SUPPORTS"
    )
    link = matching.claim_link_set(
        project=project, first=b.pk, second=a.pk, status="confirmed", actor=user
    )
    assert (link.first_id, link.second_id, link.decided_by) == (a.pk, b.pk, user)
    cluster = ClaimCluster.objects.get()
    assert _cluster_of(a) == _cluster_of(b) == cluster.pk
    # The canonical claim is the member with a normalised text; the verdict is its.
    assert (cluster.canonical_id, cluster.verdict) == (b.pk, "SUPPORTS")


def test_a_link_between_two_clusters_merges_them_into_the_older(claims):
    project, (a, b, c, d), user = claims
    matching.claim_link_set(
        project=project, first=a.pk, second=b.pk, status="confirmed", actor=user
    )
    matching.claim_link_set(
        project=project, first=c.pk, second=d.pk, status="confirmed", actor=user
    )
    older, newer = ClaimCluster.objects.order_by("id")
    ClaimCluster.objects.filter(pk=newer.pk).update(verdict="REFUTES")
    matching.claim_link_set(
        project=project, first=b.pk, second=c.pk, status="confirmed", actor=user
    )
    assert list(ClaimCluster.objects.values_list("pk", "verdict")) == [(older.pk, "REFUTES")]
    assert {_cluster_of(span) for span in (a, b, c, d)} == {older.pk}


def test_rejecting_a_confirmed_link_splits_the_cluster(claims):
    project, (a, b, c, _d), user = claims
    matching.claim_link_set(
        project=project, first=a.pk, second=b.pk, status="confirmed", actor=user
    )
    matching.claim_link_set(
        project=project, first=b.pk, second=c.pk, status="confirmed", actor=user
    )
    cluster = ClaimCluster.objects.get()
    link = ClaimLink.objects.get(first=b, second=c)
    matching.claim_link_decide(link=link, status="rejected", actor=user)
    assert ClaimLink.objects.get(pk=link.pk).status == "rejected"
    # a and b keep the cluster (it holds the canonical claim, a); c is alone again.
    assert _cluster_of(a) == _cluster_of(b) == cluster.pk
    assert _cluster_of(c) is None
    matching.claim_link_decide(
        link=ClaimLink.objects.get(first=a, second=b), status="rejected", actor=user
    )
    assert not ClaimCluster.objects.exists()


def test_suggested_links_wait_in_the_queue_and_form_no_cluster(claims):
    project, (a, b, c, _d), _user = claims
    made = matching.claim_links_suggest(
        project=project, matches=[(a.pk, b.pk, 0.8), (b.pk, a.pk, 0.9), (a.pk, c.pk, 0.2)]
    )
    assert [(link.first_id, link.second_id, link.score) for link in made] == [(a.pk, b.pk, 0.9)]
    assert not ClaimCluster.objects.exists()
    # A pair already decided is never suggested again.
    matching.claim_link_decide(link=ClaimLink.objects.get(), status="rejected", actor=None)
    assert matching.claim_links_suggest(project=project, matches=[(a.pk, b.pk, 0.95)]) == []


def test_a_link_refuses_itself_another_projects_claim_and_an_unknown_status(claims):
    project, (a, b, _c, _d), user = claims
    other = claim_in_new_document(ProjectFactory(), LabelFactory(kind="claim"), "Elsewhere.")
    with pytest.raises(InvalidInput) as error:
        matching.claim_link_set(
            project=project, first=a.pk, second=a.pk, status="confirmed", actor=user
        )
    assert error.value.errors == {"second": [matching.LINK_TO_ITSELF]}
    with pytest.raises(InvalidInput) as error:
        matching.claim_link_set(
            project=project, first=a.pk, second=other.pk, status="confirmed", actor=user
        )
    assert error.value.errors == {"second": [matching.LINK_NOT_A_CLAIM.format(value=other.pk)]}
    with pytest.raises(InvalidInput) as error:
        matching.claim_link_set(
            project=project, first=a.pk, second=b.pk, status="maybe", actor=user
        )
    assert error.value.errors == {"status": [matching.LINK_STATUS_INVALID.format(value="maybe")]}
    assert not ClaimLink.objects.exists()


def test_new_claims_get_suggested_links_to_their_close_matches_after_a_sync(claims):
    project, (a, b, _c, _d), _user = claims
    report = matching.claim_index_refresh(project_id=project.pk)
    assert report.suggested >= 1
    links = list(ClaimLink.objects.all())
    assert len(links) == report.suggested
    assert all(link.status == "suggested" for link in links)
    assert all(link.score >= matching.SUGGEST_SIMILARITY for link in links)
    assert (a.pk, b.pk) in {(link.first_id, link.second_id) for link in links}
