"""A project's documents as one member sees them: with the caller's status on each.

A document is reached through the project's membership of the caller: for a non-member
``document_get_for_user`` returns None, exactly as for an id that does not exist.

The document browser narrows the list with the ``document_*`` filters below. Those that look
at other people's work (reviewed, disputed, assigned to) are for reviewers and managers only
(``access.sees_others_work``): the callers refuse them to an annotator, who works blind. What
"updated" means follows the same rule: an annotator sees when their own annotation last
changed, a reviewer when any manual or gold annotation of the document last did.
"""

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from annotations import access
from annotations.models import Annotation, AnnotationKind, AnnotationStatus, Document, Project, Span
from annotations.selectors.base import role_of, status_of


def document_list_for_user(*, user: User, project: Project) -> QuerySet[Document]:
    """Return the project's documents with the user's ``caller_status``, ``has_gold``, ``updated``.

    ``updated`` is the last change of an annotation of the document the user may see (their
    own for an annotator; any manual or gold one for a reviewer or manager), or None.
    """
    gold = Annotation.objects.filter(document=OuterRef("pk"), kind=AnnotationKind.GOLD)
    visible = Annotation.objects.filter(document=OuterRef("pk")).exclude(
        kind=AnnotationKind.PREDICTION
    )
    if not access.sees_others_work(getattr(project, "caller_role", None)):
        visible = visible.filter(author=user, kind=AnnotationKind.MANUAL)
    updated = visible.order_by("-updated_at").values("updated_at")[:1]
    return (
        Document.objects.filter(project=project)
        .defer("text", "ingestion_report")
        .annotate(caller_status=status_of(user), has_gold=Exists(gold), updated=Subquery(updated))
        .order_by("id")
    )


def document_with_annotators(documents: QuerySet[Document]) -> QuerySet[Document]:
    """Prefetch each document's manual annotations with their authors, as ``manual``.

    For reviewers and managers only: it shows who holds each document. One query per page.
    """
    manual = (
        Annotation.objects.filter(kind=AnnotationKind.MANUAL)
        .select_related("author")
        .only("document_id", "status", "author__username")
        .order_by("author__username")
    )
    return documents.prefetch_related(Prefetch("annotations", manual, to_attr="manual"))


def document_reviewed(documents: QuerySet[Document], *, reviewed: bool) -> QuerySet[Document]:
    """Keep the documents whose gold a reviewer marked reviewed (or, with False, the others)."""
    done = Annotation.objects.filter(
        document=OuterRef("pk"), kind=AnnotationKind.GOLD, status=AnnotationStatus.SUBMITTED
    )
    return documents.filter(Exists(done) if reviewed else ~Exists(done))


def document_disputed(documents: QuerySet[Document], *, disputed: bool) -> QuerySet[Document]:
    """Keep the documents on which two submitted annotations differ by a span (or the others).

    A span of one submitted manual annotation is disputed when another submitted manual
    annotation of the same document has no span with the same label and offsets. Stances and
    span attributes are compared on the review page, not here: this is a cheap first sort.
    """
    submitted = Q(annotation__kind=AnnotationKind.MANUAL) & Q(
        annotation__status=AnnotationStatus.SUBMITTED
    )
    same_span = Span.objects.filter(
        annotation=OuterRef("pk"),
        label_id=OuterRef(OuterRef("label_id")),
        start=OuterRef(OuterRef("start")),
        end=OuterRef(OuterRef("end")),
    )
    lacking = Annotation.objects.filter(
        document_id=OuterRef("annotation__document_id"),
        kind=AnnotationKind.MANUAL,
        status=AnnotationStatus.SUBMITTED,
    ).exclude(pk=OuterRef("annotation_id"))
    missing = Span.objects.filter(submitted, annotation__document=OuterRef("pk")).filter(
        Exists(lacking.filter(~Exists(same_span)))
    )
    return documents.filter(Exists(missing) if disputed else ~Exists(missing))


def document_assigned_to(documents: QuerySet[Document], *, username: str) -> QuerySet[Document]:
    """Keep the documents on which the member named ``username`` has a manual annotation."""
    theirs = Annotation.objects.filter(
        document=OuterRef("pk"), kind=AnnotationKind.MANUAL, author__username=username
    )
    return documents.filter(Exists(theirs))


def document_text_for_user(*, user: User, document_id: int) -> str | None:
    """Return the document's text alone (one query), or None for a non-member."""
    text: str | None = (
        Document.objects.filter(pk=document_id, project__memberships__user=user)
        .values_list("text", flat=True)
        .first()
    )
    return text


def document_get_for_user(
    *, user: User, document_id: int, with_text: bool = True
) -> Document | None:
    """Return the document with ``caller_role`` and ``caller_status``, or None for a non-member.

    ``with_text=False`` leaves the text unread (the annotate page fetches it on its own):
    reading ``document.text`` afterwards costs a query.
    """
    documents = Document.objects.filter(pk=document_id, project__memberships__user=user)
    if not with_text:
        documents = documents.defer("text")
    return documents.annotate(  # type: ignore[no-redef]  # see role_of
        caller_role=role_of(user, "project_id"), caller_status=status_of(user)
    ).first()
