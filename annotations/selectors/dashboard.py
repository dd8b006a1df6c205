"""The project dashboard's reads: each person's progress, documents by state, labels in use.

Invariants: each figure is one aggregate query (or three, for ``annotator_progress``),
whatever the project's size; ``DOCUMENT_STATES`` partition the project's documents (the
counts add up to its documents, every state present, zero included); a person who has left
the project still counts for the work they did.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from statistics import median

from django.db.models import Case, Count, Max, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from annotations.models import (
    Annotation,
    AnnotationEvent,
    AnnotationKind,
    AnnotationStatus,
    Document,
    ImportJob,
    ImportJobStatus,
    Label,
    Membership,
    Project,
    Release,
    ReleaseStatus,
    Span,
    Stance,
)
from annotations.selectors.base import FINISHED_STATUSES
from annotations.selectors.jobs import stalled_after_seconds

DOCUMENT_NOT_STARTED = "not_started"
DOCUMENT_IN_PROGRESS = "in_progress"
DOCUMENT_SKIPPED = "skipped"
DOCUMENT_READY = "ready"
DOCUMENT_IN_REVIEW = "in_review"
DOCUMENT_REVIEWED = "reviewed"
DOCUMENT_STATES = (
    DOCUMENT_NOT_STARTED,
    DOCUMENT_IN_PROGRESS,
    DOCUMENT_SKIPPED,
    DOCUMENT_READY,
    DOCUMENT_IN_REVIEW,
    DOCUMENT_REVIEWED,
)


@dataclass
class AnnotatorProgress:
    """One person's manual work in a project, and how long a submitted document took them."""

    user_id: int
    username: str
    role: str | None  # None: no longer a member, but their work is still there
    assigned: int = 0
    in_progress: int = 0
    submitted: int = 0
    skipped: int = 0
    seconds: list[float] = field(default_factory=list)  # per submitted document

    @property
    def median_seconds(self) -> float | None:
        return median(self.seconds) if self.seconds else None


def annotator_progress(*, project: Project) -> list[AnnotatorProgress]:
    """Return every member's and every author's progress and timing, members first.

    Time per document is from the first to the last logged event of a submitted manual
    annotation (opening it to submitting it, plus any later change). Three queries.
    """
    people: dict[str, AnnotatorProgress] = {}
    for user_id, username, role in (
        Membership.objects.filter(project=project)
        .order_by("user__username")
        .values_list("user_id", "user__username", "role")
    ):
        people[username] = AnnotatorProgress(user_id=user_id, username=username, role=role)
    manual = Annotation.objects.filter(document__project=project, kind=AnnotationKind.MANUAL)
    for user_id, username, status, count in (
        manual.order_by()
        .values_list("author_id", "author__username", "status")
        .annotate(n=Count("pk"))
    ):
        person = people.setdefault(
            username, AnnotatorProgress(user_id=user_id, username=username, role=None)
        )
        person.assigned += count
        setattr(person, status, getattr(person, status) + count)
    # Each annotation's first and last event, one probe at each end of its range of the
    # (annotation, id) index: a GROUP BY over the events read the whole log on a project
    # without statistics (0.6-2.9 s at a million events).
    events = AnnotationEvent.objects.filter(annotation=OuterRef("pk")).values("created_at")
    spans = (
        manual.filter(status=AnnotationStatus.SUBMITTED)
        .annotate(
            first=Subquery(events.order_by("pk")[:1]), last=Subquery(events.order_by("-pk")[:1])
        )
        .filter(first__isnull=False)
        .values_list("author__username", "first", "last")
    )
    for username, first, last in spans:
        # Someone whose first submission landed between the two queries is timed next time.
        if username in people:
            people[username].seconds.append((last - first).total_seconds())
    return sorted(people.values(), key=lambda p: (p.role is None, p.username))


