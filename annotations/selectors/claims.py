"""Claim records: a claim span's verdict and evidence, read as plain JSON.

``claim_record_json`` is the one shape of a record: the API answers it, the event log keeps
it (``before``/``after``), and the exports render from it. Dates are ISO strings.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch

from annotations.claim_agreement import ClaimJudgement
from annotations.models import AnnotationKind, AnnotationStatus, ClaimEvidence, ClaimRecord, Span


def evidence_json(evidence: ClaimEvidence) -> dict[str, Any]:
    """A passage ``{document, start, end, text}`` or a source ``{url, title, published}``."""
    if evidence.document_id is not None:
        return {
            "document": evidence.document_id,
            "start": evidence.start,
            "end": evidence.end,
            "text": evidence.text,
        }
    return {
        "url": evidence.url,
        "title": evidence.title,
        "published": None if evidence.published is None else evidence.published.isoformat(),
    }


def claim_record_json(record: ClaimRecord) -> dict[str, Any]:
    """The record with its evidence in order (prefetch ``evidence`` for many records)."""
    return {
        "span": record.span_id,
        "normalized_text": record.normalized_text,
        "claim_date": None if record.claim_date is None else record.claim_date.isoformat(),
        "claim_type": record.claim_type,
        "verdict": record.verdict,
        "justification": record.justification,
        "evidence": [evidence_json(item) for item in record.evidence.all()],
    }


def claim_record_get(*, span_id: int) -> ClaimRecord | None:
    """The span's record with its evidence, or None."""
    return (
        ClaimRecord.objects.filter(span_id=span_id)
        .prefetch_related(Prefetch("evidence", ClaimEvidence.objects.order_by("position", "id")))
        .first()
    )


def claim_records_of_spans(*, span_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The records of these spans as JSON, by span id (two queries whatever their number)."""
    records = ClaimRecord.objects.filter(span_id__in=list(span_ids)).prefetch_related(
        Prefetch("evidence", ClaimEvidence.objects.order_by("position", "id"))
    )
    return {record.span_id: claim_record_json(record) for record in records}


def claim_records_of_annotation(*, annotation_id: int) -> dict[int, dict[str, Any]]:
    """Every record on the annotation's spans, by span id."""
    records = ClaimRecord.objects.filter(span__annotation_id=annotation_id).prefetch_related(
        Prefetch("evidence", ClaimEvidence.objects.order_by("position", "id"))
    )
    return {record.span_id: claim_record_json(record) for record in records}


def claim_records_of_project(*, project_id: int) -> dict[int, dict[str, Any]]:
    """Every claim record of the project, by span id (two queries; one when there is none)."""
    records = ClaimRecord.objects.filter(span__annotation__document__project_id=project_id)
    records = records.prefetch_related(
        Prefetch("evidence", ClaimEvidence.objects.order_by("position", "id"))
    )
    return {record.span_id: claim_record_json(record) for record in records}


def claim_records_of_document(*, document_id: int) -> dict[int, dict[str, Any]]:
    """Every record on the spans of the document's annotations, by span id."""
    records = ClaimRecord.objects.filter(span__annotation__document_id=document_id)
    records = records.prefetch_related(
        Prefetch("evidence", ClaimEvidence.objects.order_by("position", "id"))
    )
    return {record.span_id: claim_record_json(record) for record in records}


def claim_judgements(*, project_id: int) -> list[ClaimJudgement]:
    """Every claim record of the project's submitted manual work, as agreement compares them.

    Two queries (the records, their evidence) whatever the project's size.
    """
    records = (
        ClaimRecord.objects.filter(
            span__annotation__document__project_id=project_id,
            span__annotation__kind=AnnotationKind.MANUAL,
            span__annotation__status=AnnotationStatus.SUBMITTED,
        )
        .select_related("span__label", "span__annotation__author")
        .prefetch_related("evidence")
    )
    found = []
    for record in records:
        span = record.span
        author = span.annotation.author
        found.append(
            ClaimJudgement(
                claim=(span.annotation.document_id, span.label.name, span.start, span.end),
                annotator=author.username if author is not None else "",
                verdict=record.verdict,
                evidence=frozenset(
                    ("url", item.url) if item.url else (item.document_id, item.start, item.end)
                    for item in record.evidence.all()
                ),
            )
        )
    return found


def span_annotation_id(*, span_id: int) -> int | None:
    """The annotation a span belongs to (None: no such span); the caller checks access."""
    return Span.objects.filter(pk=span_id).values_list("annotation_id", flat=True).first()
