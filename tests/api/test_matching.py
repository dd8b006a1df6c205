"""The matches, claim links and claim clusters endpoints, and the qrels and clusters exports."""

import orjson
import pytest
from django.db import connection

from annotations import selectors
from annotations.models import AnnotationKind, ClaimCluster, ClaimLink, ClaimRecord, Label
from annotations.services import matching, releases
from tests.api.conftest import client_for
from tests.factories import LabelFactory, MembershipFactory, ProjectFactory, UserFactory
from tests.services.matching_fixtures import claim_in_new_document
from tests.services.test_releases import content

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    project = ProjectFactory()
    label = LabelFactory(project=project, kind="claim", name="CLAIM")
    users = {role: UserFactory(username=role) for role in ("annotator", "reviewer", "manager")}
    for role, user in users.items():
        MembershipFactory(project=project, user=user, role=role)
    query = claim_in_new_document(project, label, "About 1,500 troops are involved.")
    paraphrase = claim_in_new_document(
        project, label, "Roughly fifteen hundred soldiers take part in it."
    )
    other_work = claim_in_new_document(
        project,
        label,
        "Some 1,500 troops are involved in it.",
        kind=AnnotationKind.MANUAL,
        author=users["reviewer"],
    )
    unrelated = claim_in_new_document(project, label, "The weather in Bamako was sunny.")
    ClaimRecord.objects.create(span=paraphrase, verdict="SUPPORTS")
    matching.claim_index_sync(project_id=project.pk)
    return project, users, query, paraphrase, other_work, unrelated


def test_matches_rank_the_paraphrase_with_its_verdict_for_a_reviewer(
    team, django_assert_num_queries
):
    _project, users, query, paraphrase, other_work, _unrelated = team
    client = client_for(users["reviewer"])
    client.get(f"/api/spans/{query.pk}/matches/")  # loads the project's vectors once
    # The span, its annotation with the caller's role, the record's text, the index version,
    # the lexical search (PostgreSQL: its query's lexemes first), the details.
    with django_assert_num_queries(6 + (connection.vendor == "postgresql")):
        response = client.get(f"/api/spans/{query.pk}/matches/")
    assert response.status_code == 200
    body = response.json()
    assert body["text"] == "About 1,500 troops are involved."
    ids = [match["span_id"] for match in body["results"]]
    assert set(ids[:2]) == {paraphrase.pk, other_work.pk}
    found = next(match for match in body["results"] if match["span_id"] == paraphrase.pk)
    assert found["verdict"] == "SUPPORTS"
    assert found["text"] == "Roughly fifteen hundred soldiers take part in it."
    assert found["document_id"] == paraphrase.annotation.document_id
    assert query.pk not in ids  # never the claim itself, nor its document


def test_the_first_match_after_a_sync_reads_only_the_new_claims(
    team, django_assert_num_queries, monkeypatch
):
    project, users, query, _paraphrase, _other_work, _unrelated = team
    # Four claims: one more is a quarter of the project, past the share that reads all again.
    monkeypatch.setattr(selectors.matching, "REFRESH_DRIFT", 1.0)
    client = client_for(users["reviewer"])
    client.get(f"/api/spans/{query.pk}/matches/")  # loads the project's vectors once
    label = Label.objects.get(project=project)
    added = claim_in_new_document(project, label, "About 1,500 troops arrived.")
    matching.claim_index_sync(project_id=project.pk)
    # As above, plus the rows written by the sync (PostgreSQL: and their words' counts).
    with django_assert_num_queries(7 + 2 * (connection.vendor == "postgresql")):
        response = client.get(f"/api/spans/{query.pk}/matches/")
    assert added.pk in [match["span_id"] for match in response.json()["results"]]


def test_an_annotator_sees_gold_matches_but_not_other_annotators_work(team):
    project, users, _query, paraphrase, other_work, _unrelated = team
    # The annotator's own claim, still in progress (not indexed: it may be asked about).
    own = claim_in_new_document(
        project,
        paraphrase.label,
        "Around 1,500 troops are involved.",
        kind=AnnotationKind.MANUAL,
        author=users["annotator"],
    )
    own.annotation.status = "in_progress"
    own.annotation.save()
    response = client_for(users["annotator"]).get(f"/api/spans/{own.pk}/matches/")
    ids = [match["span_id"] for match in response.json()["results"]]
    assert paraphrase.pk in ids
    assert other_work.pk not in ids


def test_matches_answer_404_to_a_non_member_and_400_for_a_span_that_is_no_claim(team):
    project, users, query, *_rest = team
    assert client_for(UserFactory()).get(f"/api/spans/{query.pk}/matches/").status_code == 404
    entity = LabelFactory(project=project, kind="entity")
    query.label = entity
    query.save()
    response = client_for(users["manager"]).get(f"/api/spans/{query.pk}/matches/")
    assert response.status_code == 400
    assert "span" in response.json()["errors"]
    response = client_for(users["manager"]).get(f"/api/spans/{query.pk}/matches/?limit=0")
    assert response.status_code == 400


