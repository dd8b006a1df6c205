"""Strings marked with * become suggestions on the other documents, shown by default
(docs/suggestions.md, "Occurrences from other documents")."""

import pytest

from annotations.models import AnnotationEvent, Recommender, Span, SuggestionDecision
from tests.api.conftest import client_for
from tests.api.test_suggestions import READ_QUERIES
from tests.factories import AnnotationFactory, DocumentFactory, SpanFactory
from tests.suggest_fixtures import at, suggesting_world

pytestmark = pytest.mark.django_db

# Document A, where the annotator marks a string with *; the world's document is B.
TEXT_A = "The rebels took Kidal."


@pytest.fixture
def w():
    return suggesting_world()


def star(w, word):
    """The annotator marks ``word`` on document A as LOC and presses * (all occurrences)."""
    document = DocumentFactory(project=w.project, text=TEXT_A)
    annotation = AnnotationFactory(document=document, author=w.users["annotator"])
    start = TEXT_A.index(word)
    source = SpanFactory(annotation=annotation, label=w.loc, start=start, end=start + len(word))
    answer = client_for(w.users["annotator"]).post(
        f"/api/annotations/{annotation.pk}/spans/occurrences/", {"span": source.pk}, format="json"
    )
    assert answer.status_code in (200, 201), answer.content
    return answer.json()["suggestions"]["model_version"]


def listed(w):
    answer = client_for(w.users["annotator"]).get(f"/api/annotations/{w.own.pk}/suggestions/")
    assert answer.status_code == 200, answer.content
    return answer.json()


def shown(body):
    return [(s["label_name"], s["text"], s["start"], s["source"]) for s in body["suggestions"]]


def test_a_starred_string_is_suggested_on_the_other_document_by_default(w):
    occurrences = star(w, "rebels")

    body = listed(w)

    # The chosen source is still the imported prediction; the occurrence comes alongside it,
    # named by its source.
    assert body["source"] == {"model_version": None, "recommender": None, "version": None}
    assert shown(body) == [
        ("PER", "Keita", 0, None),
        ("PER", "Macron", 10, None),
        ("LOC", "Bamako", 20, None),
        ("LOC", "Kidal", 38, None),
        ("LOC", "rebels", at("rebels")[0], "Occurrences"),
    ]
    rebels = body["suggestions"][-1]
    assert (rebels["model_version"], rebels["score"]) == (occurrences, None)


def test_occurrences_come_alongside_a_chosen_recommender(w):
    star(w, "rebels")
    w.project.suggestions_from = w.recommender
    w.project.save()

    body = listed(w)

    assert body["source"]["recommender"] == "spacy-ner"
    assert shown(body) == [
        ("PER", "Keita", 0, "spacy-ner"),
        ("LOC", "Bamako", 20, "spacy-ner"),
        ("LOC", "rebels", at("rebels")[0], "Occurrences"),
        ("PER", "Keita", at("Keita", 1)[0], "spacy-ner"),
    ]


def test_a_blind_study_shows_no_occurrences_either(w):
    star(w, "rebels")
    w.project.show_suggestions = False
    w.project.save()

    body = listed(w)

    assert (body["source"], body["suggestions"]) == (None, [])


def test_a_manager_switches_occurrences_off_by_disabling_their_recommender(w):
    star(w, "rebels")
    occurrences = Recommender.objects.get(project=w.project, name="Occurrences")
    url = f"/api/projects/{w.project.pk}/recommenders/{occurrences.pk}/"
    # Only a manager may: an annotator is refused, and a value that is no boolean is named.
    annotator = client_for(w.users["annotator"]).patch(url, {"enabled": False}, format="json")
    assert annotator.status_code == 403
    manager = client_for(w.users["manager"])
    refused = manager.patch(url, {"enabled": "sometimes"}, format="json")
    assert refused.status_code == 400
    assert "enabled" in refused.json()["errors"]
    assert [s for s in shown(listed(w)) if s[3] == "Occurrences"] != []

    off = manager.patch(url, {"enabled": False}, format="json")

    assert off.status_code == 200, off.json()
    assert (off.json()["name"], off.json()["enabled"]) == ("Occurrences", False)
    assert [s for s in shown(listed(w)) if s[3] == "Occurrences"] == []
    # On again: the same suggestions are shown again (nothing was deleted).
    assert manager.patch(url, {"enabled": True}, format="json").json()["enabled"] is True
    assert [s for s in shown(listed(w)) if s[3] == "Occurrences"] != []


def test_an_occurrence_the_chosen_source_also_suggests_is_listed_once_as_the_chosen_ones(w):
    star(w, "Kidal")  # the imported prediction suggests LOC "Kidal" on B already

    kidal = [s for s in shown(listed(w)) if s[1] == "Kidal"]

    assert kidal == [("LOC", "Kidal", 38, None)]


