"""Claim matching's reads: the claims of a project most like a given claim, best first.

"Has this been checked before?" For a claim, the claims of the project's *other* documents
that say the same, found two ways and fused:

- lexical: full-text search in the database (``annotations.db.claimsearch``: PostgreSQL's
  GIN-indexed tsvector, SQLite's FTS5), the top ``CANDIDATES``;
- semantic: the cosine of WordLlama embeddings (``annotations.embeddings``), one matrix
  product over the project's vectors, the top ``CANDIDATES``;
- fused by reciprocal rank (``annotations.fusion``; bench/claim_matching.py chose it and its
  weights over weighted sums and rescoring: docs/fact-checking.md has the figures).

The vectors of a project are held in this process as one float32 matrix (with, on
PostgreSQL, its lexeme counts for BM25), loaded on first use and reloaded when the project's
``ClaimIndexState`` (version, sync time) moved: every write of the index bumps it, and one
one-row query per request reads it. A deleted span whose entry went by cascade (no bump) is
dropped when the details are read, so it never shows.

Who sees what: reviewers and managers every indexed claim; an annotator (blind annotation)
gold claims and their own. Claims at the same place of the same document (document, start,
end) are one match: the gold one if there is one, else the earliest.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from django.contrib.auth.models import User
from django.db.models import F, OuterRef, Q

from annotations import access, builtins, embeddings, fusion
from annotations.db import claimsearch, spanvalues
from annotations.models import ClaimIndexEntry, ClaimIndexState, ClaimRecord, Span, claimant_of
from annotations.selectors.annotations import annotation_get_for_user
from annotations.selectors.base import INT64

# How many candidates each half hands to the fusion.
CANDIDATES = 50
# How many matches the API answers unless asked.
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
# Reciprocal-rank fusion's k and the weights of (lexical, semantic): chosen by
# bench/claim_matching.py among RRF settings, weighted sums of scaled scores and rescoring
# every candidate by both halves (docs/fact-checking.md has the figures).
RRF_K = 60.0
WEIGHTS = (1.0, 1.0)


@dataclass
class ProjectVectors:
    version: tuple[int, Any]
    ids: npt.NDArray[np.int64]
    documents: npt.NDArray[np.int64]
    gold: npt.NDArray[np.bool_]
    authors: npt.NDArray[np.int64]
    matrix: embeddings.Matrix
    stats: claimsearch.LexemeStats | None


@dataclass(frozen=True)
class Match:
    span_id: int
    document_id: int
    external_id: str
    start: int
    end: int
    text: str
    matched_text: str
    gold: bool
    claimant: str
    verdict: str
    cluster_id: int | None
    score: float
    similarity: float | None
    lexical_rank: int | None
    semantic_rank: int | None


@dataclass(frozen=True)
class ClaimQuery:
    """What a claim is matched as: its project, its document, the text matched."""

    project_id: int
    document_id: int
    text: str
    span_id: int | None = None
    exclude: frozenset[int] = field(default_factory=frozenset)


_cache: dict[int, ProjectVectors] = {}
_lock = threading.Lock()
# The semantic half (embedding the query, the matrix product) runs here while the request's
# thread runs the lexical half in the database: numpy and the database driver both let go of
# the GIL, so a request waits for the slower half, not for both. No database work runs here
# (a connection belongs to its thread).
_semantic_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="claim-semantic")


def claim_text(*, span: Span) -> str:
    """The text a claim is matched on: its record's normalised text, else the span's text."""
    normalized = (
        ClaimRecord.objects.filter(span=span).values_list("normalized_text", flat=True).first()
    )
    return (normalized or "").strip() or span.text


def project_vectors(*, project_id: int) -> ProjectVectors:
    """The project's vectors, from this process's cache unless the index moved on."""
    # The version with the time of the sync that set it: a project deleted and its id used
    # again (SQLite reuses the highest id) starts at the same version, never at the same time.
    version = ClaimIndexState.objects.filter(project_id=project_id).values_list(
        "version", "synced_at"
    ).first() or (0, None)
    cached = _cache.get(project_id)
    if cached is not None and cached.version == version:
        return cached
    rows = list(
        ClaimIndexEntry.objects.filter(project_id=project_id)
        .order_by("span_id")
        .values_list("span_id", "document_id", "gold", "author_id", "vector")
    )
    loaded = ProjectVectors(
        version=version,
        ids=np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)),
        documents=np.fromiter((row[1] for row in rows), dtype=np.int64, count=len(rows)),
        gold=np.fromiter((row[2] for row in rows), dtype=np.bool_, count=len(rows)),
        authors=np.fromiter((row[3] or 0 for row in rows), dtype=np.int64, count=len(rows)),
        matrix=embeddings.from_bytes([bytes(row[4]) for row in rows]),
        stats=claimsearch.lexeme_stats(project_id=project_id),
    )
    with _lock:
        _cache[project_id] = loaded
    return loaded


def semantic_search(
    *,
    vectors: ProjectVectors,
    query: ClaimQuery,
    vector: embeddings.Matrix,
    viewer_id: int | None,
    limit: int,
) -> list[tuple[int, float]]:
    """The claims of ``vectors`` (``project_vectors``) nearest to ``vector`` (cosine), other
    documents than the query's only, best first."""
    if not len(vectors.ids):
        return []
    scores = vectors.matrix @ vector  # a fresh array: masked in place
    scores[vectors.documents == query.document_id] = -np.inf
    if viewer_id is not None:  # an annotator: gold and their own only
        scores[~(vectors.gold | (vectors.authors == viewer_id))] = -np.inf
    count = min(limit, len(scores))
    top = np.argpartition(-scores, count - 1)[:count]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [
        (int(vectors.ids[index]), float(scores[index]))
        for index in top
        if np.isfinite(scores[index])
    ]


