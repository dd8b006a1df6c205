"""Handing work to annotators (a manager's call): chosen documents, or work in progress.

``documents_assign`` opens chosen documents for a chosen annotator, alongside the automatic
queue: each becomes the annotator's annotation in progress, exactly as if they had started it
themselves (it takes a place on the document, and the creation is logged with the manager as
its actor). The fairness limit holds here too: an annotator holds at most
``project.max_open_per_annotator`` documents in progress, so documents past it are refused and
named, the others assigned; a document the annotator already has is left as it is and named.
Bad input (no documents, a document of another project, a non-member) writes nothing. The
annotator's membership row is locked first, as the queue does, so this and their own queue
calls count their open work one after the other.

``annotation_reassign`` hands a document's work in progress from one member to another.

The annotation keeps its spans, stances, version history and place in the document's quota;
only its author changes. The change bumps the version (an open annotate page of the former
author then gets a 409 instead of writing to someone else's work) and is logged as a
``reassigned`` event whose ``before``/``after`` carry the ``author`` (usernames).
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction

from annotations import access
from annotations.errors import Forbidden, InvalidInput
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    EventAction,
    Membership,
    Project,
)
from annotations.selectors.base import INT64
from annotations.selectors.queue import annotation_open_for_user
from annotations.services.annotating import (
    ANNOTATION_GONE,
    annotation_get_or_create,
    annotation_lock_for_write,
)
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
NO_DOCUMENTS = "Choose at least one document."
TOO_MANY_DOCUMENTS = "Assign at most {limit} documents at once."
UNKNOWN_DOCUMENTS = "Not documents of this project: {documents}."
ANNOTATOR_NOT_A_MEMBER = "{username} is not a member of this project."
ASSIGN_AT_ONCE = 500

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


@dataclass
class Handout:
    """What ``documents_assign`` did with each document asked for (ids in the order asked)."""

    annotator: str
    limit: int
    assigned: list[int] = field(default_factory=list)
    already: list[int] = field(default_factory=list)  # the annotator had it: left as it was
    refused: list[int] = field(default_factory=list)  # past max_open_per_annotator


def documents_assign(
    *, project: Project, document_ids: list[int], annotator: User, actor: User | None
) -> Handout:
    """Open the chosen documents for the annotator, up to their limit of open documents."""
    ids = _check_document_ids(document_ids)
    with transaction.atomic():
        _check_actor(project.pk, actor)
        username = annotator.get_username()
        member = Membership.objects.select_for_update().filter(project=project, user=annotator)
        if not member.exists():
            raise InvalidInput({"annotator": [ANNOTATOR_NOT_A_MEMBER.format(username=username)]})
        documents = Document.objects.filter(project=project, pk__in=ids).defer("text").in_bulk()
        unknown = [pk for pk in ids if pk not in documents]
        if unknown:
            listed = ", ".join(f"#{pk}" for pk in unknown)
            raise InvalidInput({"documents": [UNKNOWN_DOCUMENTS.format(documents=listed)]})
        handout = Handout(annotator=username, limit=project.max_open_per_annotator)
        had = set(
            Annotation.objects.filter(
                document_id__in=ids, author=annotator, kind=AnnotationKind.MANUAL
            ).values_list("document_id", flat=True)
        )
        holding = annotation_open_for_user(project=project, user=annotator).count()
        for pk in ids:
            if pk in had:
                handout.already.append(pk)
            elif holding >= handout.limit:
                handout.refused.append(pk)
            else:
                annotation_get_or_create(document=documents[pk], author=annotator, actor=actor)
                handout.assigned.append(pk)
                holding += 1
    return handout


def _check_document_ids(document_ids: list[int]) -> list[int]:
    """The ids asked for, each once, in order; refused when none, too many or not ids at all."""
    ids = list(dict.fromkeys(document_ids))
    if not ids:
        raise InvalidInput({"documents": [NO_DOCUMENTS]})
    if len(ids) > ASSIGN_AT_ONCE:
        raise InvalidInput({"documents": [TOO_MANY_DOCUMENTS.format(limit=ASSIGN_AT_ONCE)]})
    outside = [pk for pk in ids if pk not in INT64]
    if outside:
        listed = ", ".join(f"#{pk}" for pk in outside)
        raise InvalidInput({"documents": [UNKNOWN_DOCUMENTS.format(documents=listed)]})
    return ids


def _check_actor(project_id: int, actor: User | None) -> None:
    # None is the system (scripts); a superuser manages every project, as in the admin.
    if actor is None or actor.is_superuser:
        return
    if not Membership.objects.filter(
        project_id=project_id, user=actor, role__in=REASSIGNERS
    ).exists():
        raise Forbidden(MANAGERS_ONLY)
