"""Dead workers and model versions: a training beats; one whose worker died is queued once and
trained again from the start."""

import pytest
from django.utils import timezone

from annotations import tasks
from annotations.errors import Conflict
from annotations.learning import dictionary
from annotations.models import Annotation, ModelVersion, Recommender
from annotations.services import recommenders
from tests.recommending import document, gold_document, labelled_project, predictions, sentence
from tests.services.test_stalled import WorkerKilled, go_silent, left_running, queued, take_and_die
from tests.worker import run_worker

pytestmark = pytest.mark.django_db

UNSEEN = [
    "😀 Amadou Keita is in Kidal.",
    "Kidal, said Amadou Keita.",
    "😀😀 Amadou Keita left Kidal.",
]


def expected(text: str) -> list[tuple[int, int, str, str]]:
    found = [
        (text.index(name), text.index(name) + len(name), label, name)
        for name, label in (("Amadou Keita", "PER"), ("Kidal", "LOC"))
    ]
    return sorted(found)


@pytest.fixture
def dictionary_project():
    project = labelled_project(retrain_every=0)
    gold_document(project, *sentence(0))
    unseen = [document(project, text) for text in UNSEEN]
    recommender = Recommender.objects.create(project=project, name="Strings", kind="dictionary")
    return recommender, unseen


def killed_in_second_batch(monkeypatch) -> None:
    """The worker dies after the first batch of predictions was committed."""
    monkeypatch.setattr(recommenders, "PREDICT_BATCH", 1)
    real = dictionary.Matcher.predict
    batches = []

    def predict(self, texts):
        texts = list(texts)
        if texts:
            batches.append(texts)
            if len(batches) == 2:
                raise WorkerKilled
        return real(self, texts)

    monkeypatch.setattr(dictionary.Matcher, "predict", predict)


def test_a_version_whose_worker_died_is_queued_again_once_and_trained_again(
    monkeypatch, dictionary_project
):
    recommender, unseen = dictionary_project
    killed_in_second_batch(monkeypatch)
    version = tasks.recommender_train(recommender=recommender)
    run_worker()
    version.refresh_from_db()
    assert (version.status, version.worker) == ("training", "test-worker")
    assert version.heartbeat_at is not None
    # The dead run committed the first document's prediction.
    assert Annotation.objects.filter(model_version=version).count() == 1

    assert tasks.stalled_requeue().versions == []  # it beat just now: alive for all we know
    go_silent(ModelVersion, version.pk)
    assert tasks.stalled_requeue().versions == [version.pk]
    assert tasks.stalled_requeue().versions == []  # queued again exactly once
    version.refresh_from_db()
    assert version.status == "queued"
    assert "test-worker stopped beating" in version.error
    assert queued(tasks.run_model_version, version.pk) == 1
    # While it waits, no second version is queued beside it.
    with pytest.raises(Conflict, match="already has version 1 queued"):
        tasks.recommender_train(recommender=recommender)

    monkeypatch.undo()
    run_worker()
    version.refresh_from_db()
    assert version.status == "ready", version.error
    assert version.error == ""
    assert version.metrics["pre_annotated_documents"] == 3
    for doc in unseen:
        assert predictions(doc, version) == expected(doc.text)
        assert Annotation.objects.filter(document=doc, model_version=version).count() == 1
    assert recommender.versions.count() == 1


def test_a_version_whose_worker_died_before_beginning_is_queued_again(dictionary_project):
    recommender, unseen = dictionary_project
    version = tasks.recommender_train(recommender=recommender)
    take_and_die(tasks.run_model_version, version.pk, seconds_ago=120)

    assert tasks.stalled_requeue().versions == [version.pk]
    version.refresh_from_db()
    assert "dead-worker took its task" in version.error
    assert left_running(tasks.run_model_version, version.pk)[0][0] == "FAILED"

    run_worker()
    version.refresh_from_db()
    assert version.status == "ready", version.error
    assert predictions(unseen[0], version) == expected(UNSEEN[0])


def test_a_slow_run_taken_for_dead_stores_nothing_over_the_newer_run(
    monkeypatch, dictionary_project
):
    recommender, unseen = dictionary_project
    version = tasks.recommender_train(recommender=recommender)
    real_run = recommenders._run

    def overtaken(running):
        real_run(running)
        # Meanwhile the sweep queued it again and another worker took it and began.
        ModelVersion.objects.filter(pk=running.pk).update(
            status="training", worker="other", started_at=timezone.now()
        )

    monkeypatch.setattr(recommenders, "_run", overtaken)
    slow = recommenders.model_version_run(version_id=version.pk, worker="slow")

    assert (slow.status, slow.worker, slow.artifact) == ("training", "other", None)
