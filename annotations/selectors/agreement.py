"""What agreement is computed from: every submitted manual annotation's work, per document.

The maths is ``annotations.agreement``'s (pure, over plain tuples); this module only reads.
Only documents with two or more submitted annotations are compared. A fixed number of
queries (four) whatever the project's size, filtered by joins rather than lists of ids.
"""

from collections import defaultdict

from django.db import transaction

from annotations.agreement import AnnotatorWork
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    LabelKind,
    Project,
    Span,
    Stance,
)


def agreement_inputs(*, project: Project) -> list[tuple[str, dict[str, AnnotatorWork]]]:
    """Return each document's text with every submitted manual annotation's work, by author.

    Four queries whatever the project's size (annotations, spans, stances, texts), filtered by
    joins rather than lists of ids; only documents with two or more such annotations.
    """
    submitted = {"kind": AnnotationKind.MANUAL, "status": AnnotationStatus.SUBMITTED}
    authors: dict[int, tuple[int, str]] = {}
    per_document: dict[int, int] = defaultdict(int)
    for pk, document_id, username in Annotation.objects.filter(
        document__project=project, **submitted
    ).values_list("pk", "document_id", "author__username"):
        authors[pk] = (document_id, username)
        per_document[document_id] += 1
    compared = {document_id for document_id, n in per_document.items() if n >= 2}
    works: dict[int, dict[str, AnnotatorWork]] = defaultdict(dict)
    for document_id, username in authors.values():
        if document_id in compared:
            works[document_id][username] = AnnotatorWork(entities=[], claims=[], stances=[])
    joined = {f"annotation__{key}": value for key, value in submitted.items()}
    spans = Span.objects.filter(annotation__document__project=project, **joined).values_list(
        "annotation_id", "start", "end", "label__name", "label__kind", "checkworthy"
    )
    for annotation_id, start, end, label, kind, checkworthy in spans:
        document_id, username = authors[annotation_id]
        if document_id not in compared:
            continue
        work = works[document_id][username]
        if kind == LabelKind.CLAIM:
            work.claims.append((start, end, label, checkworthy))
        else:
            work.entities.append((start, end, label))
    stances = Stance.objects.filter(annotation__document__project=project, **joined).values_list(
        "annotation_id", "target__name", "holder__start", "holder__end", "label__name"
    )
    for annotation_id, target, holder_start, holder_end, value in stances:
        document_id, username = authors[annotation_id]
        if document_id in compared:
            holder = None if holder_start is None else (holder_start, holder_end)
            works[document_id][username].stances.append((target, holder, value))
    texts = Document.objects.filter(
        pk__in=Annotation.objects.filter(document__project=project, **submitted).values(
            "document_id"
        )
    ).values_list("pk", "text")
    # One transaction, so that the iterator's server-side cursor is not held across
    # transactions (a pooler in transaction mode would lose it between fetches).
    with transaction.atomic():
        return [
            (text, works[pk])
            for pk, text in texts.order_by("pk").iterator(chunk_size=500)
            if pk in compared
        ]
