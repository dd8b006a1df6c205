"""Documents imported after a recommender's version was made get that version's predictions,
on the worker, one task per import."""

import io

import pytest
from django_tasks_db.models import DBTaskResult

from annotations import tasks
from annotations.models import Annotation, Document, Recommender
from annotations.services import recommenders
from tests.api.conftest import client_for
from tests.factories import MembershipFactory, UserFactory
from tests.recommending import document, gold_document, labelled_project, predictions, sentence
from tests.worker import run_worker

pytestmark = pytest.mark.django_db

# "Kidal" and "Amadou Keita" are in the gold (sentence 0); the emoji shift code points by one
# and UTF-16 units by two.
IMPORTED = [
    {"text": "😀 Amadou Keita is in Kidal.", "external_id": "a"},
    {"text": "No one here.", "external_id": "b"},
    {"text": "😀😀 Kidal again, said Amadou Keita.", "external_id": "c"},
]


@pytest.fixture
def manager():
    project = labelled_project(retrain_every=0)
    user = UserFactory(username="manager")
    MembershipFactory(project=project, user=user, role="manager")
    return project, client_for(user)


def ready_dictionary(project) -> Recommender:
    gold_document(project, *sentence(0))
    recommender = Recommender.objects.create(project=project, name="Strings", kind="dictionary")
    version = tasks.recommender_train(recommender=recommender)
    assert run_worker() == 1
    version.refresh_from_db()
    assert version.status == "ready", version.error
    return recommender


def pre_annotation_tasks() -> int:
    return DBTaskResult.objects.filter(task_path=tasks.pre_annotate_imported.module_path).count()


def expected(text: str) -> list[tuple[int, int, str, str]]:
    found = [
        (text.index(name), text.index(name) + len(name), label, name)
        for name, label in (("Amadou Keita", "PER"), ("Kidal", "LOC"))
    ]
    return sorted(found)


def test_documents_imported_through_the_api_get_the_ready_versions_predictions(manager):
    project, client = manager
    recommender = ready_dictionary(project)
    [version] = recommender.versions.all()

    answer = client.post(f"/api/projects/{project.pk}/documents/", IMPORTED, format="json")
    assert answer.status_code == 201, answer.json()
    assert pre_annotation_tasks() == 1  # one task for the import, not one per document
    assert run_worker() == 1

    documents = {d.external_id: d for d in Document.objects.filter(project=project)}
    first, empty, third = (documents[key] for key in ("a", "b", "c"))
    assert predictions(first, version) == expected(first.text)
    # Code points: after one emoji "Amadou" starts at 2 (3 in UTF-16), after two "Kidal" at 3.
    assert predictions(first, version)[0][:2] == (2, 14)
    assert predictions(third, version)[0][:2] == (3, 8)
    assert predictions(third, version) == expected(third.text)
    # A document with nothing found still has the version's (empty) prediction: it was looked at.
    assert Annotation.objects.filter(document=empty, model_version=version).count() == 1
    assert predictions(empty, version) == []


def test_a_file_imported_through_the_api_is_pre_annotated_too(manager):
    project, client = manager
    recommender = ready_dictionary(project)
    [version] = recommender.versions.all()
    upload = io.BytesIO("😀 Amadou Keita is in Kidal.\n".encode())
    upload.name = "note.txt"

    answer = client.post(f"/api/projects/{project.pk}/documents/", {"file": upload})
    assert answer.status_code == 201, answer.json()
    run_worker()

    [created] = answer.json()["created"]
    document = Document.objects.get(pk=created["id"])
    assert predictions(document, version) == expected(document.text)


def test_a_background_import_job_is_pre_annotated_once_done(manager, settings):
    settings.IMPORT_BACKGROUND_THRESHOLD = 2
    project, client = manager
    recommender = ready_dictionary(project)
    [version] = recommender.versions.all()

    answer = client.post(f"/api/projects/{project.pk}/documents/", IMPORTED, format="json")
    assert answer.status_code == 202, answer.json()
    assert pre_annotation_tasks() == 0  # nothing is imported yet
    run_worker()  # the job, then the pre-annotation it queued

    assert pre_annotation_tasks() == 1
    first = Document.objects.get(project=project, external_id="a")
    assert predictions(first, version) == expected(first.text)


def test_a_document_started_before_the_worker_runs_is_left_alone(manager):
    project, client = manager
    recommender = ready_dictionary(project)
    [version] = recommender.versions.all()
    client.post(f"/api/projects/{project.pk}/documents/", IMPORTED[:1], format="json")
    first = Document.objects.get(project=project, external_id="a")
    Annotation.objects.create(document=first, kind="manual", author=UserFactory())

    run_worker()
    assert not Annotation.objects.filter(document=first, model_version=version).exists()


def test_nothing_is_queued_without_a_ready_built_in_recommender(manager):
    project, client = manager
    Recommender.objects.create(project=project, name="Untrained", kind="dictionary")

    answer = client.post(f"/api/projects/{project.pk}/documents/", IMPORTED, format="json")
    assert answer.status_code == 201
    assert pre_annotation_tasks() == 0


def test_a_disabled_recommender_does_not_pre_annotate_imports(manager):
    project, client = manager
    recommender = ready_dictionary(project)
    Recommender.objects.filter(pk=recommender.pk).update(enabled=False)

    client.post(f"/api/projects/{project.pk}/documents/", IMPORTED, format="json")
    assert pre_annotation_tasks() == 0
    assert run_worker() == 0
    imported = Document.objects.filter(project=project, external_id__in=["a", "b", "c"])
    assert imported.count() == 3
    assert not Annotation.objects.filter(document__in=imported, kind="prediction").exists()


def test_an_import_without_a_ready_recommender_costs_one_query(manager, django_assert_num_queries):
    project, _ = manager
    with django_assert_num_queries(1):  # whether a ready version exists
        assert not tasks.documents_imported(project_id=project.pk, report={"created": [{"id": 1}]})


def test_pre_annotating_an_import_runs_as_many_queries_for_thirty_documents_as_for_three(
    manager, django_assert_num_queries
):
    project, _ = manager
    ready_dictionary(project)
    for size in (3, 30):
        ids = [document(project, f"Amadou Keita in Kidal {size}-{n}.").pk for n in range(size)]
        # The ready versions, the labels, one batch of documents and the empty read that ends
        # them, and one transaction (savepoint, predictions, spans, release) per 100 documents.
        with django_assert_num_queries(8):
            stored = recommenders.documents_pre_annotate(project_id=project.pk, document_ids=ids)
        assert stored == size
