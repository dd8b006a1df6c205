"""Recommenders' reads: their versions, the reviewed gold they learn from, the documents they
pre-annotate.

Invariants: a version's model bytes (``artifact``) are read only by the worker that runs the
model, never by a list; "reviewed gold" is what a release with ``reviewed_only`` takes (gold a
reviewer marked reviewed: status ``submitted``); a document is "not started" while it has no
manual annotation and no gold.
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet, Subquery

from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    Label,
    LabelKind,
    ModelVersion,
    ModelVersionStatus,
    Project,
    Recommender,
    RecommenderKind,
    Span,
)

# Version statuses that mean a run is pending: no second one is queued beside it.
PENDING = (ModelVersionStatus.QUEUED, ModelVersionStatus.TRAINING)
# The labels the recommenders predict.
PREDICTED_KINDS = (LabelKind.ENTITY,)
# The built-in NER also learns the claims (its spancat): the label kinds each kind predicts.
KINDS_PREDICTED_BY = {RecommenderKind.NER: (LabelKind.ENTITY, LabelKind.CLAIM)}
# How many versions a recommender list shows per recommender (the versions list has them all).
RECENT_VERSIONS = 20
# The kinds whose model is stored in the version (``artifact``) and can predict again later; an
# external server's answer belongs to the moment it was asked.
SERVED_KINDS = (RecommenderKind.NER, RecommenderKind.DICTIONARY)

# (document id, text, [(start, end, label name)])
GoldRow = tuple[int, str, list[tuple[int, int, str]]]


def _versions() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.defer("artifact").annotate(prediction_count=Count("predictions"))


def _with_recent_versions(recommenders: QuerySet[Recommender]) -> QuerySet[Recommender]:
    return recommenders.prefetch_related(
        Prefetch("versions", _versions().order_by("-version"), to_attr="recent_versions")
    )


def recommender_list(*, project: Project) -> QuerySet[Recommender]:
    """Return the project's recommenders with their versions (newest first; no model bytes)."""
    return _with_recent_versions(Recommender.objects.filter(project=project))


def recommender_with_versions(*, recommender: Recommender) -> Recommender | None:
    """Read the recommender again as ``recommender_list`` reads it (with its versions)."""
    return _with_recent_versions(Recommender.objects.filter(pk=recommender.pk)).first()


def recommender_get(*, project: Project, recommender_id: int) -> Recommender | None:
    """Return one recommender of the project, or None."""
    return Recommender.objects.filter(project=project, pk=recommender_id).first()


def model_version_list(*, recommender: Recommender) -> QuerySet[ModelVersion]:
    """Return the recommender's versions, newest first, each with its number of predictions."""
    return _versions().filter(recommender=recommender).order_by("-version")


def model_version_latest(*, recommender: Recommender) -> ModelVersion | None:
    """Return the recommender's newest version that did not fail (without its bytes), or None."""
    return (
        ModelVersion.objects.defer("artifact")
        .filter(recommender=recommender)
        .exclude(status=ModelVersionStatus.FAILED)
        .last()
    )


def model_versions_serving(*, project_id: int) -> list[ModelVersion]:
    """Return the newest ready version of each enabled built-in recommender of the project.

    These are the versions that pre-annotate documents imported after they were made. One
    query, with the model bytes (the caller loads the models).
    """
    newest = (
        ModelVersion.objects.filter(
            recommender=OuterRef("recommender"), status=ModelVersionStatus.READY
        )
        .order_by("-version")
        .values("pk")[:1]
    )
    return list(
        ModelVersion.objects.filter(
            recommender__project_id=project_id,
            recommender__enabled=True,
            recommender__kind__in=SERVED_KINDS,
            status=ModelVersionStatus.READY,
            pk=Subquery(newest),
        )
        .select_related("recommender__project")
        .order_by("recommender_id")
    )


def model_versions_serving_exist(*, project_id: int) -> bool:
    """Whether any enabled built-in recommender of the project has a ready version (one query)."""
    return ModelVersion.objects.filter(
        recommender__project_id=project_id,
        recommender__enabled=True,
        recommender__kind__in=SERVED_KINDS,
        status=ModelVersionStatus.READY,
    ).exists()


def reviewed_gold(*, project: Project) -> QuerySet[Annotation]:
    """Return the project's gold that a reviewer marked reviewed."""
    return Annotation.objects.filter(
        document__project=project, kind=AnnotationKind.GOLD, status=AnnotationStatus.SUBMITTED
    )


def reviewed_gold_count(*, project: Project) -> int:
    return reviewed_gold(project=project).count()


def predicted_labels(*, project: Project, kinds: Sequence[str] = PREDICTED_KINDS) -> dict[str, int]:
    """Return the project's label names the recommenders predict (of ``kinds``), to their ids."""
    return dict(
        Label.objects.filter(project=project, kind__in=kinds)
        .order_by("name")
        .values_list("name", "id")
    )


def reviewed_gold_documents(
    *, project: Project, kinds: Sequence[str] = PREDICTED_KINDS
) -> list[GoldRow]:
    """Return every reviewed gold document's text and spans (of label ``kinds``), in order.

    Two queries, whatever the number of documents.
    """
    gold = reviewed_gold(project=project)
    texts = dict(
        Document.objects.filter(Exists(gold.filter(document=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", "text")
    )
    spans: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    rows = (
        Span.objects.filter(annotation__in=gold, label__kind__in=kinds)
        .order_by("annotation__document_id", "start", "end")
        .values_list("annotation__document_id", "start", "end", "label__name")
    )
    for document_id, start, end, label in rows:
        spans[document_id].append((start, end, label))
    return [(pk, text, spans.get(pk, [])) for pk, text in texts.items()]


def documents_not_started(
    *,
    project: Project,
    model_version: ModelVersion,
    batch_size: int,
    document_ids: list[int] | None = None,
) -> Iterator[list[tuple[int, str]]]:
    """Yield (id, text) batches of the documents nobody has started that the version has not
    predicted yet, in id order (one query per batch); only those of ``document_ids`` if given."""
    started = Annotation.objects.filter(
        document=OuterRef("pk"), kind__in=(AnnotationKind.MANUAL, AnnotationKind.GOLD)
    )
    predicted = Annotation.objects.filter(document=OuterRef("pk"), model_version=model_version)
    pending = (
        Document.objects.filter(project=project)
        .exclude(Exists(started))
        .exclude(Exists(predicted))
        .order_by("pk")
    )
    if document_ids is not None:
        pending = pending.filter(pk__in=document_ids)
    after = 0
    while True:
        batch = list(pending.filter(pk__gt=after).values_list("pk", "text")[:batch_size])
        if not batch:
            return
        yield batch
        after = batch[-1][0]
