"""Claim records through a bulk replace: carried to the same claim, or the replace refuses.

A bulk replace deletes every span and inserts the new ones, so a claim record (on its span,
deleted with it) would be lost silently. Instead a record moves to the new span of the same
label and offsets, and a record whose claim does not survive makes the replace refuse
(``CLAIM_RECORD_LOST``, under ``spans``) before anything is written. Writing a record
through its own endpoint is ``services.claims``.
"""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from annotations import selectors
from annotations.errors import InvalidInput
from annotations.models import ClaimEvidence, ClaimRecord, Span

NOT_A_DATE = "Expected a date as YYYY-MM-DD, not {value!r}."
CLAIM_RECORD_LOST = (
    "Span {span} ({label} at [{start}, {end})) has a claim record (verdict {verdict!r}) and "
    "the new content has no claim with that label and offsets: keep the claim, or delete its "
    "record first (DELETE /api/spans/{span}/claim-record/)."
)

Errors = dict[str, list[str]]


def claim_records_carry(
    *, old_spans: Iterable[Span], new_places: Mapping[tuple[int, int, int], int]
) -> list[tuple[dict[str, Any], int]]:
    """The records of ``old_spans`` and the index of the new span each moves to.

    ``new_places`` maps (label id, start, end) to the index of the new span there. A record
    with no such span is refused (``spans``: ``CLAIM_RECORD_LOST``), never dropped.
    """
    old = {span.pk: span for span in old_spans}
    records = selectors.claim_records_of_spans(span_ids=old)
    carried: list[tuple[dict[str, Any], int]] = []
    errors: Errors = {}
    for span_id, record in sorted(records.items()):
        span = old[span_id]
        index = new_places.get((span.label_id, span.start, span.end))
        if index is None:
            message = CLAIM_RECORD_LOST.format(
                span=span_id,
                label=span.label.name,
                start=span.start,
                end=span.end,
                verdict=record["verdict"],
            )
            errors.setdefault("spans", []).append(message)
        else:
            carried.append((record, index))
    if errors:
        raise InvalidInput(errors)
    return carried


def claim_records_restore(*, carried: list[tuple[dict[str, Any], int]], spans: list[Span]) -> None:
    """Write carried records (as ``claim_records_carry`` read them) onto the new spans.

    No event: the bulk replace's own event says what happened to the spans, and each record
    is the same as before, on the span of the same label and offsets.
    """
    for record_json, index in carried:
        record = ClaimRecord.objects.create(
            span=spans[index],
            normalized_text=record_json["normalized_text"],
            claim_date=iso_date(record_json["claim_date"], "claim_date", {}),
            claim_type=record_json["claim_type"],
            verdict=record_json["verdict"],
            justification=record_json["justification"],
        )
        ClaimEvidence.objects.bulk_create(
            _evidence_row(item, record, position)
            for position, item in enumerate(record_json["evidence"])
        )


def _evidence_row(item: dict[str, Any], record: ClaimRecord, position: int) -> ClaimEvidence:
    if item.get("document") is not None:
        return ClaimEvidence(
            record=record,
            document_id=item["document"],
            start=item["start"],
            end=item["end"],
            text=item["text"],
            position=position,
        )
    return ClaimEvidence(
        record=record,
        url=item["url"],
        title=item["title"],
        published=iso_date(item["published"], "published", {}),
        position=position,
    )


def iso_date(value: object, path: str, errors: Errors) -> datetime.date | None:
    """A date given as YYYY-MM-DD (or a date); records ``NOT_A_DATE`` under ``path``."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    errors.setdefault(path, []).append(NOT_A_DATE.format(value=value))
    return None