def document_state_counts(*, project: Project) -> dict[str, int]:
    """Return how many of the project's documents are in each state, in one query.

    ``not_started``: no manual annotation; ``in_progress``: places still open or work not
    finished; ``skipped``: every place finished, all skipped; ``ready``: every place finished
    with at least one submission, no gold yet; ``in_review``: gold being edited;
    ``reviewed``: gold marked reviewed.
    """
    # One pass over the project's documents and their annotations, grouped by document: the
    # state of each is then a CASE over its counts. (As correlated subqueries, each WHEN ran
    # its own: 344 ms at 10,000 documents x 3 annotators, against ~40 ms grouped.)
    manual = Q(annotations__kind=AnnotationKind.MANUAL)
    state = Case(
        When(gold_status=AnnotationStatus.SUBMITTED, then=Value(DOCUMENT_REVIEWED)),
        When(gold_status=AnnotationStatus.IN_PROGRESS, then=Value(DOCUMENT_IN_REVIEW)),
        When(
            finished__gte=project.annotators_per_document,
            submitted__gt=0,
            then=Value(DOCUMENT_READY),
        ),
        When(finished__gte=project.annotators_per_document, then=Value(DOCUMENT_SKIPPED)),
        When(opened__gt=0, then=Value(DOCUMENT_IN_PROGRESS)),
        default=Value(DOCUMENT_NOT_STARTED),
    )
    rows = (
        Document.objects.filter(project=project)
        .order_by()
        .values("pk")
        .annotate(
            opened=Count("annotations", filter=manual),
            finished=Count(
                "annotations", filter=manual & Q(annotations__status__in=FINISHED_STATUSES)
            ),
            submitted=Count(
                "annotations", filter=manual & Q(annotations__status=AnnotationStatus.SUBMITTED)
            ),
            # At most one gold per document (a constraint).
            gold_status=Max("annotations__status", filter=Q(annotations__kind=AnnotationKind.GOLD)),
        )
        .annotate(state=state)
        .values_list("state", flat=True)
    )
    counts = dict.fromkeys(DOCUMENT_STATES, 0)
    counts.update(Counter(rows))
    return counts


def label_usage(*, project: Project, submitted_uses: Mapping[str, int]) -> list[Label]:
    """Return the project's labels, each with how often submitted work and gold use it.

    ``submitted_uses`` (by label name) comes from the stored agreement totals
    (``agreement_sums.label_uses``): counting every submitted span on each view would read
    them all. ``gold_uses`` counts spans (entity and claim labels) and stances (stance labels)
    in gold, from the gold annotations. Three queries.
    """
    gold = Annotation.objects.filter(document__project=project, kind=AnnotationKind.GOLD)
    gold_uses: Counter[int] = Counter()
    for model in (Span, Stance):
        gold_uses.update(
            dict(
                model.objects.filter(annotation__in=gold)
                .order_by()
                .values("label_id")
                .annotate(n=Count("pk"))
                .values_list("label_id", "n")
            )
        )
    labels = list(Label.objects.filter(project=project))
    for label in labels:
        # Read by the dashboard template beside the label's own fields.
        label.submitted_uses = submitted_uses.get(label.name, 0)  # type: ignore[attr-defined]
        label.gold_uses = gold_uses[label.pk]  # type: ignore[attr-defined]
    return labels


@dataclass
class BackgroundWork:
    """The workers shared by every project, as the dashboard shows them."""

    workers: list[str]  # ids of the workers that beat recently: busy with a job or a release
    waiting: int  # tasks in the queue that no worker has taken yet
    stalled: int  # this project's jobs and releases whose worker died, queued again


def background_work(*, project: Project) -> BackgroundWork:
    """Return the live workers, the queue's length and the project's stalled runs (4 queries)."""
    since = timezone.now() - timedelta(seconds=stalled_after_seconds())
    workers: set[str] = set()
    for model, running in ((ImportJob, ImportJobStatus.RUNNING), (Release, ReleaseStatus.BUILDING)):
        beating = model.objects.filter(status=running, heartbeat_at__gte=since).exclude(worker="")
        workers.update(beating.values_list("worker", flat=True).distinct())
    stalled = ImportJob.objects.filter(project=project, status=ImportJobStatus.STALLED).count()
    stalled += Release.objects.filter(project=project, status=ReleaseStatus.STALLED).count()
    return BackgroundWork(
        workers=sorted(workers),
        waiting=DBTaskResult.objects.ready().count(),
        stalled=stalled,
    )
