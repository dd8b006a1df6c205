"""Projects as one member sees them: their members, labels, targets, and the caller's progress.

Invariants: a project is only ever reached through the caller's membership (``caller_role``
is annotated on it; a non-member gets None, as for an id that does not exist); a label is
only ever looked up within its project. ``progress_*`` mean what ``project_progress_for_user``
says, and the queue's rule is ``queue.document_queue_for_user``'s.
"""

from typing import TypedDict

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Window

from annotations.db import hotpath
from annotations.models import (
    Annotation,
    AnnotationKind,
    Document,
    Label,
    LabelAttribute,
    LabelGroup,
    Membership,
    Project,
    Span,
    StanceTarget,
)
from annotations.selectors.base import FINISHED_STATUSES, INT64, count_of, manual_count, role_of
from annotations.selectors.queue import document_queue_for_user

NO_SUCH_USER = "No user is named {username!r}."
# How many documents an overlap refusal names; the count covers the rest.
OVERLAPPING_SHOWN = 20


class OverlappingDocuments(TypedDict):
    """The first documents (by id) holding overlapping spans of one kind, and how many do."""

    documents: list[tuple[int, str]]
    count: int


def project_list_for_user(*, user: User) -> QuerySet[Project]:
    """Return the projects the user is a member of, each with the user's ``caller_role``."""
    return (
        Project.objects.filter(memberships__user=user)  # type: ignore[no-redef]  # see role_of
        .annotate(caller_role=role_of(user, "pk"))
        .order_by("name", "id")
    )


def project_get_for_user(*, user: User, project_id: int) -> Project | None:
    """Return the project with the user's ``caller_role``, or None for a non-member."""
    return project_list_for_user(user=user).filter(pk=project_id).first()


def membership_list(*, project: Project) -> QuerySet[Membership]:
    """Return the project's members with their users."""
    return Membership.objects.filter(project=project).select_related("user").order_by("id")


def label_list(*, project: Project) -> QuerySet[Label]:
    """Return the project's labels, by kind then creation, with their user attributes.

    The built-in attributes (annotations.builtins) are the spans' own fields to every reader.
    """
    users = Prefetch("attributes", queryset=LabelAttribute.objects.users())
    return Label.objects.filter(project=project).prefetch_related(users)


def label_get(*, project_id: int, label_id: int) -> Label | None:
    """Return the project's label with this id, or None (also for another project's label)."""
    if label_id not in INT64:
        return None
    return hotpath.label_of_project(project_id=project_id, label_id=label_id)


def label_group_list(*, project: Project) -> QuerySet[LabelGroup]:
    """Return the project's label groups, in their order above the text."""
    return LabelGroup.objects.filter(project=project)


def label_group_get(*, project: Project, group_id: int) -> LabelGroup | None:
    """Return the project's label group with this id, or None (also for another project's)."""
    if group_id not in INT64:
        return None
    return LabelGroup.objects.filter(project=project, pk=group_id).first()


def label_with_attributes_get(*, project: Project, label_id: int) -> Label | None:
    """Return the project's label with its attributes, or None (another project's too)."""
    if label_id not in INT64:
        return None
    return label_list(project=project).filter(pk=label_id).first()


def target_list(*, project: Project) -> QuerySet[StanceTarget]:
    """Return the project's stance targets."""
    return StanceTarget.objects.filter(project=project)


# Progress


class Progress(TypedDict):
    done: int
    assigned: int
    total: int
    available: int


def project_progress_for_user(*, project: Project, user: User) -> Progress:
    """Return the user's progress in the project's queue: done, assigned, total, available.

    ``done`` counts the user's submitted and skipped annotations, ``assigned`` all the user's
    manual annotations, ``total`` the project's documents, and ``available`` the documents the
    queue could still give the user (beyond those already assigned).
    """
    own = Annotation.objects.filter(
        document__project=project, author=user, kind=AnnotationKind.MANUAL
    ).aggregate(
        assigned=Count("pk"),
        done=Count("pk", filter=Q(status__in=FINISHED_STATUSES)),
    )
    return {
        "done": own["done"],
        "assigned": own["assigned"],
        "total": Document.objects.filter(project=project).count(),
        "available": document_queue_for_user(project=project, user=user).count(),
    }


def project_list_with_progress_for_user(*, user: User) -> QuerySet[Project]:
    """Return the user's projects, each with ``caller_role`` and the user's queue progress.

    ``progress_done``, ``progress_assigned`` and ``progress_available`` mean what
    ``project_progress_for_user`` says, computed for every project in the one query.
    """
    mine = Annotation.objects.filter(
        document__project=OuterRef("pk"), author=user, kind=AnnotationKind.MANUAL
    )
    opened = Annotation.objects.filter(
        document=OuterRef("pk"), author=user, kind=AnnotationKind.MANUAL
    )
    available = (
        Document.objects.filter(project=OuterRef("pk"))
        .filter(~Exists(opened))
        .alias(annotators=manual_count())
        .filter(annotators__lt=OuterRef("annotators_per_document"))
    )
    return project_list_for_user(user=user).annotate(
        progress_done=count_of(mine.filter(status__in=FINISHED_STATUSES), "author"),
        progress_assigned=count_of(mine, "author"),
        progress_available=count_of(available, "project"),
    )


def project_get_with_progress_for_user(*, user: User, project_id: int) -> Project | None:
    """Return one of the user's projects with role and progress, or None for a non-member."""
    return project_list_with_progress_for_user(user=user).filter(pk=project_id).first()


# Accounts


def user_get_by_username(*, username: str) -> User | None:
    """Return the account with this username, or None (callers report NO_SUCH_USER)."""
    return get_user_model().objects.filter(username=username).first()


def project_get_by_ref(*, ref: str) -> Project | None:
    """Return the project whose id is ``ref`` (digits), else the one named exactly ``ref``."""
    project = None
    if ref.isdigit():
        project = Project.objects.filter(pk=int(ref)).first()
    return project or Project.objects.filter(name=ref).first()


def documents_with_overlaps(
    *, project: Project, limit: int = OVERLAPPING_SHOWN
) -> OverlappingDocuments:
    """Documents with two spans of one kind overlapping in one annotation: first ``limit``, count.

    One query: a window count rides on the first rows. Every annotation counts (manual, gold,
    predictions): each would be refused by a write under the "no overlap" rule.
    """
    clash = Span.objects.filter(
        annotation_id=OuterRef("annotation_id"),
        label__kind=OuterRef("label__kind"),
        start__lt=OuterRef("end"),
        end__gt=OuterRef("start"),
    ).exclude(pk=OuterRef("pk"))
    overlapping = Span.objects.filter(annotation__document_id=OuterRef("pk")).filter(Exists(clash))
    rows = list(
        Document.objects.filter(project=project)
        .filter(Exists(overlapping))
        .annotate(total=Window(Count("pk")))
        .order_by("pk")
        .values_list("pk", "external_id", "total")[:limit]
    )
    return {
        "documents": [(pk, external_id) for pk, external_id, _ in rows],
        "count": rows[0][2] if rows else 0,
    }
