import threading

import pytest
from django.db import connection

from annotations.errors import NotFound
from annotations.models import Annotation, AnnotationEvent, EventAction, Project
from annotations.selectors import project_progress_for_user
from annotations.services import queue
from annotations.services.annotating import annotation_set_status
from annotations.services.queue import document_assign_next
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)


def member(project: Project, role: str = "annotator"):
    return MembershipFactory(project=project, user=UserFactory(), role=role).user


def documents(project: Project, count: int) -> list[int]:
    return [DocumentFactory(project=project).pk for _ in range(count)]


def finish(annotation: Annotation, status: str = "submitted") -> None:
    annotation_set_status(
        annotation=annotation, status=status, version=annotation.version, actor=annotation.author
    )


def drain(project: Project, user) -> list[int]:
    """Take and submit documents until the queue is empty; return them in the order given."""
    given = []
    while (annotation := document_assign_next(project=project, user=user)) is not None:
        given.append(annotation.document_id)
        finish(annotation)
    return given


@pytest.mark.django_db
def test_assign_next_hands_out_documents_in_id_order():
    project = ProjectFactory()
    ids = documents(project, 3)
    user = member(project)

    assert drain(project, user) == ids


@pytest.mark.django_db
def test_assign_next_creates_the_callers_manual_annotation_and_logs_it():
    project = ProjectFactory()
    [document_id] = documents(project, 1)
    user = member(project)

    annotation = document_assign_next(project=project, user=user)

    assert (annotation.document_id, annotation.author, annotation.kind) == (
        document_id,
        user,
        "manual",
    )
    assert (annotation.status, annotation.version) == ("in_progress", 1)
    assert annotation.document.text  # loaded, ready to render
    event = AnnotationEvent.objects.get(annotation=annotation)
    assert (event.action, event.actor) == (EventAction.ANNOTATION_CREATED, user)


@pytest.mark.django_db
def test_assign_next_returns_the_same_work_in_progress_until_it_is_finished():
    project = ProjectFactory()
    documents(project, 3)
    user = member(project)

    first = document_assign_next(project=project, user=user)
    again = document_assign_next(project=project, user=user)

    assert again.pk == first.pk
    assert Annotation.objects.filter(author=user).count() == 1


@pytest.mark.django_db
def test_assign_next_returns_work_in_progress_first_oldest_document_first():
    project = ProjectFactory()
    first, second, third, fourth = documents(project, 4)
    user = member(project)
    # Opened directly, not through the queue, in an order unlike the documents'.
    AnnotationFactory(document_id=fourth, author=user)
    AnnotationFactory(document_id=third, author=user)

    assert document_assign_next(project=project, user=user).document_id == third
    assert drain(project, user) == [third, fourth, first, second]


@pytest.mark.django_db
def test_assign_next_never_gives_a_submitted_or_skipped_document_again():
    project = ProjectFactory(annotators_per_document=3)
    submitted, skipped, fresh = documents(project, 3)
    user = member(project)
    finish(document_assign_next(project=project, user=user), "submitted")
    finish(document_assign_next(project=project, user=user), "skipped")

    annotation = document_assign_next(project=project, user=user)
    finish(annotation)

    assert annotation.document_id == fresh
    assert document_assign_next(project=project, user=user) is None
    assert sorted(Annotation.objects.filter(author=user).values_list("document_id", flat=True)) == [
        submitted,
        skipped,
        fresh,
    ]


@pytest.mark.django_db
def test_assign_next_returns_none_when_the_project_has_no_documents():
    project = ProjectFactory()

    assert document_assign_next(project=project, user=member(project)) is None


@pytest.mark.django_db
def test_assign_next_gives_each_document_to_one_annotator_by_default():
    project = ProjectFactory()
    ids = documents(project, 4)
    alice, bob = member(project), member(project)

    given = []
    for user in (alice, bob, alice, bob):
        annotation = document_assign_next(project=project, user=user)
        given.append(annotation.document_id)
        finish(annotation)

    assert given == ids
    assert document_assign_next(project=project, user=alice) is None
    assert document_assign_next(project=project, user=bob) is None


@pytest.mark.django_db
def test_assign_next_gives_each_document_to_exactly_two_annotators_when_asked():
    project = ProjectFactory(annotators_per_document=2)
    ids = documents(project, 5)
    annotators = [member(project) for _ in range(3)]

    # Take turns, one document each, until everyone is done.
    active = list(annotators)
    while active:
        for user in list(active):
            annotation = document_assign_next(project=project, user=user)
            if annotation is None:
                active.remove(user)
            else:
                finish(annotation)

    for document_id in ids:
        authors = list(
            Annotation.objects.filter(document_id=document_id).values_list("author", flat=True)
        )
        assert len(authors) == len(set(authors)) == 2


@pytest.mark.django_db
def test_a_skip_takes_a_place_on_the_document():
    project = ProjectFactory()
    skipped, other = documents(project, 2)
    alice, bob = member(project), member(project)
    annotation = document_assign_next(project=project, user=alice)
    assert annotation.document_id == skipped
    finish(annotation, "skipped")

    assert document_assign_next(project=project, user=bob).document_id == other


