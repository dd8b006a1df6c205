"""The quality page's reads: work on documents with reviewed gold, and labels per surface string.

The maths is ``annotations.quality``'s (pure); this module only reads, a fixed number of
queries whatever the project's size: three for the gold comparison (annotations, spans,
stances), two for the consistency check (one GROUP BY over the project's spans by text and
label, then the documents of the strings listed).
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import OrderBy

from annotations.agreement import AnnotatorWork
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    DocumentAgreement,
    LabelKind,
    Project,
    Span,
    Stance,
)
from annotations.quality import (
    GoldDocument,
    Inconsistency,
    inconsistencies,
    link_inconsistencies,
)

GOLD = "gold"  # the source name of gold in the consistency check
SUBMITTED = Q(kind=AnnotationKind.MANUAL, status=AnnotationStatus.SUBMITTED)
REVIEWED_GOLD = Q(kind=AnnotationKind.GOLD, status=AnnotationStatus.SUBMITTED)


def gold_documents(*, project: Project) -> list[GoldDocument]:
    """Each document with reviewed gold: its gold and every submitted manual annotation's work.

    Three queries (annotations, spans, stances).
    """
    reviewed = Annotation.objects.filter(document=OuterRef("document_id")).filter(REVIEWED_GOLD)
    compared = Annotation.objects.filter(document__project=project).filter(
        REVIEWED_GOLD | (SUBMITTED & Q(Exists(reviewed)))
    )
    documents: dict[int, GoldDocument] = {}
    owner: dict[int, tuple[GoldDocument, AnnotatorWork]] = {}
    for pk, document_id, kind, username in compared.order_by("pk").values_list(
        "pk", "document_id", "kind", "author__username"
    ):
        document = documents.setdefault(
            document_id,
            GoldDocument(
                document_id=document_id,
                gold=AnnotatorWork(entities=[], claims=[], stances=[]),
                works={},
                surfaces={},
            ),
        )
        if kind == AnnotationKind.GOLD:
            owner[pk] = (document, document.gold)
        else:
            work = AnnotatorWork(entities=[], claims=[], stances=[])
            document.works[username] = work
            owner[pk] = (document, work)
    for annotation_id, start, end, label, kind, checkworthy, text in (
        Span.objects.filter(annotation__in=compared)
        .order_by()
        .values_list(
            "annotation_id", "start", "end", "label__name", "label__kind", "checkworthy", "text"
        )
    ):
        document, work = owner[annotation_id]
        document.surfaces[start, end] = text
        if kind == LabelKind.CLAIM:
            work.claims.append((start, end, label, checkworthy))
        else:
            work.entities.append((start, end, label))
    for annotation_id, target, label, holder_start, holder_end in (
        Stance.objects.filter(annotation__in=compared)
        .order_by()
        .values_list("annotation_id", "target__name", "label__name", "holder__start", "holder__end")
    ):
        document, work = owner[annotation_id]
        holder = None if holder_start is None else (holder_start, holder_end)
        work.stances.append((target, holder, label))
    # Gold alone (nobody's submitted work left) compares nobody.
    return [document for _, document in sorted(documents.items()) if document.works]


@dataclass
class Consistency:
    """Surface strings labelled with two labels or more: the first ``limit``, and how many."""

    listed: list[Inconsistency]
    total: int


def label_consistency(*, project: Project, limit: int = 50) -> Consistency:
    """The entity spans' surface strings that carry two labels or more (two queries).

    Over submitted manual work and gold; see ``annotations.quality`` for how strings are
    compared. The database groups by exact text and label, Python folds case: SQLite's
    ``lower()`` folds ASCII only, so folding in SQL would differ between the databases.
    """
    spans = Span.objects.filter(
        Q(annotation__kind=AnnotationKind.GOLD) | Q(annotation__status=AnnotationStatus.SUBMITTED),
        annotation__document__project=project,
        annotation__kind__in=[AnnotationKind.GOLD, AnnotationKind.MANUAL],
        label__kind=LabelKind.ENTITY,
    )
    rows = (
        spans.order_by()
        .values_list("text", "label__name")
        .annotate(n=Count("pk"), documents=Count("annotation__document_id", distinct=True))
    )
    found = inconsistencies(rows)
    listed = found[:limit]
    if listed:
        texts = {spelling for item in listed for spelling in item.spellings}
        where = (
            spans.filter(text__in=texts)
            .order_by()
            .values_list(
                "text", "label__name", "annotation__document_id", "annotation__author__username"
            )
            .distinct()
        )
        link_inconsistencies(listed, ((t, lbl, d, who or GOLD) for t, lbl, d, who in where))
    return Consistency(listed=listed, total=len(found))


# The per-document agreement list's orders: least agreement first by default, as the review
# queue; a document with one annotator (no agreement) comes last either way.
DOCUMENT_ORDERINGS: dict[str, tuple[str | OrderBy, ...]] = {
    "agreement": (F("agreement").asc(nulls_last=True), "document_id"),
    "-agreement": (F("agreement").desc(nulls_last=True), "document_id"),
    "disagreements": ("disagreements", "document_id"),
    "-disagreements": ("-disagreements", "document_id"),
    "document": ("document_id",),
}


def document_agreement_list(*, project: Project, ordering: str) -> QuerySet[DocumentAgreement]:
    """The project's stored per-document agreement, with each document's external id."""
    return (
        DocumentAgreement.objects.filter(project=project)
        .annotate(external_id=F("document__external_id"))
        .order_by(*DOCUMENT_ORDERINGS[ordering])
    )
