"""Dead workers and model versions: a training beats; one whose worker died is queued once and
trained again from the start."""

import os
import signal
import time

import pytest
from django.db import connection
from django.utils import timezone

from annotations import tasks
from annotations.errors import Conflict
from annotations.learning import dictionary
from annotations.models import Annotation, ModelVersion, Recommender
from annotations.services import recommenders
from tests.recommending import document, gold_document, labelled_project, predictions, sentence
from tests.services.test_stalled import (
    LOST,
    WorkerKilled,
    go_silent,
    left_running,
    only_postgresql,
    queued,
    take_and_die,
    wait_for,
)
from tests.worker import run_worker, start_sweeper_process, start_worker_process

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


@only_postgresql
@pytest.mark.django_db(transaction=True)
def test_killed_db_worker_mid_training_finishes_on_another_worker():
    """kill -9 a real db_worker halfway through pre-annotating; another worker trains again."""
    project = labelled_project(retrain_every=0)
    gold_document(project, *sentence(0))
    texts = [f"{'😀' * (n % 3)} Amadou Keita is in Kidal, report {n}." for n in range(20)]
    unseen = [document(project, text) for text in texts]
    recommender = Recommender.objects.create(project=project, name="Strings", kind="dictionary")
    version = tasks.recommender_train(recommender=recommender)
    settings = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": (
            f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}"
        ),
    }
    processes = []
    try:
        doomed = start_worker_process("doomed", env, slow=0.5)  # one document a batch, slowed
        processes.append(doomed)

        def halfway() -> bool:
            version.refresh_from_db()
            done = Annotation.objects.filter(model_version=version).count()
            return version.status == "training" and 2 <= done < 15

        wait_for(halfway, 60, "the training halfway through its predictions")
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait()
        killed_at = time.monotonic()
        version.refresh_from_db()
        assert version.status == "training"

        processes.append(start_worker_process("survivor", env))
        processes.append(start_sweeper_process(env, stalled_after=10))

        def ready() -> bool:
            version.refresh_from_db()
            return version.status == "ready"

        wait_for(ready, 60, "the version to be trained on the surviving worker")
        assert time.monotonic() - killed_at < 60
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)

    assert version.worker == "survivor"
    assert left_running(tasks.run_model_version, version.pk) == [LOST, ("SUCCESSFUL", "")]
    assert version.metrics["pre_annotated_documents"] == 20
    for doc in unseen:
        assert Annotation.objects.filter(document=doc, model_version=version).count() == 1
        assert predictions(doc, version) == expected(doc.text)
