"""The built-in recommenders: trained on the worker from reviewed gold, scored on a held-out
part, pre-annotating the documents nobody has started, retraining after N new gold documents."""

import socket

import pytest
import spacy
import spacy.cli
import spacy.util
from django.utils import timezone

from annotations import tasks
from annotations.errors import Conflict, InvalidInput
from annotations.learning import dictionary, ner
from annotations.models import Annotation, ModelVersion, Recommender
from annotations.services import recommenders
from tests.factories import UserFactory
from tests.recommending import (
    claim_sentence,
    document,
    gold_document,
    labelled_project,
    predictions,
    sentence,
)
from tests.worker import run_worker

pytestmark = pytest.mark.django_db

# Small but real: a dozen short documents, a dozen passes.
GOLD_DOCUMENTS = 12


@pytest.fixture
def small_training(settings):
    settings.RECOMMENDER_NER_ITERATIONS = 12


def gold_set(project, count=GOLD_DOCUMENTS):
    return [gold_document(project, *sentence(index)) for index in range(count)]


def test_ner_trained_on_the_worker_predicts_new_documents_with_exact_offsets(small_training):
    project = labelled_project(retrain_every=0)
    gold_set(project)
    unseen_text = (
        "😀😀 Amadou Keita arrived in Kidal on Monday. "
        "Officials in Gao said Mariam Touré would stay."
    )
    unseen = document(project, unseen_text)
    started = document(project, "Oumar Cissé arrived in Mopti on Monday.")
    Annotation.objects.create(document=started, kind="manual", author=UserFactory())
    recommender = Recommender.objects.create(project=project, name="spaCy", kind="ner")

    version = tasks.recommender_train(recommender=recommender)
    assert version.status == "queued"
    assert run_worker() == 1
    version.refresh_from_db()

    assert version.status == "ready", version.error
    assert version.gold_documents == GOLD_DOCUMENTS
    # 20 % of 12 held out, seeded.
    assert version.metrics["held_out_documents"] == 2
    assert version.metrics["train_documents"] == 10
    assert set(version.metrics["labels"]) == {"PER", "LOC"}
    assert version.metrics["overall"]["f1"] > 0.5
    assert version.metrics["training"]["iterations"] == 12
    # The model bytes load back without any download.
    nlp = ner.load(version.artifact)
    assert nlp.pipe_names == ["ner"]

    found = predictions(unseen, version)
    expected = [
        (unseen_text.index(name), unseen_text.index(name) + len(name), label, name)
        for name, label in [
            ("Amadou Keita", "PER"),
            ("Kidal", "LOC"),
            ("Gao", "LOC"),
            ("Mariam Touré", "PER"),
        ]
    ]
    # Offsets are code points: after two emoji, "Amadou" starts at 3 (5 in UTF-16).
    assert expected[0][0] == 3
    assert found == expected
    # Documents someone started, and the gold, get no prediction.
    assert predictions(started, version) == []
    assert not Annotation.objects.filter(
        model_version=version, document__annotations__kind="gold"
    ).exists()
    assert version.metrics["pre_annotated_documents"] == 1


def test_ner_learns_the_gold_claims_nested_in_one_another_with_scores(small_training):
    project = labelled_project(retrain_every=0)
    for index in range(10):
        gold_document(project, *claim_sentence(index))
    unseen_text = "😀😀 Mariam Touré said that Gao is calm. The weather was good."
    unseen = document(project, unseen_text)
    recommender = Recommender.objects.create(project=project, name="spaCy", kind="ner")

    tasks.recommender_train(recommender=recommender)
    run_worker()
    version = recommender.versions.get()

    assert version.status == "ready", version.error
    assert version.metrics["training"]["claim_spans"] == 16
    # Held-out figures per claim label too, exact match as for entities.
    assert version.metrics["labels"]["CLAIM"]["gold"] == 4
    assert version.metrics["labels"]["CLAIM"]["f1"] > 0.5
    # One pipeline, loaded from the stored bytes alone, predicts both.
    assert ner.load(version.artifact).pipe_names == ["ner", "spancat"]
    claim = "Mariam Touré said that Gao is calm"
    nested = "Gao is calm"
    outer_at = unseen_text.index(claim)
    # Code points: after two emoji the claim starts at 3 (5 in UTF-16 units).
    assert outer_at == 3
    found = predictions(unseen, version)
    claims = [(start, end, text) for start, end, label, text in found if label == "CLAIM"]
    assert sorted(claims) == [
        (outer_at, outer_at + len(claim), claim),
        (unseen_text.index(nested), outer_at + len(claim), nested),
    ]
    assert (3, 15, "PER", "Mariam Touré") in found
    scores = Annotation.objects.get(model_version=version, document=unseen).spans
    claim_scores = scores.filter(label__name="CLAIM").values_list("score", flat=True)
    assert all(0.5 <= score <= 1 for score in claim_scores)
    assert set(scores.filter(label__name="PER").values_list("score", flat=True)) == {None}


