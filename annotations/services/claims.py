"""Claim records: write a claim span's record (verdict, evidence), checked as a whole.

A record is written like any change to its annotation: under the annotation's lock, with the
version checked and bumped, and one ``claim_record_changed`` event whose ``before``/``after``
are the record as ``selectors.claim_record_json`` renders it (None: no record), so history
shows it and a revert puts the old record back. Only a claim span has a record.

Evidence is a passage of a document of the project (``document``, ``start``, ``end`` in code
points, ``text`` which must be the document's text there when sent) or an external source
(``url``, ``title``, ``published``): stored as given, never fetched. Every fault is a field
error naming the path (``evidence.2.url``); nothing is written when there is one.

The bulk replace carries records over itself (``annotating.records``).
"""

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import User
from django.db import transaction

from annotations import offsets, selectors, verdicts
from annotations.errors import InvalidInput, NotFound
from annotations.models import (
    Annotation,
    ClaimEvidence,
    ClaimRecord,
    Document,
    EventAction,
    LabelKind,
    Span,
)
from annotations.services.annotating import annotation_lock_for_write
from annotations.services.annotating.records import iso_date
from annotations.services.changelog import annotation_change_record

NOT_A_CLAIM = "Only a claim span has a claim record; span {span} is a {kind} span."
RECORD_GONE = "Span {span} has no claim record."
SPAN_GONE = "Span {span} no longer exists in this annotation."
NOT_TEXT = "Expected a string."
TOO_LONG = "At most {limit} characters."
NOT_A_LIST = "Expected a list."
NOT_AN_OBJECT = "Each item must be an object."
UNKNOWN_FIELD = "Unknown field; expected one of: {fields}."
PASSAGE_OR_URL = "Give either a passage (document, start, end) or a source (url), not both."
NEITHER = "Give a passage (document, start, end) or a source (url)."
NOT_AN_ID = "Expected a document id (an integer), not {value!r}."
DOCUMENT_NOT_IN_PROJECT = "Document {value} is not a document of this project."
BAD_URL = "Expected an http or https address (like https://example.org/page), not {value!r}."

TEXT_FIELDS = {"normalized_text": 10_000, "claim_type": 64, "verdict": 100, "justification": 20_000}
PASSAGE_FIELDS = ("document", "start", "end", "text")
SOURCE_FIELDS = ("url", "title", "published")
URL_LIMIT = 2000
TITLE_LIMIT = 500

Errors = dict[str, list[str]]


@transaction.atomic
def claim_record_put(
    *,
    span: Span,
    actor: User | None,
    normalized_text: object = "",
    claim_date: object = None,
    claim_type: object = "",
    verdict: object = "",
    justification: object = "",
    evidence: object = (),
    version: int | None = None,
) -> ClaimRecord:
    """Create or replace the span's record (evidence included); unchanged writes nothing."""
    locked, current = annotation_lock_for_write(
        annotation_id=span.annotation_id, version=version, first=_current_span(span)
    )
    body = {
        "normalized_text": normalized_text,
        "claim_date": claim_date,
        "claim_type": claim_type,
        "verdict": verdict,
        "justification": justification,
        "evidence": evidence,
    }
    current.annotation = locked
    # The caller renders the record with its annotation's new version.
    return claim_record_write(locked=locked, span=current, body=body, actor=actor)


@transaction.atomic
def claim_record_delete(
    *, span: Span, actor: User | None, version: int | None = None
) -> Annotation:
    """Delete the span's record; return the annotation, version bumped."""
    locked, current = annotation_lock_for_write(
        annotation_id=span.annotation_id, version=version, first=_current_span(span)
    )
    record = selectors.claim_record_get(span_id=current.pk)
    if record is None:
        raise NotFound(RECORD_GONE.format(span=current.pk))
    before = selectors.claim_record_json(record)
    record.delete()
    annotation_change_record(
        annotation=locked,
        actor=actor,
        action=EventAction.CLAIM_RECORD_CHANGED,
        object_id=current.pk,
        before=before,
        after=None,
    )
    return locked


def claim_record_write(
    *, locked: Annotation, span: Span, body: Mapping[str, Any], actor: User | None
) -> ClaimRecord:
    """Check ``body`` and write it as the span's record; the caller holds the annotation's lock.

    Logs one ``claim_record_changed`` event when the record changes; raises ``InvalidInput``
    (nothing written) naming every field at fault.
    """
    project = locked.document.project
    if span.label.kind != LabelKind.CLAIM:
        raise InvalidInput({"span": [NOT_A_CLAIM.format(span=span.pk, kind=span.label.kind)]})
    errors: Errors = {}
    fields = {
        name: _text(body.get(name, ""), name, limit, errors) for name, limit in TEXT_FIELDS.items()
    }
    message = verdicts.verdict_error(
        fields["verdict"], project.verdict_scale, project.verdict_labels
    )
    if message is not None:
        errors.setdefault("verdict", []).append(message)
    claim_date = iso_date(body.get("claim_date"), "claim_date", errors)
    items = _evidence(body.get("evidence", ()), project.pk, errors)
    if errors:
        raise InvalidInput(errors)

    existing = selectors.claim_record_get(span_id=span.pk)
    before = None if existing is None else selectors.claim_record_json(existing)
    record = existing or ClaimRecord(span=span)
    record.span = span
    record.normalized_text = fields["normalized_text"]
    record.claim_type = fields["claim_type"]
    record.verdict = fields["verdict"]
    record.justification = fields["justification"]
    record.claim_date = claim_date
    after = _json(record, items)
    if existing is not None and after == before:
        existing.span = span
        return existing
    record.save()
    ClaimEvidence.objects.filter(record=record).delete()
    for position, item in enumerate(items):
        item.record = record
        item.position = position
    ClaimEvidence.objects.bulk_create(items)
    annotation_change_record(
        annotation=locked,
        actor=actor,
        action=EventAction.CLAIM_RECORD_CHANGED,
        object_id=span.pk,
        before=before,
        after=after,
    )
    return record


