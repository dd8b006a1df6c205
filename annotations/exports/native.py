"""The native export row: one document with one annotation's content, as a JSON-ready dict.

Every format renders these rows (``jsonl`` writes them as they are) and a release's snapshot
file is made of them, so this shape is the contract between the export selector and the
renderers::

    {"id", "external_id", "text", "meta", "entities", "claims", "sentences", "stances",
     "relations", "document_labels",
     then "annotators" and "reviewed_by" (gold) or "annotator" (submitted work)}

A span item (entity, claim, sentence) is ``{"id", "start", "end", "label", "text",
"attributes"}``, ``id`` the span's id, which relations name: a relation is ``{"label",
"source", "target", "attributes"}`` with ``source`` and ``target`` span ids of the same row.
A claim adds ``checkworthy`` and ``claimant``, and ``record`` when it has a claim record
(``normalized_text``, ``claim_date``, ``claim_type``, ``verdict``, ``justification``,
``evidence``: docs/fact-checking.md); a sentence (a sentence unit's span) adds
``unit`` (the sentence's number in the document) and ``score`` (a model's, or null); a
stance is ``{"target", "label", "holder", "evidence", "attributes"}``. ``document_labels``
maps each label group's name to the names of the labels given in it (a list, in the
project's order, even in a single-choice group). ``attributes`` is an object on every item
(``{}`` when the item has none).

Shaping is pure: ``selectors.export_batches`` reads the exported annotations as plain values
(``ExportedAnnotation``: the document, then the spans and stances as parallel sequences) and
hands them here; nothing here touches the database. Invariants:

- Entities and claims keep the order they were read in (by start, end, id); stances too (by id).
- A label filtered out of the export (``ExportContext.wanted``) drops the spans, stances,
  relations and document labels that carry it, but a dropped span can still be pointed at
  as a claimant, holder or evidence; a relation one of whose ends is dropped is dropped too.
- A reference (claimant, holder, evidence) to a span the annotation does not have is None.
- Every ``text`` is the document's text at the item's code-point offsets.
"""

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson

from annotations.models import Project
from annotations.selectors.claims import claim_records_of_project
from annotations.selectors.exports import (
    EXPORT_BATCH,
    EXPORT_GOLD,
    EXPORT_SUBMITTED,
    NO_ATTRIBUTES,
    ExportContext,
    ExportedAnnotation,
    export_batches,
)


def export_rows(
    *,
    project: Project,
    include: str = EXPORT_GOLD,
    labels: Collection[str] | None = None,
    statuses: Collection[str] | None = None,
    batch_size: int = EXPORT_BATCH,
) -> Iterator[dict[str, Any]]:
    """Yield the project's export rows (the native JSONL shape) in document id order."""
    records: dict[int, dict[str, Any]] | None = None
    for batch, context in export_batches(
        project=project, include=include, labels=labels, statuses=statuses, batch_size=batch_size
    ):
        if records is None and any(
            label_id in context.claim_labels
            for annotation in batch
            for label_id in annotation.span_labels or ()
        ):
            # Read once, inside the export's snapshot, at the first batch with claims: one
            # query more (two when any claim has a record) whatever the number of batches.
            # Records are people's work, far fewer than spans: held for the whole export.
            records = claim_records_of_project(project_id=project.pk)
        yield from native_rows(batch, context, records)


