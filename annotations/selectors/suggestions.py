"""Suggestions: the predictions an annotator is shown, and what they were worth.

Invariants:

- What an annotator sees is one rule, ``suggestion_source``: nothing while the project's
  ``show_suggestions`` is off (blind studies); else the newest READY version of the project's
  ``suggestions_from`` recommender, or, with none chosen, the imported prediction (the one of
  no model version); and, alongside it, the project's "Occurrences" predictions (strings
  marked with ``*`` on other documents, ``services.occurrences``) while that recommender is
  enabled. A chosen recommender with no ready version shows nothing.
- A suggestion is a span of those predictions on the document, of an entity or claim label,
  that the annotation has no decision on yet (decisions are matched by label and offsets, so
  they survive a prediction being replaced by an identical one). An occurrence with the label
  and offsets of a span of the chosen source is left out: the chosen one stands for both.
- Each suggestion names its source (``span.annotation.model_version``, read in the same
  query); a decision records the suggestion's own model version, so the quality figures keep
  the Occurrences apart from the chosen model.
- ``suggestion_quality`` runs a fixed number of queries whatever the project's size.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    LabelKind,
    ModelVersion,
    ModelVersionStatus,
    Project,
    Span,
    SuggestionDecision,
)

# The label kinds a suggestion may be of: spans an annotator draws.
SUGGESTED_KINDS = (LabelKind.ENTITY, LabelKind.CLAIM)
REVIEWED_GOLD = Q(kind=AnnotationKind.GOLD, status=AnnotationStatus.SUBMITTED)
# The recommender whose predictions are the strings marked with * (services.occurrences).
OCCURRENCES_RECOMMENDER = "Occurrences"
# Its predictions: shown alongside the chosen source's while it is enabled.
OCCURRENCES = Q(
    model_version__recommender__name=OCCURRENCES_RECOMMENDER,
    model_version__recommender__enabled=True,
    model_version__status=ModelVersionStatus.READY,
)


@dataclass(frozen=True)
class SuggestionSource:
    """Whose predictions are shown: a model version, or None for the imported prediction."""

    model_version: ModelVersion | None

    @property
    def model_version_id(self) -> int | None:
        return None if self.model_version is None else self.model_version.pk


def newest_ready_versions(*, recommender_id: int) -> QuerySet[ModelVersion]:
    """A recommender's ready versions, newest first: the first is the one a project shows.

    The one rule for "the shown version", used by the suggestions and by the queue's order.
    """
    return ModelVersion.objects.filter(
        recommender_id=recommender_id, status=ModelVersionStatus.READY
    ).order_by("-version")


def suggestion_source(*, project: Project) -> SuggestionSource | None:
    """Return where the project's suggestions come from, or None when none are shown."""
    if not project.show_suggestions:
        return None
    if project.suggestions_from_id is None:
        return SuggestionSource(model_version=None)
    newest = (
        newest_ready_versions(recommender_id=project.suggestions_from_id)
        .select_related("recommender")
        .first()
    )
    return None if newest is None else SuggestionSource(model_version=newest)


def _chosen_filter(source: SuggestionSource) -> Q:
    if source.model_version is None:
        return Q(model_version__isnull=True)
    return Q(model_version=source.model_version)


def _predictions(document_id: int, which: Q) -> QuerySet[Annotation]:
    return Annotation.objects.filter(which, document_id=document_id, kind=AnnotationKind.PREDICTION)


def suggestion_spans(*, source: SuggestionSource, document_id: int) -> QuerySet[Span]:
    """Every suggestion of the source (and the Occurrences) on the document, decided or not,
    in text order, each with its prediction, model version and recommender (one query)."""
    chosen = _predictions(document_id, _chosen_filter(source))
    same = {"label_id": OuterRef("label_id"), "start": OuterRef("start"), "end": OuterRef("end")}
    also_chosen = Span.objects.filter(annotation__in=chosen, **same)
    return (
        Span.objects.filter(
            annotation__in=_predictions(document_id, _chosen_filter(source) | OCCURRENCES),
            label__kind__in=SUGGESTED_KINDS,
        )
        .exclude(~Q(annotation__in=chosen) & Exists(also_chosen))
        .select_related("label", "annotation__model_version__recommender")
        .order_by("start", "end", "id")
    )


def suggestion_version_id(suggestion: Span) -> int | None:
    """The model version a suggestion read by ``suggestion_spans`` comes from (None: imported)."""
    return suggestion.annotation.model_version_id


def suggestion_source_name(suggestion: Span) -> str | None:
    """The recommender a suggestion read by ``suggestion_spans`` comes from (None: imported)."""
    version = suggestion.annotation.model_version
    return None if version is None else version.recommender.name


