"""Occurrences across the project: a marked string becomes suggestions on the other documents.

When an annotator marks every occurrence of a span (``annotating.span_occurrences_create``),
the same string in the project's *other* documents is written as predictions of the
project's "Occurrences" recommender (kind ``dictionary``): one recommender per project, made
on first use, with one ``ModelVersion`` (version 1, ready) that all its predictions belong to,
and one prediction annotation per document (``Annotation.model_version``) that grows as more
strings are marked. Each span has the source span's label and the exact code-point offsets of
the occurrence (whole words, the case option as asked: annotations.occurrences); its ``score``
is empty (a string match says nothing about how sure a model is, so such suggestions sort with
the unscored ones when the queue follows the model).

What the annotate page shows of them is the suggestions' business: they are shown alongside
the chosen source's suggestions (``selectors.suggestions``), unless the project shows none or
a manager disables the recommender. Here only
the identical rule applies: a span with the label and offsets of one already in the
prediction is not written twice. Overlaps are left in: they are suggestions, and accepting
one goes through the span rules of the annotator's own annotation.

Predictions are not events (like imported ones): the event log is the record of people's work.
Writers are serialised per project on the recommender's row, so two annotators marking the
same string at once cannot write a span twice.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from annotations import occurrences
from annotations.models import (
    Annotation,
    AnnotationKind,
    Document,
    Label,
    ModelVersion,
    ModelVersionStatus,
    Project,
    Recommender,
    RecommenderKind,
    Span,
)
from annotations.selectors.suggestions import OCCURRENCES_RECOMMENDER

RECOMMENDER_NAME = OCCURRENCES_RECOMMENDER


@dataclass(frozen=True)
class OccurrenceSuggestions:
    """What was written: how many spans, on how many documents, by which model version."""

    model_version: ModelVersion
    documents: int
    spans: int


def occurrences_model_version(*, project: Project, actor: User | None) -> ModelVersion:
    """Return the project's Occurrences model version, locked, making it on first use."""
    recommender, _ = Recommender.objects.select_for_update().get_or_create(
        project=project,
        name=RECOMMENDER_NAME,
        defaults={"kind": RecommenderKind.DICTIONARY, "created_by": actor},
    )
    now = timezone.now()
    version, _ = ModelVersion.objects.get_or_create(
        recommender=recommender,
        version=1,
        defaults={"status": ModelVersionStatus.READY, "started_at": now, "finished_at": now},
    )
    return version


@transaction.atomic
def occurrences_suggest(
    *,
    project: Project,
    label: Label,
    needle: str,
    case_sensitive: bool,
    exclude_document_id: int,
    actor: User | None,
) -> OccurrenceSuggestions:
    """Write the whole-word occurrences of ``needle`` in the project's other documents."""
    model_version = occurrences_model_version(project=project, actor=actor)
    lookup = "text__contains" if case_sensitive else "text__icontains"
    # The database narrows the documents down (case-blind on SQLite, which only speeds it up);
    # annotations.occurrences decides.
    candidates = (
        Document.objects.filter(project=project, **{lookup: needle})
        .exclude(pk=exclude_document_id)
        .values_list("pk", "text")
        .order_by("pk")
    )
    found: dict[int, tuple[str, list[tuple[int, int]]]] = {}
    for pk, text in candidates.iterator():
        ranges = occurrences.occurrences(text, needle, case_sensitive=case_sensitive)
        if ranges:
            found[pk] = (text, ranges)
    if not found:
        return OccurrenceSuggestions(model_version=model_version, documents=0, spans=0)
    predictions = _predictions_for(model_version, list(found))
    existing = set(
        Span.objects.filter(annotation__in=predictions.values(), label=label).values_list(
            "annotation_id", "start", "end"
        )
    )
    new = [
        Span(
            annotation_id=predictions[pk],
            label=label,
            start=start,
            end=end,
            text=text[start:end],
        )
        for pk, (text, ranges) in found.items()
        for start, end in ranges
        if (predictions[pk], start, end) not in existing
    ]
    Span.objects.bulk_create(new, batch_size=1000)
    documents = len({span.annotation_id for span in new})
    return OccurrenceSuggestions(model_version=model_version, documents=documents, spans=len(new))


def _predictions_for(model_version: ModelVersion, document_ids: list[int]) -> dict[int, int]:
    """Return the model version's prediction (its id) on each document, making the missing."""
    have = dict(
        Annotation.objects.filter(
            model_version=model_version, document_id__in=document_ids
        ).values_list("document_id", "pk")
    )
    missing = [pk for pk in document_ids if pk not in have]
    made = Annotation.objects.bulk_create(
        [
            Annotation(
                document_id=pk,
                author=None,
                kind=AnnotationKind.PREDICTION,
                model_version=model_version,
            )
            for pk in missing
        ]
    )
    have.update((annotation.document_id, annotation.pk) for annotation in made)
    return have