def test_dictionary_works_from_the_first_gold_document():
    project = labelled_project(retrain_every=0)
    gold_document(
        project,
        "Modibo Keita went to Paris. Paris is far from Kidal.",
        [(0, 12, "PER"), (21, 26, "LOC"), (28, 33, "LOC"), (46, 51, "LOC")],
    )
    new_text = "😀 In Kidal, Modibo Keita said Parisians love Paris; Kidalese no."
    new = document(project, new_text)
    recommender = Recommender.objects.create(
        project=project, name="Gold strings", kind="dictionary"
    )

    version = tasks.recommender_train(recommender=recommender)
    run_worker()
    version.refresh_from_db()

    assert version.status == "ready", version.error
    # One gold document: nothing to hold out, so no figures yet.
    assert version.metrics["held_out_documents"] == 0
    assert version.metrics["train_documents"] == 1
    # Whole tokens only: "Parisians" and "Kidalese" are not "Paris" and "Kidal".
    assert predictions(new, version) == [
        (5, 10, "LOC", "Kidal"),
        (12, 24, "PER", "Modibo Keita"),
        (45, 50, "LOC", "Paris"),
    ]
    assert new_text[45:50] == "Paris"
    scores = set(
        Annotation.objects.get(model_version=version).spans.values_list("score", flat=True)
    )
    assert scores == {1.0}


