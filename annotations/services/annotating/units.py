"""Label a sentence unit: the one-key-per-sentence write (ClaimBuster style).

A unit's label is a span of a sentence label covering exactly the sentence (unitrules.py says
what a unit is); labelling a unit relabels its span, or creates it. Either way it goes through
``span_update`` / ``span_create``, so it is locked, checked, versioned and logged like any
span write.
"""

import uuid

from django.contrib.auth.models import User

from annotations.errors import InvalidInput
from annotations.models import Annotation, Label, Span
from annotations.services.annotating.messages import UNIT_UNKNOWN
from annotations.services.annotating.spans import span_create, span_update
from annotations.services.annotating.unitrules import document_sentences


def unit_label(
    *,
    annotation: Annotation,
    unit: int,
    label: Label | int,
    actor: User | None,
    version: int | None = None,
    client_id: uuid.UUID | str | None = None,
) -> tuple[Span, bool]:
    """Label sentence ``unit``: relabel its span, or create one covering exactly the sentence.

    Returns the span and whether it was created. Not a transaction of its own: the span write
    is one, and it checks again under the annotation's lock that the unit is free, so a unit
    labelled by a concurrent request meanwhile is refused by name, not stored twice.
    """
    existing = Span.objects.filter(annotation=annotation, unit=unit).first()
    if existing is not None:
        return span_update(span=existing, actor=actor, label=label, version=version), False
    ranges = document_sentences(annotation.document)
    if type(unit) is not int or not 0 <= unit < len(ranges):
        raise InvalidInput({"unit": [UNIT_UNKNOWN.format(unit=unit, count=len(ranges))]})
    start, end = ranges[unit]
    return span_create(
        annotation=annotation,
        label=label,
        start=start,
        end=end,
        unit=unit,
        client_id=client_id,
        actor=actor,
        version=version,
    )
