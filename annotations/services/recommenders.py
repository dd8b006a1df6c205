"""Recommenders: created by managers, trained or run on the worker, their predictions stored.

``recommender_create`` checks a request and stores the recommender; ``model_version_create``
queues one version (``annotations.tasks`` queues its run in the same transaction);
``model_version_run`` runs on the worker:

1. ``ner`` and ``dictionary``: the project's reviewed gold (as a ``reviewed_only`` release
   takes it) is split, seeded, into a training part and a held-out part (20 %, at least one
   document once there are two); the model is trained on the training part only, and its
   exact-match precision, recall and F1 per label on the held-out part are the version's
   ``metrics`` (the same gold gives the same split, so versions compare). The model's bytes are
   the version's ``artifact``.
2. ``external``: nothing is trained; the server named by ``server`` (an entry of
   ``settings.RECOMMENDER_SERVERS``) is asked, in batches, with the worker's timeout.
3. Every document nobody has started (no manual annotation, no gold) gets one prediction
   annotation of the version, batch by batch, each batch in its own transaction.
4. The version is marked ready; or, on any error, failed with the error, and the predictions it
   stored so far are deleted: a failed version leaves no predictions behind. Annotation never
   waits for any of it.

Retraining (``recommenders_due``): a ``ner`` or ``dictionary`` recommender is due when the
project's reviewed gold has grown by ``Project.retrain_every`` documents since its last version
that did not fail (0: only when asked); a dictionary's first version is due at the first
reviewed gold document, an NER's at ``retrain_every`` (and at least two, one to train on and
one held out). A recommender with a version queued or training is never due.

Predictions of older versions stay (the dashboard compares versions against the gold); a
document started meanwhile is not pre-annotated again.
"""

import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from annotations.errors import Conflict, InvalidInput
from annotations.learning import dictionary, evaluation, external, ner
from annotations.learning.types import Predicted
from annotations.models import (
    Annotation,
    AnnotationKind,
    LabelKind,
    ModelVersion,
    ModelVersionStatus,
    Project,
    Recommender,
    RecommenderKind,
    Span,
)
from annotations.selectors import recommenders as reads
from annotations.services import stalled
from annotations.services.queue_scores import queue_scores_refresh

logger = logging.getLogger(__name__)

NAME_REQUIRED = "A recommender needs a name."
NAME_TAKEN = "This project already has a recommender named {name!r}."
KIND_NOT_CREATED = (
    "Recommenders of kind {kind!r} are not created here: choose ner, dictionary or external."
)
SERVER_REQUIRED = "An external recommender names a server of the RECOMMENDER_SERVERS setting."
SERVER_UNKNOWN = (
    "No model server named {name!r} is configured; the servers are set by the administrator "
    "in RECOMMENDER_SERVERS (configured: {names})."
)
SERVER_ONLY_EXTERNAL = "Only an external recommender names a server."
NOT_ENABLED = "Recommender {name!r} is disabled."
ALREADY_PENDING = "Recommender {name!r} already has version {version} {status}."
NO_LABELS = "The project has no entity labels for a recommender to predict."
TOO_LITTLE_GOLD = (
    "Recommender {name!r} needs at least {needed} reviewed gold document(s); the project has "
    "{have}. Mark gold reviewed on the review page."
)


# Documents per pre-annotation batch: one read and one transaction each.
PREDICT_BATCH = 100
# At most this many rejected spans of an external answer are listed in the version's metrics
# (the count is always exact).
REJECTED_LISTED = 20
# The least reviewed gold each kind trains from: NER holds one document out and trains on the
# rest; the dictionary works from the first.
MIN_GOLD = {RecommenderKind.NER: 2, RecommenderKind.DICTIONARY: 1, RecommenderKind.EXTERNAL: 0}
TRAINED_KINDS = (RecommenderKind.NER, RecommenderKind.DICTIONARY)


# --- Creating -------------------------------------------------------------------------------


def recommender_create(
    *, project: Project, actor: User | None, name: str, kind: str, server: str = ""
) -> Recommender:
    """Store a recommender; raise InvalidInput naming each bad field."""
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [NAME_REQUIRED]
    elif Recommender.objects.filter(project=project, name=name).exists():
        errors["name"] = [NAME_TAKEN.format(name=name)]
    if kind not in (*TRAINED_KINDS, RecommenderKind.EXTERNAL):
        errors["kind"] = [KIND_NOT_CREATED.format(kind=kind)]
    elif kind == RecommenderKind.EXTERNAL:
        problem = server_problem(server)
        if problem:
            errors["server"] = [problem]
    elif server:
        errors["server"] = [SERVER_ONLY_EXTERNAL]
    if errors:
        raise InvalidInput(errors)
    return Recommender.objects.create(
        project=project, name=name, kind=kind, server=server, created_by=actor
    )


