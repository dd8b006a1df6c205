"""The claim-matching index's one writer: which claims are indexed, and their embeddings.

Indexed (docs/fact-checking.md, "Claim matching"): every claim span (label kind ``claim``) of
a gold annotation, and of a *submitted* manual annotation. Predictions are not (a model's
guess is not a claim someone made); work in progress is not (it may still change or go).
Duplicates (the same place in the same document in gold and in manual work) stay in the
index and are folded into one match when read, gold first.

``claims_changed`` is the hook: the event log's writer (``services.changelog``) calls it for
a change that ``index_touched`` says can change the index (a claim span of an indexed
annotation created, changed, relabelled to or from a claim, or deleted; an annotation
entering or leaving the index by its status; gold built or replaced with claims in it or
before it; a change whose writer cannot say, such as a revert). Entity, stance, relation and
document-label writes, and any write to work in progress, queue nothing and cost no query.
After the commit it marks the project's index as pending and queues one sync, unless one is
queued already. ``claim_index_refresh`` (run by the worker:
``tasks.index_claims``) syncs: it looks again at the annotations changed since the last sync (with a
margin for transactions that committed late) and at claim records changed since then, embeds
the claims that are new or whose text changed, drops the ones no longer indexed, bumps the
project's index version (the selector's cache key) and suggests links for new claims.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from annotations import embeddings, selectors
from annotations.db import claimindex, claimsearch
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    ClaimIndexEntry,
    ClaimIndexState,
    ClaimRecord,
    Document,
    LabelKind,
    Project,
    Span,
)
from annotations.services.matching.clusters import SUGGEST_PER_CLAIM, claim_links_suggest

# A sync looks again at annotations changed this long before the last sync began: a
# transaction that stamped its change before that sync and committed after it is still seen.
MARGIN = datetime.timedelta(minutes=10)
EMBED_BATCH = 2048
# Suggestions are looked for, per sync, for at most this many new claims (a bulk import of
# claims is not matched against itself claim by claim on the worker).
SUGGEST_MAX = 500

# Set by annotations.tasks (which sits above the services): queues a sync of a project.
_enqueue: Callable[[int], None] | None = None


@dataclass
class SyncReport:
    added: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    removed: int = 0
    suggested: int = 0


def set_enqueuer(enqueue: Callable[[int], None] | None) -> None:
    """Name how a sync is queued (annotations.tasks does, when it is imported)."""
    global _enqueue
    _enqueue = enqueue


def is_indexed(*, kind: str, status: str) -> bool:
    """Whether the claims of an annotation of this kind and status are in the index."""
    return kind == AnnotationKind.GOLD or (
        kind == AnnotationKind.MANUAL and status == AnnotationStatus.SUBMITTED
    )


def index_touched(*, annotation: Annotation, status_before: str, claims: bool | None) -> bool:
    """Whether a change to the annotation (now ``annotation.status``) can change the index.

    ``claims``: the change touches a claim span (True), none (False), or cannot say (None).
    Decided from what the writer holds: no query.
    """
    before = is_indexed(kind=annotation.kind, status=status_before)
    after = is_indexed(kind=annotation.kind, status=annotation.status)
    if before != after:
        return True
    return after and claims is not False


def claims_changed(*, document_id: int) -> None:
    """After this transaction commits, queue a sync of the document's project (once)."""
    transaction.on_commit(lambda: _mark_pending(document_id))


def _mark_pending(document_id: int) -> None:
    if _enqueue is None:
        return
    project_id = Document.objects.filter(pk=document_id).values_list("project_id", flat=True)
    marked = ClaimIndexState.objects.filter(project_id__in=project_id, pending=False).update(
        pending=True
    )
    if not marked:
        found = project_id.first()
        if found is None:
            return
        _state, created = ClaimIndexState.objects.get_or_create(
            project_id=found, defaults={"pending": True}
        )
        if not created:
            return
        _enqueue(found)
        return
    found = project_id.first()
    if found is not None:
        _enqueue(found)


