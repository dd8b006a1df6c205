"""The annotator's queue: hand each caller their next document, atomically.

The caller first gets back their own work in progress; otherwise the first document (by id)
that they have never had and on which fewer than ``project.annotators_per_document``
annotations hold a place (``selectors.document_queue_for_user`` holds that rule). Every manual
annotation takes a place, whatever its status; so does one opened directly through
``POST /api/documents/{d}/annotations/``; one left in progress with no change for
``project.release_after_hours`` gives its place back (the document returns to the queue for
someone else) but is never deleted nor taken from its author: releasing a place writes
nothing, so no span, stance or event can be lost to it, and a late author may still finish.
A document a caller submitted or skipped is never handed to them again: their annotation stays,
and the queue only offers documents without one. Work a reviewer reopens (or a skip its author
takes back) is in progress again, so it comes back first: that is the point of reopening it.

Concurrency. On PostgreSQL two callers must not both take the last place on a document, so
each candidate ``Document`` row is locked with ``FOR NO KEY UPDATE SKIP LOCKED`` and its
annotators are counted again under the lock before the annotation is created:

- SKIP LOCKED lets a concurrent caller move on to the next document instead of queueing
  behind the first one. Under contention the order is therefore by id only roughly.
- The candidate query's snapshot predates the lock: when the row's previous holder committed
  between the two, the query still counted that holder's annotation as absent (PostgreSQL
  re-checks the WHERE clause only for rows that were updated, and nobody updates the document
  row). The re-count is a new statement, so under READ COMMITTED (Django's default) it sees
  every annotation committed before the lock was granted; a document found full is passed
  over and the next one is tried.
- NO KEY UPDATE rather than UPDATE: it excludes the other queue callers all the same, but not
  the key-share lock that inserting an annotation (or gold) for the document takes elsewhere.
- The caller's membership row is locked first, so one person's concurrent calls (a double
  click, two tabs) run one after the other and the second returns the first's document
  instead of assigning a second one.

Fairness. One annotator holds at most ``project.max_open_per_annotator`` documents in progress
(stale ones included: they are still theirs). ``document_start`` opens a document the caller
chose and refuses a new one past the limit with ``OpenLimitReached`` (a 409, ``OPEN_LIMIT``
naming the limit and the documents to finish first). The queue itself never needs to refuse:
it hands back open work before anything new, so through it the caller holds one at a time.
Both count under the caller's membership lock, so two requests racing for the last place
run one after the other and the second is refused.

On SQLite ``select_for_update`` does nothing: the IMMEDIATE transaction takes the database's
write lock at BEGIN, so queue calls (like every writer) already run one at a time.
"""

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction

from annotations import selectors
from annotations.errors import Conflict, NotFound
from annotations.models import Annotation, AnnotationKind, Document, Membership, Project
from annotations.selectors.queue import annotation_open_for_user, document_places_taken
from annotations.services.annotating import annotation_get_or_create

NOT_A_MEMBER = "You are not a member of this project."
OPEN_LIMIT = (
    "You already have {count} unfinished documents in this project, the most one annotator "
    "may hold at once ({limit}). Submit or skip one of them first: {documents}."
)


class OpenLimitReached(Conflict):
    """The caller holds ``project.max_open_per_annotator`` documents in progress already."""

    def __init__(self, *, limit: int, documents: list[int]) -> None:
        self.limit = limit
        self.documents = documents
        listed = ", ".join(f"#{document_id}" for document_id in documents)
        super().__init__(OPEN_LIMIT.format(count=len(documents), limit=limit, documents=listed))


@transaction.atomic
def document_assign_next(
    *, project: Project, user: User, now: datetime | None = None
) -> Annotation | None:
    """Return the user's next annotation in the project (creating it), or None when done."""
    _lock_member(project, user)
    current = annotation_open_for_user(project=project, user=user).first()
    if current is not None:
        return current
    passed_over: list[int] = []
    while True:
        candidates = selectors.document_queue_for_user(project=project, user=user, now=now)
        if passed_over:
            candidates = candidates.exclude(pk__in=passed_over)
        document = candidates.select_for_update(skip_locked=True, no_key=True).first()
        if document is None:
            return None
        taken = document_places_taken(project=project, document_id=document.pk, now=now)
        if taken < project.annotators_per_document:
            annotation, _created = annotation_get_or_create(document=document, author=user)
            return annotation
        passed_over.append(document.pk)


@transaction.atomic
def document_start(*, document: Document, user: User) -> tuple[Annotation, bool]:
    """Return the user's annotation of a document they chose, opening it if under the limit."""
    project = document.project
    _lock_member(project, user)
    existing = Annotation.objects.filter(
        document=document, author=user, kind=AnnotationKind.MANUAL
    ).first()
    if existing is not None:
        return existing, False
    holding = list(
        annotation_open_for_user(project=project, user=user).values_list("document_id", flat=True)
    )
    if len(holding) >= project.max_open_per_annotator:
        raise OpenLimitReached(limit=project.max_open_per_annotator, documents=holding)
    return annotation_get_or_create(document=document, author=user)


def _lock_member(project: Project, user: User) -> None:
    """Lock the caller's membership row: one person's queue calls run one after the other."""
    member = (
        Membership.objects.select_for_update()
        .filter(project=project, user=user)
        .values_list("pk", flat=True)
        .first()
    )
    if member is None:
        raise NotFound(NOT_A_MEMBER)
