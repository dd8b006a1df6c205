"""Annotate all occurrences: POST /api/annotations/{a}/spans/occurrences/."""

import pytest

from annotations import occurrences
from annotations.models import Annotation, AnnotationEvent, ModelVersion, Recommender, Span
from annotations.services.annotating.occurrences import SOURCE_NOT_A_MENTION, SOURCE_NOT_FOUND
from annotations.services.occurrences import RECOMMENDER_NAME
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

pytestmark = pytest.mark.django_db

TEXT = "Kidal fell. The Kidal road, Kidalese traders and kidal markets; KIDAL again. Kidal_x."


def setup(text=TEXT, *, allow_overlap=False, source=(0, 5)):
    project = ProjectFactory(allow_overlap=allow_overlap)
    user = UserFactory()
    MembershipFactory(project=project, user=user, role="annotator")
    document = DocumentFactory(project=project, text=text)
    annotation = AnnotationFactory(document=document, author=user)
    place = LabelFactory(project=project, name="LOC", kind="entity")
    start, end = source
    span = SpanFactory(annotation=annotation, label=place, start=start, end=end)
    return client_for(user), annotation, span, place


def mark(client, annotation, span, **body):
    return client.post(
        f"/api/annotations/{annotation.pk}/spans/occurrences/",
        {"span": span.pk, **body},
        format="json",
    )


def stored(client, annotation):
    """The annotation's spans as the API reads them: (label name, start, end, text)."""
    body = client.get(f"/api/annotations/{annotation.pk}/").json()
    return sorted((s["label_name"], s["start"], s["end"], s["text"]) for s in body["spans"])


# The pure function


def test_occurrences_are_whole_words_only():
    text = "Mali, Malian, Mali's, _Mali, Mali_ and Mali."
    assert occurrences.occurrences(text, "Mali") == [(0, 4), (14, 18), (39, 43)]


def test_occurrences_of_a_string_that_starts_with_punctuation_may_follow_a_word():
    assert occurrences.occurrences("cost $5. or x$5", "$5") == [(5, 7), (13, 15)]


def test_occurrences_may_overlap_each_other():
    assert occurrences.occurrences("ab ab ab", "ab ab") == [(0, 5), (3, 8)]


def test_occurrences_ignore_case_only_when_asked_and_keep_lengths():
    text = "Straße STRASSE straße STRAẞE"
    assert occurrences.occurrences(text, "straße") == [(15, 21)]
    assert occurrences.occurrences(text, "straße", case_sensitive=False) == [
        (0, 6),
        (15, 21),
        (22, 28),
    ]


def test_occurrences_offsets_are_code_points_after_astral_characters():
    text = "🇲🇱 𝒜 Kidal, 😀Kidal"
    found = occurrences.occurrences(text, "Kidal")
    assert found == [(5, 10), (13, 18)]
    assert [text[start:end] for start, end in found] == ["Kidal", "Kidal"]


# The endpoint


def test_mark_occurrences_marks_whole_words_case_sensitively_by_default():
    client, annotation, span, _ = setup()

    response = mark(client, annotation, span)

    assert response.status_code == 201, response.content
    body = response.json()
    assert [(s["start"], s["end"], s["text"]) for s in body["created"]] == [(16, 21, "Kidal")]
    # Neither Kidalese, kidal, KIDAL nor Kidal_x.
    assert stored(client, annotation) == [("LOC", 0, 5, "Kidal"), ("LOC", 16, 21, "Kidal")]
    assert body["message"] == "Marked 1 more occurrence of “Kidal”."


def test_mark_occurrences_ignoring_case_marks_every_spelling():
    client, annotation, span, _ = setup()

    response = mark(client, annotation, span, case_sensitive=False)

    assert response.status_code == 201, response.content
    assert [text for _, _, _, text in stored(client, annotation)] == [
        "Kidal",
        "Kidal",
        "kidal",
        "KIDAL",
    ]


def test_mark_occurrences_logs_one_span_created_event_each_and_bumps_the_version():
    client, annotation, span, _ = setup("Gao and Gao and Gao.", source=(0, 3))

    response = mark(client, annotation, span, version=1)

    assert response.status_code == 201, response.content
    created = response.json()["created"]
    events = AnnotationEvent.objects.filter(annotation=annotation, action="span_created")
    assert sorted(events.values_list("object_id", flat=True)) == sorted(s["id"] for s in created)
    assert response.json()["version"] == 1 + len(created) == 3