def recommender_set_enabled(*, recommender: Recommender, enabled: bool) -> Recommender:
    """Switch a recommender on or off. Off, it neither trains nor predicts (a manager's "train
    now" is refused, retraining skips it) and its predictions are not shown as suggestions:
    the way to stop the "Occurrences" suggestions on other documents. Its versions, their
    figures and the decisions on its suggestions are kept; on again, it is as it was."""
    if recommender.enabled != enabled:
        recommender.enabled = enabled
        recommender.save(update_fields=["enabled"])
    return recommender


def server_problem(server: str) -> str:
    """Why ``server`` is not a configured model server's name ('' when it is)."""
    if not server:
        return SERVER_REQUIRED
    if server not in settings.RECOMMENDER_SERVERS:
        names = ", ".join(sorted(settings.RECOMMENDER_SERVERS)) or "none"
        return SERVER_UNKNOWN.format(name=server, names=names)
    return ""


def model_version_create(*, recommender: Recommender) -> ModelVersion:
    """Store the recommender's next version, queued; raise if it cannot train or run now."""
    with transaction.atomic():
        # The lock serialises version numbers and the pending check between two requests.
        locked = Recommender.objects.select_for_update().get(pk=recommender.pk)
        _check_may_run(locked)
        number = (locked.versions.aggregate(top=Max("version"))["top"] or 0) + 1
        return ModelVersion.objects.create(recommender=locked, version=number)


def _check_may_run(recommender: Recommender) -> None:
    if not recommender.enabled:
        raise Conflict(NOT_ENABLED.format(name=recommender.name))
    pending = recommender.versions.filter(status__in=reads.PENDING).first()
    if pending is not None:
        raise Conflict(
            ALREADY_PENDING.format(
                name=recommender.name, version=pending.version, status=pending.status
            )
        )
    project = recommender.project
    if not reads.predicted_labels(project=project):
        raise InvalidInput({"labels": [NO_LABELS]})
    if recommender.kind == RecommenderKind.EXTERNAL:
        problem = server_problem(recommender.server)
        if problem:
            raise InvalidInput({"server": [problem]})
        return
    needed = MIN_GOLD[RecommenderKind(recommender.kind)]
    have = reads.reviewed_gold_count(project=project)
    if have < needed:
        raise InvalidInput(
            {"gold": [TOO_LITTLE_GOLD.format(name=recommender.name, needed=needed, have=have)]}
        )


def recommenders_due(*, document_id: int) -> list[ModelVersion]:
    """Queue a version of every built-in recommender of the document's project that is due.

    See the module's docstring for when one is due.
    """
    # One query when the project has no built-in recommender (the usual case).
    candidates = list(
        Recommender.objects.filter(
            project__documents=document_id, enabled=True, kind__in=TRAINED_KINDS
        ).select_related("project")
    )
    if not candidates or candidates[0].project.retrain_every == 0:
        return []
    every = candidates[0].project.retrain_every
    have = reads.reviewed_gold_count(project=candidates[0].project)
    queued = []
    for recommender in candidates:
        last = reads.model_version_latest(recommender=recommender)
        if last is not None and last.status in reads.PENDING:
            continue
        if last is None:
            first_at = 1 if recommender.kind == RecommenderKind.DICTIONARY else every
            due = have >= max(first_at, MIN_GOLD[RecommenderKind(recommender.kind)])
        else:
            due = have - last.gold_documents >= every
        if due:
            try:
                queued.append(model_version_create(recommender=recommender))
            except (Conflict, InvalidInput):
                continue  # another request queued one meanwhile, or the labels went away
    return queued


# --- Running (on the worker) ----------------------------------------------------------------


