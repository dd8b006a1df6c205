"""Sentence units' checks: a span against the units, and at submit what is left to label.

In a project with ``sentence_units`` every sentence of a document (annotations.sentences) is a
unit, numbered from 0 in text order; a unit's label is a span of a sentence label covering
exactly that sentence, with ``Span.unit`` its number (one per unit: a database constraint).
The rules are annotations.rules' ("Sentence units"); this module reads them off models and
words them, for the span writes (``span_create``, ``span_update``, the bulk replace, and so
``units.unit_label``) and for submit (every unit labelled).

The sentences are computed from the text when needed, never stored: the text of an annotated
document never changes and the splitter is pinned, so unit ``n`` is always the same range.
They are computed only for a sentence label or a unit given, and at submit in a sentence-units
project: other writes pay nothing.
"""

from collections.abc import Sequence

from annotations import rules, sentences
from annotations.models import Annotation, Document, Label, Span
from annotations.services.annotating.messages import (
    NEAREST_SENTENCE,
    NO_SENTENCE_THERE,
    NOT_A_WHOLE_SENTENCE,
    SENTENCE_UNITS_OFF,
    UNIT_LABEL_KIND,
    UNIT_NOT_ITS_SENTENCE,
    UNIT_TAKEN,
    UNIT_UNKNOWN,
    UNITS_LEFT,
    Errors,
    add,
)
from annotations.wording import with_article

Ranges = Sequence[tuple[int, int]]


def document_sentences(document: Document) -> tuple[tuple[int, int], ...]:
    """Return the document's sentences as code-point ranges; unit n is the n-th."""
    return sentences.sentence_ranges(document.text)


def unit_errors(
    *, locked: Annotation, label: Label, start: int, end: int, unit: object = None
) -> tuple[int | None, Errors]:
    """Check a span's units rule; return the unit it is (None: not a unit) and the errors.

    ``start`` and ``end`` are a valid range of the text (checked before).
    """
    errors: Errors = {}
    if unit is None and not rules.goes_on_unit(label.kind):
        return None, errors  # the common case: no sentence is computed
    document = locked.document
    ranges = document_sentences(document) if document.project.sentence_units else None
    for broken in rules.unit_broken(
        kind=label.kind, start=start, end=end, unit=unit, sentences=ranges
    ):
        add(errors, broken.field, _unit_message(broken.rule, label, start, end, unit, ranges))
    if errors or ranges is None:
        return None, errors
    return rules.unit_of(start, end, ranges), errors


def check_unit_free(locked: Annotation, unit: int, exclude_pk: int | None, errors: Errors) -> None:
    """One span per unit: refuse a second, naming the one there."""
    taken = Span.objects.filter(annotation=locked, unit=unit).select_related("label")
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    other = taken.first()
    if other is not None:
        add(errors, "unit", UNIT_TAKEN.format(unit=unit, span=other.pk, label=other.label.name))


def _unit_message(
    rule: rules.Rule, label: Label, start: int, end: int, unit: object, ranges: Ranges | None
) -> str:
    if rule is rules.Rule.UNIT_LABEL_KIND:
        return UNIT_LABEL_KIND.format(name=label.name, a_kind=with_article(label.kind))
    assert ranges is not None or rule is rules.Rule.SENTENCE_UNITS_OFF
    if rule is rules.Rule.SENTENCE_UNITS_OFF:
        return SENTENCE_UNITS_OFF.format(name=label.name)
    assert ranges is not None
    if rule is rules.Rule.UNIT_UNKNOWN:
        return UNIT_UNKNOWN.format(unit=unit, count=len(ranges))
    if rule is rules.Rule.UNIT_COVERS_SENTENCE or (
        rule is rules.Rule.WHOLE_SENTENCE and isinstance(unit, int)
    ):
        assert isinstance(unit, int)
        sentence_start, sentence_end = ranges[unit]
        return UNIT_NOT_ITS_SENTENCE.format(
            unit=unit, start=sentence_start, end=sentence_end, span_start=start, span_end=end
        )
    near = rules.sentence_at(start, ranges)
    nearest = (
        NO_SENTENCE_THERE
        if near is None
        else NEAREST_SENTENCE.format(unit=near, start=ranges[near][0], end=ranges[near][1])
    )
    return NOT_A_WHOLE_SENTENCE.format(name=label.name, start=start, end=end, nearest=nearest)


def units_left_errors(locked: Annotation) -> Errors:
    """At submit: refuse while a unit of a sentence-units project has no label."""
    document = locked.document
    if not document.project.sentence_units:
        return {}
    ranges = document_sentences(document)
    labelled = Span.objects.filter(
        annotation=locked, unit__isnull=False, label__kind=rules.SENTENCE
    ).values_list("unit", flat=True)
    left = rules.units_left(len(ranges), (unit for unit in labelled if unit is not None))
    if not left:
        return {}
    first = left[0]
    start, end = ranges[first]
    text = document.text[start:end]
    message = UNITS_LEFT.format(
        left=len(left),
        count=len(ranges),
        number=first + 1,
        unit=first,
        text=text if len(text) <= 80 else text[:79] + "…",
    )
    return {"status": [message]}
