"""Handing work in progress to another member."""

import pytest

from annotations.errors import Conflict, Forbidden, InvalidInput
from annotations.models import AnnotationEvent
from annotations.services import assignment, history
from annotations.services.annotating import span_create
from annotations.services.assignment import annotation_reassign
from annotations.services.history import event_revert
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    MembershipFactory,
    SpanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def work():
    document = DocumentFactory()
    project = document.project
    people = {}
    for name, role in [("ana", "annotator"), ("ben", "annotator"), ("meg", "manager")]:
        people[name] = UserFactory(username=name)
        MembershipFactory(project=project, user=people[name], role=role)
    annotation = AnnotationFactory(document=document, author=people["ana"])
    SpanFactory(annotation=annotation)
    return annotation, people


def test_reassigning_keeps_the_work_bumps_the_version_and_logs_who_did_it(work):
    annotation, people = work
    version = annotation.version

    moved = annotation_reassign(annotation=annotation, author=people["ben"], actor=people["meg"])

    assert moved.author == people["ben"] and moved.version == version + 1
    assert moved.spans.count() == 1
    event = AnnotationEvent.objects.get(annotation=annotation)
    assert (event.actor, event.action) == (people["meg"], "reassigned")
    assert (event.before, event.after) == ({"author": "ana"}, {"author": "ben"})
    assert event.version == moved.version


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ("submitted", "status", assignment.NOT_IN_PROGRESS.format(status="submitted")),
        ("same", "author", assignment.SAME_AUTHOR.format(username="ana")),
        ("outsider", "author", assignment.NOT_A_MEMBER.format(username="out")),
    ],
)
def test_reassigning_refuses_with_the_reason(work, change, field, message):
    annotation, people = work
    author = people["ben"]
    if change == "submitted":
        annotation.status = "submitted"
        annotation.save()
    elif change == "same":
        author = people["ana"]
    else:
        author = UserFactory(username="out")
    with pytest.raises(InvalidInput) as refused:
        annotation_reassign(annotation=annotation, author=author, actor=people["meg"])
    assert refused.value.errors == {field: [message]}
    annotation.refresh_from_db()
    assert annotation.author == people["ana"]


def test_reassigning_to_someone_with_their_own_annotation_is_refused(work):
    annotation, people = work
    theirs = AnnotationFactory(document=annotation.document, author=people["ben"])
    with pytest.raises(InvalidInput) as refused:
        annotation_reassign(annotation=annotation, author=people["ben"], actor=None)
    assert refused.value.errors == {
        "author": [assignment.ALREADY_HAS_ONE.format(username="ben", other=theirs.pk)]
    }


def test_only_managers_reassign(work):
    annotation, people = work
    with pytest.raises(Forbidden):
        annotation_reassign(annotation=annotation, author=people["ben"], actor=people["ana"])


def test_reassigning_tells_the_former_authors_open_page_its_version_is_stale(work):
    annotation, people = work
    stale_version = annotation.version
    annotation_reassign(annotation=annotation, author=people["ben"], actor=people["meg"])

    with pytest.raises(Conflict):
        span_create(
            annotation=annotation,
            label=annotation.spans.get().label,
            start=0,
            end=1,
            actor=people["ana"],
            version=stale_version,
        )


def test_a_reassignment_cannot_be_reverted(work):
    annotation, people = work
    annotation_reassign(annotation=annotation, author=people["ben"], actor=people["meg"])
    event = AnnotationEvent.objects.get(annotation=annotation, action="reassigned")

    with pytest.raises(InvalidInput) as refused:
        event_revert(event=event, actor=people["meg"])

    assert refused.value.errors == {"event": [history.NOT_REVERTIBLE.format(action="reassigned")]}
    annotation.refresh_from_db()
    assert annotation.author == people["ben"]
