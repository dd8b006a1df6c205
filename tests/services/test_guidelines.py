"""Versioned guidelines: every change is a numbered version; annotations record theirs."""

import pytest

from annotations import selectors
from annotations.errors import InvalidInput
from annotations.models import AnnotationStatus, GuidelinesVersion
from annotations.services.annotating import annotation_get_or_create, annotation_set_status
from annotations.services.projects import (
    NAME_REQUIRED,
    project_create,
    project_delete,
    project_update,
)
from annotations.services.review import gold_for
from tests.factories import DocumentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return UserFactory(username="manager")


@pytest.fixture
def project(manager):
    return project_create(name="News", creator=manager, guidelines="Mark every **place**.")


def texts(project):
    return [
        (v.number, v.text, v.created_by.username)
        for v in selectors.guidelines_versions(project=project)
    ]


def test_project_create_records_version_1_by_its_creator(project):
    assert texts(project) == [(1, "Mark every **place**.", "manager")]


def test_project_update_of_guidelines_makes_the_next_version(project, manager):
    editor = UserFactory(username="editor")
    project_update(project=project, actor=editor, guidelines="Mark places and people.")
    project_update(project=project, actor=manager, guidelines="Mark places, people, groups.")
    assert texts(project) == [
        (3, "Mark places, people, groups.", "manager"),
        (2, "Mark places and people.", "editor"),
        (1, "Mark every **place**.", "manager"),
    ]


def test_project_update_with_the_same_text_makes_no_version(project, manager):
    project_update(project=project, actor=manager, guidelines="Mark every **place**.")
    project_update(project=project, actor=manager, name="Renamed", allow_overlap=True)
    assert [number for number, *_ in texts(project)] == [1]


def test_invalid_update_writes_no_version(project, manager):
    with pytest.raises(InvalidInput) as refused:
        project_update(project=project, actor=manager, name="", guidelines="New text")
    assert refused.value.errors == {"name": [NAME_REQUIRED]}
    assert [number for number, *_ in texts(project)] == [1]


def test_annotation_records_the_version_it_started_and_was_submitted_under(project, manager):
    document = DocumentFactory(project=project)
    annotation, _ = annotation_get_or_create(document=document, author=manager)
    project_update(project=project, actor=manager, guidelines="Version two.")
    assert annotation.guidelines_version.number == 1
    assert annotation.submitted_guidelines_version is None

    submitted = annotation_set_status(
        annotation=annotation, status="submitted", version=annotation.version, actor=manager
    )
    submitted.refresh_from_db()
    assert (submitted.guidelines_version.number, submitted.submitted_guidelines_version.number) == (
        1,
        2,
    )


def test_reopening_keeps_the_submitted_version_until_submitted_again(project, manager):
    document = DocumentFactory(project=project)
    annotation, _ = annotation_get_or_create(document=document, author=manager)
    annotation = annotation_set_status(
        annotation=annotation, status="submitted", version=annotation.version, actor=manager
    )
    annotation = annotation_set_status(
        annotation=annotation, status="in_progress", version=annotation.version, actor=manager
    )
    annotation.refresh_from_db()
    assert annotation.status == AnnotationStatus.IN_PROGRESS
    assert annotation.submitted_guidelines_version.number == 1


def test_gold_records_the_version_it_was_started_under(project, manager):
    project_update(project=project, actor=manager, guidelines="Version two.")
    gold, created = gold_for(DocumentFactory(project=project))
    assert created and gold.guidelines_version.number == 2


def test_project_delete_takes_its_versions_and_annotations(project, manager):
    document = DocumentFactory(project=project)
    annotation, _ = annotation_get_or_create(document=document, author=manager)
    project_delete(project=project)
    assert not GuidelinesVersion.objects.exists()
