"""The annotator's queue: hand each caller their next document, atomically.

The caller first gets back their own work in progress; otherwise the first document (by id)
that they have never had and that fewer than ``project.annotators_per_document`` people have
(``selectors.document_queue_for_user`` holds that rule). Every manual annotation takes a place,
whatever its status; so does one opened directly through ``POST /api/documents/{d}/annotations/``.
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

On SQLite ``select_for_update`` does nothing: the IMMEDIATE transaction takes the database's
write lock at BEGIN, so queue calls (like every writer) already run one at a time.
"""

from django.contrib.auth.models import User
from django.db import transaction

from annotations import selectors
from annotations.errors import NotFound
from annotations.models import Annotation, AnnotationKind, AnnotationStatus, Membership, Project
from annotations.services.annotating import annotation_get_or_create

NOT_A_MEMBER = "You are not a member of this project."


@transaction.atomic
def document_assign_next(*, project: Project, user: User) -> Annotation | None:
    """Return the user's next annotation in the project (creating it), or None when done."""
    member = (
        Membership.objects.select_for_update()
        .filter(project=project, user=user)
        .values_list("pk", flat=True)
        .first()
    )
    if member is None:
        raise NotFound(NOT_A_MEMBER)
    current = (
        Annotation.objects.filter(
            document__project=project,
            author=user,
            kind=AnnotationKind.MANUAL,
            status=AnnotationStatus.IN_PROGRESS,
        )
        .select_related("document")
        .order_by("document_id", "id")
        .first()
    )
    if current is not None:
        return current
    passed_over: list[int] = []
    while True:
        candidates = selectors.document_queue_for_user(project=project, user=user)
        if passed_over:
            candidates = candidates.exclude(pk__in=passed_over)
        document = candidates.select_for_update(skip_locked=True, no_key=True).first()
        if document is None:
            return None
        if _annotators(document.pk) < project.annotators_per_document:
            annotation, _created = annotation_get_or_create(document=document, author=user)
            return annotation
        passed_over.append(document.pk)


def _annotators(document_id: int) -> int:
    """Count the document's manual annotations now, under its row lock."""
    return Annotation.objects.filter(document_id=document_id, kind=AnnotationKind.MANUAL).count()