def test_a_member_links_two_claims_and_the_cluster_lists_both(team):
    project, users, query, paraphrase, _other, _unrelated = team
    response = client_for(users["manager"]).post(
        f"/api/projects/{project.pk}/claim-links/",
        {"first": query.pk, "second": paraphrase.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "confirmed"
    clusters = client_for(users["annotator"]).get(f"/api/projects/{project.pk}/claim-clusters/")
    (summary,) = clusters.json()["results"]
    assert summary["size"] == 2
    detail = client_for(users["annotator"]).get(f"/api/claim-clusters/{summary['id']}/").json()
    assert [m["span_id"] for m in detail["members"]] == sorted([query.pk, paraphrase.pk])
    assert detail["verdict"] == "SUPPORTS"  # the one member's verdict


def test_an_annotator_links_gold_claims_but_not_another_annotators_claim(team):
    project, users, query, paraphrase, other_work, _unrelated = team
    url = f"/api/projects/{project.pk}/claim-links/"
    client = client_for(users["annotator"])
    body = {"first": query.pk, "second": paraphrase.pk, "status": "confirmed"}
    assert client.post(url, body, format="json").status_code == 201
    ClaimLink.objects.all().delete()
    response = client.post(url, {"first": query.pk, "second": other_work.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "second": [matching.LINK_NOT_A_CLAIM.format(value=other_work.pk)]
    }
    assert not ClaimLink.objects.exists()


def test_reviewers_list_the_suggestions_and_confirm_one_annotators_may_not(team):
    project, users, query, paraphrase, _other, _unrelated = team
    (link,) = matching.claim_links_suggest(
        project=project, matches=[(query.pk, paraphrase.pk, 0.7)]
    )
    url = f"/api/projects/{project.pk}/claim-links/?status=suggested"
    assert client_for(users["annotator"]).get(url).status_code == 403
    body = client_for(users["reviewer"]).get(url).json()
    assert [item["id"] for item in body["results"]] == [link.pk]
    assert [side["span"] for side in body["results"][0]["claims"]] == [query.pk, paraphrase.pk]
    patch = {"status": "confirmed"}
    assert (
        client_for(users["annotator"])
        .patch(f"/api/claim-links/{link.pk}/", patch, format="json")
        .status_code
        == 403
    )
    response = client_for(users["reviewer"]).patch(
        f"/api/claim-links/{link.pk}/", patch, format="json"
    )
    assert response.json()["status"] == "confirmed"
    assert ClaimCluster.objects.count() == 1


def test_a_reviewer_sets_the_cluster_verdict(team):
    project, users, query, paraphrase, _other, _unrelated = team
    matching.claim_link_set(
        project=project, first=query.pk, second=paraphrase.pk, status="confirmed", actor=None
    )
    cluster = ClaimCluster.objects.get()
    url = f"/api/claim-clusters/{cluster.pk}/"
    assert (
        client_for(users["annotator"]).patch(url, {"verdict": "REFUTES"}, format="json").status_code
        == 403
    )
    response = client_for(users["reviewer"]).patch(
        url, {"verdict": "REFUTES", "canonical": query.pk}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["verdict"], response.json()["canonical"]) == ("REFUTES", query.pk)
    response = client_for(users["reviewer"]).patch(url, {"canonical": 10**9}, format="json")
    assert response.json()["errors"] == {"canonical": [matching.CANONICAL_NOT_MEMBER]}


def test_qrels_export_lists_decided_links_both_ways_with_their_relevance(team):
    project, users, query, paraphrase, _other, unrelated = team
    matching.claim_link_set(
        project=project, first=query.pk, second=paraphrase.pk, status="confirmed", actor=None
    )
    matching.claim_link_set(
        project=project, first=query.pk, second=unrelated.pk, status="rejected", actor=None
    )
    matching.claim_links_suggest(project=project, matches=[(paraphrase.pk, unrelated.pk, 0.9)])
    response = client_for(users["reviewer"]).get(f"/api/projects/{project.pk}/export/?format=qrels")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines == [
        f"{query.pk}\t0\t{paraphrase.pk}\t1",
        f"{paraphrase.pk}\t0\t{query.pk}\t1",
        f"{query.pk}\t0\t{unrelated.pk}\t0",
        f"{unrelated.pk}\t0\t{query.pk}\t0",
    ]


def test_clusters_export_has_one_line_per_cluster_with_every_member(team):
    project, users, query, paraphrase, _other, _unrelated = team
    matching.claim_link_set(
        project=project, first=query.pk, second=paraphrase.pk, status="confirmed", actor=None
    )
    response = client_for(users["reviewer"]).get(
        f"/api/projects/{project.pk}/export/?format=clusters"
    )
    (line,) = b"".join(response.streaming_content).splitlines()
    row = orjson.loads(line)
    cluster = ClaimCluster.objects.get()
    assert row["cluster"] == cluster.pk and row["verdict"] == "SUPPORTS"
    # No member has a normalised text: the first is canonical; the verdict is the member's.
    assert row["canonical"] == query.pk
    assert row["canonical_text"] == "About 1,500 troops are involved."
    assert [member["span"] for member in row["members"]] == [query.pk, paraphrase.pk]
    first = row["members"][0]
    assert first["text"] == "About 1,500 troops are involved."
    assert (first["start"], first["end"]) == (0, len(first["text"]))
    assert set(first) == {
        "span",
        "document",
        "external_id",
        "start",
        "end",
        "text",
        "normalized_text",
        "claim_date",
        "claimant",
        "verdict",
    }


def test_a_release_holds_the_qrels_and_clusters_files(team):
    project, users, query, paraphrase, _other, _unrelated = team
    matching.claim_link_set(
        project=project, first=query.pk, second=paraphrase.pk, status="confirmed", actor=None
    )
    release = releases.release_create(
        project=project, actor=users["manager"], name="v1", formats=["qrels", "clusters"]
    )
    releases.release_build(release_id=release.pk)
    release.refresh_from_db()
    assert release.status == "ready", release.error
    qrels = content(release, "qrels").decode().splitlines()
    assert qrels == [f"{query.pk}\t0\t{paraphrase.pk}\t1", f"{paraphrase.pk}\t0\t{query.pk}\t1"]
    (line,) = content(release, "clusters").splitlines()
    row = orjson.loads(line)
    assert row["release"] == "v1"
    assert [member["span"] for member in row["members"]] == [query.pk, paraphrase.pk]
