"""Suggestions through the API: what an annotator is shown, accepting, rejecting, blind studies."""

import pytest
from django.db import connection

from annotations.api.annotating import UNACCEPT_INVALID
from annotations.models import AnnotationEvent, Span, SuggestionDecision
from annotations.services import suggestions as services
from tests.api.conftest import client_for
from tests.factories import SpanFactory, UserFactory
from tests.suggest_fixtures import at, span_of, suggesting_world

pytestmark = pytest.mark.django_db

# The suggestions read: the annotation (with the caller's role), its document and project, the
# shown source, the undecided suggestions with their labels.
READ_QUERIES = 4
# A bulk accept: the annotation, a savepoint, its document and project, the lock, the chosen
# suggestions, one insert of all the decisions, the release; then per accepted suggestion what a
# span create costs (savepoint, the lock, the label, insert, version, event, release; on
# PostgreSQL the insert, the version and its event are one statement).
ACCEPT_QUERIES = 8
ACCEPT_QUERIES_PER_SPAN = 7 if connection.vendor == "sqlite" else 5


@pytest.fixture
def w():
    return suggesting_world()


def listed(w, user="annotator", annotation=None):
    annotation = annotation or w.own
    answer = client_for(w.users[user]).get(f"/api/annotations/{annotation.pk}/suggestions/")
    assert answer.status_code == 200, answer.content
    return answer.json()


def words(body):
    return [(s["label_name"], s["text"], s["start"]) for s in body["suggestions"]]


def test_annotator_is_shown_the_imported_prediction_by_default_with_scores(w):
    body = listed(w)
    assert body["source"] == {"model_version": None, "recommender": None, "version": None}
    assert words(body) == [
        ("PER", "Keita", 0),
        ("PER", "Macron", 10),
        ("LOC", "Bamako", 20),
        ("LOC", "Kidal", 38),
    ]
    assert [s["score"] for s in body["suggestions"]] == [0.9, None, 0.8, 0.7]


def test_the_chosen_recommender_shows_its_newest_ready_version_only(w):
    w.project.suggestions_from = w.recommender
    w.project.save()
    body = listed(w)
    assert body["source"] == {"model_version": w.v2.pk, "recommender": "spacy-ner", "version": 2}
    # v2's three spans; not v1's (older), not v3's (failed), not the imported ones.
    assert words(body) == [("PER", "Keita", 0), ("LOC", "Bamako", 20), ("PER", "Keita", 69)]


def test_a_recommender_with_no_ready_version_shows_nothing(w):
    w.v1.status = w.v2.status = "training"
    w.v1.save()
    w.v2.save()
    w.project.suggestions_from = w.recommender
    w.project.save()
    assert listed(w) == {"source": None, "suggestions": []}


def test_blind_study_hands_annotators_no_predictions_at_all(w):
    w.project.show_suggestions = False
    w.project.save()
    annotator = client_for(w.users["annotator"])
    assert listed(w) == {"source": None, "suggestions": []}
    assert annotator.get(f"/api/annotations/{w.imported.pk}/").status_code == 404
    kinds = [
        a["kind"]
        for a in annotator.get(f"/api/documents/{w.document.pk}/annotations/").json()["results"]
    ]
    assert kinds == ["manual"]
    # Reviewers still read predictions (they read everybody's work).
    reviewer = client_for(w.users["reviewer"])
    assert reviewer.get(f"/api/annotations/{w.imported.pk}/").status_code == 200


def test_with_suggestions_on_annotators_read_the_predictions(w):
    annotator = client_for(w.users["annotator"])
    assert annotator.get(f"/api/annotations/{w.imported.pk}/").status_code == 200