def model_version_run(*, version_id: int, worker: str = "") -> ModelVersion:
    """Train or run one queued version and pre-annotate; record failure on the version.

    The run beats the version's heartbeat while it works; a version whose worker stops beating
    is queued again by the stalled sweep (``services.stalled``) and trained again from the
    start. A run that was only slow, not dead, stores nothing once another run has taken the
    version (the newest run's ``started_at`` is the version's).
    """
    now = timezone.now()
    with transaction.atomic():
        taken = ModelVersion.objects.filter(pk=version_id, status=ModelVersionStatus.QUEUED).update(
            status=ModelVersionStatus.TRAINING,
            started_at=now,
            worker=worker,
            heartbeat_at=now,
            error="",
        )
        if taken:
            # What a run that died left behind: this run predicts everything again.
            Annotation.objects.filter(model_version_id=version_id).delete()
    version = ModelVersion.objects.select_related("recommender__project").get(pk=version_id)
    if not taken:
        return version  # already run (a retried task): nothing to do
    ours = ModelVersion.objects.filter(
        pk=version_id, status=ModelVersionStatus.TRAINING, started_at=now
    )
    try:
        with stalled.heartbeat(model=ModelVersion, pk=version_id, worker=worker):
            _run(version)
    except Exception as error:
        logger.warning("model version %s failed", version_id, exc_info=True)
        with transaction.atomic():
            if ours.update(
                status=ModelVersionStatus.FAILED,
                error=_describe(error),
                finished_at=timezone.now(),
            ):
                Annotation.objects.filter(model_version=version).delete()
        version.refresh_from_db()
        return version
    finished = ours.update(
        status=ModelVersionStatus.READY,
        finished_at=timezone.now(),
        metrics=version.metrics,
        artifact=version.artifact,
        gold_documents=version.gold_documents,
    )
    version.refresh_from_db()
    if finished:
        # A new ready version may be the shown prediction the queue orders by (docs/managing.md).
        queue_scores_refresh(project=version.recommender.project)
    else:
        logger.info("model version %s: this run was superseded by a newer one", version_id)
    return version


def documents_pre_annotate(*, project_id: int, document_ids: list[int]) -> int:
    """Pre-annotate newly imported documents with each ready built-in recommender's newest version.

    The model is loaded from the version's stored bytes; a document started meanwhile, or
    already predicted by that version, is skipped. Return how many predictions were stored.
    """
    stored = 0
    ids = sorted(set(document_ids))
    for version in reads.model_versions_serving(project_id=project_id):
        project = version.recommender.project
        labels = _labels(version.recommender)
        predictor = _stored_predictor(version)
        for offset in range(0, len(ids), PREDICT_BATCH):
            chunk = ids[offset : offset + PREDICT_BATCH]
            stored += _pre_annotate(version, project, labels, predictor, document_ids=chunk)
        logger.info("model version %s pre-annotated %d imported documents", version.pk, stored)
    return stored


def _stored_predictor(version: ModelVersion) -> "Predictor":
    """The version's model, loaded from its bytes."""
    artifact = bytes(version.artifact or b"")
    if version.recommender.kind == RecommenderKind.NER:
        nlp = ner.load(artifact)

        def predictor(texts: list[str]) -> Iterator[list[Predicted]]:
            return ner.predict(nlp, texts)

        return predictor
    return dictionary.Matcher(artifact).predict


def _describe(error: Exception) -> str:
    if isinstance(error, external.ServerError | InvalidInput | ner.ArtifactError):
        return str(error.detail if isinstance(error, InvalidInput) else error)
    return f"{type(error).__name__}: {error}"


def _run(version: ModelVersion) -> None:
    recommender = version.recommender
    project = recommender.project
    if not reads.predicted_labels(project=project):
        raise InvalidInput({"labels": [NO_LABELS]}, detail=NO_LABELS)
    labels = _labels(recommender)
    if recommender.kind == RecommenderKind.EXTERNAL:
        predictor = _external_predictor(recommender, list(labels), version)
    else:
        predictor = _train(version, project, list(labels))
    _pre_annotate(version, project, labels, predictor)


def _labels(recommender: Recommender) -> dict[str, int]:
    """The names (to ids) of the labels the recommender predicts: the NER's include claims."""
    kinds = reads.KINDS_PREDICTED_BY.get(RecommenderKind(recommender.kind), reads.PREDICTED_KINDS)
    return reads.predicted_labels(project=recommender.project, kinds=kinds)


Predictor = Any  # a callable: list of texts -> iterator of predictions per text


