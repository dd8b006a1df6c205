"""The review pages' reads: a document's work side by side, and the queue of documents to review.

Invariants: predictions are never reviewed (only manual and gold annotations are read here);
a document's review state comes from its gold alone (``REVIEW_STATES``); a document's
agreement is the mean pairwise exact-match F1 of its submitted annotations' items (``Counts``
from ``annotations.agreement``, the one place that F1 is computed), two items matching when
they are the same item by ``annotations.items``, the one definition gold building uses too.
Every read costs a fixed number of queries, whatever the number of documents, annotators and
spans.
"""

from dataclasses import dataclass
from itertools import combinations
from typing import Any

from django.db.models import Prefetch

from annotations import items
from annotations.agreement import Counts
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    Project,
    Span,
    Stance,
)


def review_annotations(*, document: Document) -> list[Annotation]:
    """Return the document's manual and gold annotations with authors, spans and stances.

    Three queries whatever the number of annotators and spans.
    """
    return list(
        Annotation.objects.filter(document=document)
        .exclude(kind=AnnotationKind.PREDICTION)
        .select_related("author")
        .prefetch_related(
            Prefetch("spans", Span.objects.select_related("label")),
            Prefetch("stances", Stance.objects.select_related("target", "label")),
        )
        .order_by("id")
    )


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
    disagreements: int  # items (spans, stances; annotations.items) not every annotator has
    gold_status: str | None  # None (no gold), in_progress, submitted


def review_queue(
    *,
    project: Project,
    state: str | None = None,
    annotator: str | None = None,
    label: str | None = None,
) -> list[ReviewRow]:
    """Return the project's documents with submitted work, lowest agreement first.

    A document's agreement is the mean, over each pair of its submitted annotations, of the
    exact-match F1 of their items, matched as ``annotations.items.same_item`` says: a span by
    label, offsets, claimant (its offsets or free text) and check-worthiness; a stance by
    target, holder's offsets, value and evidence's offsets. A claim with another claimant or
    check-worthiness, or a stance with other evidence, is a disagreement. A pair that marked
    nothing at all agrees fully. Documents with one submitted annotation have no agreement
    and come last. Four queries whatever the size.
    """
    submitted = Annotation.objects.filter(
        document__project=project, kind=AnnotationKind.MANUAL, status=AnnotationStatus.SUBMITTED
    )
    # annotation id -> (document id, author); per document: each author's items and labels.
    owner: dict[int, tuple[int, str]] = {}
    documents: dict[int, dict[str, Any]] = {}
    for pk, document_id, username, external_id in submitted.order_by("pk").values_list(
        "pk", "document_id", "author__username", "document__external_id"
    ):
        owner[pk] = (document_id, username)
        row = documents.setdefault(
            document_id, {"external_id": external_id, "items": {}, "labels": set()}
        )
        row["items"][username] = set()
    spans = Span.objects.filter(annotation__in=submitted).values_list(
        "annotation_id",
        "label__name",
        "start",
        "end",
        "claimant__start",
        "claimant__end",
        "claimant_text",
        "checkworthy",
    )
    for values in spans:
        (
            annotation_id,
            name,
            start,
            end,
            claimant_start,
            claimant_end,
            claimant_text,
            checkworthy,
        ) = values
        document_id, username = owner[annotation_id]
        item = items.span_item(
            label=name,
            start=start,
            end=end,
            claimant=_offsets(claimant_start, claimant_end),
            claimant_text=claimant_text,
            checkworthy=checkworthy,
        )
        documents[document_id]["items"][username].add(item)
        documents[document_id]["labels"].add(name)
    stances = Stance.objects.filter(annotation__in=submitted).values_list(
        "annotation_id",
        "target_id",
        "label__name",
        "holder__start",
        "holder__end",
        "evidence__start",
        "evidence__end",
    )
    for stance_values in stances:
        annotation_id, target_id, name, holder_start, holder_end, evidence_start, evidence_end = (
            stance_values
        )
        document_id, username = owner[annotation_id]
        stance = items.stance_item(
            target=target_id,
            label=name,
            holder=_offsets(holder_start, holder_end),
            evidence=_offsets(evidence_start, evidence_end),
        )
        documents[document_id]["items"][username].add(stance)
        documents[document_id]["labels"].add(name)
    gold = dict(
        Annotation.objects.filter(document__project=project, kind=AnnotationKind.GOLD).values_list(
            "document_id", "status"
        )
    )
    rows = []
    for document_id, row in documents.items():
        gold_status = gold.get(document_id)
        if not _review_state_matches(state, gold_status):
            continue
        if annotator is not None and annotator not in row["items"]:
            continue
        if label is not None and label not in row["labels"]:
            continue
        each = list(row["items"].values())  # each annotator's set of items
        rows.append(
            ReviewRow(
                document_id=document_id,
                external_id=row["external_id"],
                annotators=sorted(row["items"]),
                agreement=_mean_pairwise_f1(each),
                disagreements=len(set().union(*each) - set.intersection(*each)),
                gold_status=gold_status,
            )
        )
    rows.sort(key=lambda r: (r.agreement is None, r.agreement or 0.0, r.document_id))
    return rows


def _offsets(start: int | None, end: int | None) -> items.Offsets | None:
    """A referenced span's offsets from a left join (None when there is no such span)."""
    return None if start is None or end is None else (start, end)


def _review_state_matches(state: str | None, gold_status: str | None) -> bool:
    if state is None:
        return True
    reviewed = gold_status == AnnotationStatus.SUBMITTED
    return {
        REVIEW_REVIEWED: reviewed,
        REVIEW_NOT_REVIEWED: not reviewed,
        REVIEW_NO_GOLD: gold_status is None,
        REVIEW_IN_REVIEW: gold_status == AnnotationStatus.IN_PROGRESS,
    }[state]


def _mean_pairwise_f1(items: list[set]) -> float | None:
    if len(items) < 2:
        return None
    scores = []
    for first, second in combinations(items, 2):
        shared = len(first & second)
        f1 = Counts(shared, len(second) - shared, len(first) - shared).as_dict()["f1"]
        scores.append(1.0 if f1 is None else f1)
    return sum(scores) / len(scores)