def suggestion_list(
    *, annotation: Annotation, source: SuggestionSource, drawn: bool = False
) -> QuerySet[Span]:
    """The suggestions the annotation has not decided on, in text order (one query).

    Those the annotation already has a span of the same label and offsets for are left out
    (the annotator is not shown them, and accepting one would be refused as identical), unless
    ``drawn``: submitting settles them as accepted.
    """
    same = {"label_id": OuterRef("label_id"), "start": OuterRef("start"), "end": OuterRef("end")}
    decided = SuggestionDecision.objects.filter(annotation=annotation, **same)
    left = suggestion_spans(source=source, document_id=annotation.document_id).exclude(
        Exists(decided)
    )
    if drawn:
        return left
    return left.exclude(Exists(Span.objects.filter(annotation=annotation, **same)))


@dataclass
class QualityRow:
    """One model version's figures for one label (model_version None: imported)."""

    model_version: int | None
    version: int | None
    recommender: str | None
    label: int
    label_name: str
    shown: int = 0
    accepted: int = 0
    corrected: int = 0
    rejected: int = 0
    ignored: int = 0
    predicted: int = 0  # on documents with reviewed gold
    true_positives: int = 0
    gold: int = 0  # gold spans of the label on the documents the version predicted
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None


def suggestion_quality(*, project: Project) -> list[QualityRow]:
    """Per model version and label: decisions, and precision/recall/F1 against reviewed gold.

    Six queries: the versions, the decisions, the gold spans per document and label, the
    predictions on reviewed documents, the predicted spans with their true positives, and
    the label names.
    """
    versions = {
        v.pk: v
        for v in ModelVersion.objects.filter(recommender__project=project).select_related(
            "recommender"
        )
    }
    rows: dict[tuple[int | None, int], QualityRow] = {}

    def row(version_id: int | None, label_id: int, label_name: str) -> QualityRow:
        key = (version_id, label_id)
        if key not in rows:
            version = versions.get(version_id) if version_id is not None else None
            rows[key] = QualityRow(
                model_version=version_id,
                version=None if version is None else version.version,
                recommender=None if version is None else version.recommender.name,
                label=label_id,
                label_name=label_name,
            )
        return rows[key]

    decisions = (
        SuggestionDecision.objects.filter(annotation__document__project=project)
        .values("model_version_id", "label_id", "label__name", "outcome")
        .annotate(n=Count("id"))
    )
    for item in decisions:
        found = row(item["model_version_id"], item["label_id"], item["label__name"])
        setattr(found, str(item["outcome"]), getattr(found, str(item["outcome"])) + item["n"])
        found.shown += item["n"]

    reviewed = Annotation.objects.filter(REVIEWED_GOLD, document__project=project)
    gold_counts: dict[int, Counter[int]] = defaultdict(Counter)
    for document_id, label_id, n in (
        Span.objects.filter(annotation__in=reviewed, label__kind__in=SUGGESTED_KINDS)
        .values_list("annotation__document_id", "label_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        gold_counts[document_id][label_id] += n
    predicted_documents: dict[int | None, list[int]] = defaultdict(list)
    for document_id, version_id in (
        Annotation.objects.filter(
            kind=AnnotationKind.PREDICTION,
            document__project=project,
            document_id__in=reviewed.values("document_id"),
        )
        .values_list("document_id", "model_version_id")
        .order_by()
    ):
        predicted_documents[version_id].append(document_id)

    in_gold = Span.objects.filter(
        annotation__in=reviewed,
        annotation__document_id=OuterRef("annotation__document_id"),
        label_id=OuterRef("label_id"),
        start=OuterRef("start"),
        end=OuterRef("end"),
    )
    predicted = (
        Span.objects.filter(
            annotation__kind=AnnotationKind.PREDICTION,
            annotation__document__project=project,
            annotation__document_id__in=reviewed.values("document_id"),
            label__kind__in=SUGGESTED_KINDS,
        )
        .values("annotation__model_version_id", "label_id", "label__name")
        .annotate(n=Count("id"), tp=Count("id", filter=Q(Exists(in_gold))))
        .order_by()
    )
    for counted in predicted:
        found = row(
            counted["annotation__model_version_id"], counted["label_id"], counted["label__name"]
        )
        found.predicted += counted["n"]
        found.true_positives += counted["tp"]
    label_names = dict(project.labels.values_list("pk", "name"))
    for predicted_by, documents in predicted_documents.items():
        totals: Counter[int] = Counter()
        for document_id in documents:
            totals.update(gold_counts.get(document_id, Counter()))
        for label_id, n in totals.items():
            row(predicted_by, label_id, label_names.get(label_id, "?")).gold += n

    for found in rows.values():
        _scores(found)
    return sorted(
        rows.values(),
        key=lambda r: (r.recommender or "", r.version or 0, r.label_name),
    )


def _scores(row: QualityRow) -> None:
    if row.predicted:
        row.precision = row.true_positives / row.predicted
    if row.gold:
        row.recall = row.true_positives / row.gold
    if row.precision is not None and row.recall is not None:
        total = row.precision + row.recall
        row.f1 = 0.0 if total == 0 else 2 * row.precision * row.recall / total
