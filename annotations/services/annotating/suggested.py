"""What an annotator's own edits make of the suggestions they were shown (docs/suggestions.md).

Two moments write a ``SuggestionDecision`` without the annotator pressing a suggestion key:

- a span that an accepted suggestion became is changed (label or offsets) or deleted: the
  decision becomes ``corrected`` (``span_changed``, ``span_deleted``); a delete that undoes the
  accept (``unaccept``) removes the decision instead, so the suggestion is undecided again;
- the annotation is submitted (``suggestions_settle``): each suggestion still undecided is
  ``accepted`` when the annotation holds a span of its label and offsets (drawn by hand),
  ``corrected`` when a span of the same label kind overlaps it with another label or other
  offsets, else ``ignored`` (shown, left undecided).

When the annotation's content is replaced at once (``content_replaced``: the bulk endpoint, a
revert), each decision follows its span to the new span of the same label and offsets, and an
accepted one whose span is gone is ``corrected``; rejections are kept as they are.

All run inside the write that causes them, under the annotation's lock.
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


def decisions_before_replace(*, locked: Annotation) -> list[SuggestionDecision]:
    """Before the annotation's spans are replaced: the decisions that name one of its spans."""
    if locked.kind != AnnotationKind.MANUAL:
        return []
    return list(
        SuggestionDecision.objects.filter(annotation=locked, span__isnull=False).select_related(
            "span"
        )
    )


def content_replaced(*, decided: list[SuggestionDecision], new_spans: list[Span]) -> None:
    """The spans were replaced: each decision follows its span to the new one of the same label
    and offsets; an accepted one whose span did not survive is ``corrected`` (as a delete is).

    ``decided`` is what ``decisions_before_replace`` read; rejections name no span and stay.
    """
    if not decided:
        return
    places = {(span.label_id, span.start, span.end): span for span in new_spans}
    for decision in decided:
        old = decision.span
        if old is None:  # not read so (span__isnull=False); for the type checker
            continue
        decision.span = places.get((old.label_id, old.start, old.end))
        if decision.span is None and decision.outcome == Outcome.ACCEPTED:
            decision.outcome = Outcome.CORRECTED
    SuggestionDecision.objects.bulk_update(decided, ["span", "outcome"])


def suggestions_settle(*, locked: Annotation) -> None:
    """At submission: record what became of each suggestion the annotator left undecided."""
    if locked.kind != AnnotationKind.MANUAL:
        return
    source = selectors.suggestion_source(project=locked.document.project)
    if source is None:
        return
    left = list(selectors.suggestion_list(annotation=locked, source=source, drawn=True))
    if not left:
        return
    own = list(Span.objects.filter(annotation=locked).select_related("label"))
    decisions = []
    for suggestion in left:
        outcome, span = _outcome(suggestion, own)
        decisions.append(
            SuggestionDecision(
                annotation=locked,
                model_version_id=selectors.suggestion_version_id(suggestion),
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
