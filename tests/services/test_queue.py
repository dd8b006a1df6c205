import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from annotations.errors import Conflict, NotFound
from annotations.models import Annotation, AnnotationEvent, Document, EventAction, Project, Span
from annotations.selectors import project_progress_for_user
from annotations.services import queue
from annotations.services.annotating import annotation_set_status, span_create
from annotations.services.queue import OPEN_LIMIT, OpenLimitReached, document_assign_next
from annotations.services.queue import document_start as start
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    SpanFactory,
    StanceFactory,
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

    def stale(*, project, user, now=None):
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

    # Seven statements and six savepoints, however many documents are full already, and the
    # current guidelines version the new annotation records.
    with django_assert_max_num_queries(14):
        assert document_assign_next(project=project, user=user) is not None


# Fairness: how many documents one annotator holds


def document_start(document_id: int, user) -> Annotation:
    annotation, _created = start(document=Document.objects.get(pk=document_id), user=user)
    return annotation


def refusal(limit: int, document_ids: list[int]) -> str:
    listed = ", ".join(f"#{document_id}" for document_id in document_ids)
    return OPEN_LIMIT.format(count=len(document_ids), limit=limit, documents=listed)


@pytest.mark.django_db
def test_start_opens_five_documents_and_refuses_the_sixth_naming_the_five():
    project = ProjectFactory()
    ids = documents(project, 7)
    user = member(project)
    for document_id in ids[:5]:
        document_start(document_id, user)

    with pytest.raises(OpenLimitReached) as refused:
        document_start(ids[5], user)

    assert isinstance(refused.value, Conflict)  # the API's 409
    assert refused.value.detail == refusal(5, ids[:5])
    assert (refused.value.limit, refused.value.documents) == (5, ids[:5])
    assert not Annotation.objects.filter(document_id=ids[5]).exists()


@pytest.mark.django_db
def test_submitting_or_skipping_one_frees_a_place():
    project = ProjectFactory(max_open_per_annotator=2)
    first, second, third, fourth = documents(project, 4)
    user = member(project)
    submitted, skipped = document_start(first, user), document_start(second, user)
    with pytest.raises(OpenLimitReached):
        document_start(third, user)

    finish(submitted, "submitted")
    assert document_start(third, user).document_id == third
    finish(skipped, "skipped")
    assert document_start(fourth, user).document_id == fourth
    with pytest.raises(OpenLimitReached) as refused:
        document_start(DocumentFactory(project=project).pk, user)
    assert refused.value.documents == [third, fourth]


@pytest.mark.django_db
def test_start_gives_back_the_callers_own_annotation_whatever_the_limit():
    project = ProjectFactory(max_open_per_annotator=1)
    held, done, new = documents(project, 3)
    user = member(project)
    finish(AnnotationFactory(document_id=done, author=user))
    opened = document_start(held, user)

    assert start(document=opened.document, user=user) == (opened, False)
    assert document_start(done, user).status == "submitted"
    with pytest.raises(OpenLimitReached):
        document_start(new, user)


@pytest.mark.django_db
def test_the_limit_counts_one_project_and_one_annotator_only():
    project, other = ProjectFactory(max_open_per_annotator=1), ProjectFactory()
    mine, theirs = documents(project, 2)
    user, colleague = member(project), member(project)
    MembershipFactory(project=other, user=user)
    AnnotationFactory(document=DocumentFactory(project=other), author=user)
    AnnotationFactory(document_id=theirs, author=colleague)

    assert document_start(mine, user).author == user


@pytest.mark.django_db
def test_stale_work_still_counts_against_its_author():
    project = ProjectFactory(max_open_per_annotator=1)
    held, new = documents(project, 2)
    user = member(project)
    document_start(held, user)
    Annotation.objects.update(updated_at=timezone.now() - timedelta(days=30))

    with pytest.raises(OpenLimitReached):
        document_start(new, user)


@pytest.mark.django_db
def test_start_refuses_a_non_member_and_opens_nothing():
    project = ProjectFactory()
    [document_id] = documents(project, 1)

    with pytest.raises(NotFound, match=queue.NOT_A_MEMBER):
        document_start(document_id, UserFactory())
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_assign_next_at_the_limit_hands_back_open_work_rather_than_refusing():
    # The queue gives one document at a time: at the limit it is still the way back to work.
    project = ProjectFactory(max_open_per_annotator=2)
    first, second, _third = documents(project, 3)
    user = member(project)
    document_start(second, user)
    document_start(first, user)

    assert document_assign_next(project=project, user=user).document_id == first


# Release of work left untouched


def age(annotation: Annotation, hours: float) -> None:
    """Make the annotation look last changed ``hours`` ago (``updated_at`` is auto_now)."""
    then = timezone.now() - timedelta(hours=hours)
    Annotation.objects.filter(pk=annotation.pk).update(updated_at=then)


