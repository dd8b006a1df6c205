"""What the event log records of a span, a stance or a relation: plain JSON, names included.

Names (``label_name``, ``target_name``) are copied in so that the history reads well after a
label is renamed, and so that a bulk replace can be reverted by name.
"""

from typing import Any

from annotations.models import Relation, Span, Stance


def span_json(span: Span) -> dict[str, Any]:
    return {
        "id": span.pk,
        "label": span.label_id,
        "label_name": span.label.name,
        "start": span.start,
        "end": span.end,
        "text": span.text,
        "client_id": None if span.client_id is None else str(span.client_id),
        "claimant": span.claimant_id,
        "claimant_text": span.claimant_text,
        "checkworthy": span.checkworthy,
        "attributes": span.attributes,
    }


def stance_json(stance: Stance) -> dict[str, Any]:
    return {
        "id": stance.pk,
        "target": stance.target_id,
        "target_name": stance.target.name,
        "label": stance.label_id,
        "label_name": stance.label.name,
        "holder": stance.holder_id,
        "evidence": stance.evidence_id,
        "attributes": stance.attributes,
    }


def relation_json(relation: Relation) -> dict[str, Any]:
    assert relation.label is not None  # a user's relation (Relation.objects) has its label
    return {
        "id": relation.pk,
        "label": relation.label_id,
        "label_name": relation.label.name,
        "source": relation.source_id,
        "target": relation.target_id,
        "attributes": relation.attributes,
        "client_id": None if relation.client_id is None else str(relation.client_id),
    }
