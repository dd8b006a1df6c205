"""The quality page's reads: work on documents with reviewed gold, and labels per surface string.

The maths is ``annotations.quality``'s (pure); this module only reads, a fixed number of
queries whatever the project's size: three for the gold comparison (annotations, spans,
stances), one for the consistency check (a GROUP BY over the project's spans by text, label
and author).
"""

from dataclasses import dataclass

from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet
from django.db.models.expressions import OrderBy

from annotations import builtins
from annotations.agreement import AnnotatorWork
from annotations.db import spanvalues
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    DocumentAgreement,
    LabelKind,
    Project,
    Span,
    Stance,
    stance_link_of,
)
from annotations.quality import GoldDocument, Inconsistency, inconsistencies

GOLD = "gold"  # the source name of gold in the consistency check
SUBMITTED = Q(kind=AnnotationKind.MANUAL, status=AnnotationStatus.SUBMITTED)
REVIEWED_GOLD = Q(kind=AnnotationKind.GOLD, status=AnnotationStatus.SUBMITTED)


RECENT_GOLD = 1000  # the reviewed documents compared with: the most recently reviewed


@dataclass
class GoldWork:
    """The most recently reviewed documents' work, and how many documents have reviewed gold."""

    documents: list[GoldDocument]
    reviewed: int


def gold_documents(*, project: Project, limit: int = RECENT_GOLD) -> GoldWork:
    """The ``limit`` most recently reviewed documents: their gold and submitted manual work.

    Four queries (how many reviewed, annotations, spans, stances). Bounded by ``limit``, so
    that the page costs the same on a project with 100,000 reviewed documents as with 1,000
    (comparing 2,000 documents took 3 s on a loaded two-core machine); recent work is also
    what an annotator's feedback should be about.
    """
    reviewed_gold = Annotation.objects.filter(document__project=project).filter(REVIEWED_GOLD)
    reviewed = reviewed_gold.count()
    recent = reviewed_gold.order_by(F("submitted_at").desc(nulls_last=True), "-pk").values(
        "document_id"
    )[:limit]
    compared = Annotation.objects.filter(document_id__in=recent).filter(REVIEWED_GOLD | SUBMITTED)
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
            "annotation_id",
            "start",
            "end",
            "label__name",
            "label__kind",
            spanvalues.builtin_value(builtins.CHECKWORTHY),
            "text",
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
        .values_list(
            "annotation_id",
            "target__name",
            "label__name",
            stance_link_of(OuterRef("pk"), builtins.HOLDER, "start"),
            stance_link_of(OuterRef("pk"), builtins.HOLDER, "end"),
        )
    ):
        document, work = owner[annotation_id]
        holder = None if holder_start is None else (holder_start, holder_end)
        work.stances.append((target, holder, label))
    # Gold alone (nobody's submitted work left) compares nobody.
    return GoldWork(
        documents=[document for _, document in sorted(documents.items()) if document.works],
        reviewed=reviewed,
    )


@dataclass
class Consistency:
    """Surface strings labelled with two labels or more: the first ``limit``, and how many."""

    listed: list[Inconsistency]
    total: int


def label_consistency(*, project: Project, limit: int = 50) -> Consistency:
    """The entity spans' surface strings that carry two labels or more (one query).

    Over submitted manual work and gold; see ``annotations.quality`` for how strings are
    compared. The database groups by exact text, label and author, Python folds case: SQLite's
    ``lower()`` folds ASCII only, so folding in SQL would differ between the databases. No
    COUNT(DISTINCT document): it makes the database sort every span of the project by text
    (2.8 s at 600,000 spans); the first and last document of each group are links enough.
    """
    rows = (
        Span.objects.filter(
            Q(annotation__kind=AnnotationKind.GOLD)
            | Q(
                annotation__kind=AnnotationKind.MANUAL,
                annotation__status=AnnotationStatus.SUBMITTED,
            ),
            annotation__document__project=project,
            label__kind=LabelKind.ENTITY,
        )
        .order_by()
        .values_list("text", "label__name", "annotation__author__username")
        .annotate(
            n=Count("pk"),
            first=Min("annotation__document_id"),
            last=Max("annotation__document_id"),
        )
    )
    found = inconsistencies(
        (text, label, who or GOLD, n, first, last) for text, label, who, n, first, last in rows
    )
    return Consistency(listed=found[:limit], total=len(found))


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