def _train(version: ModelVersion, project: Project, labels: list[str]) -> Predictor:
    """Train on the reviewed gold's training part, score the held-out part, keep the bytes."""
    recommender = version.recommender
    kinds = reads.KINDS_PREDICTED_BY.get(RecommenderKind(recommender.kind), reads.PREDICTED_KINDS)
    gold = reads.reviewed_gold_documents(project=project, kinds=kinds)
    needed = MIN_GOLD[RecommenderKind(recommender.kind)]
    if len(gold) < needed:
        message = TOO_LITTLE_GOLD.format(name=recommender.name, needed=needed, have=len(gold))
        raise InvalidInput({"gold": [message]}, detail=message)
    train, held_out = evaluation.held_out_split(gold)
    documents = [(text, spans) for _, text, spans in train]
    lang = settings.RECOMMENDER_LANGUAGE
    started = timezone.now()
    report: dict[str, Any] = {}
    scored = labels
    if recommender.kind == RecommenderKind.NER:
        claim_labels = sorted(reads.predicted_labels(project=project, kinds=(LabelKind.CLAIM,)))
        artifact, trained = ner.train(
            documents,
            labels=[label for label in labels if label not in claim_labels],
            claim_labels=claim_labels,
            lang=lang,
            iterations=settings.RECOMMENDER_NER_ITERATIONS,
        )
        report = {
            "spans": trained.spans,
            "misaligned_spans": trained.misaligned,
            "overlapping_spans": trained.overlapping,
            "iterations": len(trained.losses),
            "losses": trained.losses,
        }
        if trained.claim_spans:
            report["claim_spans"] = trained.claim_spans
            report["claim_losses"] = trained.claim_losses
        else:
            # No claims learnt, none predicted: the figures are the entities', as before.
            scored = [label for label in labels if label not in claim_labels]
        nlp = ner.load(artifact)

        def predictor(texts: list[str]) -> Iterator[list[Predicted]]:
            return ner.predict(nlp, texts)

    else:
        artifact = dictionary.build(documents, lang=lang)
        matcher = dictionary.Matcher(artifact)
        report = {"entries": len(matcher.entries)}
        predictor = matcher.predict
    seconds = (timezone.now() - started).total_seconds()
    predicted = list(predictor([text for _, text, _ in held_out]))
    scores = evaluation.span_scores(
        ((spans, found) for (_, _, spans), found in zip(held_out, predicted, strict=True)),
        scored,
    )
    version.artifact = artifact
    version.gold_documents = len(gold)
    version.metrics = {
        **scores,
        "train_documents": len(train),
        "held_out_documents": len(held_out),
        "held_out_ids": [pk for pk, _, _ in held_out],
        "training_seconds": round(seconds, 3),
        "training": report,
    }
    return predictor


def _external_predictor(
    recommender: Recommender, labels: list[str], version: ModelVersion
) -> Predictor:
    """Ask the named server; record its model version and what it got wrong on the version."""
    problem = server_problem(recommender.server)
    if problem:
        raise InvalidInput({"server": [problem]}, detail=problem)
    url = settings.RECOMMENDER_SERVERS[recommender.server]
    version.metrics = {"server": recommender.server, "model_version": "", "rejected": 0}
    rejected: list[dict[str, Any]] = []

    def predictor(texts: list[str]) -> Iterator[list[Predicted]]:
        size = settings.RECOMMENDER_BATCH_SIZE
        for offset in range(0, len(texts), size):
            chunk = texts[offset : offset + size]
            answer = external.predict(
                url,
                chunk,
                labels,
                timeout=settings.RECOMMENDER_TIMEOUT_SECONDS,
                max_bytes=settings.RECOMMENDER_MAX_RESPONSE_BYTES,
            )
            version.metrics["model_version"] = answer.model_version
            version.metrics["rejected"] += len(answer.rejected)
            for item in answer.rejected:
                if len(rejected) < REJECTED_LISTED:
                    rejected.append(
                        {
                            "text": offset + item.text_index,
                            "span": item.span_index,
                            "reason": item.reason,
                        }
                    )
            yield from answer.results

    version.metrics["rejected_examples"] = rejected  # filled as the batches come in
    return predictor


def _pre_annotate(
    version: ModelVersion,
    project: Project,
    labels: dict[str, int],
    predictor: Predictor,
    *,
    document_ids: list[int] | None = None,
) -> int:
    """Store one prediction of the version on every document nobody has started (of
    ``document_ids`` if given: then the version's metrics are left as they are); return how
    many documents got one."""
    documents = spans = 0
    batches = reads.documents_not_started(
        project=project, model_version=version, batch_size=PREDICT_BATCH, document_ids=document_ids
    )
    for batch in batches:
        texts = [text for _, text in batch]
        found = list(predictor(texts))
        rejected = version.metrics.get("rejected_examples")
        if rejected is not None:
            # External rejects name the batch's text index: name the document instead.
            for item in rejected:
                if "document" not in item:
                    item["document"] = batch[item.pop("text")][0]
        with transaction.atomic():
            annotations = Annotation.objects.bulk_create(
                [
                    Annotation(
                        document_id=pk, kind=AnnotationKind.PREDICTION, model_version=version
                    )
                    for pk, _ in batch
                ]
            )
            rows = [
                Span(
                    annotation=annotation,
                    label_id=labels[label],
                    start=start,
                    end=end,
                    text=text[start:end],
                    score=score,
                )
                for annotation, text, predicted in zip(annotations, texts, found, strict=True)
                for start, end, label, score in predicted
                if label in labels
            ]
            Span.objects.bulk_create(rows, batch_size=1000)
        documents += len(batch)
        spans += len(rows)
    if document_ids is None:
        version.metrics["pre_annotated_documents"] = documents
        version.metrics["pre_annotated_spans"] = spans
    return documents
