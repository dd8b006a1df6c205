"""Pre-annotations written as annotations with a history: imported gold, and attached duplicates.

A new document's pre-annotations are stored in bulk as its ``prediction`` (storage). These
go through the annotation services instead, so each write bumps the annotation's version and
logs an event (who, before, after) like any edit, and gold can be reverted in review:

- ``as=gold``: the spans and stances become the document's gold annotation, written by
  ``annotation_replace_content`` exactly as building gold writes it.
- ``on_duplicate=attach``: a line whose text the project already holds puts its
  pre-annotations onto that document. As a prediction, they replace the document's
  prediction (machine output, kept in the history) and the report says so. As gold, they go
  in only where there is no gold yet or an empty one still in progress: gold with content
  is a reviewer's work and is never overwritten; the report says it was left alone.

Labels and targets are looked up by id within the project, as the preparation found them.
"""

from django.contrib.auth.models import User
from django.db import transaction

from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    Label,
    StanceTarget,
)
from annotations.services.annotating import SpanItem, StanceItem, annotation_replace_content
from annotations.services.ingest.records import (
    AS_GOLD,
    WARN_GOLD_KEPT,
    WARN_NOT_ATTACHED,
    WARN_PREDICTION_REPLACED,
    Prepared,
)
from annotations.services.review import gold_for


def gold_write(*, document: Document, item: Prepared, actor: User | None) -> Annotation:
    """Make the item's spans and stances the document's gold, logged as a gold edit."""
    gold, _ = gold_for(document)
    spans, stances = _body(item)
    annotation_replace_content(annotation=gold, spans=spans, stances=stances, actor=actor)
    return gold


def attach(
    *, document_id: int, item: Prepared, annotate_as: str, actor: User | None
) -> tuple[str | None, list[str]]:
    """Put a duplicate line's pre-annotations onto the document that has its text.

    Returns what they became ("prediction", "gold" or None: nothing attached) and the
    warnings to report for the line.
    """
    if not item.spans and not item.stances:
        return None, []
    kind = AnnotationKind.GOLD if annotate_as == AS_GOLD else AnnotationKind.PREDICTION
    with transaction.atomic():
        document = Document.objects.select_related("project").get(pk=document_id)
        existing = document.annotations.filter(kind=kind).first()
        refusal = _refusal(existing)
        if refusal is not None:
            return None, [refusal]
        if kind == AnnotationKind.GOLD:
            gold_write(document=document, item=item, actor=actor)
            return AS_GOLD, []
        notes = [] if existing is None else [_replaced(existing)]
        if existing is None:
            existing = Annotation.objects.create(document=document, kind=kind)
        spans, stances = _body(item)
        annotation_replace_content(annotation=existing, spans=spans, stances=stances, actor=actor)
    return str(kind), notes


def _refusal(existing: Annotation | None) -> str | None:
    """Why the document's annotation of this kind must be left alone, or None."""
    if existing is None:
        return None
    if existing.status != AnnotationStatus.IN_PROGRESS:
        return WARN_NOT_ATTACHED.format(
            document=existing.document_id, kind=existing.kind, status=existing.status
        )
    if existing.kind == AnnotationKind.GOLD and (
        existing.spans.exists() or existing.stances.exists()
    ):
        return WARN_GOLD_KEPT.format(document=existing.document_id, version=existing.version)
    return None


def _replaced(prediction: Annotation) -> str:
    return WARN_PREDICTION_REPLACED.format(
        document=prediction.document_id,
        spans=prediction.spans.count(),
        stances=prediction.stances.count(),
    )


def _body(item: Prepared) -> tuple[list[SpanItem], list[StanceItem]]:
    """The item's spans and stances as a bulk body (labels and targets by name)."""
    label_ids = {span.label_id for span in item.spans}
    label_ids |= {stance.label_id for stance in item.stances}
    labels = dict(Label.objects.filter(pk__in=label_ids).values_list("id", "name"))
    targets = dict(
        StanceTarget.objects.filter(
            pk__in={stance.target_id for stance in item.stances}
        ).values_list("id", "name")
    )
    spans: list[SpanItem] = []
    for span in item.spans:
        body: SpanItem = {"label": labels[span.label_id], "start": span.start, "end": span.end}
        if span.claimant is not None:
            body["claimant"] = span.claimant
        if span.claimant_text:
            body["claimant_text"] = span.claimant_text
        if span.checkworthy:
            body["checkworthy"] = span.checkworthy
        spans.append(body)
    stances: list[StanceItem] = [
        {
            "target": targets[stance.target_id],
            "label": labels[stance.label_id],
            "holder": stance.holder,
            "evidence": stance.evidence,
        }
        for stance in item.stances
    ]
    return spans, stances
