"""The review pages' reads: a document's work side by side, and the queue of documents to review.

Invariants: predictions are never reviewed (only manual and gold annotations are read here);
a document's review state comes from its gold alone (``REVIEW_STATES``); a document's
agreement is the mean pairwise exact-match F1 of its submitted annotations' items
(``annotations.agreement.mean_pairwise_f1``), two items matching when they are the same item
by ``annotations.items``, the one definition gold building uses too; it is stored when the
work changes (``services.agreement``) and the queue reads it, a page at a time.
Every read costs a fixed number of queries, whatever the number of documents, annotators and
spans.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, overload

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery

from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    DocumentAgreement,
    DocumentLabel,
    Project,
    Relation,
    Span,
    Stance,
)
from annotations.selectors.base import count_of
from annotations.selectors.claims import claim_records_of_document
from annotations.selectors.comments import open_comments


def review_annotations(*, document: Document) -> list[Annotation]:
    """Return the document's manual and gold annotations with authors, spans, stances,
    document labels and relations.

    Each carries ``claim_records`` (JSON, in span order). Six queries whatever the number of
    annotators and spans, seven when any claim has a record (its evidence).
    """
    annotations = list(
        Annotation.objects.filter(document=document)
        .exclude(kind=AnnotationKind.PREDICTION)
        .select_related("author")
        .prefetch_related(
            Prefetch("spans", Span.objects.with_claimant().select_related("label")),
            Prefetch("stances", Stance.objects.with_links().select_related("target", "label")),
            "document_labels",
            Prefetch("relations", Relation.objects.select_related("label").order_by("id")),
        )
        .order_by("id")
    )
    records = claim_records_of_document(document_id=document.pk)
    for annotation in annotations:
        annotation.claim_records = [
            records[span.pk] for span in annotation.spans.all() if span.pk in records
        ]
    return annotations


# The queue's comments filter: documents with an unresolved comment.
COMMENTS_OPEN = "open"

REVIEW_REVIEWED = "reviewed"
REVIEW_IN_REVIEW = "in_review"
REVIEW_NOT_REVIEWED = "not_reviewed"
REVIEW_NO_GOLD = "no_gold"
REVIEW_STATES = (REVIEW_NOT_REVIEWED, REVIEW_NO_GOLD, REVIEW_IN_REVIEW, REVIEW_REVIEWED)


@dataclass
class ReviewRow:
    """One submitted document in the review queue."""

    document_id: int
    external_id: str
    annotators: list[str]
    agreement: float | None  # mean pairwise F1; None with fewer than two annotators
    # Items (spans, stances, relations, document labels; annotations.items) not every
    # annotator has.
    disagreements: int
    gold_status: str | None  # None (no gold), in_progress, submitted
    open_comments: int = 0  # unresolved comments on the document, its spans and stances


class ReviewQueue:
    """The queue's rows, read a page at a time: ``len`` counts, a slice reads those rows.

    Ordered by the stored agreement (least first, documents with one annotation last, then by
    document); built for ``Paginator``, which takes ``count()`` and one slice per page.
    """

    # Any: the rows carry the annotated gold status, which the model does not declare.
    def __init__(self, rows: QuerySet[Any]) -> None:
        self._rows = rows

    def count(self) -> int:
        return self._rows.count()

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> ReviewRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[ReviewRow]: ...

    def __getitem__(self, index: int | slice) -> ReviewRow | list[ReviewRow]:
        if isinstance(index, int):
            return self._read(self._rows[index : index + 1])[0]
        return self._read(self._rows[index])

    def __iter__(self) -> Iterator[ReviewRow]:
        return iter(self._read(self._rows))

    @staticmethod
    def _read(rows: QuerySet[Any]) -> list[ReviewRow]:
        page = list(
            rows.values_list(
                "document_id",
                "document__external_id",
                "agreement",
                "disagreements",
                "gold_status",
                "open_comments",
            )
        )
        annotators: dict[int, list[str]] = {}
        for document_id, username in (
            Annotation.objects.filter(document_id__in=[row[0] for row in page], **_SUBMITTED)
            .order_by("author__username")
            .values_list("document_id", "author__username")
        ):
            annotators.setdefault(document_id, []).append(username)
        return [
            ReviewRow(
                document_id=document_id,
                external_id=external_id,
                annotators=annotators.get(document_id, []),
                agreement=agreement,
                disagreements=disagreements,
                gold_status=gold_status,
                open_comments=unresolved,
            )
            for document_id, external_id, agreement, disagreements, gold_status, unresolved in page
        ]


_SUBMITTED = {"kind": AnnotationKind.MANUAL, "status": AnnotationStatus.SUBMITTED}


def review_queue(
    *,
    project: Project,
    state: str | None = None,
    annotator: str | None = None,
    label: str | None = None,
    comments: str | None = None,
) -> ReviewQueue:
    """Return the project's documents with submitted work, lowest agreement first.

    Reads the stored agreement (``DocumentAgreement``, kept by ``services.agreement``; call
    ``project_agreement_current`` first, as the page does). A document's agreement is the
    mean, over each pair of its submitted annotations, of the exact-match F1 of their items,
    matched as ``annotations.items.same_item`` says: a span by label, offsets, claimant (its
    offsets or free text) and check-worthiness; a stance by target, holder's offsets, value
    and evidence's offsets; a relation by label and ends; a document label by label (two
    annotators who chose different labels in a group each have one the other lacks). A pair
    that marked nothing at all agrees fully. ``label`` keeps the documents where a submitted
    annotation uses that label (on a span, stance or relation, or given to the document).
    Documents with one submitted annotation have no agreement and come last. Each row counts
    the document's open (unresolved) comments; ``comments="open"`` keeps the documents that
    have one. Two queries a page (its rows, their annotators) and one to count, whatever the
    size.
    """
    submitted = Annotation.objects.filter(document=OuterRef("document_id"), **_SUBMITTED)
    rows = DocumentAgreement.objects.filter(project=project).annotate(
        gold_status=Subquery(
            Annotation.objects.filter(
                document=OuterRef("document_id"), kind=AnnotationKind.GOLD
            ).values("status")[:1]
        ),
        open_comments=count_of(open_comments(), "document"),
    )
    if comments == COMMENTS_OPEN:
        rows = rows.filter(open_comments__gt=0)
    if state is not None:
        rows = rows.filter(_REVIEW_STATE_FILTERS[state])
    if annotator is not None:
        rows = rows.filter(Exists(submitted.filter(author__username=annotator)))
    if label is not None:
        in_work = {
            "annotation__document": OuterRef("document_id"),
            **{f"annotation__{key}": value for key, value in _SUBMITTED.items()},
            "label__name": label,
        }
        rows = rows.filter(
            Exists(Span.objects.filter(**in_work))
            | Exists(Stance.objects.filter(**in_work))
            | Exists(Relation.objects.filter(**in_work))
            | Exists(DocumentLabel.objects.filter(**in_work))
        )
    ordered = rows.order_by(F("agreement").asc(nulls_last=True), "document_id")
    return ReviewQueue(ordered)


_REVIEW_STATE_FILTERS = {
    REVIEW_REVIEWED: Q(gold_status=AnnotationStatus.SUBMITTED),
    REVIEW_NOT_REVIEWED: Q(gold_status__isnull=True) | ~Q(gold_status=AnnotationStatus.SUBMITTED),
    REVIEW_NO_GOLD: Q(gold_status__isnull=True),
    REVIEW_IN_REVIEW: Q(gold_status=AnnotationStatus.IN_PROGRESS),
}