def test_accepting_through_the_span_create_keeps_label_offsets_and_logs_the_model_version(w):
    w.project.suggestions_from = w.recommender
    w.project.save()
    suggestion = w.spans[("v2", "Bamako", 0)]
    start, end = at("Bamako")
    answer = client_for(w.users["annotator"]).post(
        f"/api/annotations/{w.own.pk}/spans/",
        {"label": w.loc.pk, "start": start, "end": end, "suggestion": suggestion.pk, "version": 1},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    span = Span.objects.get(pk=answer.json()["id"])
    assert (span.annotation_id, span.label_id, span.start, span.end, span.text) == (
        w.own.pk,
        w.loc.pk,
        start,
        end,
        "Bamako",
    )
    event = AnnotationEvent.objects.get(annotation=w.own, object_id=span.pk)
    assert event.after["suggested"] == {
        "suggestion": suggestion.pk,
        "model_version": w.v2.pk,
        "source": "spacy-ner",
        "score": 0.6,
    }
    decision = SuggestionDecision.objects.get(annotation=w.own)
    assert (decision.outcome, decision.span_id, decision.model_version_id, decision.score) == (
        "accepted",
        span.pk,
        w.v2.pk,
        0.6,
    )
    assert ("LOC", "Bamako", 20) not in words(listed(w))


def test_accepting_refuses_other_offsets_than_the_suggestions_and_writes_nothing(w):
    suggestion = w.spans[("imported", "Bamako", 0)]
    answer = client_for(w.users["annotator"]).post(
        f"/api/annotations/{w.own.pk}/spans/",
        {"label": w.loc.pk, "start": 20, "end": 23, "suggestion": suggestion.pk},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["suggestion"] == [
        services.SUGGESTION_DIFFERS.format(id=suggestion.pk, label="LOC", start=20, end=26)
    ]
    assert not Span.objects.filter(annotation=w.own).exists()
    assert not SuggestionDecision.objects.exists()


def test_a_suggestion_of_another_source_is_not_accepted(w):
    # v1's span while the project shows the imported prediction.
    suggestion = w.spans[("v1", "Monday", 0)]
    start, end = at("Monday")
    answer = client_for(w.users["annotator"]).post(
        f"/api/annotations/{w.own.pk}/spans/",
        {"label": w.loc.pk, "start": start, "end": end, "suggestion": suggestion.pk},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["suggestion"] == [
        services.SUGGESTION_UNKNOWN.format(ids=suggestion.pk)
    ]


def test_accepting_a_label_creates_a_span_per_suggestion_of_it_each_logged(w):
    answer = client_for(w.users["annotator"]).post(
        f"/api/annotations/{w.own.pk}/suggestions/accept/",
        {"label": w.loc.pk, "version": 1},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert [a["span"]["text"] for a in body["accepted"]] == ["Bamako", "Kidal"]
    assert body["refused"] == []
    assert body["version"] == 3
    stored = Span.objects.filter(annotation=w.own).order_by("start")
    assert [(s.label_id, s.start, s.end) for s in stored] == [
        (w.loc.pk, *at("Bamako")),
        (w.loc.pk, *at("Kidal")),
    ]
    events = AnnotationEvent.objects.filter(annotation=w.own, action="span_created")
    assert sorted(e.after["suggested"]["suggestion"] for e in events) == sorted(
        [w.spans[("imported", "Bamako", 0)].pk, w.spans[("imported", "Kidal", 0)].pk]
    )
    assert words(listed(w)) == [("PER", "Keita", 0), ("PER", "Macron", 10)]


def test_accepting_all_respects_the_overlap_rule_and_reports_each_refusal(w):
    # The annotator marked "Macron in" as PER: the suggestion "Macron" may not overlap it.
    SpanFactory(annotation=w.own, label=w.per, start=10, end=19)
    answer = client_for(w.users["annotator"]).post(
        f"/api/annotations/{w.own.pk}/suggestions/accept/", {"all": True}, format="json"
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert [a["span"]["text"] for a in body["accepted"]] == ["Keita", "Bamako", "Kidal"]
    (refused,) = body["refused"]
    assert (refused["suggestion"], refused["text"]) == (
        w.spans[("imported", "Macron", 0)].pk,
        "Macron",
    )
    assert "overlap" in " ".join(m for ms in refused["errors"].values() for m in ms)
    assert Span.objects.filter(annotation=w.own).count() == 4
    # The refused one is still a suggestion: nothing was decided about it.
    assert words(listed(w)) == [("PER", "Macron", 10)]


def test_reading_the_suggestions_takes_the_same_queries_for_four_or_forty(
    w, django_assert_num_queries
):
    client = client_for(w.users["annotator"])
    url = f"/api/annotations/{w.own.pk}/suggestions/"
    with django_assert_num_queries(READ_QUERIES):
        few = client.get(url).json()["suggestions"]
    for start in range(36):
        SpanFactory(annotation=w.imported, label=w.claim, start=start, end=start + 30)
    with django_assert_num_queries(READ_QUERIES):
        many = client.get(url).json()["suggestions"]
    assert (len(few), len(many)) == (4, 40)


def test_a_bulk_accept_costs_a_fixed_number_of_queries_plus_a_span_creates_each(
    w, django_assert_num_queries
):
    client = client_for(w.users["annotator"])
    url = f"/api/annotations/{w.own.pk}/suggestions/accept/"
    with django_assert_num_queries(ACCEPT_QUERIES + 2 * ACCEPT_QUERIES_PER_SPAN):
        two = client.post(url, {"label": w.loc.pk}, format="json").json()
    # Four more suggestions of another label, none overlapping: six accepted at once.
    for word in ("Monday", "fell", "rebels", "said"):
        SpanFactory(annotation=w.imported, label=w.per, start=at(word)[0], end=at(word)[1])
    with django_assert_num_queries(ACCEPT_QUERIES + 6 * ACCEPT_QUERIES_PER_SPAN):
        six = client.post(url, {"label": w.per.pk}, format="json").json()
    assert (len(two["accepted"]), len(six["accepted"])) == (2, 6)
    assert SuggestionDecision.objects.filter(outcome="accepted").count() == 8


def test_accepting_checks_the_version(w):
    answer = client_for(w.users["annotator"]).post(
        f"/api/annotations/{w.own.pk}/suggestions/accept/",
        {"all": True, "version": 7},
        format="json",
    )
    assert answer.status_code == 409
    assert not Span.objects.filter(annotation=w.own).exists()


def test_rejecting_hides_the_suggestion_for_this_annotator_only_and_keeps_the_version(w):
    bamako = w.spans[("imported", "Bamako", 0)]
    answer = client_for(w.users["annotator"]).post(
        f"/api/annotations/{w.own.pk}/suggestions/reject/", {"ids": [bamako.pk]}, format="json"
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"rejected": [bamako.pk]}
    assert ("LOC", "Bamako", 20) not in words(listed(w))
    w.own.refresh_from_db()
    assert w.own.version == 1
    decision = SuggestionDecision.objects.get()
    assert (decision.outcome, decision.label_id, decision.start, decision.end) == (
        "rejected",
        w.loc.pk,
        20,
        26,
    )
    # The reviewer's own annotation still has it.
    reviewers = client_for(w.users["reviewer"]).post(f"/api/documents/{w.document.pk}/annotations/")
    assert ("LOC", "Bamako", 20) in words(
        listed(w, "reviewer", annotation=type(w.own).objects.get(pk=reviewers.json()["id"]))
    )


def test_rejecting_an_unknown_or_decided_suggestion_is_a_field_error(w):
    bamako = w.spans[("imported", "Bamako", 0)]
    client = client_for(w.users["annotator"])
    url = f"/api/annotations/{w.own.pk}/suggestions/reject/"
    assert client.post(url, {"ids": [bamako.pk]}, format="json").status_code == 200
    answer = client.post(url, {"ids": [bamako.pk, 999999]}, format="json")
    assert answer.status_code == 400
    assert answer.json()["errors"]["ids"] == [
        services.SUGGESTION_UNKNOWN.format(ids=f"{bamako.pk}, 999999")
    ]


def test_naming_the_suggestions_takes_exactly_one_way(w):
    answer = client_for(w.users["annotator"]).post(
        f"/api/annotations/{w.own.pk}/suggestions/accept/",
        {"all": True, "label": w.loc.pk},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["ids"] == [services.CHOOSE_ONE]


@pytest.mark.parametrize(
    ("user", "code"), [("reviewer", 403), ("manager", 403), ("outsider", 404), (None, 401)]
)
def test_only_the_author_accepts_or_rejects_into_their_annotation(w, user, code):
    if user == "outsider":
        w.users["outsider"] = UserFactory(username="outsider")
    client = client_for(w.users.get(user))
    for action in ("accept", "reject"):
        answer = client.post(
            f"/api/annotations/{w.own.pk}/suggestions/{action}/", {"all": True}, format="json"
        )
        assert answer.status_code == code
    assert not Span.objects.filter(annotation=w.own).exists()
    assert not SuggestionDecision.objects.exists()


def test_nothing_is_accepted_while_suggestions_are_off(w):
    w.project.show_suggestions = False
    w.project.save()
    answer = client_for(w.users["annotator"]).post(
        f"/api/annotations/{w.own.pk}/suggestions/accept/", {"all": True}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["suggestion"] == [services.SUGGESTIONS_OFF]


def test_an_accepted_suggestion_changed_then_is_corrected_and_deleted_too(w):
    client = client_for(w.users["annotator"])
    client.post(
        f"/api/annotations/{w.own.pk}/suggestions/accept/", {"label": w.per.pk}, format="json"
    )
    keita = span_of(w.own, w.per, "Keita")
    macron = span_of(w.own, w.per, "Macron")
    answer = client.patch(
        f"/api/annotations/{w.own.pk}/spans/{keita.pk}/", {"label": w.loc.pk}, format="json"
    )
    assert answer.status_code == 200, answer.content
    assert client.delete(f"/api/annotations/{w.own.pk}/spans/{macron.pk}/").status_code == 200
    outcomes = dict(SuggestionDecision.objects.values_list("start", "outcome"))
    assert outcomes == {0: "corrected", 10: "corrected"}


def test_unaccepting_deletes_the_span_and_shows_the_suggestion_again_undecided(w):
    client = client_for(w.users["annotator"])
    kidal = w.spans[("imported", "Kidal", 0)]
    start, end = at("Kidal")
    body = {"label": w.loc.pk, "start": start, "end": end, "suggestion": kidal.pk}
    span = client.post(f"/api/annotations/{w.own.pk}/spans/", body, format="json").json()
    assert ("LOC", "Kidal", 38) not in words(listed(w))

    answer = client.delete(f"/api/annotations/{w.own.pk}/spans/{span['id']}/?unaccept=1")

    assert answer.status_code == 200, answer.content
    assert not Span.objects.filter(annotation=w.own).exists()
    assert ("LOC", "Kidal", 38) in words(listed(w))
    assert not SuggestionDecision.objects.exists()
    # Accepting it again (a redo) is an accept like the first.
    again = client.post(f"/api/annotations/{w.own.pk}/spans/", body, format="json")
    assert again.status_code == 201, again.content
    assert list(SuggestionDecision.objects.values_list("outcome", "span_id")) == [
        ("accepted", again.json()["id"])
    ]


def test_unaccept_takes_one_or_zero_and_a_plain_delete_is_a_correction(w):
    client = client_for(w.users["annotator"])
    client.post(
        f"/api/annotations/{w.own.pk}/suggestions/accept/", {"label": w.loc.pk}, format="json"
    )
    bamako = span_of(w.own, w.loc, "Bamako")
    kidal = span_of(w.own, w.loc, "Kidal")
    refused = client.delete(f"/api/annotations/{w.own.pk}/spans/{bamako.pk}/?unaccept=yes")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"unaccept": [UNACCEPT_INVALID]}
    assert Span.objects.filter(pk=bamako.pk).exists()

    assert (
        client.delete(f"/api/annotations/{w.own.pk}/spans/{bamako.pk}/?unaccept=0").status_code
        == 200
    )
    assert client.delete(f"/api/annotations/{w.own.pk}/spans/{kidal.pk}/").status_code == 200

    outcomes = dict(SuggestionDecision.objects.values_list("start", "outcome"))
    assert outcomes == {20: "corrected", 38: "corrected"}
    assert [item for item in words(listed(w)) if item[0] == "LOC"] == []


def test_replacing_the_content_keeps_the_annotators_accepts_and_rejections(w):
    client = client_for(w.users["annotator"])
    client.post(
        f"/api/annotations/{w.own.pk}/suggestions/accept/", {"label": w.per.pk}, format="json"
    )
    client.post(
        f"/api/annotations/{w.own.pk}/suggestions/reject/",
        {"ids": [w.spans[("imported", "Bamako", 0)].pk]},
        format="json",
    )
    # Keita kept as it was, Macron dropped, Kidal drawn by hand.
    content = [
        {"label": "PER", "start": 0, "end": 5},
        {"label": "LOC", "start": 38, "end": 43},
    ]

    answer = client.post(
        f"/api/annotations/{w.own.pk}/bulk/", {"spans": content, "stances": []}, format="json"
    )

    assert answer.status_code == 200, answer.content
    keita = span_of(w.own, w.per, "Keita")
    decided = {
        start: (outcome, span_id)
        for start, outcome, span_id in SuggestionDecision.objects.values_list(
            "start", "outcome", "span_id"
        )
    }
    # The accept follows the span of the same label and offsets; the dropped one is corrected.
    assert decided == {0: ("accepted", keita.pk), 10: ("corrected", None), 20: ("rejected", None)}
    # Nothing decided comes back: Keita and Kidal are the annotator's, Macron and Bamako decided.
    assert words(listed(w)) == []
    # Accepting everything left does not undo the rejection.
    everything = client.post(
        f"/api/annotations/{w.own.pk}/suggestions/accept/", {"all": True}, format="json"
    )
    assert everything.status_code == 200
    assert (everything.json()["accepted"], everything.json()["refused"]) == ([], [])
    assert SuggestionDecision.objects.get(start=20).outcome == "rejected"
    # Deleting the kept Keita later is a correction of the accepted suggestion.
    assert client.delete(f"/api/annotations/{w.own.pk}/spans/{keita.pk}/").status_code == 200
    assert SuggestionDecision.objects.get(start=0).outcome == "corrected"


def test_submitting_settles_what_was_left_drawn_by_hand_overlapping_or_ignored(w):
    client = client_for(w.users["annotator"])
    url = f"/api/annotations/{w.own.pk}/spans/"
    # "Keita" drawn by hand with the suggestion's label and offsets: accepted.
    client.post(url, {"label": w.per.pk, "start": 0, "end": 5}, format="json")
    # "Bamako on" as LOC overlaps the suggestion "Bamako" with other offsets: corrected.
    client.post(url, {"label": w.loc.pk, "start": 20, "end": 29}, format="json")
    # "Macron" rejected; "Kidal" left alone: ignored.
    client.post(
        f"/api/annotations/{w.own.pk}/suggestions/reject/",
        {"ids": [w.spans[("imported", "Macron", 0)].pk]},
        format="json",
    )
    w.own.refresh_from_db()
    answer = client.patch(
        f"/api/annotations/{w.own.pk}/",
        {"status": "submitted", "version": w.own.version},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    outcomes = dict(SuggestionDecision.objects.values_list("start", "outcome"))
    assert outcomes == {0: "accepted", 10: "rejected", 20: "corrected", 38: "ignored"}


def test_a_retried_accept_answers_the_same_span_and_decides_once(w):
    suggestion = w.spans[("imported", "Kidal", 0)]
    start, end = at("Kidal")
    body = {
        "label": w.loc.pk,
        "start": start,
        "end": end,
        "suggestion": suggestion.pk,
        "client_id": "6f1c2a9e-3a57-4a59-9c1e-0d6f3f1b2c4d",
    }
    client = client_for(w.users["annotator"])
    first = client.post(f"/api/annotations/{w.own.pk}/spans/", body, format="json")
    again = client.post(f"/api/annotations/{w.own.pk}/spans/", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Span.objects.filter(annotation=w.own).count() == 1
    assert list(SuggestionDecision.objects.values_list("outcome", "span_id")) == [
        ("accepted", first.json()["id"])
    ]
    w.own.refresh_from_db()
    assert w.own.version == 2
