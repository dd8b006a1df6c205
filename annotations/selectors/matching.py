"""Claim matching's reads: the claims of a project most like a given claim, best first.

"Has this been checked before?" For a claim, the claims of the project's *other* documents
that say the same, found two ways and fused:

- lexical: full-text search in the database (``annotations.db.claimsearch``: PostgreSQL's
  GIN-indexed tsvector, SQLite's FTS5), the top ``CANDIDATES``;
- semantic: the cosine of WordLlama embeddings (``annotations.embeddings``), the top
  ``CANDIDATES``; over a large project, exact cosines of a shortlist: the ``SHORTLIST``
  claims nearest by the Hamming distance of their sign codes (32 bytes a claim);
- fused (``annotations.fusion.rescored``): every candidate of either half scored by its
  cosine plus ``LEXICAL_WEIGHT`` times its lexical score; a candidate needs some evidence to
  be ranked (a lexical hit, or a cosine of at least ``COSINE_FLOOR``), and one whose stated
  numbers contradict the query's (``annotations.claimnumbers``: "1,500 troops" against "500
  troops") has its score multiplied by ``NUMBER_DEMOTION``. bench/claim_matching.py chose
  this over reciprocal-rank fusion and weighted sums, on held-out halves of our pairs
  (docs/fact-checking.md has the figures).

The vectors of a project are held in this process as one float32 matrix (with their sign
codes, the claims' texts and, on PostgreSQL, the lexeme counts for BM25), read in full on
first use. One one-row query per request reads the project's ``ClaimIndexState``; when its
version moved (every sync that writes the index bumps it), the entries written since (their
``revision``) are applied to the cached arrays (``_refreshed``), checked against the count
and sum of span ids the sync left in the state; whatever does not add up, or changes past
``REFRESH_DRIFT`` of the project, reads everything again. A deleted span whose entry went by
cascade (no bump) is dropped when the details are read, so it never shows.

Who sees what: reviewers and managers every indexed claim; an annotator (blind annotation)
gold claims and their own. Claims at the same place of the same document (document, start,
end) are one match: the gold one if there is one, else the earliest.
"""

import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from django.contrib.auth.models import User
from django.db.models import F, OuterRef, Q

from annotations import access, builtins, claimnumbers, embeddings, fusion
from annotations.db import claimindex, claimsearch, spanvalues
from annotations.models import ClaimIndexEntry, ClaimIndexState, ClaimRecord, Span, claimant_of
from annotations.selectors.annotations import annotation_get_for_user
from annotations.selectors.base import INT64

# How many candidates each half hands to the fusion.
CANDIDATES = 100
# Above SHORTLIST_FROM claims, the semantic half computes exact cosines for the SHORTLIST
# claims nearest by sign-code Hamming distance only (bench/claim_matching.py measures how many
# of the exact top CANDIDATES the shortlist keeps); below it, for every claim.
SHORTLIST = 8000
SHORTLIST_FROM = 3 * SHORTLIST
# How many matches the API answers unless asked.
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
# The fusion's settings, chosen by bench/claim_matching.py (docs/fact-checking.md): the
# weight of the lexical score added to the cosine, the cosine a candidate without a lexical
# hit needs to be ranked, and the factor on the score of a claim whose numbers contradict.
LEXICAL_WEIGHT = 0.2
COSINE_FLOOR = 0.2
NUMBER_DEMOTION = 0.3