@pytest.fixture
def offline(monkeypatch):
    """No network and no installed pipeline: any connect, name lookup or package load fails.

    The database stays reachable: its connection is open already (and libpq's sockets, on
    PostgreSQL, are not Python's).
    """
    calls: list[str] = []

    def refuse(what):
        def refused(*args, **kwargs):
            calls.append(what)
            raise OSError(f"test: {what} refused, nothing may be downloaded")

        return refused

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, refuse(f"socket.{name}"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    monkeypatch.setattr(spacy, "load", refuse("spacy.load"))
    monkeypatch.setattr(spacy.util, "load_model", refuse("spacy.util.load_model"))
    monkeypatch.setattr(spacy.cli, "download", refuse("spacy.cli.download"))
    return calls


def test_built_in_recommenders_train_and_predict_with_the_network_off(small_training, offline):
    project = labelled_project(retrain_every=0)
    for index in range(10):
        gold_document(project, *claim_sentence(index))
    unseen = document(project, "😀😀 Mariam Touré said that Gao is calm. The weather was good.")
    ner_recommender = Recommender.objects.create(project=project, name="spaCy", kind="ner")
    strings = Recommender.objects.create(project=project, name="Gold strings", kind="dictionary")

    tasks.recommender_train(recommender=ner_recommender)
    tasks.recommender_train(recommender=strings)
    assert run_worker() == 2

    for recommender in (ner_recommender, strings):
        version = recommender.versions.get()
        assert version.status == "ready", version.error
        # Code points: after two emoji "Gao" starts at 26 (28 in UTF-16 units).
        assert (26, 29, "LOC", "Gao") in predictions(unseen, version)
    # Nothing pretrained in the model: no word vectors, only the components trained here.
    nlp = ner.load(ner_recommender.versions.get().artifact)
    assert nlp.pipe_names == ["ner", "spancat"]
    assert nlp.vocab.vectors.shape[0] == 0
    # Nothing even tried to reach out.
    assert offline == []


def test_dictionary_label_and_score_follow_the_gold_majority():
    artifact = dictionary.build(
        [
            (
                "Paris Paris Paris Paris",
                [(0, 5, "LOC"), (6, 11, "LOC"), (12, 17, "LOC"), (18, 23, "PER")],
            ),
        ],
        lang="en",
    )
    [found] = dictionary.Matcher(artifact).predict(["We saw Paris."])
    assert found == [(7, 12, "LOC", 0.75)]


def test_retrains_after_every_n_new_reviewed_gold_documents(small_training):
    project = labelled_project(retrain_every=3)
    recommender = Recommender.objects.create(project=project, name="spaCy", kind="ner")
    for index in range(2):
        doc = gold_document(project, *sentence(index))
        assert tasks.recommenders_gold_reviewed(document_id=doc.pk) == []
    # The third reviewed gold document starts version 1.
    doc = gold_document(project, *sentence(2))
    [first] = tasks.recommenders_gold_reviewed(document_id=doc.pk)
    assert first.version == 1
    run_worker()
    first.refresh_from_db()
    assert first.status == "ready", first.error
    assert first.gold_documents == 3
    # Gold not reviewed yet does not count; two more reviewed are not enough.
    gold_document(project, *sentence(3), reviewed=False)
    for index in (4, 5):
        doc = gold_document(project, *sentence(index))
        assert tasks.recommenders_gold_reviewed(document_id=doc.pk) == []
    doc = gold_document(project, *sentence(6))
    [second] = tasks.recommenders_gold_reviewed(document_id=doc.pk)
    assert second.version == 2
    run_worker()
    second.refresh_from_db()
    assert second.gold_documents == 6
    # Both versions keep their figures.
    assert [v.metrics["train_documents"] for v in recommender.versions.order_by("version")] == [
        2,
        5,
    ]


def test_retraining_is_off_when_retrain_every_is_zero():
    project = labelled_project(retrain_every=0)
    Recommender.objects.create(project=project, name="Gold strings", kind="dictionary")
    doc = gold_document(project, *sentence(0))
    assert tasks.recommenders_gold_reviewed(document_id=doc.pk) == []


def test_a_version_already_queued_is_not_queued_twice():
    project = labelled_project()
    gold_document(project, *sentence(0))
    recommender = Recommender.objects.create(
        project=project, name="Gold strings", kind="dictionary"
    )
    tasks.recommender_train(recommender=recommender)
    with pytest.raises(Conflict, match="already has version 1 queued"):
        tasks.recommender_train(recommender=recommender)
    assert ModelVersion.objects.count() == 1


def test_ner_refuses_to_train_on_fewer_than_two_reviewed_documents():
    project = labelled_project()
    gold_document(project, *sentence(0))
    recommender = Recommender.objects.create(project=project, name="spaCy", kind="ner")
    with pytest.raises(InvalidInput) as caught:
        tasks.recommender_train(recommender=recommender)
    assert caught.value.errors == {
        "gold": [recommenders.TOO_LITTLE_GOLD.format(name="spaCy", needed=2, have=1)]
    }
    assert not ModelVersion.objects.exists()


def test_a_failed_training_is_recorded_and_leaves_no_predictions(settings):
    project = labelled_project()
    gold_set(project, 3)
    document(project, "Amadou Keita arrived in Kidal.")
    recommender = Recommender.objects.create(project=project, name="spaCy", kind="ner")
    version = tasks.recommender_train(recommender=recommender)
    # A language spaCy does not have: training fails on the worker.
    settings.RECOMMENDER_LANGUAGE = "no-such-language"
    run_worker()
    version.refresh_from_db()
    assert version.status == "failed"
    assert "no-such-language" in version.error
    assert not Annotation.objects.filter(model_version=version).exists()


def test_a_version_training_is_not_queued_twice():
    project = labelled_project()
    gold_document(project, *sentence(0))
    recommender = Recommender.objects.create(project=project, name="D", kind="dictionary")
    ModelVersion.objects.create(
        recommender=recommender, version=1, status="training", started_at=timezone.now()
    )
    with pytest.raises(Conflict, match="already has version 1 training"):
        tasks.recommender_train(recommender=recommender)


def test_a_new_ready_version_reorders_a_queue_that_follows_the_model():
    # Gold: "Paris" is a place three times in four (score 0.75), "Kidal" always (score 1.0).
    project = labelled_project(retrain_every=0, queue_order="uncertainty")
    gold_document(
        project,
        "Paris Paris Paris Paris Kidal",
        [(0, 5, "LOC"), (6, 11, "LOC"), (12, 17, "LOC"), (18, 23, "PER"), (24, 29, "LOC")],
    )
    sure = document(project, "They reached Kidal.")
    unsure = document(project, "They reached Paris.")
    unmatched = document(project, "They reached nowhere.")
    recommender = Recommender.objects.create(project=project, name="Strings", kind="dictionary")
    project.suggestions_from = recommender
    project.save(update_fields=["suggestions_from"])
    ranks_before = dict(
        project.documents.filter(pk__in=[sure.pk, unsure.pk]).values_list("pk", "queue_rank")
    )

    tasks.recommender_train(recommender=recommender)
    run_worker()

    ranks = dict(project.documents.values_list("pk", "queue_rank"))
    # Least confident first: the document whose lowest suggestion score is lowest.
    assert ranks_before[sure.pk] == ranks_before[unsure.pk]
    assert ranks[unsure.pk] < ranks[sure.pk]
    assert ranks[unmatched.pk] is None or ranks[unmatched.pk] > ranks[sure.pk]
