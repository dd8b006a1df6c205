"""Predictions: imported pre-annotations stored as each document's ``prediction`` annotation.

One plan, two writers. On PostgreSQL the annotations, spans, stances, relations and document
labels go in by COPY (``annotations.db.copy``): the ids of the annotations and spans are
drawn first (and the stances'), so a relation names its ends (a claim's claimant and a
stance's holder and evidence are built-in relations too) in the same pass, and a batch costs
the same queries whatever its number of documents and spans (four, and one more for
relations and for document labels when it has any). Elsewhere (SQLite) they go in by
``bulk_create``, the relations after the spans and stances they join. The rows stored are the
same either way (a test holds them equal); only the order of the span ids may differ, which
nothing reads.
"""

import datetime
from collections.abc import Iterator
from typing import Any

from annotations import builtins
from annotations.db.copy import copy_supported, next_ids, rows_copy
from annotations.models import Annotation, AnnotationKind, DocumentLabel, Relation, Span, Stance
from annotations.services.annotating.claimants import claimants_create
from annotations.services.annotating.stance_links import stance_links_create
from annotations.services.ingest.records import Prepared

ANNOTATION_COLUMNS = ("id", "document_id", "author_id", "kind")
SPAN_COLUMNS = (
    "id",
    "annotation_id",
    "label_id",
    "start",
    "end",
    "text",
    "attribute_values",
    "unit",
    "score",
)
# The values of SPAN_COLUMNS.
SpanRow = tuple[int, int, int, int, int, str, dict[str, Any], int | None, float | None]
STANCE_COLUMNS = ("id", "annotation_id", "target_id", "label_id", "attributes")
RELATION_COLUMNS = (
    "annotation_id",
    "label_id",
    "source_id",
    "stance_id",
    "target_id",
    "attributes",
    "builtin",
)
DOCUMENT_LABEL_COLUMNS = ("annotation_id", "label_id")


def predictions_store(items: list[tuple[Prepared, int]], *, now: datetime.datetime) -> None:
    """Store each item's spans and stances as a prediction of its document (given by id)."""
    if not items:
        return
    if copy_supported():
        _copy(items, now)
    else:
        _bulk_create(items)


def _copy(items: list[tuple[Prepared, int]], now: datetime.datetime) -> None:
    span_count = sum(len(item.spans) for item, _ in items)
    stance_count = sum(len(item.stances) for item, _ in items)
    drawn = next_ids({Annotation: len(items), Span: span_count, Stance: stance_count})
    annotation_ids = drawn[Annotation]
    rows_copy(
        Annotation,
        ANNOTATION_COLUMNS,
        (
            (pk, document_id, None, AnnotationKind.PREDICTION.value)
            for pk, (_, document_id) in zip(annotation_ids, items, strict=True)
        ),
        now=now,
    )
    span_ids = iter(drawn[Span])
    stance_ids = iter(drawn[Stance])
    stances: list[tuple[Any, ...]] = []
    relations: list[tuple[Any, ...]] = []
    document_labels: list[tuple[int, int]] = []
    spans: list[SpanRow] = []
    for annotation_id, (item, _) in zip(annotation_ids, items, strict=True):
        ids = [next(span_ids) for _ in item.spans]
        spans.extend(_span_rows(item, annotation_id, ids))
        for stance in item.stances:
            stance_id = next(stance_ids)
            stances.append(
                (stance_id, annotation_id, stance.target_id, stance.label_id, stance.attributes)
            )
            relations.extend(
                (annotation_id, None, None, stance_id, ids[span], {}, role)
                for role, span in (
                    (builtins.HOLDER, stance.holder),
                    (builtins.EVIDENCE, stance.evidence),
                )
                if span is not None
            )
        relations.extend(
            (
                annotation_id,
                relation.label_id,
                ids[relation.source],
                None,
                ids[relation.target],
                relation.attributes,
                "",
            )
            for relation in item.relations
        )
        relations.extend(
            (annotation_id, None, ids[index], None, ids[span.claimant], {}, builtins.CLAIMANT)
            for index, span in enumerate(item.spans)
            if span.claimant is not None
        )
        document_labels.extend((annotation_id, label.label_id) for label in item.document_labels)
    if spans:
        rows_copy(Span, SPAN_COLUMNS, spans, now=now)
    if stances:
        rows_copy(Stance, STANCE_COLUMNS, stances, now=now)
    if relations:
        rows_copy(Relation, RELATION_COLUMNS, relations, now=now)
    if document_labels:
        rows_copy(DocumentLabel, DOCUMENT_LABEL_COLUMNS, document_labels, now=now)


def _span_rows(item: Prepared, annotation_id: int, ids: list[int]) -> Iterator[SpanRow]:
    for pk, span in zip(ids, item.spans, strict=True):
        yield (
            pk,
            annotation_id,
            span.label_id,
            span.start,
            span.end,
            item.text[span.start : span.end],
            builtins.stored_values(
                span.attributes, checkworthy=span.checkworthy, claimant_text=span.claimant_text
            ),
            span.unit,
            span.score,
        )


def _bulk_create(items: list[tuple[Prepared, int]]) -> None:
    annotations = Annotation.objects.bulk_create(
        [Annotation(document_id=pk, author=None, kind=AnnotationKind.PREDICTION) for _, pk in items]
    )
    rows = {
        (position, index): Span(
            annotation=annotation,
            label_id=span.label_id,
            start=span.start,
            end=span.end,
            text=item.text[span.start : span.end],
            attribute_values=builtins.stored_values(
                span.attributes, checkworthy=span.checkworthy, claimant_text=span.claimant_text
            ),
            unit=span.unit,
            score=span.score,
        )
        for position, ((item, _), annotation) in enumerate(zip(items, annotations, strict=True))
        for index, span in enumerate(item.spans)
    }
    Span.objects.bulk_create(list(rows.values()), batch_size=1000)
    for position, (item, _) in enumerate(items):
        for index, span in enumerate(item.spans):
            if span.claimant is not None:
                rows[(position, index)].claimant = rows[(position, span.claimant)]
    claimants_create(claims=rows.values())
    stances = [
        (
            Stance(
                annotation=annotation,
                target_id=stance.target_id,
                label_id=stance.label_id,
                attributes=stance.attributes,
            ),
            None if stance.holder is None else rows[(position, stance.holder)],
            None if stance.evidence is None else rows[(position, stance.evidence)],
        )
        for position, ((item, _), annotation) in enumerate(zip(items, annotations, strict=True))
        for stance in item.stances
    ]
    if stances:
        Stance.objects.bulk_create([stance for stance, _, _ in stances], batch_size=1000)
        for stance, holder, evidence in stances:
            stance.holder, stance.evidence = holder, evidence
        stance_links_create(stances=[stance for stance, _, _ in stances])
    relations = [
        Relation(
            annotation=annotation,
            label_id=relation.label_id,
            source=rows[(position, relation.source)],
            target=rows[(position, relation.target)],
            attributes=relation.attributes,
        )
        for position, ((item, _), annotation) in enumerate(zip(items, annotations, strict=True))
        for relation in item.relations
    ]
    if relations:
        Relation.objects.bulk_create(relations, batch_size=1000)
    document_labels = [
        DocumentLabel(annotation=annotation, label_id=label.label_id)
        for (item, _), annotation in zip(items, annotations, strict=True)
        for label in item.document_labels
    ]
    if document_labels:
        DocumentLabel.objects.bulk_create(document_labels, batch_size=1000)
