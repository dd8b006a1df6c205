"""The annotator's queue: which documents may still be handed to a user.

One rule, here only: a document qualifies when the user has no manual annotation on it and
fewer than ``project.annotators_per_document`` people have one, whatever its status.
``services.queue`` assigns from it; the progress selectors count it.
"""

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet

from annotations.models import Annotation, AnnotationKind, Document, Project
from annotations.selectors.base import manual_count


def document_queue_for_user(*, project: Project, user: User) -> QuerySet[Document]:
    """Return the documents the queue may still give the user, in document id order.

    A document qualifies when the user has no manual annotation on it and fewer than
    ``project.annotators_per_document`` people have one, whatever its status: a skip takes a
    place too, because a document one annotator cannot annotate (off-topic, unreadable) is
    usually one nobody can, and handing it on would cost every annotator in turn their time.
    """
    mine = Annotation.objects.filter(
        document=OuterRef("pk"), author=user, kind=AnnotationKind.MANUAL
    )
    return (
        Document.objects.filter(project=project)
        .filter(~Exists(mine))
        .alias(annotators=manual_count())
        .filter(annotators__lt=project.annotators_per_document)
        .order_by("id")
    )
