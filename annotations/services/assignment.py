"""Handing a document's work in progress from one member to another (a manager's call).

The annotation keeps its spans, stances, version history and place in the document's quota;
only its author changes. The change bumps the version (an open annotate page of the former
author then gets a 409 instead of writing to someone else's work) and is logged as a
``reassigned`` event whose ``before``/``after`` carry the ``author`` (usernames).
"""

from django.contrib.auth.models import User
from django.db import transaction

from annotations import access
from annotations.errors import Forbidden, InvalidInput
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    EventAction,
    Membership,
)
from annotations.services.annotating import ANNOTATION_GONE, annotation_lock_for_write
from annotations.services.changelog import annotation_change_record

NOT_MANUAL = "Only an annotator's own (manual) annotation can be handed over, not {kind}."
NOT_IN_PROGRESS = (
    "Only work in progress can be handed over; this annotation is {status} (reopen it first)."
)
NOT_A_MEMBER = "{username} is not a member of this project."
SAME_AUTHOR = "This annotation is already {username}'s."
ALREADY_HAS_ONE = "{username} already has an annotation of this document (#{other})."
MANAGERS_ONLY = "Only a manager of the project can hand work over to someone else."
GONE = ANNOTATION_GONE

REASSIGNERS = access.roles_where(access.may_reassign)


def annotation_reassign(*, annotation: Annotation, author: User, actor: User | None) -> Annotation:
    """Give an in-progress manual annotation to another member of the project."""
    with transaction.atomic():
        # Not writable-checked there: a closed annotation is refused below with its own reason.
        locked, _ = annotation_lock_for_write(
            annotation_id=annotation.pk,
            version=None,
            writable=False,
            first=lambda locked: _check_actor(locked.document.project_id, actor),
        )
        project_id = locked.document.project_id
        if locked.kind != AnnotationKind.MANUAL:
            raise InvalidInput({"annotation": [NOT_MANUAL.format(kind=locked.kind)]})
        if locked.status != AnnotationStatus.IN_PROGRESS:
            raise InvalidInput({"status": [NOT_IN_PROGRESS.format(status=locked.status)]})
        username = author.get_username()
        if locked.author_id == author.pk:
            raise InvalidInput({"author": [SAME_AUTHOR.format(username=username)]})
        if not Membership.objects.filter(project_id=project_id, user=author).exists():
            raise InvalidInput({"author": [NOT_A_MEMBER.format(username=username)]})
        other = (
            Annotation.objects.filter(
                document_id=locked.document_id, author=author, kind=AnnotationKind.MANUAL
            )
            .values_list("pk", flat=True)
            .first()
        )
        if other is not None:
            raise InvalidInput({"author": [ALREADY_HAS_ONE.format(username=username, other=other)]})
        former = locked.author
        assert former is not None  # a manual annotation has an author (author_iff_manual)
        annotation_change_record(
            annotation=locked,
            actor=actor,
            action=EventAction.REASSIGNED,
            before={"author": former.get_username()},
            after={"author": username},
            fields={"author_id": author.pk},
        )
    return locked


def _check_actor(project_id: int, actor: User | None) -> None:
    # None is the system (scripts); a superuser manages every project, as in the admin.
    if actor is None or actor.is_superuser:
        return
    if not Membership.objects.filter(
        project_id=project_id, user=actor, role__in=REASSIGNERS
    ).exists():
        raise Forbidden(MANAGERS_ONLY)
