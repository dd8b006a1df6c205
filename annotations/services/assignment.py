"""Handing a document's work in progress from one member to another (a manager's call).

The annotation keeps its spans, stances, version history and place in the document's quota;
only its author changes. The change bumps the version (an open annotate page of the former
author then gets a 409 instead of writing to someone else's work) and is logged. The event
log has no action for it, and adding one would change the table's check constraint, so it is
a ``status_changed`` event whose ``before``/``after`` carry the ``author`` (the status stays
``in_progress``).
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotations.errors import Forbidden, InvalidInput, NotFound
from annotations.models import (
    Annotation,
    AnnotationEvent,
    AnnotationKind,
    AnnotationStatus,
    EventAction,
    Membership,
    Role,
)

NOT_MANUAL = "Only an annotator's own (manual) annotation can be handed over, not {kind}."
NOT_IN_PROGRESS = (
    "Only work in progress can be handed over; this annotation is {status} (reopen it first)."
)
NOT_A_MEMBER = "{username} is not a member of this project."
SAME_AUTHOR = "This annotation is already {username}'s."
ALREADY_HAS_ONE = "{username} already has an annotation of this document (#{other})."
MANAGERS_ONLY = "Only a manager of the project can hand work over to someone else."
GONE = "This annotation no longer exists."


def annotation_reassign(
    *, annotation: Annotation, author: AbstractBaseUser, actor: AbstractBaseUser | None
) -> Annotation:
    """Give an in-progress manual annotation to another member of the project."""
    with transaction.atomic():
        locked = (
            Annotation.objects.select_for_update(of=("self",))
            .select_related("document", "author")
            .filter(pk=annotation.pk)
            .first()
        )
        if locked is None:
            raise NotFound(GONE)
        project_id = locked.document.project_id
        _check_actor(project_id, actor)
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
        before = locked.author.get_username()
        Annotation.objects.filter(pk=locked.pk).update(
            author=author, version=F("version") + 1, updated_at=timezone.now()
        )
        locked.refresh_from_db()
        AnnotationEvent.objects.create(
            annotation=locked,
            actor=actor,
            action=EventAction.STATUS_CHANGED,
            before={"status": locked.status, "author": before},
            after={"status": locked.status, "author": username},
            version=locked.version,
        )
    return locked


def _check_actor(project_id: int, actor: AbstractBaseUser | None) -> None:
    # None is the system (scripts); a superuser manages every project, as in the admin.
    if actor is None or actor.is_superuser:
        return
    if not Membership.objects.filter(project_id=project_id, user=actor, role=Role.MANAGER).exists():
        raise Forbidden(MANAGERS_ONLY)
