"""A manager hands chosen documents to a chosen annotator."""

import pytest

from annotations.errors import Forbidden, InvalidInput
from annotations.models import Annotation, AnnotationEvent
from annotations.services import assignment
from annotations.services.assignment import documents_assign
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    ProjectFactory,
    UserFactory,
    members_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    project = ProjectFactory(max_open_per_annotator=3)
    people = members_of(project, ana="annotator", rev="reviewer", meg="manager")
    documents = [DocumentFactory(project=project) for _ in range(5)]
    return project, people, documents


def _open_for(user):
    return sorted(
        Annotation.objects.filter(author=user, status="in_progress").values_list(
            "document_id", flat=True
        )
    )


def test_assigning_opens_each_document_for_the_annotator_and_logs_the_manager(team):
    project, people, documents = team
    ids = [documents[0].pk, documents[1].pk]

    handout = documents_assign(
        project=project, document_ids=ids, annotator=people["ana"], actor=people["meg"]
    )

    assert handout.assigned == ids and handout.refused == [] and handout.already == []
    assert _open_for(people["ana"]) == ids
    events = AnnotationEvent.objects.filter(annotation__author=people["ana"])
    assert {(event.actor, event.action) for event in events} == {
        (people["meg"], "annotation_created")
    }


def test_assigning_past_the_open_limit_refuses_the_rest_by_name(team):
    project, people, documents = team
    AnnotationFactory(document=documents[4], author=people["ana"])  # holds one already
    ids = [document.pk for document in documents[:4]]

    handout = documents_assign(
        project=project, document_ids=ids, annotator=people["ana"], actor=people["meg"]
    )

    assert handout.assigned == ids[:2]
    assert handout.refused == ids[2:]
    assert _open_for(people["ana"]) == sorted([*ids[:2], documents[4].pk])


def test_assigning_a_document_the_annotator_has_leaves_it_as_it_is(team):
    project, people, documents = team
    submitted = AnnotationFactory(document=documents[0], author=people["ana"], status="submitted")

    handout = documents_assign(
        project=project,
        document_ids=[documents[0].pk],
        annotator=people["ana"],
        actor=people["meg"],
    )

    assert handout.already == [documents[0].pk] and handout.assigned == []
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("none", "documents", assignment.NO_DOCUMENTS),
        ("other project", "documents", "Not documents of this project"),
        ("outsider", "annotator", assignment.ANNOTATOR_NOT_A_MEMBER.format(username="out")),
    ],
)
def test_assigning_bad_input_names_the_field_and_writes_nothing(team, case, field, message):
    project, people, documents = team
    annotator = people["ana"]
    ids = [documents[0].pk]
    if case == "none":
        ids = []
    elif case == "other project":
        ids = [documents[0].pk, DocumentFactory().pk]
    else:
        annotator = UserFactory(username="out")

    with pytest.raises(InvalidInput) as refused:
        documents_assign(
            project=project, document_ids=ids, annotator=annotator, actor=people["meg"]
        )

    assert message in refused.value.errors[field][0]
    assert not Annotation.objects.exists()


def test_only_a_manager_assigns(team):
    project, people, documents = team

    with pytest.raises(Forbidden):
        documents_assign(
            project=project,
            document_ids=[documents[0].pk],
            annotator=people["ana"],
            actor=people["rev"],
        )

    assert not Annotation.objects.exists()