def test_mark_occurrences_skips_overlapping_ones_and_says_how_many_and_why():
    text = "Gao market. Gao market. Gao."
    client, annotation, span, place = setup(text, source=(0, 3))
    SpanFactory(annotation=annotation, label=place, start=12, end=22)  # the 2nd "Gao market"

    response = mark(client, annotation, span)

    assert response.status_code == 201, response.content
    body = response.json()
    assert [(s["start"], s["end"]) for s in body["created"]] == [(24, 27)]
    assert body["overlapping"] == 1
    assert "1 not marked: it would overlap entity spans already there" in body["message"]
    assert ("LOC", 12, 15, "Gao") not in stored(client, annotation)


def test_mark_occurrences_with_overlap_allowed_marks_inside_other_spans():
    text = "Gao market. Gao market. Gao."
    client, annotation, span, place = setup(text, allow_overlap=True, source=(0, 3))
    SpanFactory(annotation=annotation, label=place, start=12, end=22)

    response = mark(client, annotation, span)

    assert response.status_code == 201, response.content
    assert response.json()["overlapping"] == 0
    assert ("LOC", 12, 15, "Gao") in stored(client, annotation)
    assert ("LOC", 24, 27, "Gao") in stored(client, annotation)


def test_mark_occurrences_never_duplicates_an_identical_span():
    text = "Gao, Gao, Gao."
    client, annotation, span, place = setup(text, source=(0, 3))
    SpanFactory(annotation=annotation, label=place, start=5, end=8)

    first = mark(client, annotation, span)
    again = mark(client, annotation, span)

    assert [(s["start"], s["end"]) for s in first.json()["created"]] == [(10, 13)]
    assert first.json()["identical"] == 1
    assert again.status_code == 200
    assert again.json()["created"] == []
    assert again.json()["identical"] == 2
    assert again.json()["message"] == "Marked 0 more occurrences of “Gao”. 2 were marked already."
    assert len(stored(client, annotation)) == 3


def test_mark_occurrences_of_another_kind_overlap_freely():
    text = "Gao said Gao is safe."
    client, annotation, span, place = setup(text, source=(0, 3))
    claim = LabelFactory(project=place.project, name="CLAIM", kind="claim")
    SpanFactory(annotation=annotation, label=claim, start=9, end=20)

    response = mark(client, annotation, span)

    assert [(s["start"], s["end"]) for s in response.json()["created"]] == [(9, 12)]


def test_mark_occurrences_offsets_are_code_points_after_an_emoji():
    text = "😀 Kidal. 🇲🇱 Kidal and 𝒜Kidal."
    client, annotation, span, _ = setup(text, source=(2, 7))

    response = mark(client, annotation, span)

    assert response.status_code == 201, response.content
    assert [(s["start"], s["end"], s["text"]) for s in response.json()["created"]] == [
        (12, 17, "Kidal")
    ]
    assert text[12:17] == "Kidal"


def test_mark_occurrences_refuses_a_span_of_another_annotation_and_writes_nothing():
    client, annotation, _, place = setup()
    elsewhere = SpanFactory(label=place, start=0, end=5)

    response = mark(client, annotation, elsewhere)

    assert response.status_code == 400
    assert response.json()["errors"]["span"] == [SOURCE_NOT_FOUND.format(span=elsewhere.pk)]
    assert Span.objects.filter(annotation=annotation).count() == 1
    assert not Recommender.objects.exists()


def test_mark_occurrences_refuses_a_stale_version():
    client, annotation, span, _ = setup()

    response = mark(client, annotation, span, version=7)

    assert response.status_code == 409
    assert Span.objects.filter(annotation=annotation).count() == 1


def test_mark_occurrences_refuses_a_sentence_unit():
    project = ProjectFactory(sentence_units=True)
    user = UserFactory()
    MembershipFactory(project=project, user=user)
    document = DocumentFactory(project=project, text="Gao fell. Gao fell.")
    annotation = AnnotationFactory(document=document, author=user)
    sentence = LabelFactory(project=project, name="S", kind="sentence")
    span = SpanFactory(annotation=annotation, label=sentence, start=0, end=9, unit=0)

    response = mark(client_for(user), annotation, span)

    assert response.status_code == 400
    message = SOURCE_NOT_A_MENTION.format(span=span.pk, a_kind="a sentence")
    assert response.json()["errors"]["span"] == [message]


def test_mark_occurrences_in_someone_elses_annotation_is_refused():
    client, annotation, span, _ = setup()
    stranger = UserFactory()
    MembershipFactory(project=annotation.document.project, user=stranger)

    response = mark(client_for(stranger), annotation, span)

    assert response.status_code in (403, 404)
    assert Span.objects.filter(annotation=annotation).count() == 1


# Across the project: suggestions on the other documents


