"""The annotator's queue: which documents may still be handed to a user, and what they hold.

One rule, here only: a document qualifies when the user has no manual annotation on it and
fewer than ``project.annotators_per_document`` annotations *hold a place* on it. Every manual
annotation holds a place, whatever its status, except one left in progress with no change for
``project.release_after_hours`` (its ``updated_at``, which every write to the annotation, its
spans or its stances moves): that document is back in the queue for someone else. The stale
annotation itself is never touched: it stays its author's, with everything in it, and they
may still finish it (the document then simply has one annotator more than it needed).
``services.queue`` assigns from it; the progress selectors count it.

What a user *holds* is their manual annotations in progress, stale or not:
``project.max_open_per_annotator`` caps them (``services.queue`` enforces it).
"""

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from annotations.models import Annotation, AnnotationKind, AnnotationStatus, Document, Project


def release_cutoff(*, project: Project, now: datetime | None = None) -> datetime:
    """Return the instant before which untouched work in progress is released."""
    return (now or timezone.now()) - timedelta(hours=project.release_after_hours)


def holds_a_place(*, project: Project, now: datetime | None = None) -> Q:
    """Filter (on Annotation) for the manual annotations that take a place on their document."""
    cutoff = release_cutoff(project=project, now=now)
    return Q(kind=AnnotationKind.MANUAL) & (
        ~Q(status=AnnotationStatus.IN_PROGRESS) | Q(updated_at__gt=cutoff)
    )


def document_queue_for_user(
    *, project: Project, user: User, now: datetime | None = None
) -> QuerySet[Document]:
    """Return the documents the queue may still give the user, in document id order.

    A document qualifies when the user has no manual annotation on it and fewer than
    ``project.annotators_per_document`` annotations hold a place on it (see the module): a
    skip takes a place too, because a document one annotator cannot annotate (off-topic,
    unreadable) is usually one nobody can, and handing it on would cost every annotator in
    turn their time; work in progress left untouched past ``release_after_hours`` does not.
    """
    mine = Annotation.objects.filter(
        document=OuterRef("pk"), author=user, kind=AnnotationKind.MANUAL
    )
    places = (
        Annotation.objects.filter(holds_a_place(project=project, now=now), document=OuterRef("pk"))
        .order_by()
        .values("document")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Document.objects.filter(project=project)
        .filter(~Exists(mine))
        .alias(places=Coalesce(Subquery(places), Value(0)))
        .filter(places__lt=project.annotators_per_document)
        .order_by("id")
    )


def document_places_taken(
    *, project: Project, document_id: int, now: datetime | None = None
) -> int:
    """Count the annotations that hold a place on the document (see the module)."""
    return Annotation.objects.filter(
        holds_a_place(project=project, now=now), document_id=document_id
    ).count()


def annotation_open_for_user(*, project: Project, user: User) -> QuerySet[Annotation]:
    """Return the user's work in progress in the project, oldest document first."""
    return (
        Annotation.objects.filter(
            document__project=project,
            author=user,
            kind=AnnotationKind.MANUAL,
            status=AnnotationStatus.IN_PROGRESS,
        )
        .select_related("document")
        .order_by("document_id", "id")
    )