@pytest.mark.django_db
def test_untouched_work_gives_its_document_back_to_the_queue_and_stays_its_authors():
    project = ProjectFactory()
    left, other = documents(project, 2)
    alice, bob = member(project), member(project)
    annotation = document_assign_next(project=project, user=alice)
    span = SpanFactory(annotation=annotation)
    age(annotation, 25)

    given = document_assign_next(project=project, user=bob)

    assert given.document_id == left
    annotation.refresh_from_db()
    assert (annotation.author, annotation.status, annotation.version) == (alice, "in_progress", 1)
    assert list(annotation.spans.all()) == [span]
    # Still hers: the queue hands it back to her first, and she may finish it.
    assert document_assign_next(project=project, user=alice).pk == annotation.pk
    finish(annotation)
    assert Annotation.objects.filter(document_id=left, status="submitted").get() == annotation
    assert other not in Annotation.objects.values_list("document_id", flat=True)


@pytest.mark.django_db
def test_release_waits_for_the_projects_hours_measured_from_a_given_now():
    project = ProjectFactory(release_after_hours=2)
    [document_id] = documents(project, 1)
    alice, bob = member(project), member(project)
    annotation = document_assign_next(project=project, user=alice)
    annotation.refresh_from_db()
    now = annotation.updated_at

    later = now + timedelta(hours=1, minutes=59)
    assert document_assign_next(project=project, user=bob, now=later) is None
    given = document_assign_next(project=project, user=bob, now=now + timedelta(hours=2))
    assert given.document_id == document_id


@pytest.mark.django_db
def test_any_change_keeps_work_from_being_released():
    project = ProjectFactory()
    documents(project, 1)
    label = LabelFactory(project=project, kind="entity")
    alice, bob = member(project), member(project)
    annotation = document_assign_next(project=project, user=alice)
    age(annotation, 48)

    span_create(annotation=annotation, label=label, start=0, end=4, actor=alice)

    assert document_assign_next(project=project, user=bob) is None


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["submitted", "skipped"])
def test_finished_work_is_never_released(status):
    project = ProjectFactory()
    documents(project, 1)
    alice, bob = member(project), member(project)
    annotation = document_assign_next(project=project, user=alice)
    finish(annotation, status)
    age(annotation, 24 * 365)

    assert document_assign_next(project=project, user=bob) is None


@pytest.mark.django_db
def test_release_deletes_nothing_spans_stances_and_events_stay():
    project = ProjectFactory(annotators_per_document=1)
    with_spans, with_stance, empty = documents(project, 3)
    authors = [member(project) for _ in range(3)]
    pairs = zip([with_spans, with_stance, empty], authors, strict=True)
    held = [document_start(document_id, author) for document_id, author in pairs]
    SpanFactory(annotation=held[0])
    StanceFactory(annotation=held[1])
    for annotation in held:
        age(annotation, 100)
    before = {
        "annotations": set(Annotation.objects.values_list("pk", "author", "status", "version")),
        "spans": set(Span.objects.values_list("pk", "annotation")),
        "stances": held[1].stances.count(),
        "events": set(AnnotationEvent.objects.values_list("pk", flat=True)),
    }

    newcomers = [member(project) for _ in range(3)]
    given = sorted(document_assign_next(project=project, user=u).document_id for u in newcomers)

    assert given == [with_spans, with_stance, empty]
    after = {
        "annotations": set(
            Annotation.objects.filter(pk__in=[a.pk for a in held]).values_list(
                "pk", "author", "status", "version"
            )
        ),
        "spans": set(Span.objects.values_list("pk", "annotation")),
        "stances": held[1].stances.count(),
        "events": set(
            AnnotationEvent.objects.filter(annotation__in=held).values_list("pk", flat=True)
        ),
    }
    assert after == before


@pytest.mark.django_db
def test_progress_counts_a_released_document_as_available():
    project = ProjectFactory()
    documents(project, 1)
    alice, bob = member(project), member(project)
    annotation = document_assign_next(project=project, user=alice)
    assert project_progress_for_user(project=project, user=bob)["available"] == 0

    age(annotation, 25)

    assert project_progress_for_user(project=project, user=bob)["available"] == 1


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


@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_racing_for_the_last_place_let_exactly_one_in():
    project = ProjectFactory(max_open_per_annotator=2)
    held, *racing = documents(project, 3)
    user = member(project)
    document_start(held, user)

    def take(index: int) -> str:
        try:
            document_start(racing[index], user)
        except OpenLimitReached:
            return "refused"
        return "opened"

    outcomes = run_together(2, take)

    assert sorted(outcomes) == ["opened", "refused"]
    assert Annotation.objects.filter(author=user, status="in_progress").count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_of_one_annotator_never_pass_the_limit():
    project = ProjectFactory()  # five at once
    ids = documents(project, 8)
    user = member(project)

    def take(index: int) -> bool:
        try:
            document_start(ids[index], user)
        except OpenLimitReached:
            return False
        return True

    opened = run_together(8, take)

    assert opened.count(True) == 5
    assert Annotation.objects.filter(author=user).count() == 5
