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

The order (``project.queue_order``) is the document id's, or the model's: the documents'
*shown prediction* is the one annotators would see as suggestions (the newest ready version
of ``project.suggestions_from``; none chosen: the imported prediction), whether or not
suggestions are shown (a blind study may still route by the model). Then:

- ``uncertainty``: least confident first. A document's confidence is the **lowest** score of
  its shown prediction's spans: a document is as doubtful as its most doubtful suggestion,
  and every wrong suggestion costs the annotator a correction, so twenty sure spans must not
  hide one guess (a mean would let them). Documents with no scored span go last.
- ``score``: the highest span score first (a check-worthiness score: the document holding the
  most check-worthy claim first). Documents with no scored span go last.

Ties, and the documents that go last, are in id order. It stays one query, and a cheap one:
each document's place is stored on it (``Document.queue_rank``, kept by
``services.queue_scores``) under an index in the queue's order, so the candidate is the first
eligible entry of that index. Computing them per request instead
(per document: its shown prediction, then its spans by index) cost 250 ms more per call at
10,000 documents (bench/queue_order.py prints the plan and the time).
"""

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import (
    Count,
    Exists,
    Expression,
    F,
    Max,
    Min,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    Project,
    QueueOrder,
    Span,
)
from annotations.selectors.suggestions import newest_ready_versions


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
    """Return the documents the queue may still give the user, in the project's queue order.

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
        .order_by(*queue_ordering(project=project))
    )


def queue_ordering(*, project: Project) -> list[OrderBy | str]:
    """The ORDER BY of the project's queue (see the module): the model's order, then the id."""
    if project.queue_order == QueueOrder.ID:
        return ["id"]
    return [F("queue_rank").asc(nulls_last=True), "id"]


def queue_rank(*, project: Project) -> Subquery | Expression | None:
    """What ``Document.queue_rank`` holds in the project's order (None: id order, nothing).

    Lowest first: the lowest span score (uncertainty), or minus the highest (score).
    """
    if project.queue_order == QueueOrder.UNCERTAINTY:
        return shown_score(project=project, aggregate=Min)
    if project.queue_order == QueueOrder.SCORE:
        return shown_score(project=project, aggregate=Max) * Value(-1.0)
    return None


def shown_prediction_filter(*, project: Project) -> Q:
    """Filter (on Annotation) for the predictions whose suggestions the project shows."""
    if project.suggestions_from_id is None:
        return Q(kind=AnnotationKind.PREDICTION, model_version__isnull=True)
    newest = newest_ready_versions(recommender_id=project.suggestions_from_id).values("pk")[:1]
    return Q(kind=AnnotationKind.PREDICTION, model_version=Subquery(newest))


def shown_score(*, project: Project, aggregate: type[Min] | type[Max]) -> Subquery:
    """The lowest or highest span score of the document's shown prediction (NULL: none).

    An expression over ``Document`` (``OuterRef("pk")``): what ``services.queue_scores``
    stores on each document.
    """
    shown = Annotation.objects.filter(
        shown_prediction_filter(project=project), document=OuterRef(OuterRef("pk"))
    ).values("pk")[:1]
    return Subquery(
        Span.objects.filter(annotation=Subquery(shown), score__isnull=False)
        .order_by()
        .values("annotation")
        .annotate(value=aggregate("score"))
        .values("value")
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
