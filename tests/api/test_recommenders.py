"""The recommenders API: list with versions, versions with figures, create, train now."""

import pytest

from annotations.models import ModelVersion, Recommender
from annotations.services import recommenders
from tests.api.conftest import client_for
from tests.factories import MembershipFactory, UserFactory
from tests.recommending import gold_document, labelled_project, sentence
from tests.worker import run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    project = labelled_project(retrain_every=0)
    users = {}
    for role in ("annotator", "reviewer", "manager"):
        users[role] = UserFactory(username=role)
        MembershipFactory(project=project, user=users[role], role=role)
    users["outsider"] = UserFactory(username="outsider")
    return project, users


def url(project, *rest):
    tail = "".join(f"{part}/" for part in rest)
    return f"/api/projects/{project.pk}/recommenders/{tail}"


def test_manager_creates_and_trains_a_dictionary_then_reads_its_figures(team):
    project, users = team
    for index in range(3):
        gold_document(project, *sentence(index))
    manager = client_for(users["manager"])

    created = manager.post(
        url(project), {"name": "Gold strings", "kind": "dictionary"}, format="json"
    )
    assert created.status_code == 201, created.json()
    recommender_id = created.json()["id"]
    assert created.json()["versions"] == []

    started = manager.post(url(project, recommender_id, "train"))
    assert started.status_code == 202
    assert started.json()["status"] == "queued"
    assert started.json()["version"] == 1
    run_worker()

    listed = manager.get(url(project)).json()["results"]
    assert [(r["name"], r["kind"]) for r in listed] == [("Gold strings", "dictionary")]
    [summary] = listed[0]["versions"]
    assert summary["status"] == "ready"
    assert summary["gold_documents"] == 3
    assert 0 <= summary["f1"] <= 1

    versions = manager.get(url(project, recommender_id, "versions")).json()
    [version] = versions["results"]
    assert version["metrics"]["held_out_documents"] == 1
    assert set(version["metrics"]["labels"]) == {"PER", "LOC"}
    assert version["error"] == ""
    assert "artifact" not in version


def test_training_twice_at_once_is_a_conflict(team):
    project, users = team
    gold_document(project, *sentence(0))
    recommender = Recommender.objects.create(project=project, name="D", kind="dictionary")
    manager = client_for(users["manager"])
    assert manager.post(url(project, recommender.pk, "train")).status_code == 202
    again = manager.post(url(project, recommender.pk, "train"))
    assert again.status_code == 409
    assert "already has version 1 queued" in again.json()["detail"]


def test_an_address_is_refused_as_an_unknown_server_name(team, settings):
    settings.RECOMMENDER_SERVERS = {"house": "http://127.0.0.1:9/"}
    project, users = team
    answer = client_for(users["manager"]).post(
        url(project),
        {"name": "Mine", "kind": "external", "server": "http://169.254.169.254/latest"},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["errors"] == {
        "server": [
            recommenders.SERVER_UNKNOWN.format(name="http://169.254.169.254/latest", names="house")
        ]
    }
    assert not Recommender.objects.exists()


def test_imported_kind_and_unknown_fields_are_refused(team):
    project, users = team
    manager = client_for(users["manager"])
    imported = manager.post(url(project), {"name": "X", "kind": "imported"}, format="json")
    assert imported.status_code == 400
    assert "kind" in imported.json()["errors"]
    extra = manager.post(
        url(project), {"name": "X", "kind": "ner", "url": "http://x/"}, format="json"
    )
    assert extra.status_code == 400
    assert "url" in extra.json()["errors"]


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("annotator", 403, 403),
        ("reviewer", 200, 403),
        ("manager", 200, 201),
        ("outsider", 404, 404),
    ],
)
def test_who_reads_and_who_creates(team, role, read, write):
    project, users = team
    client = client_for(users[role])
    assert client.get(url(project)).status_code == read
    answer = client.post(url(project), {"name": "D", "kind": "dictionary"}, format="json")
    assert answer.status_code == write


def test_another_projects_recommender_is_not_found(team):
    project, users = team
    other = labelled_project()
    theirs = Recommender.objects.create(project=other, name="D", kind="dictionary")
    manager = client_for(users["manager"])
    assert manager.get(url(project, theirs.pk, "versions")).status_code == 404
    assert manager.post(url(project, theirs.pk, "train")).status_code == 404


def test_list_runs_as_many_queries_for_ten_recommenders_as_for_one(team, django_assert_num_queries):
    project, users = team
    manager = client_for(users["manager"])

    def add(count):
        for _ in range(count):
            recommender = Recommender.objects.create(
                project=project, name=f"D{Recommender.objects.count()}", kind="dictionary"
            )
            for number in (1, 2):
                ModelVersion.objects.create(recommender=recommender, version=number, status="ready")

    add(1)
    # The project and the caller's role, the page count, the recommenders, their versions.
    with django_assert_num_queries(4):
        assert manager.get(url(project)).status_code == 200
    add(9)
    with django_assert_num_queries(4):
        assert len(manager.get(url(project)).json()["results"]) == 10


def test_marking_gold_reviewed_through_the_api_queues_the_due_retraining(team):
    project, users = team
    project.retrain_every = 2
    project.save()
    recommender = Recommender.objects.create(project=project, name="D", kind="dictionary")
    gold_document(project, *sentence(0))
    pending = gold_document(project, *sentence(1), reviewed=False)
    gold = pending.annotations.get(kind="gold")

    answer = client_for(users["reviewer"]).patch(
        f"/api/annotations/{gold.pk}/",
        {"status": "submitted", "version": gold.version},
        format="json",
    )

    assert answer.status_code == 200, answer.json()
    [version] = recommender.versions.all()
    assert version.status == "queued"
    run_worker()
    version.refresh_from_db()
    assert (version.status, version.gold_documents) == ("ready", 2)


def test_versions_list_runs_as_many_queries_for_ten_versions_as_for_one(
    team, django_assert_num_queries
):
    project, users = team
    recommender = Recommender.objects.create(project=project, name="D", kind="dictionary")
    manager = client_for(users["manager"])
    ModelVersion.objects.create(recommender=recommender, version=1, status="ready")
    # The project and role, the recommender, the page count, the versions with their counts.
    with django_assert_num_queries(4):
        assert manager.get(url(project, recommender.pk, "versions")).status_code == 200
    for number in range(2, 11):
        ModelVersion.objects.create(recommender=recommender, version=number, status="ready")
    with django_assert_num_queries(4):
        assert manager.get(url(project, recommender.pk, "versions")).json()["count"] == 10