@dataclass
class ProjectVectors:
    version: tuple[int, Any]
    ids: npt.NDArray[np.int64]
    documents: npt.NDArray[np.int64]
    gold: npt.NDArray[np.bool_]
    authors: npt.NDArray[np.int64]
    matrix: embeddings.Matrix
    # The sign codes of the rows, centred on ``centre`` (the mean vector when all were read).
    codes: embeddings.Codes
    centre: embeddings.Matrix
    stats: claimsearch.LexemeStats | None
    texts: list[str] = field(default_factory=list)
    # The numbers each claim states, read from its text the first time it is a candidate.
    numbers: dict[int, frozenset[float]] = field(default_factory=dict)
    # Claims added, changed or removed by refreshes since everything was last read.
    changes: int = 0

    def numbers_of(self, span_id: int) -> frozenset[float]:
        """The numbers the claim states (``claimnumbers.stated_numbers``), cached."""
        found = self.numbers.get(span_id)
        if found is None:
            position = int(np.searchsorted(self.ids, span_id))
            if position >= len(self.ids) or self.ids[position] != span_id:
                return frozenset()
            found = self.numbers[span_id] = claimnumbers.stated_numbers(self.texts[position])
        return found


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
    """The project's vectors, from this process's cache unless the index moved on: then the
    entries written since are applied to the cached ones, or all are read again."""
    # The version with the time of the sync that set it: a project deleted and its id used
    # again (SQLite reuses the highest id) starts at the same version, never at the same time.
    state = ClaimIndexState.objects.filter(project_id=project_id).values_list(
        "version", "synced_at", "entries", "span_id_sum"
    ).first() or (0, None, 0, 0)
    version = (state[0], state[1])
    cached = _cache.get(project_id)
    if cached is not None and cached.version == version:
        return cached
    loaded = None
    if cached is not None and cached.version[0] < version[0]:
        loaded = _refreshed(
            cached, version=version, sums=(state[2], state[3]), project_id=project_id
        )
    if loaded is None:
        loaded = _loaded(_entry_rows(project_id=project_id), version=version)
        loaded.stats = claimsearch.lexeme_stats(project_id=project_id)
    with _lock:
        _cache[project_id] = loaded
    return loaded


# A refresh reads only what changed; after changes adding up to this share of the claims,
# the next one reads everything again (the lexeme counts drift: claimsearch.lexeme_stats_grown).
REFRESH_DRIFT = 0.1
_ROW = ("span_id", "document_id", "gold", "author_id", "vector", "text")


def _entry_rows(*, project_id: int, after: int | None = None) -> list[tuple[Any, ...]]:
    entries = ClaimIndexEntry.objects.filter(project_id=project_id)
    if after is not None:
        entries = entries.filter(revision__gt=after)
    return list(entries.order_by("span_id").values_list(*_ROW))


def _loaded(
    rows: list[tuple[Any, ...]],
    *,
    version: tuple[int, Any],
    centre: embeddings.Matrix | None = None,
) -> ProjectVectors:
    matrix = embeddings.from_bytes([bytes(row[4]) for row in rows])
    if centre is None:
        centre = np.zeros(embeddings.DIMENSIONS, dtype=embeddings.DTYPE)
        if len(matrix):
            centre = matrix.mean(axis=0, dtype=embeddings.DTYPE)
    return ProjectVectors(
        version=version,
        ids=np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)),
        documents=np.fromiter((row[1] for row in rows), dtype=np.int64, count=len(rows)),
        gold=np.fromiter((row[2] for row in rows), dtype=np.bool_, count=len(rows)),
        authors=np.fromiter((row[3] or 0 for row in rows), dtype=np.int64, count=len(rows)),
        matrix=matrix,
        codes=embeddings.signs(matrix, centre),
        centre=centre,
        stats=None,
        texts=[row[5] for row in rows],
    )


