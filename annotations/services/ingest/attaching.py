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

The bulk replace takes the entity and claim spans with their attributes (and claimants,
check-worthiness), the stances with theirs, the relations between those spans and the
document labels: all of them are in the annotation's ``content_replaced`` event, so the
history shows them and a revert of the import takes them out again. What it cannot take is
written by ``_extras_write`` right after, in the same transaction: sentence spans (the bulk
replace refuses them outside a sentence-units project, which a file may carry), the relations
touching them, and spans' scores. Only those are missing from the event; an import that
carries any of them is reverted as "changed since", which is refused.
"""

from typing import cast

from django.contrib.auth.models import User
from django.db import transaction

from annotations import rules
from annotations.errors import InvalidInput
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    Label,
    Relation,
    Span,
    StanceTarget,
)
from annotations.services.annotating import (
    RelationItem,
    SpanItem,
    StanceItem,
    annotation_replace_content,
)
from annotations.services.claims import claim_record_write
from annotations.services.ingest.records import (
    AS_GOLD,
    WARN_GOLD_KEPT,
    WARN_NOT_ATTACHED,
    WARN_PREDICTION_REPLACED,
    WARN_RECORD_REFUSED,
    Prepared,
)
from annotations.services.queue_scores import queue_scores_refresh
from annotations.services.review import gold_for


def gold_write(*, document: Document, item: Prepared, actor: User | None) -> Annotation:
    """Make the item's spans and stances the document's gold, logged as a gold edit."""
    gold, _ = gold_for(document)
    _replace(gold, item, actor)
    return gold


def _replace(annotation: Annotation, item: Prepared, actor: User | None) -> None:
    """Replace the annotation's content with the item's (in the caller's transaction)."""
    # The bulk replace takes entity and claim spans; sentence spans (which nothing else
    # points at but relations) are written beside it.
    body = [n for n, span in enumerate(item.spans) if rules.takes_span_label(span.kind)]
    spans, stances, relations, document_labels = _body(item, body)
    with transaction.atomic():
        content = annotation_replace_content(
            annotation=annotation,
            spans=spans,
            stances=stances,
            relations=relations,
            document_labels=document_labels,
            actor=actor,
        )
        written: list[Span | None] = [None] * len(item.spans)
        for index, span in zip(body, content.spans, strict=True):
            written[index] = span
        text = content.annotation.document.text
        others = {
            index: Span(
                annotation=content.annotation,
                label_id=span.label_id,
                start=span.start,
                end=span.end,
                text=text[span.start : span.end],
            )
            for index, span in enumerate(item.spans)
            if written[index] is None
        }
        Span.objects.bulk_create(others.values())
        written = [others[n] if span is None else span for n, span in enumerate(written)]
        _extras_write(item, content.annotation, cast(list[Span], written), set(body))
        _records_write(item, content.annotation, cast(list[Span], written), actor)


def _records_write(
    item: Prepared, annotation: Annotation, spans: list[Span], actor: User | None
) -> None:
    """Write the claims' records (native export); one the service refuses is a warning."""
    for span, prepared in zip(spans, item.spans, strict=True):
        if prepared.record is None:
            continue
        evidence = [
            {**piece, "document": annotation.document_id}
            if isinstance(piece, dict) and "document" in piece and piece["document"] is None
            else piece
            for piece in prepared.record.get("evidence", [])
        ]
        try:
            with transaction.atomic():
                claim_record_write(
                    locked=annotation,
                    span=span,
                    body={**prepared.record, "evidence": evidence},
                    actor=actor,
                )
        except InvalidInput as refused:
            messages = "; ".join(f"{key}: {' '.join(text)}" for key, text in refused.errors.items())
            item.warnings.append(
                WARN_RECORD_REFUSED.format(start=span.start, end=span.end, messages=messages)
            )


def _extras_write(
    item: Prepared, annotation: Annotation, spans: list[Span], body: set[int]
) -> None:
    """Write what the bulk replace does not take (``body``: the spans it took): sentence
    spans' attributes and units, spans' scores, relations touching a sentence span (see the
    module doc)."""
    changed = []
    for index, (span, prepared) in enumerate(zip(spans, item.spans, strict=True)):
        beside = index not in body
        if prepared.score is not None or (
            beside and (prepared.attributes or prepared.unit is not None)
        ):
            if beside:
                span.attributes = prepared.attributes
                span.unit = prepared.unit
            span.score = prepared.score
            changed.append(span)
    if changed:
        Span.objects.bulk_update(changed, ["attribute_values", "unit", "score"])
    beside_relations = [
        relation
        for relation in item.relations
        if relation.source not in body or relation.target not in body
    ]
    if beside_relations:
        Relation.objects.bulk_create(
            Relation(
                annotation=annotation,
                label_id=relation.label_id,
                source=spans[relation.source],
                target=spans[relation.target],
                attributes=relation.attributes,
            )
            for relation in beside_relations
        )


def attach(
    *, document_id: int, item: Prepared, annotate_as: str, actor: User | None
) -> tuple[str | None, list[str]]:
    """Put a duplicate line's pre-annotations onto the document that has its text.

    Returns what they became ("prediction", "gold" or None: nothing attached) and the
    warnings to report for the line.
    """
    if not item.annotated:
        return None, []
    kind = AnnotationKind.GOLD if annotate_as == AS_GOLD else AnnotationKind.PREDICTION
    with transaction.atomic():
        document = Document.objects.select_related("project").get(pk=document_id)
        # The imported prediction (of no model version); a model's predictions are its own.
        existing = document.annotations.filter(kind=kind, model_version__isnull=True).first()
        refusal = _refusal(existing)
        if refusal is not None:
            return None, [refusal]
        if kind == AnnotationKind.GOLD:
            gold_write(document=document, item=item, actor=actor)
            return AS_GOLD, []
        notes = [] if existing is None else [_replaced(existing)]
        if existing is None:
            existing = Annotation.objects.create(document=document, kind=kind)
        _replace(existing, item, actor)
        queue_scores_refresh(project=document.project, documents=[document.pk])
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
        existing.spans.exists() or existing.stances.exists() or existing.document_labels.exists()
    ):
        return WARN_GOLD_KEPT.format(document=existing.document_id, version=existing.version)
    return None