def test_accepting_an_occurrence_stores_the_exact_span_and_the_event_names_its_source(w):
    occurrences = star(w, "rebels")
    suggestion = next(s for s in listed(w)["suggestions"] if s["source"] == "Occurrences")
    client = client_for(w.users["annotator"])

    answer = client.post(
        f"/api/annotations/{w.own.pk}/spans/",
        {k: suggestion[k] for k in ("label", "start", "end")} | {"suggestion": suggestion["id"]},
        format="json",
    )

    assert answer.status_code == 201, answer.content
    spans = client.get(f"/api/annotations/{w.own.pk}/").json()["spans"]
    start, end = at("rebels")
    assert [(s["label_name"], s["start"], s["end"], s["text"]) for s in spans] == [
        ("LOC", start, end, "rebels")
    ]
    event = AnnotationEvent.objects.get(annotation=w.own, object_id=spans[0]["id"])
    assert event.after["suggested"] == {
        "suggestion": suggestion["id"],
        "model_version": occurrences,
        "source": "Occurrences",
        "score": None,
    }
    decision = SuggestionDecision.objects.get(annotation=w.own)
    assert (decision.outcome, decision.model_version_id) == ("accepted", occurrences)
    assert "rebels" not in [s[1] for s in shown(listed(w))]


def test_rejecting_an_occurrence_hides_it_and_records_its_own_model_version(w):
    occurrences = star(w, "rebels")
    suggestion = next(s for s in listed(w)["suggestions"] if s["source"] == "Occurrences")

    answer = client_for(w.users["annotator"]).post(
        f"/api/annotations/{w.own.pk}/suggestions/reject/",
        {"ids": [suggestion["id"]]},
        format="json",
    )

    assert answer.json() == {"rejected": [suggestion["id"]]}
    assert "rebels" not in [s[1] for s in shown(listed(w))]
    decision = SuggestionDecision.objects.get(annotation=w.own)
    assert (decision.outcome, decision.model_version_id) == ("rejected", occurrences)


def test_accept_all_takes_the_models_and_the_occurrences_each_decision_with_its_source(w):
    occurrences = star(w, "rebels")
    client = client_for(w.users["annotator"])

    answer = client.post(
        f"/api/annotations/{w.own.pk}/suggestions/accept/", {"all": True}, format="json"
    )

    assert answer.status_code == 200, answer.content
    assert answer.json()["refused"] == []
    spans = client.get(f"/api/annotations/{w.own.pk}/").json()["spans"]
    assert sorted((s["text"], s["start"], s["end"]) for s in spans) == sorted(
        (word, *at(word)) for word in ("Keita", "Macron", "Bamako", "Kidal", "rebels")
    )
    decided = dict(
        SuggestionDecision.objects.filter(annotation=w.own).values_list("start", "model_version")
    )
    assert decided == {
        at("Keita")[0]: None,
        at("Macron")[0]: None,
        at("Bamako")[0]: None,
        at("Kidal")[0]: None,
        at("rebels")[0]: occurrences,
    }
    sources = sorted(
        e.after["suggested"]["source"] or "imported"
        for e in AnnotationEvent.objects.filter(annotation=w.own, action="span_created")
    )
    assert sources == ["Occurrences", "imported", "imported", "imported", "imported"]


def test_accept_all_of_a_label_takes_the_occurrences_of_that_label_too(w):
    star(w, "rebels")

    answer = client_for(w.users["annotator"]).post(
        f"/api/annotations/{w.own.pk}/suggestions/accept/", {"label": w.loc.pk}, format="json"
    )

    assert answer.status_code == 200, answer.content
    assert sorted(Span.objects.filter(annotation=w.own).values_list("text", flat=True)) == [
        "Bamako",
        "Kidal",
        "rebels",
    ]


def test_the_quality_table_gives_occurrences_their_own_row(w):
    occurrences = star(w, "rebels")
    client_for(w.users["annotator"]).post(
        f"/api/annotations/{w.own.pk}/suggestions/accept/", {"label": w.loc.pk}, format="json"
    )

    rows = (
        client_for(w.users["manager"])
        .get(f"/api/projects/{w.project.pk}/suggestions/quality/")
        .json()["results"]
    )

    loc = {
        (r["recommender"], r["model_version"]): r["accepted"]
        for r in rows
        if r["label_name"] == "LOC"
    }
    assert loc[(None, None)] == 2  # Bamako, Kidal: the imported prediction's
    assert loc[("Occurrences", occurrences)] == 1  # rebels


def test_reading_suggestions_with_occurrences_takes_the_same_queries(w, django_assert_num_queries):
    star(w, "rebels")
    client = client_for(w.users["annotator"])
    url = f"/api/annotations/{w.own.pk}/suggestions/"

    with django_assert_num_queries(READ_QUERIES):
        body = client.get(url).json()

    assert len(body["suggestions"]) == 5


def test_submitting_with_an_occurrence_left_alone_settles_it_ignored_under_its_own_version(w):
    occurrences = star(w, "rebels")
    client = client_for(w.users["annotator"])
    w.own.refresh_from_db()

    answer = client.patch(
        f"/api/annotations/{w.own.pk}/",
        {"status": "submitted", "version": w.own.version},
        format="json",
    )

    assert answer.status_code == 200, answer.content
    settled = dict(
        SuggestionDecision.objects.filter(annotation=w.own).values_list("start", "model_version")
    )
    assert settled[at("rebels")[0]] == occurrences
    assert settled[at("Kidal")[0]] is None
    assert set(SuggestionDecision.objects.values_list("outcome", flat=True)) == {"ignored"}
