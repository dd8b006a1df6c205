"""The project's suggestion settings: the API, the settings page and the Django admin; and
imported predictions beside a model's (the import attaches to the imported one only)."""

import pytest

from annotations.models import Annotation, Project, Recommender
from annotations.services.projects import SUGGESTIONS_FROM_INVALID
from tests.api.conftest import client_for
from tests.factories import ProjectFactory
from tests.suggest_fixtures import suggesting_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return suggesting_world()


def test_managers_choose_the_recommender_and_turn_suggestions_off_through_the_api(w):
    client = client_for(w.users["manager"])
    url = f"/api/projects/{w.project.pk}/"
    answer = client.patch(
        url, {"suggestions_from": w.recommender.pk, "show_suggestions": False}, format="json"
    )
    assert answer.status_code == 200, answer.content
    assert (answer.json()["suggestions_from"], answer.json()["show_suggestions"]) == (
        w.recommender.pk,
        False,
    )
    answer = client.patch(url, {"suggestions_from": None}, format="json")
    assert answer.json()["suggestions_from"] is None
    w.project.refresh_from_db()
    assert (w.project.suggestions_from_id, w.project.show_suggestions) == (None, False)


def test_a_recommender_of_another_project_is_refused_and_nothing_changes(w):
    elsewhere = Recommender.objects.create(project=ProjectFactory(), name="theirs", kind="ner")
    answer = client_for(w.users["manager"]).patch(
        f"/api/projects/{w.project.pk}/",
        {"suggestions_from": elsewhere.pk, "show_suggestions": False},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["errors"] == {
        "suggestions_from": [SUGGESTIONS_FROM_INVALID.format(value=elsewhere.pk)]
    }
    w.project.refresh_from_db()
    assert (w.project.suggestions_from_id, w.project.show_suggestions) == (None, True)


def test_annotators_and_reviewers_may_not_change_them(w):
    for role in ("annotator", "reviewer"):
        answer = client_for(w.users[role]).patch(
            f"/api/projects/{w.project.pk}/", {"show_suggestions": False}, format="json"
        )
        assert answer.status_code == 403


def test_the_settings_page_offers_the_projects_recommenders_and_saves_the_choice(w, client):
    client.force_login(w.users["manager"])
    url = f"/projects/{w.project.pk}/settings/"
    html = client.get(url).content.decode()
    assert '<option value="" selected>Imported predictions</option>' in html
    assert f'<option value="{w.recommender.pk}">spacy-ner</option>' in html
    assert 'name="show_suggestions"' in html and "checked" in html
    fields = {
        "name": w.project.name,
        "annotators_per_document": "1",
        "allow_overlap": "no",
        "suggestions_from": str(w.recommender.pk),
        # show_suggestions unticked: a blind study
    }
    assert client.post(url, fields).status_code == 302
    w.project.refresh_from_db()
    assert (w.project.suggestions_from_id, w.project.show_suggestions) == (w.recommender.pk, False)


def test_the_admin_edits_them_with_the_projects_own_recommenders_only(w, admin_client):
    Recommender.objects.create(project=ProjectFactory(), name="theirs", kind="ner")
    html = admin_client.get(f"/admin/annotations/project/{w.project.pk}/change/").content.decode()
    assert 'name="show_suggestions"' in html
    assert ">spacy-ner (ner)</option>" in html
    assert "theirs" not in html


def test_importing_predictions_attaches_to_the_imported_one_never_to_a_models(w):
    # No imported prediction yet: only the models' (v1's is the oldest).
    w.imported.delete()
    answer = client_for(w.users["manager"]).post(
        f"/api/projects/{w.project.pk}/documents/?on_duplicate=attach",
        [{"text": w.document.text, "entities": [{"start": 0, "end": 5, "label": "LOC"}]}],
        format="json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["duplicates"][0]["attached"] == "prediction"
    predictions = Annotation.objects.filter(document=w.document, kind="prediction")
    by_version = {
        a.model_version_id: sorted((s.label.name, s.start, s.end) for s in a.spans.all())
        for a in predictions
    }
    assert by_version[None] == [("LOC", 0, 5)]
    assert by_version[w.v1.pk] == [("LOC", 30, 36)]
    assert by_version[w.v2.pk] == [("LOC", 20, 26), ("PER", 0, 5), ("PER", 69, 74)]
    assert Project.objects.get(pk=w.project.pk).show_suggestions is True