@pytest.mark.django_db
def test_gold_and_predictions_take_no_place_on_a_document():
    project = ProjectFactory()
    [document_id] = documents(project, 1)
    AnnotationFactory(document_id=document_id, author=None, kind="gold")
    AnnotationFactory(document_id=document_id, author=None, kind="prediction")

    assert document_assign_next(project=project, user=member(project)).document_id == document_id


@pytest.mark.django_db
def test_assign_next_never_gives_a_document_of_another_project():
    project, other = ProjectFactory(), ProjectFactory()
    documents(other, 2)
    user = member(project)
    MembershipFactory(project=other, user=user)

    assert document_assign_next(project=project, user=user) is None


@pytest.mark.django_db
def test_reopened_work_comes_back_first():
    project = ProjectFactory()
    first, _second = documents(project, 2)
    user = member(project)
    reviewer = member(project, "reviewer")
    annotation = document_assign_next(project=project, user=user)
    assert annotation.document_id == first
    finish(annotation)
    annotation.refresh_from_db()
    annotation_set_status(
        annotation=annotation, status="in_progress", version=annotation.version, actor=reviewer
    )

    assert document_assign_next(project=project, user=user).pk == annotation.pk


@pytest.mark.django_db
def test_a_document_found_full_under_the_lock_is_passed_over(monkeypatch):
    # On PostgreSQL the candidate query reads a snapshot taken before its row lock: a caller
    # that committed in between is not counted there. Simulate that stale read.
    project = ProjectFactory()
    full, free = documents(project, 2)
    AnnotationFactory(document_id=full, author=member(project))

    def stale(*, project, user):
        return project.documents.order_by("id")

    monkeypatch.setattr(queue.selectors, "document_queue_for_user", stale)

    assert document_assign_next(project=project, user=member(project)).document_id == free
    assert Annotation.objects.filter(document_id=full).count() == 1


@pytest.mark.django_db
def test_assign_next_refuses_a_non_member():
    project = ProjectFactory()
    documents(project, 1)

    with pytest.raises(NotFound, match=queue.NOT_A_MEMBER):
        document_assign_next(project=project, user=UserFactory())
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_assign_next_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    project = ProjectFactory()
    documents(project, 30)
    others = [member(project) for _ in range(20)]
    for user in others:
        finish(document_assign_next(project=project, user=user))
    user = member(project)

    # Seven statements and six savepoints, however many documents are full already.
    with django_assert_max_num_queries(13):
        assert document_assign_next(project=project, user=user) is not None


# Progress


@pytest.mark.django_db
def test_progress_counts_done_assigned_total_and_available():
    project = ProjectFactory(annotators_per_document=2)
    documents(project, 6)
    user, other = member(project), member(project)
    finish(document_assign_next(project=project, user=user), "submitted")
    finish(document_assign_next(project=project, user=user), "skipped")
    document_assign_next(project=project, user=user)
    # Documents 4 and 5 fill up without the user; document 6 keeps a place.
    for _ in range(5):
        finish(document_assign_next(project=project, user=other))
    AnnotationFactory(document=project.documents.order_by("id")[4], author=member(project))
    AnnotationFactory(document=project.documents.order_by("id")[3], author=member(project))

    assert project_progress_for_user(project=project, user=user) == {
        "done": 2,
        "assigned": 3,
        "total": 6,
        "available": 1,
    }


@pytest.mark.django_db
def test_progress_of_a_newcomer_is_all_available():
    project = ProjectFactory()
    documents(project, 4)

    assert project_progress_for_user(project=project, user=member(project)) == {
        "done": 0,
        "assigned": 0,
        "total": 4,
        "available": 4,
    }


# Concurrency


def run_together(count: int, work) -> list:
    """Run ``work(index)`` in ``count`` threads released at once; return results by index."""
    start = threading.Barrier(count)
    results: list = [None] * count
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            start.wait(timeout=30)
            results[index] = work(index)
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert not failures, failures
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_annotators_each_get_a_different_document():
    project = ProjectFactory(annotators_per_document=1)
    ids = documents(project, 30)
    annotators = [member(project) for _ in range(20)]

    def take(index: int) -> int:
        fresh = Project.objects.get(pk=project.pk)
        return document_assign_next(project=fresh, user=annotators[index]).document_id

    given = run_together(20, take)

    assert len(set(given)) == 20
    assert set(given) <= set(ids)
    per_document = Annotation.objects.filter(document__project=project).values_list(
        "document_id", flat=True
    )
    assert sorted(per_document) == sorted(given)


@pytest.mark.django_db(transaction=True)
def test_concurrent_annotators_never_overfill_a_document():
    project = ProjectFactory(annotators_per_document=2)
    ids = documents(project, 5)
    annotators = [member(project) for _ in range(12)]

    def take_all(index: int) -> list[int]:
        fresh = Project.objects.get(pk=project.pk)
        return drain(fresh, annotators[index])

    given = run_together(12, take_all)

    for taken in given:
        assert len(taken) == len(set(taken))
    for document_id in ids:
        assert Annotation.objects.filter(document_id=document_id).count() == 2
    assert sum(len(taken) for taken in given) == 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_of_one_annotator_get_one_document():
    project = ProjectFactory()
    documents(project, 10)
    user = member(project)

    def take(index: int) -> int:
        fresh = Project.objects.get(pk=project.pk)
        return document_assign_next(project=fresh, user=user).pk

    given = run_together(8, take)

    assert len(set(given)) == 1
    assert Annotation.objects.filter(author=user).count() == 1