def _replaced(prediction: Annotation) -> str:
    return WARN_PREDICTION_REPLACED.format(
        document=prediction.document_id,
        spans=prediction.spans.count(),
        stances=prediction.stances.count(),
    )


def _body(
    item: Prepared, body: list[int]
) -> tuple[list[SpanItem], list[StanceItem], list[RelationItem], list[str]]:
    """The item's spans (those at ``body``), stances, relations between those spans and
    document labels as a bulk body (labels and targets by name; claimants, holders, evidence
    and relations' ends by index in it; claimants, holders and evidence are never sentences)."""
    at = {index: position for position, index in enumerate(body)}
    label_ids = {span.label_id for span in item.spans}
    label_ids |= {stance.label_id for stance in item.stances}
    label_ids |= {relation.label_id for relation in item.relations}
    label_ids |= {label.label_id for label in item.document_labels}
    labels = dict(Label.objects.filter(pk__in=label_ids).values_list("id", "name"))
    targets = dict(
        StanceTarget.objects.filter(
            pk__in={stance.target_id for stance in item.stances}
        ).values_list("id", "name")
    )
    spans: list[SpanItem] = []
    for index in body:
        span = item.spans[index]
        written: SpanItem = {"label": labels[span.label_id], "start": span.start, "end": span.end}
        if span.claimant is not None:
            written["claimant"] = at[span.claimant]
        if span.claimant_text:
            written["claimant_text"] = span.claimant_text
        if span.checkworthy:
            written["checkworthy"] = span.checkworthy
        if span.attributes:
            written["attributes"] = span.attributes
        spans.append(written)
    stances: list[StanceItem] = [
        {
            "target": targets[stance.target_id],
            "label": labels[stance.label_id],
            "holder": None if stance.holder is None else at[stance.holder],
            "evidence": None if stance.evidence is None else at[stance.evidence],
            "attributes": stance.attributes,
        }
        for stance in item.stances
    ]
    relations: list[RelationItem] = [
        {
            "label": labels[relation.label_id],
            "source": at[relation.source],
            "target": at[relation.target],
            "attributes": relation.attributes,
        }
        for relation in item.relations
        if relation.source in at and relation.target in at
    ]
    document_labels = [labels[label.label_id] for label in item.document_labels]
    return spans, stances, relations, document_labels