def _current_span(span: Span) -> Callable[[Annotation], Span]:
    def read(locked: Annotation) -> Span:
        current = Span.objects.select_related("label").filter(pk=span.pk, annotation=locked).first()
        if current is None:
            raise NotFound(SPAN_GONE.format(span=span.pk))
        return current

    return read


def _json(record: ClaimRecord, items: list[ClaimEvidence]) -> dict[str, Any]:
    return {
        "span": record.span_id,
        "normalized_text": record.normalized_text,
        "claim_date": None if record.claim_date is None else record.claim_date.isoformat(),
        "claim_type": record.claim_type,
        "verdict": record.verdict,
        "justification": record.justification,
        "evidence": [selectors.evidence_json(item) for item in items],
    }


def _text(value: object, path: str, limit: int, errors: Errors) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.setdefault(path, []).append(NOT_TEXT)
        return ""
    if len(value) > limit:
        errors.setdefault(path, []).append(TOO_LONG.format(limit=limit))
    return value


def _evidence(value: object, project_id: int, errors: Errors) -> list[ClaimEvidence]:
    """Check the evidence list; return unsaved rows (those that are valid)."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        errors.setdefault("evidence", []).append(NOT_A_LIST)
        return []
    wanted = {
        item["document"]
        for item in value
        if isinstance(item, dict) and type(item.get("document")) is int
    }
    documents: dict[int, Document] = {}
    if wanted:
        found = Document.objects.filter(project_id=project_id, pk__in=wanted).only("id", "text")
        documents = {document.pk: document for document in found}
    rows: list[ClaimEvidence] = []
    for index, item in enumerate(value):
        path = f"evidence.{index}"
        if not isinstance(item, dict):
            errors.setdefault(path, []).append(NOT_AN_OBJECT)
            continue
        unknown = [key for key in item if key not in PASSAGE_FIELDS + SOURCE_FIELDS]
        for key in unknown:
            fields = ", ".join(PASSAGE_FIELDS + SOURCE_FIELDS)
            errors.setdefault(f"{path}.{key}", []).append(UNKNOWN_FIELD.format(fields=fields))
        passage = item.get("document") is not None
        source = bool(item.get("url"))
        if passage and source:
            errors.setdefault(path, []).append(PASSAGE_OR_URL)
        elif passage:
            row = _passage(item, documents, path, errors)
            if row is not None:
                rows.append(row)
        elif source:
            row = _source(item, path, errors)
            if row is not None:
                rows.append(row)
        else:
            errors.setdefault(path, []).append(NEITHER)
    return rows


def _passage(
    item: dict[str, Any], documents: dict[int, Document], path: str, errors: Errors
) -> ClaimEvidence | None:
    document_id = item["document"]
    if type(document_id) is not int:
        errors.setdefault(f"{path}.document", []).append(NOT_AN_ID.format(value=document_id))
        return None
    document = documents.get(document_id)
    if document is None:
        message = DOCUMENT_NOT_IN_PROJECT.format(value=document_id)
        errors.setdefault(f"{path}.document", []).append(message)
        return None
    start, end = item.get("start"), item.get("end")
    text = document.text
    fault = offsets.range_error(start, end, len(text))
    if fault is not None:
        errors.setdefault(f"{path}.start", []).append(fault)
        return None
    assert type(start) is int and type(end) is int  # range_error found no fault
    sent = item.get("text")
    if sent is not None and not isinstance(sent, str):
        errors.setdefault(f"{path}.text", []).append(NOT_TEXT)
        return None
    mismatch = offsets.text_error(text, start, end, sent)
    if mismatch is not None:
        errors.setdefault(f"{path}.text", []).append(mismatch)
        return None
    return ClaimEvidence(document=document, start=start, end=end, text=text[start:end])


def _source(item: dict[str, Any], path: str, errors: Errors) -> ClaimEvidence | None:
    url = item["url"]
    found: Errors = {}
    if not isinstance(url, str) or not _is_web_address(url):
        found.setdefault(f"{path}.url", []).append(BAD_URL.format(value=url))
    elif len(url) > URL_LIMIT:
        found.setdefault(f"{path}.url", []).append(TOO_LONG.format(limit=URL_LIMIT))
    title = _text(item.get("title", ""), f"{path}.title", TITLE_LIMIT, found)
    published = iso_date(item.get("published"), f"{path}.published", found)
    if found:
        for key, messages in found.items():
            errors.setdefault(key, []).extend(messages)
        return None
    assert isinstance(url, str)
    return ClaimEvidence(url=url, title=title, published=published)


def _is_web_address(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not any(char.isspace() for char in url)
    )
