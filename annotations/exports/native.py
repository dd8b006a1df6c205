"""The native export row: one document with one annotation's content, as a JSON-ready dict.

Every format renders these rows (``jsonl`` writes them as they are) and a release's snapshot
file is made of them, so this shape is the contract between the export selector and the
renderers::

    {"id", "external_id", "text", "meta", "entities", "claims", "stances",
     then "annotators" and "reviewed_by" (gold) or "annotator" (submitted work)}

Shaping is pure: ``selectors.export_batches`` reads a batch of documents and their
annotations as plain tuples keyed by id (an ``ExportBatch``) and hands it here; nothing here
touches the database. Invariants:

- Entities and claims keep the order they were read in (by start, end, id); stances too (by id).
- A label filtered out of the export (``ExportContext.wanted``) drops the spans and stances
  that carry it, but a dropped span can still be pointed at as a claimant, holder or evidence.
- A reference (claimant, holder, evidence) to a span the annotation does not have is None.
- Every ``text`` is the document's text at the item's code-point offsets.
"""

from collections.abc import Collection, Iterator
from typing import Any

import orjson

from annotations.models import Project
from annotations.selectors.exports import (
    EXPORT_BATCH,
    EXPORT_GOLD,
    EXPORT_SUBMITTED,
    ExportBatch,
    ExportContext,
    SpanFacts,
    StanceFacts,
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
    for batch, context in export_batches(
        project=project, include=include, labels=labels, statuses=statuses, batch_size=batch_size
    ):
        yield from native_rows(batch, context)


def native_rows(batch: ExportBatch, context: ExportContext) -> Iterator[dict[str, Any]]:
    """Yield the batch's rows: per document, one per exported annotation, in the order read."""
    for document in batch.documents:
        for annotation in batch.exported.get(document[0], ()):
            yield native_row(document, annotation, batch, context)


def native_row(
    document: tuple[int, str, str, str],
    annotation: tuple[int, str | None, str | None],
    batch: ExportBatch,
    context: ExportContext,
) -> dict[str, Any]:
    """Shape one row: the document with one of its annotations' content."""
    document_id, external_id, text, meta_json = document
    annotation_id, username, reviewed_by = annotation
    row = {
        "id": document_id,
        "external_id": external_id,
        "text": text,
        # meta as its JSON text, parsed by orjson: several times faster than json.loads,
        # which the JSONField would use for every document.
        "meta": orjson.loads(meta_json),
        **_content(
            text, batch.spans.get(annotation_id, {}), batch.stances.get(annotation_id, ()), context
        ),
    }
    if context.include == EXPORT_SUBMITTED:
        row["annotator"] = username
    else:
        row["annotators"] = sorted(batch.authors.get(document_id, ()))
        row["reviewed_by"] = reviewed_by
    return row


def _content(
    text: str,
    spans: dict[int, SpanFacts],
    stances: Collection[StanceFacts],
    context: ExportContext,
) -> dict[str, list[dict[str, Any]]]:
    names, wanted, claim_labels = context.names, context.wanted, context.claim_labels
    entities, claims = [], []
    for label_id, start, end, claimant_id, claimant_text, checkworthy in spans.values():
        if wanted is not None and label_id not in wanted:
            continue
        item: dict[str, Any] = {
            "start": start,
            "end": end,
            "label": names[label_id],
            "text": text[start:end],
        }
        if label_id in claim_labels:
            item["checkworthy"] = checkworthy or None
            if claimant_id is not None:
                item["claimant"] = _ref(text, spans.get(claimant_id))
            else:
                item["claimant"] = {"text": claimant_text} if claimant_text else None
            claims.append(item)
        else:
            entities.append(item)
    exported_stances = []
    for target_id, label_id, holder_id, evidence_id in stances:
        if wanted is not None and label_id not in wanted:
            continue
        evidence = None
        if evidence_id is not None:
            evidence = _ref(text, spans.get(evidence_id))
            if evidence is not None:
                evidence["label"] = names[spans[evidence_id][0]]
        exported_stances.append(
            {
                "target": context.targets[target_id],
                "label": names[label_id],
                "holder": None if holder_id is None else _ref(text, spans.get(holder_id)),
                "evidence": evidence,
            }
        )
    return {"entities": entities, "claims": claims, "stances": exported_stances}


def _ref(text: str, span: SpanFacts | None) -> dict[str, Any] | None:
    """A span another item points at (claimant, holder, evidence), by its offsets and text."""
    if span is None:
        return None
    start, end = span[1], span[2]
    return {"start": start, "end": end, "text": text[start:end]}
