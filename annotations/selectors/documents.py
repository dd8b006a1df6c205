"""A project's documents as one member sees them: with the caller's status on each.

A document is reached through the project's membership of the caller: for a non-member
``document_get_for_user`` returns None, exactly as for an id that does not exist.
"""

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet

from annotations.models import Annotation, AnnotationKind, Document, Project
from annotations.selectors.base import role_of, status_of


def document_list_for_user(*, user: User, project: Project) -> QuerySet[Document]:
    """Return the project's documents with the user's ``caller_status`` and ``has_gold``."""
    gold = Annotation.objects.filter(document=OuterRef("pk"), kind=AnnotationKind.GOLD)
    return (
        Document.objects.filter(project=project)
        .defer("text", "ingestion_report")
        .annotate(caller_status=status_of(user), has_gold=Exists(gold))
        .order_by("id")
    )


def document_get_for_user(*, user: User, document_id: int) -> Document | None:
    """Return the document with ``caller_role`` and ``caller_status``, or None for a non-member."""
    return (
        Document.objects.filter(pk=document_id, project__memberships__user=user)  # type: ignore[no-redef]  # see role_of
        .annotate(caller_role=role_of(user, "project_id"), caller_status=status_of(user))
        .first()
    )
