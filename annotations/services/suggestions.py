"""Suggestions: accept (one, a label's, or all of a document's) and reject (docs/suggestions.md).

An accepted suggestion becomes the annotator's own span through ``span_create``, so the span
rules (offsets, the overlap rule) apply, the version goes up once per span, and each span's
event records the suggestion it came from (``after["suggested"]``: the prediction span's id,
its model version, its source (the recommender's name, null for imported), its score). What
the annotator made of each suggestion is one ``SuggestionDecision`` per annotation, label and
offsets (with the suggestion's own model version); accepting a suggestion rejected earlier
turns the decision round. A rejection changes no content: the version stays.

A bulk accept is one transaction: each suggestion that a rule refuses is reported with its
errors and the others are created (each in its own savepoint).
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet

from annotations import selectors
from annotations.errors import InvalidInput
from annotations.models import (
    Annotation,
    AnnotationKind,
    Span,
    SuggestionDecision,
    SuggestionOutcome,
)
from annotations.selectors.suggestions import SuggestionSource
from annotations.services.annotating import annotation_lock_for_write, span_create

SUGGESTIONS_OFF = (
    "This project shows no suggestions now: show_suggestions is off, or the recommender it "
    "takes them from has no ready version."
)
NOT_OWN_WORK = "Suggestions are taken into an annotator's own annotation, not gold or predictions."
SUGGESTION_UNKNOWN = "Suggestion {ids} is not one this annotation is shown, or is decided already."
SUGGESTION_DIFFERS = (
    "An accepted suggestion keeps its label and offsets: suggestion {id} is {label} "
    "[{start}, {end})."
)
CHOOSE_ONE = "Give one of ids (a list of suggestion ids), label (a label id) or all (true)."
LABEL_UNKNOWN = "Label {label} has no suggestion left on this document."


@dataclass
class Accepted:
    """What a bulk accept did: the spans made (with their suggestion), and what was refused."""

    annotation: Annotation
    accepted: list[tuple[Span, Span]] = field(default_factory=list)
    refused: list[tuple[Span, dict[str, list[str]]]] = field(default_factory=list)


def _source_for(annotation: Annotation) -> SuggestionSource:
    if annotation.kind != AnnotationKind.MANUAL:
        raise InvalidInput({"annotation": [NOT_OWN_WORK]})
    source = selectors.suggestion_source(project=annotation.document.project)
    if source is None:
        raise InvalidInput({"suggestion": [SUGGESTIONS_OFF]})
    return source


def _suggested(suggestion: Span) -> dict[str, Any]:
    return {
        "suggestion": suggestion.pk,
        "model_version": selectors.suggestion_version_id(suggestion),
        "source": selectors.suggestion_source_name(suggestion),
        "score": suggestion.score,
    }


def _decide(
    *,
    annotation: Annotation,
    suggestion: Span,
    outcome: str,
    span: Span | None = None,
) -> None:
    SuggestionDecision.objects.update_or_create(
        annotation=annotation,
        label_id=suggestion.label_id,
        start=suggestion.start,
        end=suggestion.end,
        defaults={
            "outcome": outcome,
            "span": span,
            "model_version_id": selectors.suggestion_version_id(suggestion),
            "score": suggestion.score,
        },
    )


@transaction.atomic
def suggestion_span_create(
    *,
    annotation: Annotation,
    suggestion: int,
    actor: User | None,
    label: int,
    start: int,
    end: int,
    text: str | None = None,
    client_id: Any = None,
    version: int | None = None,
    **more: Any,
) -> tuple[Span, bool]:
    """Create the span a suggestion proposes (the span POST with ``suggestion``): accepted.

    The span must have the suggestion's label and offsets; a retry with the same client_id
    answers the span made the first time, as any span create does.
    """
    source = _source_for(annotation)
    found = (
        selectors.suggestion_spans(source=source, document_id=annotation.document_id)
        .filter(pk=suggestion)
        .first()
    )
    if found is None:
        raise InvalidInput({"suggestion": [SUGGESTION_UNKNOWN.format(ids=suggestion)]})
    if (found.label_id, found.start, found.end) != (label, start, end):
        message = SUGGESTION_DIFFERS.format(
            id=found.pk, label=found.label.name, start=found.start, end=found.end
        )
        raise InvalidInput({"suggestion": [message]})
    span, created = span_create(
        annotation=annotation,
        label=label,
        start=start,
        end=end,
        text=text,
        client_id=client_id,
        actor=actor,
        version=version,
        suggested=_suggested(found),
        **more,
    )
    if created:
        _decide(
            annotation=annotation,
            suggestion=found,
            outcome=SuggestionOutcome.ACCEPTED,
            span=span,
        )
    return span, created


def _chosen(
    annotation: Annotation,
    source: SuggestionSource,
    ids: list[int] | None,
    label: int | None,
    everything: bool,
) -> list[Span]:
    """The undecided suggestions a request names (exactly one way of naming them)."""
    if sum((ids is not None, label is not None, bool(everything))) != 1:
        raise InvalidInput({"ids": [CHOOSE_ONE]})
    left: QuerySet[Span] = selectors.suggestion_list(annotation=annotation, source=source)
    if ids is not None:
        found = list(left.filter(pk__in=ids))
        missing = sorted(set(ids) - {span.pk for span in found})
        if missing:
            named = ", ".join(str(pk) for pk in missing)
            raise InvalidInput({"ids": [SUGGESTION_UNKNOWN.format(ids=named)]})
        return found
    if label is not None:
        found = list(left.filter(label_id=label))
        if not found:
            raise InvalidInput({"label": [LABEL_UNKNOWN.format(label=label)]})
        return found
    return list(left)


@transaction.atomic
def suggestion_accept(
    *,
    annotation: Annotation,
    actor: User | None,
    ids: list[int] | None = None,
    label: int | None = None,
    everything: bool = False,
    version: int | None = None,
) -> Accepted:
    """Accept the named suggestions (by ids, of a label, or all): one span each, or a refusal."""
    source = _source_for(annotation)
    locked, _ = annotation_lock_for_write(annotation_id=annotation.pk, version=version)
    result = Accepted(annotation=locked)
    for suggestion in _chosen(locked, source, ids, label, everything):
        try:
            # span_create is atomic: a refused span rolls back its own savepoint only.
            span, _ = span_create(
                annotation=locked,
                label=suggestion.label,
                start=suggestion.start,
                end=suggestion.end,
                actor=actor,
                suggested=_suggested(suggestion),
            )
        except InvalidInput as refusal:
            result.refused.append((suggestion, refusal.errors))
        else:
            result.accepted.append((suggestion, span))
    # The chosen suggestions are undecided (no decision row yet, and the annotation is locked):
    # their decisions are one insert, whatever their number.
    SuggestionDecision.objects.bulk_create(
        SuggestionDecision(
            annotation=locked,
            label_id=suggestion.label_id,
            start=suggestion.start,
            end=suggestion.end,
            outcome=SuggestionOutcome.ACCEPTED,
            span=span,
            model_version_id=selectors.suggestion_version_id(suggestion),
            score=suggestion.score,
        )
        for suggestion, span in result.accepted
    )
    return result


@transaction.atomic
def suggestion_reject(
    *,
    annotation: Annotation,
    actor: User | None,
    ids: list[int] | None = None,
    label: int | None = None,
    everything: bool = False,
) -> list[Span]:
    """Reject the named suggestions: hidden from this annotation from now on. Returns them."""
    source = _source_for(annotation)
    locked, _ = annotation_lock_for_write(annotation_id=annotation.pk, version=None)
    chosen = _chosen(locked, source, ids, label, everything)
    for suggestion in chosen:
        _decide(
            annotation=locked,
            suggestion=suggestion,
            outcome=SuggestionOutcome.REJECTED,
        )
    return chosen