def test_mark_occurrences_writes_suggestions_on_the_other_documents():
    client, annotation, span, place = setup("Kidal fell.")
    project = place.project
    other = DocumentFactory(project=project, text="🇲🇱 Kidal and Kidalese; Kidal.")
    untouched = DocumentFactory(project=project, text="Gao only.")
    elsewhere = DocumentFactory(text="Kidal in another project.")

    response = mark(client, annotation, span)

    assert response.status_code == 200  # nothing else to mark in its own document
    suggestions = response.json()["suggestions"]
    assert (suggestions["documents"], suggestions["spans"]) == (1, 2)
    recommender = Recommender.objects.get(project=project)
    assert (recommender.name, recommender.kind) == (RECOMMENDER_NAME, "dictionary")
    version = ModelVersion.objects.get(recommender=recommender)
    assert (version.version, version.status) == (1, "ready")
    assert suggestions["model_version"] == version.pk
    prediction = Annotation.objects.get(document=other)
    assert (prediction.kind, prediction.model_version_id, prediction.author_id) == (
        "prediction",
        version.pk,
        None,
    )
    spans = list(prediction.spans.order_by("start").values_list("label", "start", "end", "text"))
    assert spans == [(place.pk, 3, 8, "Kidal"), (place.pk, 23, 28, "Kidal")]
    assert not Annotation.objects.filter(document__in=[untouched, elsewhere]).exists()
    assert "Suggested on 1 other document (2 spans)." in response.json()["message"]


def test_mark_occurrences_again_adds_to_the_same_prediction_without_duplicates():
    client, annotation, span, place = setup("Kidal and Gao.")
    gao = SpanFactory(annotation=annotation, label=place, start=10, end=13)
    other = DocumentFactory(project=place.project, text="Gao, then Kidal.")

    mark(client, annotation, span)
    again = mark(client, annotation, span)
    mark(client, annotation, gao)

    assert again.json()["suggestions"]["spans"] == 0
    assert ModelVersion.objects.count() == 1
    prediction = Annotation.objects.get(document=other)
    assert list(prediction.spans.order_by("start").values_list("start", "end")) == [
        (0, 3),
        (10, 15),
    ]


def test_mark_occurrences_suggestions_follow_the_case_option():
    client, annotation, span, place = setup("Kidal fell.")
    other = DocumentFactory(project=place.project, text="KIDAL, kidal, Kidalese.")

    mark(client, annotation, span)
    assert not Annotation.objects.filter(document=other).exists()

    mark(client, annotation, span, case_sensitive=False)
    prediction = Annotation.objects.get(document=other)
    assert list(prediction.spans.values_list("text", flat=True).order_by("start")) == [
        "KIDAL",
        "kidal",
    ]


def test_suggested_spans_are_read_through_the_api_as_the_documents_prediction():
    client, annotation, span, place = setup("Kidal fell.")
    other = DocumentFactory(project=place.project, text="In Kidal.")
    mark(client, annotation, span)

    body = client.get(f"/api/documents/{other.pk}/annotations/").json()

    predictions = [item for item in body["results"] if item["kind"] == "prediction"]
    assert len(predictions) == 1
    detail = client.get(f"/api/annotations/{predictions[0]['id']}/").json()
    assert [(s["label_name"], s["start"], s["end"], s["text"]) for s in detail["spans"]] == [
        ("LOC", 3, 8, "Kidal")
    ]


def test_mark_occurrences_runs_a_fixed_number_of_queries(django_assert_num_queries):
    text = " ".join(["Gao"] * 30)
    client, annotation, span, place = setup(text, source=(0, 3))
    for number in range(5):
        DocumentFactory(project=place.project, text=f"Gao {number} Gao.")
    mark(client, annotation, span)  # the recommender and its version exist from now on
    fresh = AnnotationFactory(document=DocumentFactory(project=place.project, text=f"{text}!"))
    MembershipFactory(project=place.project, user=fresh.author)
    source = SpanFactory(annotation=fresh, label=place, start=0, end=3)

    # The caller's annotation; savepoint; lock it; the source span; the spans of its kind; the
    # new spans; the version bump; the events. Savepoint; lock the recommender; its version;
    # the documents holding the string; their predictions; the one missing (the first
    # document's); the spans they hold; the new ones. Two savepoints released: 18, whatever the
    # number of occurrences and documents.
    with django_assert_num_queries(18):
        response = mark(client_for(fresh.author), fresh, source)

    assert len(response.json()["created"]) == 29
    assert response.json()["suggestions"] == {
        **response.json()["suggestions"],
        "documents": 1,
        "spans": 30,
    }
