"""What each model version was worth: decisions and precision/recall/F1 against reviewed gold,
hand-computed on a small fixture (API, selector and dashboard)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations import selectors
from annotations.models import Annotation
from tests.api.conftest import client_for
from tests.factories import DocumentFactory, SpanFactory
from tests.suggest_fixtures import at, prediction, suggesting_world

pytestmark = pytest.mark.django_db


def reviewed_gold(document, items):
    gold = Annotation.objects.create(document=document, kind="gold", status="submitted")
    for label, word, nth in items:
        start, end = at(word, nth)
        SpanFactory(annotation=gold, label=label, start=start, end=end)
    return gold


@pytest.fixture
def w():
    w = suggesting_world()
    # Gold: PER Keita, PER Macron, PER Keita (the second), LOC Bamako.
    reviewed_gold(
        w.document,
        [(w.per, "Keita", 0), (w.per, "Macron", 0), (w.per, "Keita", 1), (w.loc, "Bamako", 0)],
    )
    # A document without reviewed gold: its predictions count in no precision or recall.
    other = DocumentFactory(project=w.project, text=w.document.text + " ")
    prediction(other, None, [(w.per, "Kidal", 0, 0.3)], {}, "other")
    # The annotator, shown the imported prediction: accepts Keita, rejects Macron, accepts
    # Bamako then widens it (corrected), leaves Kidal (left undecided at submission).
    client = client_for(w.users["annotator"])
    base = f"/api/annotations/{w.own.pk}"
    keita, macron, bamako = (
        w.spans[("imported", word, 0)] for word in ("Keita", "Macron", "Bamako")
    )
    assert (
        client.post(f"{base}/suggestions/accept/", {"ids": [keita.pk]}, format="json").status_code
        == 200
    )
    assert (
        client.post(f"{base}/suggestions/reject/", {"ids": [macron.pk]}, format="json").status_code
        == 200
    )
    accepted = client.post(f"{base}/suggestions/accept/", {"ids": [bamako.pk]}, format="json")
    span = accepted.json()["accepted"][0]["span"]["id"]
    assert client.patch(f"{base}/spans/{span}/", {"end": 29}, format="json").status_code == 200
    w.own.refresh_from_db()
    submit = {"status": "submitted", "version": w.own.version}
    assert client.patch(f"{base}/", submit, format="json").status_code == 200
    return w


def figures(rows):
    return {
        (r["recommender"] or "imported", r["version"], r["label_name"]): (
            r["shown"],
            r["accepted"],
            r["corrected"],
            r["rejected"],
            r["ignored"],
            r["predicted"],
            r["true_positives"],
            r["gold"],
            None if r["precision"] is None else round(r["precision"], 3),
            None if r["recall"] is None else round(r["recall"], 3),
            None if r["f1"] is None else round(r["f1"], 3),
        )
        for r in rows
    }


def test_quality_per_model_version_and_label_hand_computed(w):
    answer = client_for(w.users["reviewer"]).get(
        f"/api/projects/{w.project.pk}/suggestions/quality/"
    )
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert [(r["recommender"], r["version"], r["label_name"]) for r in rows] == [
        (None, None, "LOC"),
        (None, None, "PER"),
        ("spacy-ner", 1, "LOC"),
        ("spacy-ner", 1, "PER"),
        ("spacy-ner", 2, "LOC"),
        ("spacy-ner", 2, "PER"),
        ("spacy-ner", 3, "LOC"),
        ("spacy-ner", 3, "PER"),
    ]
    # shown, accepted, corrected, rejected, left; predicted, right, gold; P, R, F1.
    assert figures(rows) == {
        # Bamako right, Kidal wrong; the one gold LOC found.
        ("imported", None, "LOC"): (2, 0, 1, 0, 1, 2, 1, 1, 0.5, 1.0, 0.667),
        # Keita and Macron right; the second Keita missed.
        ("imported", None, "PER"): (2, 1, 0, 1, 0, 2, 2, 3, 1.0, 0.667, 0.8),
        # Monday wrong, Bamako missed.
        ("spacy-ner", 1, "LOC"): (0, 0, 0, 0, 0, 1, 0, 1, 0.0, 0.0, 0.0),
        # Predicted no PER: no precision, nothing found.
        ("spacy-ner", 1, "PER"): (0, 0, 0, 0, 0, 0, 0, 3, None, 0.0, None),
        ("spacy-ner", 2, "LOC"): (0, 0, 0, 0, 0, 1, 1, 1, 1.0, 1.0, 1.0),
        # Both Keitas right, Macron missed.
        ("spacy-ner", 2, "PER"): (0, 0, 0, 0, 0, 2, 2, 3, 1.0, 0.667, 0.8),
        ("spacy-ner", 3, "LOC"): (0, 0, 0, 0, 0, 1, 0, 1, 0.0, 0.0, 0.0),
        ("spacy-ner", 3, "PER"): (0, 0, 0, 0, 0, 0, 0, 3, None, 0.0, None),
    }


def test_quality_is_for_reviewers_and_managers(w):
    url = f"/api/projects/{w.project.pk}/suggestions/quality/"
    assert client_for(w.users["annotator"]).get(url).status_code == 403
    assert client_for(w.users["manager"]).get(url).status_code == 200


def test_quality_takes_six_queries_whatever_the_projects_size(w, django_assert_num_queries):
    with CaptureQueriesContext(connection) as small:
        selectors.suggestion_quality(project=w.project)
    for n in range(10):
        document = DocumentFactory(project=w.project, text=f"{n} " + w.document.text)
        reviewed_gold(document, [(w.per, "Keita", 0)])
        prediction(document, w.v2, [(w.per, "Keita", 0, 0.5)], {}, "more")
    with django_assert_num_queries(6):
        selectors.suggestion_quality(project=w.project)
    assert len(small) == 6


def test_dashboard_shows_the_suggestions_table(w, client):
    client.force_login(w.users["manager"])
    html = client.get(f"/projects/{w.project.pk}/dashboard/").content.decode()
    assert 'id="suggestion-quality"' in html
    row = html.split('<tr data-model="spacy-ner v2" data-label="PER">')[1].split("</tr>")[0]
    cells = [cell.split(">")[1].split("<")[0] for cell in row.split('<td class="num"')[1:]]
    assert cells == ["0", "0", "0", "0", "0", "1.00", "0.67", "0.80"]
    row = html.split('<tr data-model="imported" data-label="LOC">')[1].split("</tr>")[0]
    cells = [cell.split(">")[1].split("<")[0] for cell in row.split('<td class="num"')[1:]]
    assert cells == ["2", "0", "1", "0", "1", "0.50", "1.00", "0.67"]
