"""Annotate all occurrences: mark a span's string everywhere else in its document at once.

``span_occurrences_create`` takes a span of the annotation (the source) and gives every other
whole-word occurrence of its text (annotations.occurrences: case-sensitive unless asked) a
span with the source's label, in one transaction, under the span rules every span write obeys
(annotations.rules):

- An occurrence already marked with that label (an identical span) is left as it is.
- An occurrence that would overlap a span of the same kind, where the project does not allow
  overlap, is not marked; neither is one overlapping an occurrence marked just before it.
  Nothing is skipped without a word: the answer counts both, and ``occurrences_message``
  says how many and why.
- Only the label is copied: no claimant, check-worthiness or attribute values (they are about
  one mention, not the string).

Each new span is logged as ``span_created``: one event and one version each, as if made
one by one, in two statements (``changelog.annotation_changes_record``), so history, timing
and reverts see them like any other span. Then the same string in the project's other
documents becomes suggestions (``services.occurrences``).
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from annotations import occurrences, rules
from annotations.errors import InvalidInput
from annotations.models import Annotation, EventAction, Span
from annotations.services.annotating.locking import annotation_lock_for_write, sync
from annotations.services.annotating.snapshots import span_json
from annotations.services.changelog import annotation_changes_record
from annotations.services.occurrences import OccurrenceSuggestions, occurrences_suggest
from annotations.wording import with_article

SOURCE_NOT_FOUND = "No span {span} in this annotation: mark a span first, then its occurrences."
SOURCE_NOT_A_MENTION = (
    "Span {span} is {a_kind} span: only entity and claim spans have occurrences to mark."
)
MARKED = "Marked {count} more occurrence{s} of “{text}”."
NONE_FOUND = "No other occurrence of “{text}” as a whole word{case}."
CASE_NOTE = " (case-sensitive)"
ALREADY = " {count} {was} marked already."
OVERLAPPING = (
    " {count} not marked: {it} would overlap {kind} spans already there, and this project "
    "does not allow {kind} spans to overlap."
)
SUGGESTED = " Suggested on {documents} other document{s} ({spans} span{ss})."


@dataclass(frozen=True)
class MarkedOccurrences:
    """What marking a span's occurrences did: the spans made and the occurrences left alone."""

    annotation: Annotation
    source: Span
    created: list[Span]
    identical: int
    overlapping: int
    case_sensitive: bool
    suggestions: OccurrenceSuggestions


@transaction.atomic
def span_occurrences_create(
    *,
    annotation: Annotation,
    span: int,
    case_sensitive: bool = True,
    actor: User | None,
    version: int | None = None,
) -> MarkedOccurrences:
    """Mark every other whole-word occurrence of a span's text with its label (see module)."""

    def source_of(locked: Annotation) -> Span:
        found = Span.objects.select_related("label").filter(annotation=locked, pk=span).first()
        if found is None:
            raise InvalidInput({"span": [SOURCE_NOT_FOUND.format(span=span)]})
        return found

    locked, source = annotation_lock_for_write(
        annotation_id=annotation.pk, version=version, first=source_of
    )
    label = source.label
    if not rules.takes_span_label(label.kind):
        message = SOURCE_NOT_A_MENTION.format(span=span, a_kind=with_article(label.kind))
        raise InvalidInput({"span": [message]})

    document = locked.document
    project = document.project
    same_kind = Span.objects.filter(annotation=locked, label__kind=label.kind).values_list(
        "pk", "label_id", "start", "end"
    )
    kept: list[rules.Placed[int | None]] = [
        rules.Placed(label.kind, start, end, pk, label_id) for pk, label_id, start, end in same_kind
    ]
    marked = {rules.identity(placed) for placed in kept}
    layout = rules.Layout(kept, allow_overlap=project.allow_overlap)
    created: list[Span] = []
    identical = overlapping = 0
    for start, end in occurrences.occurrences(
        document.text, source.text, case_sensitive=case_sensitive
    ):
        placed: rules.Placed[int | None] = rules.Placed(label.kind, start, end, None, label.pk)
        if rules.identity(placed) in marked:
            if (start, end) != (source.start, source.end):
                identical += 1
            continue
        if layout.place(placed) is not None:
            overlapping += 1
            continue
        text = document.text[start:end]
        created.append(Span(annotation=locked, label=label, start=start, end=end, text=text))
    Span.objects.bulk_create(created)
    annotation_changes_record(
        annotation=locked,
        actor=actor,
        action=EventAction.SPAN_CREATED,
        changes=[(new.pk, None, span_json(new)) for new in created],
    )
    suggestions = occurrences_suggest(
        project=project,
        label=label,
        needle=source.text,
        case_sensitive=case_sensitive,
        exclude_document_id=document.pk,
        actor=actor,
    )
    sync(annotation, locked)
    return MarkedOccurrences(
        annotation=locked,
        source=source,
        created=created,
        identical=identical,
        overlapping=overlapping,
        case_sensitive=case_sensitive,
        suggestions=suggestions,
    )


def occurrences_message(marked: MarkedOccurrences) -> str:
    """Say what marking occurrences did, and why any occurrence was left unmarked."""
    count = len(marked.created)
    text = marked.source.text
    if count or marked.identical or marked.overlapping:
        said = MARKED.format(count=count, s=_s(count), text=text)
    else:
        said = NONE_FOUND.format(text=text, case=CASE_NOTE if marked.case_sensitive else "")
    if marked.identical:
        was = "was" if marked.identical == 1 else "were"
        said += ALREADY.format(count=marked.identical, was=was)
    if marked.overlapping:
        it = "it" if marked.overlapping == 1 else "they"
        said += OVERLAPPING.format(count=marked.overlapping, it=it, kind=marked.source.label.kind)
    suggested = marked.suggestions
    if suggested.spans:
        said += SUGGESTED.format(
            documents=suggested.documents,
            s=_s(suggested.documents),
            spans=suggested.spans,
            ss=_s(suggested.spans),
        )
    return said


def _s(count: int) -> str:
    return "" if count == 1 else "s"