def native_rows(
    batch: Iterable[ExportedAnnotation],
    context: ExportContext,
    records: Mapping[int, dict[str, Any]] | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield the batch's rows, one per exported annotation, in the order read."""
    for annotation in batch:
        yield native_row(annotation, context, records)


def native_row(
    annotation: ExportedAnnotation,
    context: ExportContext,
    records: Mapping[int, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Shape one row: the document with one of its annotations' content.

    ``records``: claim records (``selectors.claim_record_json``) by span id; a claim that has
    one carries it as ``record`` (without its ``span``).
    """
    text = annotation.text
    row = {
        "id": annotation.document_id,
        "external_id": annotation.external_id,
        "text": text,
        # meta as its JSON text, parsed by orjson: several times faster than json.loads,
        # which the JSONField would use for every document.
        "meta": orjson.loads(annotation.meta_json),
        **_content(text, annotation, context, records or {}),
    }
    if context.include == EXPORT_SUBMITTED:
        row["annotator"] = annotation.annotator
    else:
        row["annotators"] = sorted(annotation.authors or ())
        row["reviewed_by"] = annotation.reviewed_by
    return row


def _attributes(values: Sequence[str] | None, at: int) -> dict[str, Any]:
    """The attributes of the ``at``-th item (JSON text; most items have none)."""
    if values is None or values[at] == NO_ATTRIBUTES:
        return {}
    found: dict[str, Any] = orjson.loads(values[at])
    return found


def _content(
    text: str,
    annotation: ExportedAnnotation,
    context: ExportContext,
    records: Mapping[int, dict[str, Any]],
) -> dict[str, Any]:
    names, wanted, claim_labels = context.names, context.wanted, context.claim_labels
    sentence_labels = context.sentence_labels
    entities: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    sentences: list[dict[str, Any]] = []
    exported_stances: list[dict[str, Any]] = []
    span_ids = annotation.span_ids or ()
    starts, ends = annotation.starts or (), annotation.ends or ()
    labels = annotation.span_labels or ()
    exported_ids: set[int] = set()
    # A span's position by its id, built only for an annotation whose items point at spans.
    where: dict[int, int] | None = None
    for at, label_id in enumerate(labels):
        if wanted is not None and label_id not in wanted:
            continue
        start, end = starts[at], ends[at]
        item: dict[str, Any] = {
            "id": span_ids[at],
            "start": start,
            "end": end,
            "label": names[label_id],
            "text": text[start:end],
            "attributes": _attributes(annotation.span_attributes, at),
        }
        exported_ids.add(span_ids[at])
        if label_id in sentence_labels:
            item["unit"] = annotation.units[at] if annotation.units else None
            item["score"] = annotation.scores[at] if annotation.scores else None
            sentences.append(item)
        elif label_id in claim_labels:
            checkworthy = annotation.checkworthy[at] if annotation.checkworthy else ""
            item["checkworthy"] = checkworthy or None
            claimant_id = annotation.claimants[at] if annotation.claimants else None
            if claimant_id is not None:
                if where is None:
                    where = {pk: n for n, pk in enumerate(span_ids)}
                item["claimant"] = _ref(text, where.get(claimant_id), starts, ends)
            else:
                claimant_text = annotation.claimant_texts[at] if annotation.claimant_texts else ""
                item["claimant"] = {"text": claimant_text} if claimant_text else None
            record = records.get(span_ids[at])
            if record is not None:
                item["record"] = {key: value for key, value in record.items() if key != "span"}
            claims.append(item)
        else:
            entities.append(item)
    if annotation.stance_targets:
        if where is None:
            where = {pk: n for n, pk in enumerate(span_ids)}
        for at, (target_id, label_id, holder_id, evidence_id) in enumerate(
            zip(
                annotation.stance_targets,
                annotation.stance_labels or (),
                annotation.holders or (),
                annotation.evidence or (),
                strict=True,
            )
        ):
            if wanted is not None and label_id not in wanted:
                continue
            evidence = None
            if evidence_id is not None and (found := where.get(evidence_id)) is not None:
                evidence = {**_span(text, found, starts, ends), "label": names[labels[found]]}
            holder = None if holder_id is None else where.get(holder_id)
            exported_stances.append(
                {
                    "target": context.targets[target_id],
                    "label": names[label_id],
                    "holder": None if holder is None else _ref(text, holder, starts, ends),
                    "evidence": evidence,
                    "attributes": _attributes(annotation.stance_attributes, at),
                }
            )
    return {
        "entities": entities,
        "claims": claims,
        "sentences": sentences,
        "stances": exported_stances,
        "relations": _relations(annotation, context, exported_ids),
        "document_labels": _document_labels(annotation, context),
    }


def _relations(
    annotation: ExportedAnnotation, context: ExportContext, exported_ids: set[int]
) -> list[dict[str, Any]]:
    """The relations whose label is exported and both of whose ends are."""
    found = []
    for at, (label_id, source, target) in enumerate(
        zip(
            annotation.relation_labels or (),
            annotation.relation_sources or (),
            annotation.relation_targets or (),
            strict=True,
        )
    ):
        if context.wanted is not None and label_id not in context.wanted:
            continue
        if source not in exported_ids or target not in exported_ids:
            continue
        found.append(
            {
                "label": context.names[label_id],
                "source": source,
                "target": target,
                "attributes": _attributes(annotation.relation_attributes, at),
            }
        )
    return found


def _document_labels(
    annotation: ExportedAnnotation, context: ExportContext
) -> dict[str, list[str]]:
    """The document labels given, by group name, each group's in the project's label order."""
    found: dict[str, list[str]] = {}
    for label_id in sorted(annotation.document_labels or ()):
        if context.wanted is not None and label_id not in context.wanted:
            continue
        found.setdefault(context.groups.get(label_id, ""), []).append(context.names[label_id])
    return found


def _ref(
    text: str, at: int | None, starts: Sequence[int], ends: Sequence[int]
) -> dict[str, Any] | None:
    """A span another item points at (claimant, holder, evidence), by its offsets and text."""
    return None if at is None else _span(text, at, starts, ends)


def _span(text: str, at: int, starts: Sequence[int], ends: Sequence[int]) -> dict[str, Any]:
    start, end = starts[at], ends[at]
    return {"start": start, "end": end, "text": text[start:end]}
