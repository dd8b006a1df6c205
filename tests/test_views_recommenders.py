"""The recommenders page and the dashboard's recommenders card."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from annotations.models import ModelVersion, Recommender
from tests.factories import MembershipFactory, UserFactory
from tests.recommending import gold_document, labelled_project, sentence
from tests.worker import run_worker

pytestmark = pytest.mark.django_db

QUERIES = 5


@pytest.fixture
def team():
    project = labelled_project(retrain_every=0)
    users = {}
    for role in ("annotator", "reviewer", "manager"):
        users[role] = UserFactory(username=f"{role}-r")
        MembershipFactory(project=project, user=users[role], role=role)
    return project, users


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(project):
    return f"/projects/{project.pk}/recommenders/"


def test_manager_adds_and_trains_a_dictionary_and_sees_its_figures(team):
    project, users = team
    for index in range(3):
        gold_document(project, *sentence(index))
    client = signed_in(users["manager"])

    added = client.post(f"{page(project)}add/", {"name": "Gold <strings>", "kind": "dictionary"})
    assert added.status_code == 302
    recommender = Recommender.objects.get()
    queued = client.post(f"{page(project)}{recommender.pk}/train/", follow=True)
    assert "Version 1 of Gold &lt;strings&gt; is queued" in queued.content.decode()
    run_worker()

    html = client.get(page(project)).content.decode()
    version = ModelVersion.objects.get()
    f1 = f"{version.metrics['overall']['f1']:.2f}"
    assert 'data-version="1" data-status="ready"' in html
    assert "<b>PER</b>" in html
    assert f">{f1}<" in html
    # The name is text, never markup, in the table and in the chart.
    assert "Gold <strings>" not in html
    assert html.count("Gold &lt;strings&gt;") >= 3
    dashboard = client.get(f"/projects/{project.pk}/dashboard/").content.decode()
    assert f"F1 {f1}" in dashboard


def test_every_versions_f1_is_kept_and_charted_so_a_manager_sees_the_trend(team):
    project, users = team
    recommender = Recommender.objects.create(project=project, name="spaCy", kind="ner")
    for version, f1 in ((1, 0.41), (2, 0.63), (4, 0.87)):
        overall = {"precision": f1, "recall": f1, "f1": f1, "gold": 10, "predicted": 10}
        ModelVersion.objects.create(
            recommender=recommender,
            version=version,
            status="ready",
            metrics={"overall": overall, "labels": {"PER": overall}, "held_out_documents": 3},
        )
    ModelVersion.objects.create(recommender=recommender, version=3, status="failed", error="x")

    html = signed_in(users["manager"]).get(page(project)).content.decode()

    # One dot per version with figures, oldest first, each higher than the last (F1 goes up).
    dots = re.findall(
        r'<circle class="dot [^"]*" cx="(\d+)" cy="(\d+)"[^>]*><title>([^<]*)</title>', html
    )
    assert [title for _, _, title in dots] == [
        "spaCy v1: F1 0.41",
        "spaCy v2: F1 0.63",
        "spaCy v4: F1 0.87",
    ]
    across = [int(x) for x, _, _ in dots]
    heights = [int(y) for _, y, _ in dots]
    assert across == sorted(across) and heights == sorted(heights, reverse=True)
    # The table keeps every version, the failed one with its status.
    for version in (1, 2, 3, 4):
        assert f'data-version="{version}"' in html
    assert 'data-version="3" data-status="failed"' in html


def test_a_failed_version_shows_its_error_on_the_dashboard(team):
    project, users = team
    recommender = Recommender.objects.create(
        project=project, name="House", kind="external", server="house"
    )
    ModelVersion.objects.create(
        recommender=recommender, version=1, status="failed", error="No answer within 30.0 s."
    )
    dashboard = signed_in(users["reviewer"]).get(f"/projects/{project.pk}/dashboard/")
    assert "No answer within 30.0 s." in dashboard.content.decode()


def test_an_unknown_server_is_refused_on_the_form(team, settings):
    settings.RECOMMENDER_SERVERS = {"house": "http://127.0.0.1:9/"}
    project, users = team
    answer = signed_in(users["manager"]).post(
        f"{page(project)}add/", {"name": "X", "kind": "external", "server": "http://evil/"}
    )
    assert answer.status_code == 400
    assert not Recommender.objects.exists()


def test_training_without_enough_gold_says_why(team):
    project, users = team
    recommender = Recommender.objects.create(project=project, name="spaCy", kind="ner")
    answer = signed_in(users["manager"]).post(
        f"{page(project)}{recommender.pk}/train/", follow=True
    )
    assert (
        "needs at least 2 reviewed gold document(s); the project has 0" in answer.content.decode()
    )
    assert not ModelVersion.objects.exists()


@pytest.mark.parametrize(
    ("role", "read", "write"), [("annotator", 403, 403), ("reviewer", 200, 403)]
)
def test_who_sees_the_page_and_who_changes_it(team, role, read, write):
    project, users = team
    client = signed_in(users[role])
    assert client.get(page(project)).status_code == read
    assert (
        client.post(f"{page(project)}add/", {"name": "D", "kind": "dictionary"}).status_code
        == write
    )


def test_a_manager_turns_a_recommender_off_and_on_from_the_page(team):
    project, users = team
    recommender = Recommender.objects.create(project=project, name="Gold dict", kind="dictionary")
    switch = f"{page(project)}{recommender.pk}/enabled/"
    # A reviewer sees the page but not the switch, and may not use it.
    assert "Turn off" not in signed_in(users["reviewer"]).get(page(project)).content.decode()
    assert signed_in(users["reviewer"]).post(switch, {"enabled": "0"}).status_code == 403
    client = signed_in(users["manager"])
    assert "Turn off" in client.get(page(project)).content.decode()

    off = client.post(switch, {"enabled": "0"}, follow=True).content.decode()

    assert "Gold dict is off: it neither trains nor predicts" in off
    assert "· disabled" in off and "Turn on" in off
    assert f"{page(project)}{recommender.pk}/train/" not in off  # nothing to train while off
    recommender.refresh_from_db()
    assert recommender.enabled is False

    garbled = client.post(switch, {"enabled": "maybe"}, follow=True).content.decode()
    assert "enabled: expected 1 (on) or 0 (off)." in garbled
    recommender.refresh_from_db()
    assert recommender.enabled is False

    on = client.post(switch, {"enabled": "1"}, follow=True).content.decode()
    assert "Gold dict is on again" in on
    assert f"{page(project)}{recommender.pk}/train/" in on
    recommender.refresh_from_db()
    assert recommender.enabled is True


def test_page_runs_as_many_queries_for_ten_recommenders_as_for_one(team):
    project, users = team
    client = signed_in(users["manager"])

    def count_for(recommenders: int) -> int:
        for _ in range(recommenders):
            recommender = Recommender.objects.create(
                project=project, name=f"D{Recommender.objects.count()}", kind="dictionary"
            )
            ModelVersion.objects.create(recommender=recommender, version=1, status="ready")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page(project)).status_code == 200
        return len(queries)

    # The session and its user, the project with the caller's role and progress, the
    # recommenders, their versions.
    assert count_for(1) == count_for(9) == QUERIES