def ranked_candidates(
    *, query: ClaimQuery, viewer_id: int | None, mode: str = "hybrid"
) -> tuple[list[tuple[int, float]], dict[int, int], dict[int, int], dict[int, float]]:
    """Ranked (span id, score) best first, and each id's lexical rank, semantic rank, cosine.

    ``mode``: ``hybrid`` (the default), ``lexical`` or ``semantic`` (one half alone: what
    bench/claim_matching.py compares).
    """
    vectors = project_vectors(project_id=query.project_id)

    def semantic_half() -> tuple[embeddings.Matrix, list[tuple[int, float]]]:
        vector = embeddings.embed([query.text])[0]
        if mode == "lexical":
            return vector, []
        found = semantic_search(
            vectors=vectors, query=query, vector=vector, viewer_id=viewer_id, limit=CANDIDATES
        )
        return vector, found

    pending = _semantic_pool.submit(semantic_half)
    lexical: list[tuple[int, float]] = []
    if mode in ("hybrid", "lexical"):
        lexical = claimsearch.lexical_search(
            project_id=query.project_id,
            text=query.text,
            limit=CANDIDATES,
            exclude_document_id=query.document_id,
            stats=vectors.stats,
        )
    vector, semantic = pending.result()
    lexical_ranks = {item: rank for rank, (item, _s) in enumerate(lexical, start=1)}
    semantic_ranks = {item: rank for rank, (item, _s) in enumerate(semantic, start=1)}
    cosines = dict(semantic)
    if mode == "lexical":
        return lexical, lexical_ranks, semantic_ranks, cosines
    if mode == "semantic":
        return semantic, lexical_ranks, semantic_ranks, cosines
    fused = fusion.reciprocal_rank([lexical, semantic], weights=WEIGHTS, k=RRF_K)
    # The similarity shown (and that suggestions are made from), for lexical finds too.
    cosines.update(
        cosines_of(
            vectors=vectors,
            vector=vector,
            span_ids=[item for item in lexical_ranks if item not in cosines],
        )
    )
    return fused, lexical_ranks, semantic_ranks, cosines


def cosines_of(
    *, vectors: ProjectVectors, vector: embeddings.Matrix, span_ids: list[int]
) -> dict[int, float]:
    """The cosine of ``vector`` with each of these claims of ``vectors``."""
    if not span_ids or not len(vectors.ids):
        return {}
    wanted = np.asarray(span_ids, dtype=np.int64)
    positions = np.searchsorted(vectors.ids, wanted)
    positions = np.minimum(positions, len(vectors.ids) - 1)
    found = vectors.ids[positions] == wanted
    scores = vectors.matrix[positions[found]] @ vector
    return {int(item): float(score) for item, score in zip(wanted[found], scores, strict=True)}


def claim_matches(
    *, query: ClaimQuery, viewer: User, role: str | None, limit: int = DEFAULT_LIMIT
) -> list[Match]:
    """The claims of the project's other documents most like the query's, best first."""
    viewer_id = None if access.sees_others_work(role) else viewer.pk
    fused, lexical_ranks, semantic_ranks, cosines = ranked_candidates(
        query=query, viewer_id=viewer_id
    )
    wanted = [item for item, _score in fused if item not in query.exclude][: limit * 3]
    visible = Q() if viewer_id is None else Q(gold=True) | Q(author_id=viewer_id)
    rows = {
        row["span_id"]: row
        for row in ClaimIndexEntry.objects.filter(visible, span_id__in=wanted)
        .exclude(document_id=query.document_id)
        .values(
            "span_id",
            "document_id",
            "start",
            "end",
            "gold",
            "text",
            span_text=F("span__text"),
            external_id=F("document__external_id"),
            claimant_span=claimant_of(OuterRef("span_id"), "text"),
            claimant_text=spanvalues.builtin_value(builtins.CLAIMANT_TEXT, through="span__"),
            verdict=F("span__claim_record__verdict"),
            cluster_id=F("span__claim_record__cluster_id"),
        )
    }
    scores = dict(fused)
    places: dict[tuple[int, int, int], Match] = {}
    for item in wanted:
        row = rows.get(item)
        if row is None:
            continue
        match = Match(
            span_id=item,
            document_id=row["document_id"],
            external_id=row["external_id"],
            start=row["start"],
            end=row["end"],
            text=row["span_text"],
            matched_text=row["text"],
            gold=row["gold"],
            claimant=row["claimant_span"] or row["claimant_text"] or "",
            verdict=row["verdict"] or "",
            cluster_id=row["cluster_id"],
            score=round(scores[item], 6),
            similarity=None if item not in cosines else round(cosines[item], 4),
            lexical_rank=lexical_ranks.get(item),
            semantic_rank=semantic_ranks.get(item),
        )
        place = (match.document_id, match.start, match.end)
        kept = places.get(place)
        if kept is None or (match.gold and not kept.gold):
            places[place] = match
    return sorted(places.values(), key=lambda match: -match.score)[:limit]


def claim_span_for_user(*, user: User, span_id: int) -> tuple[Span, str | None] | None:
    """A span the user may read, with their role in its project (and its document), or None."""
    span = (
        Span.objects.select_related("label", "annotation__document").filter(pk=span_id).first()
        if span_id in INT64
        else None
    )
    if span is None:
        return None
    annotation = annotation_get_for_user(user=user, annotation_id=span.annotation_id)
    if annotation is None:
        return None
    return span, annotation.caller_role