def _refreshed(
    cached: ProjectVectors,
    *,
    version: tuple[int, Any],
    sums: tuple[int, int],
    project_id: int,
) -> ProjectVectors | None:
    """``cached`` with the entries written after its version put in and the entries gone
    taken out, or None when that cannot be trusted and everything must be read again.

    One query when nothing was removed (the rows of revision > its version: the count and
    sum of span ids the sync left in the state, ``sums``, then add up), a second when
    something was (the project's span ids)."""
    count, total = sums
    if cached.changes + abs(count - len(cached.ids)) > REFRESH_DRIFT * max(count, 1):
        return None  # past the drift already: no need to read the rows first
    rows = _entry_rows(project_id=project_id, after=cached.version[0])
    fresh = _loaded(rows, version=version, centre=cached.centre)
    keep = ~_contains(fresh.ids, cached.ids)
    if count != int(keep.sum()) + len(fresh.ids) or total != int(
        cached.ids[keep].sum() + fresh.ids.sum()
    ):
        current = claimindex.span_ids(project_id=project_id)
        keep &= _contains(current, cached.ids)
        # An entry deleted since the sync (its span deleted) is not counted in ``sums``.
        count = len(current)
        if int(keep.sum()) + len(fresh.ids) != count:
            return None  # an entry of an older revision the cache never saw (an id used again)
    changes = cached.changes + len(fresh.ids) + int(len(keep) - keep.sum())
    if changes > REFRESH_DRIFT * max(count, 1):
        return None
    ids = np.concatenate([cached.ids[keep], fresh.ids])
    # New claims have the highest span ids: then the rows are in order as they stand.
    order = None if np.all(ids[1:] > ids[:-1]) else np.argsort(ids, kind="stable")

    every = bool(keep.all())  # nothing removed or rewritten: no copy of the kept rows

    def joined(old: npt.NDArray[Any], new: npt.NDArray[Any]) -> npt.NDArray[Any]:
        both = np.concatenate([old if every else old[keep], new])
        return both if order is None else both[order]

    texts = [text for text, kept in zip(cached.texts, keep.tolist(), strict=True) if kept]
    texts += fresh.texts
    stats = cached.stats
    if stats is not None:
        stats = claimsearch.lexeme_stats_grown(
            stats=stats, project_id=project_id, revision=cached.version[0], claims=count
        )
    changed = set(fresh.ids.tolist())
    return ProjectVectors(
        version=version,
        ids=ids if order is None else ids[order],
        documents=joined(cached.documents, fresh.documents),
        gold=joined(cached.gold, fresh.gold),
        authors=joined(cached.authors, fresh.authors),
        matrix=joined(cached.matrix, fresh.matrix),
        codes=joined(cached.codes, fresh.codes),
        centre=cached.centre,
        stats=stats,
        texts=texts if order is None else [texts[index] for index in order],
        numbers={item: found for item, found in cached.numbers.items() if item not in changed},
        changes=changes,
    )


def _contains(
    sorted_ids: npt.NDArray[np.int64], ids: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """Whether each of ``ids`` is in ``sorted_ids`` (ascending)."""
    if not len(sorted_ids):
        return np.zeros(len(ids), dtype=np.bool_)
    positions = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return sorted_ids[positions] == ids


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
    hidden = vectors.documents == query.document_id
    if viewer_id is not None:  # an annotator: gold and their own only
        hidden |= ~(vectors.gold | (vectors.authors == viewer_id))
    if len(vectors.ids) > SHORTLIST_FROM:
        code = embeddings.signs(vector[None, :], vectors.centre)[0]
        distances = embeddings.hamming(vectors.codes, code)
        distances[hidden] = embeddings.DIMENSIONS + 1
        rows = np.argpartition(distances, SHORTLIST - 1)[:SHORTLIST]
        rows = rows[distances[rows] <= embeddings.DIMENSIONS]
        scores = embeddings.dot(vectors.matrix[rows], vector)
    else:
        rows = np.flatnonzero(~hidden)
        scores = embeddings.dot(vectors.matrix, vector)[rows]
    if not len(rows):
        return []
    count = min(limit, len(scores))
    top = np.argpartition(-scores, count - 1)[:count]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(vectors.ids[rows[index]]), float(scores[index])) for index in top]


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
    # The cosine of lexical finds too: the fusion scores them, and it is the similarity shown
    # (and that suggestions are made from).
    cosines.update(
        cosines_of(
            vectors=vectors,
            vector=vector,
            span_ids=[item for item in lexical_ranks if item not in cosines],
        )
    )
    fused = fusion.rescored(
        lexical=dict(lexical),
        cosine=cosines,
        weight=LEXICAL_WEIGHT,
        floor=COSINE_FLOOR,
        demoted=contradicted(vectors=vectors, text=query.text, span_ids=cosines.keys()),
        demotion=NUMBER_DEMOTION,
    )
    return fused, lexical_ranks, semantic_ranks, cosines


def contradicted(*, vectors: ProjectVectors, text: str, span_ids: Iterable[int]) -> set[int]:
    """The claims among ``span_ids`` whose stated numbers contradict those of ``text``."""
    stated = claimnumbers.stated_numbers(text)
    if not stated:
        return set()
    return {
        item
        for item in span_ids
        if claimnumbers.numbers_contradict(stated, vectors.numbers_of(item))
    }


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
    scores = embeddings.dot(vectors.matrix[positions[found]], vector)
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
