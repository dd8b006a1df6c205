"""The admin's actions for managers: hand work over, reopen it, mark gold reviewed."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import reverse

from annotations.models import Annotation, AnnotationEvent
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ANNOTATIONS = reverse("admin:annotations_annotation_changelist")
DOCUMENTS = reverse("admin:annotations_document_changelist")


@pytest.fixture
def manager(client):
    """A staff member who manages one project (not a superuser), signed in."""
    user = UserFactory(username="meg", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="annotations", codename__startswith="view_"
        )
    )
    project = ProjectFactory()
    MembershipFactory(project=project, user=user, role="manager")
    client.force_login(user)
    return user, project


def member(project, name):
    user = UserFactory(username=name)
    MembershipFactory(project=project, user=user)
    return user


def act(client, url, action, objects, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **extra}
    return client.post(url, data, follow=True)


def said(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_reassigning_asks_whom_then_hands_the_work_over(client, manager):
    _user, project = manager
    ana, ben = member(project, "ana"), member(project, "ben")
    annotation = AnnotationFactory(document=DocumentFactory(project=project), author=ana)

    form = act(client, ANNOTATIONS, "reassign_annotations", [annotation])
    assert form.status_code == 200
    html = form.content.decode()
    assert "Hand them to" in html and "ben" in html
    assert Annotation.objects.get(pk=annotation.pk).author == ana

    done = act(client, ANNOTATIONS, "reassign_annotations", [annotation], apply="1", author=ben.pk)
    assert "Handed 1 annotation(s) to ben." in said(done)
    annotation.refresh_from_db()
    assert annotation.author == ben
    assert AnnotationEvent.objects.get(annotation=annotation).actor.username == "meg"


def test_reassigning_reports_each_annotation_it_cannot_hand_over(client, manager):
    _user, project = manager
    ana, ben = member(project, "ana"), member(project, "ben")
    document = DocumentFactory(project=project)
    submitted = AnnotationFactory(document=document, author=ana, status="submitted")
    response = act(
        client, ANNOTATIONS, "reassign_annotations", [submitted], apply="1", author=ben.pk
    )
    messages = said(response)
    assert "Handed 0 annotation(s) to ben." in messages
    assert any("reopen it first" in message for message in messages)


def test_reopening_submitted_work_and_marking_gold_reviewed(client, manager):
    _user, project = manager
    document = DocumentFactory(project=project)
    work = AnnotationFactory(document=document, author=member(project, "ana"), status="submitted")
    gold = AnnotationFactory(document=document, author=None, kind="gold")

    reopened = act(client, ANNOTATIONS, "reopen_annotations", [work])
    assert "Reopened 1 annotation(s)." in said(reopened)
    work.refresh_from_db()
    assert work.status == "in_progress"
    assert AnnotationEvent.objects.get(annotation=work).after == {"status": "in_progress"}

    reviewed = act(client, ANNOTATIONS, "mark_gold_reviewed", [gold, work])
    messages = said(reviewed)
    assert "Marked 1 gold annotation(s) reviewed." in messages
    assert "Left 1 annotation(s) alone: only gold is marked reviewed." in messages
    gold.refresh_from_db()
    assert gold.status == "submitted"


def test_marking_documents_reviewed_reports_those_without_gold(client, manager):
    _user, project = manager
    with_gold, without = DocumentFactory(project=project), DocumentFactory(project=project)
    gold = AnnotationFactory(document=with_gold, author=None, kind="gold")
    response = act(client, DOCUMENTS, "mark_gold_reviewed", [with_gold, without])
    messages = said(response)
    assert "Marked 1 gold annotation(s) reviewed." in messages
    assert f"Document {without.pk}: This document has no gold yet; build or start it first." in (
        messages
    )
    gold.refresh_from_db()
    assert gold.status == "submitted"


def test_actions_reach_only_the_projects_one_manages(client, manager):
    other = AnnotationFactory(status="submitted")
    act(client, ANNOTATIONS, "reopen_annotations", [other])
    other.refresh_from_db()
    assert other.status == "submitted"
