"""What an annotator's own edits make of the suggestions they were shown (docs/suggestions.md).

Two moments write a ``SuggestionDecision`` without the annotator pressing a suggestion key:

- a span that an accepted suggestion became is changed (label or offsets) or deleted: the
  decision becomes ``corrected`` (``span_changed``, ``span_deleted``); a delete that undoes the
  accept (``unaccept``) removes the decision instead, so the suggestion is undecided again;
- the annotation is submitted (``suggestions_settle``): each suggestion still undecided is
  ``accepted`` when the annotation holds a span of its label and offsets (drawn by hand),
  ``corrected`` when a span of the same label kind overlaps it with another label or other
  offsets, else ``ignored`` (shown, left undecided).

Both run inside the write that causes them, under the annotation's lock.
"""

from annotations import selectors
from annotations.models import Annotation, AnnotationKind, Span, SuggestionDecision
from annotations.models import SuggestionOutcome as Outcome


def span_changed(*, span: Span, label_id: int, start: int, end: int) -> None:
    """An accepted suggestion's span was changed (or, with no fields left, deleted)."""
    if (span.label_id, span.start, span.end) == (label_id, start, end):
        return
    SuggestionDecision.objects.filter(span_id=span.pk, outcome=Outcome.ACCEPTED).update(
        outcome=Outcome.CORRECTED
    )


def span_deleted(*, span_id: int, unaccept: bool = False) -> None:
    """An accepted suggestion's span was deleted: corrected, or undecided again (``unaccept``).

    ``unaccept`` is the annotate page's undo of an accept: the annotator takes the accept
    back rather than judging the suggestion wrong, so the suggestion is shown again.
    """
    if unaccept:
        # Corrected since (relabelled, then undone back): taken back all the same.
        SuggestionDecision.objects.filter(span_id=span_id).delete()
        return
    SuggestionDecision.objects.filter(span_id=span_id, outcome=Outcome.ACCEPTED).update(
        outcome=Outcome.CORRECTED
    )


def suggestions_settle(*, locked: Annotation) -> None:
    """At submission: record what became of each suggestion the annotator left undecided."""
    if locked.kind != AnnotationKind.MANUAL:
        return
    source = selectors.suggestion_source(project=locked.document.project)
    if source is None:
        return
    left = list(selectors.suggestion_list(annotation=locked, source=source))
    if not left:
        return
    own = list(Span.objects.filter(annotation=locked).select_related("label"))
    decisions = []
    for suggestion in left:
        outcome, span = _outcome(suggestion, own)
        decisions.append(
            SuggestionDecision(
                annotation=locked,
                model_version_id=source.model_version_id,
                label_id=suggestion.label_id,
                start=suggestion.start,
                end=suggestion.end,
                score=suggestion.score,
                outcome=outcome,
                span=span,
            )
        )
    SuggestionDecision.objects.bulk_create(decisions, ignore_conflicts=True)


def _outcome(suggestion: Span, own: list[Span]) -> tuple[str, Span | None]:
    for span in own:
        if (span.label_id, span.start, span.end) == (
            suggestion.label_id,
            suggestion.start,
            suggestion.end,
        ):
            return Outcome.ACCEPTED, span
    for span in own:
        overlaps = span.start < suggestion.end and suggestion.start < span.end
        if overlaps and span.label.kind == suggestion.label.kind:
            return Outcome.CORRECTED, span
    return Outcome.IGNORED, None