def claim_index_refresh(*, project_id: int, full: bool = False) -> SyncReport:
    """Sync the project's index, then suggest links for the claims it added."""
    report = claim_index_sync(project_id=project_id, full=full)
    new = report.added[:SUGGEST_MAX]
    if not new:
        return report
    project = Project.objects.get(pk=project_id)
    found: list[tuple[int, int, float]] = []
    for entry in ClaimIndexEntry.objects.filter(span_id__in=new).only(
        "span_id", "document_id", "text"
    ):
        query = selectors.ClaimQuery(
            project_id=project_id, document_id=entry.document_id, text=entry.text
        )
        _fused, _lexical, _semantic, cosines = selectors.ranked_candidates(
            query=query, viewer_id=None
        )
        best = sorted(cosines.items(), key=lambda pair: -pair[1])[:SUGGEST_PER_CLAIM]
        found += [(entry.span_id, other, similarity) for other, similarity in best]
    report.suggested = len(claim_links_suggest(project=project, matches=found))
    return report


def claim_index_sync(*, project_id: int, full: bool = False) -> SyncReport:
    """Bring the project's claim index up to date; with ``full``, look at every annotation."""
    report = SyncReport()
    with transaction.atomic():
        state, _created = ClaimIndexState.objects.select_for_update().get_or_create(
            project_id=project_id
        )
        began = timezone.now()
        annotations = Annotation.objects.filter(document__project_id=project_id)
        if not full and state.synced_at is not None:
            since = state.synced_at - MARGIN
            records = ClaimRecord.objects.filter(updated_at__gte=since).values(
                "span__annotation_id"
            )
            annotations = annotations.filter(Q(updated_at__gte=since) | Q(pk__in=records))
        annotation_ids = list(annotations.values_list("pk", flat=True))
        wanted = _indexable(annotation_ids)
        existing = dict(
            ClaimIndexEntry.objects.filter(annotation_id__in=annotation_ids).values_list(
                "span_id", "text"
            )
        )
        gone = [span_id for span_id in existing if span_id not in wanted]
        fresh = [entry for span_id, entry in wanted.items() if existing.get(span_id) != entry.text]
        if gone:
            ClaimIndexEntry.objects.filter(span_id__in=gone).delete()
            claimsearch.fts_delete(gone)
        for start in range(0, len(fresh), EMBED_BATCH):
            batch = fresh[start : start + EMBED_BATCH]
            vectors = embeddings.embed([entry.text for entry in batch])
            for entry, vector in zip(batch, vectors, strict=True):
                entry.vector = embeddings.to_bytes(vector)
                # The version this sync moves the project to: what a web process's cache
                # reads past to pick up this entry alone (selectors.matching).
                entry.revision = state.version + 1
            ClaimIndexEntry.objects.filter(span_id__in=[entry.span_id for entry in batch]).delete()
            ClaimIndexEntry.objects.bulk_create(batch)
            claimsearch.fts_write([(entry.span_id, entry.text) for entry in batch])
        if full:
            claimsearch.fts_sweep()
        report.removed = len(gone)
        report.added = [entry.span_id for entry in fresh if entry.span_id not in existing]
        report.changed = [entry.span_id for entry in fresh if entry.span_id in existing]
        if gone or fresh:
            state.version += 1
            # What a web process's cache checks its ids against when it takes in this sync
            # (selectors.matching): read here, on the worker, not on a match request.
            state.entries, state.span_id_sum = claimindex.span_id_sum(project_id=project_id)
        state.pending = False
        state.synced_at = began
        state.save()
    return report


def _indexable(annotation_ids: list[int]) -> dict[int, ClaimIndexEntry]:
    """The unsaved index entries of the claims of these annotations that are indexed."""
    spans = (
        Span.objects.filter(annotation_id__in=annotation_ids, label__kind=LabelKind.CLAIM)
        .filter(
            Q(annotation__kind=AnnotationKind.GOLD)
            | Q(
                annotation__kind=AnnotationKind.MANUAL,
                annotation__status=AnnotationStatus.SUBMITTED,
            )
        )
        .order_by()
        .values_list(
            "pk",
            "annotation_id",
            "annotation__document_id",
            "annotation__document__project_id",
            "annotation__kind",
            "annotation__author_id",
            "start",
            "end",
            "text",
            "claim_record__normalized_text",
        )
    )
    entries = {}
    for (
        pk,
        annotation_id,
        document_id,
        project_id,
        kind,
        author_id,
        start,
        end,
        text,
        norm,
    ) in spans:
        entries[pk] = ClaimIndexEntry(
            span_id=pk,
            project_id=project_id,
            document_id=document_id,
            annotation_id=annotation_id,
            start=start,
            end=end,
            gold=kind == AnnotationKind.GOLD,
            author_id=author_id,
            text=(norm or "").strip() or text,
        )
    return entries
