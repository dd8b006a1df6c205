"""Benchmark: claim matching's quality (recall@1/@5, MRR) and latency, on PostgreSQL.

    .venv/bin/python bench/claim_matching.py [--distractors 3000] [--sizes 10000,100000]
        [--bulk-add 1000] [--database-url postgres://postgres@127.0.0.1:5432/bench_claim_matching]

Quality: the groups of bench/data/claim_pairs.jsonl (a claim, its paraphrase or negation,
which a fact-check of the one answers, and a claim on the same topic that is a different
claim) are indexed, one claim a document, among ``--distractors`` generated claims of the
same vocabulary (news of the Sahel: armies, elections, prices, aid). Each group's first
claim is the query; its match is the one relevant claim; the same-topic claims and every
other are not. Printed per ranking: recall@1, recall@5 and MRR (the reciprocal rank of the
match, 0 past the candidates), for lexical only (the database's full-text search), embeddings
only (WordLlama cosine), embeddings with the number check, reciprocal-rank fusion (the
selector's before) and the selector's fusion (cosine + a share of the lexical score, an
evidence floor, a demotion of contradicting numbers) at several settings. Then held out: the
fusion's settings tuned on the even groups and reported on the odd ones, and the reverse.

Latency: the index is then filled with generated claims (twenty a document, in gold) up to
each of ``--sizes``, and ``GET /api/spans/{s}/matches/``'s work (the selector: the index
version, the full-text query, the matrix product over the cached vectors, the details) is
timed over 50 queries: median and 95th percentile, and the first query (which loads the
project's vectors into the process) apart; each part alone; and, last, the first query after
``--bulk-add`` claims are added and synced (the process takes in the new claims only).
"""

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import fresh_database, load

ROOT = Path(__file__).resolve().parent
PAIRS = ROOT / "data" / "claim_pairs.jsonl"

SUBJECTS = [
    "the army",
    "the government",
    "the junta",
    "the prime minister",
    "the opposition",
    "the UN mission",
    "rebels in the north",
    "the central bank",
    "aid agencies",
    "the health ministry",
    "farmers in Segou",
    "the electoral commission",
    "French officials",
    "the mining company",
    "teachers' unions",
    "the police",
    "local officials in Gao",
    "the World Food Programme",
    "the finance minister",
    "jihadist groups",
]
VERBS = [
    "said",
    "announced",
    "denied",
    "confirmed",
    "reported",
    "promised",
    "warned",
    "claimed",
    "estimated",
    "admitted",
]
FACTS = [
    "that {n} people were displaced near {place}",
    "that fuel prices rose by {n} percent in {place}",
    "that {n} soldiers were deployed to {place}",
    "that the road to {place} reopened after {n} days",
    "that {n} schools in {place} were closed",
    "that the harvest in {place} fell by {n} percent",
    "that {n} tonnes of food aid reached {place}",
    "that an attack near {place} killed {n} civilians",
    "that the vote in {place} was postponed by {n} weeks",
    "that {n} new clinics would open in {place}",
    "that electricity cuts in {place} lasted {n} hours a day",
    "that {n} hostages were freed near {place}",
    "that gold output in {place} grew by {n} percent",
    "that the budget for {place} was cut by {n} million francs",
    "that {n} militants surrendered in {place}",
    "that cholera cases in {place} reached {n}",
]
PLACES = [
    "Bamako",
    "Gao",
    "Timbuktu",
    "Mopti",
    "Kidal",
    "Segou",
    "Sikasso",
    "Kayes",
    "Menaka",
    "Koulikoro",
    "Niamey",
    "Ouagadougou",
    "Dakar",
    "the border with Niger",
    "the Inner Niger Delta",
]
WHEN = ["on Monday", "on Thursday", "last week", "this month", "in March", "in 2023", "", ""]

CLAIMS_PER_DOCUMENT = 20
LATENCY_QUERIES = 50
CANDIDATES = 100  # as the selector (selectors.matching.CANDIDATES)


def distractor(rng: random.Random) -> str:
    fact = rng.choice(FACTS).format(
        n=rng.choice([3, 12, 40, 150, 1500, 10000]), place=rng.choice(PLACES)
    )
    when = rng.choice(WHEN)
    sentence = f"{rng.choice(SUBJECTS)} {when} {rng.choice(VERBS)} {fact}.".replace("  ", " ")
    return sentence[0].upper() + sentence[1:]


def store(project, label, claims: list[str], per_document: int) -> list[int]:
    """Store the claims, ``per_document`` to a gold document; return their span ids."""
    from annotations.models import Annotation, AnnotationKind, AnnotationStatus, Document, Span

    span_ids: list[int] = []
    for start in range(0, len(claims), 2000):
        chunk = claims[start : start + 2000]
        groups = [chunk[i : i + per_document] for i in range(0, len(chunk), per_document)]
        texts = [" ".join(group) for group in groups]
        documents = Document.objects.bulk_create(
            Document(
                project=project,
                text=text,
                content_hash=hashlib.sha256(f"{start}:{i}:{text}".encode()).hexdigest(),
            )
            for i, text in enumerate(texts)
        )
        annotations = Annotation.objects.bulk_create(
            Annotation(
                document=document, kind=AnnotationKind.GOLD, status=AnnotationStatus.SUBMITTED
            )
            for document in documents
        )
        spans = []
        for annotation, group in zip(annotations, groups, strict=True):
            offset = 0
            for claim in group:
                spans.append(
                    Span(
                        annotation=annotation,
                        label=label,
                        start=offset,
                        end=offset + len(claim),
                        text=claim,
                    )
                )
                offset += len(claim) + 1
        span_ids += [span.pk for span in Span.objects.bulk_create(spans)]
    return span_ids


def rank_of(ranking, wanted: int) -> int | None:
    for rank, (item, _score) in enumerate(ranking, start=1):
        if item == wanted:
            return rank
    return None


def figures(ranks: list[int | None]) -> tuple[float, float, float]:
    n = len(ranks)
    return (
        sum(1 for r in ranks if r == 1) / n,
        sum(1 for r in ranks if r is not None and r <= 5) / n,
        sum(1 / r for r in ranks if r is not None) / n,
    )


def quality(project, queries, matches):
    """Each ranking's recall@1, recall@5 and MRR over every group, and each query's halves."""
    from annotations import embeddings, fusion, selectors
    from annotations.models import ClaimIndexEntry

    matching = selectors.matching
    entries = {
        entry.span_id: entry
        for entry in ClaimIndexEntry.objects.filter(span_id__in=queries).only(
            "span_id", "document_id", "text"
        )
    }
    vectors = selectors.project_vectors(project_id=project.pk)
    halves = []
    for query_id in queries:
        entry = entries[query_id]
        query = selectors.ClaimQuery(
            project_id=project.pk, document_id=entry.document_id, text=entry.text
        )
        hybrid, _lexical_ranks, semantic_ranks, cosines = selectors.ranked_candidates(
            query=query, viewer_id=None
        )
        # The halves as the selector saw them: each one's candidates, best first, with scores.
        lexical, _ranks, _semantic, _cosines = selectors.ranked_candidates(
            query=query, viewer_id=None, mode="lexical"
        )
        semantic = sorted(
            ((item, cosines[item]) for item in semantic_ranks), key=lambda pair: -pair[1]
        )
        demoted = matching.contradicted(vectors=vectors, text=entry.text, span_ids=cosines)
        halves.append(
            {
                "lexical": lexical,
                "semantic": semantic,
                "cosines": cosines,
                "demoted": demoted,
                "hybrid": hybrid,
            }
        )
    # The first 128 of the 256 dimensions (WordLlama's Matryoshka training keeps a prefix
    # meaningful), renormalised: half the bytes the matrix product reads.
    short = _truncated(vectors.matrix, 128)
    for index, query_id in enumerate(queries):
        entry = entries[query_id]
        vector = _truncated(embeddings.embed([entry.text])[0][None, :], 128)[0]
        scores = short @ vector
        scores[vectors.documents == entry.document_id] = -np.inf
        top = np.argsort(-scores, kind="stable")[: matching.CANDIDATES]
        halves[index]["short"] = [(int(vectors.ids[i]), float(scores[i])) for i in top]
    rankings = {
        "lexical only": lambda h: h["lexical"],
        "embeddings only": lambda h: h["semantic"],
        "embeddings only, 128 dimensions": lambda h: h["short"],
        "embeddings + number check": lambda h: rescore(h, weight=0.0),
        "RRF k=60 1 : 1 (the selector's before)": lambda h: fusion.reciprocal_rank(
            [h["lexical"][:50], h["semantic"][:50]], k=60
        ),
    }
    for weight in (0.1, 0.2, 0.3, 0.5):
        for demotion in (1.0, 0.5, 0.3):
            rankings[f"cosine + {weight:g} x lexical, numbers x {demotion:g}"] = (
                lambda h, weight=weight, demotion=demotion: rescore(
                    h, weight=weight, demotion=demotion
                )
            )
    rankings["hybrid (the selector's)"] = lambda h: h["hybrid"]
    results = {
        name: figures([rank_of(rank(h), match) for h, match in zip(halves, matches, strict=True)])
        for name, rank in rankings.items()
    }
    return results, halves


def rescore(halves, *, weight: float, demotion: float | None = None):
    """The selector's fusion over a query's halves, with other settings."""
    from annotations import fusion, selectors

    matching = selectors.matching
    return fusion.rescored(
        lexical=dict(halves["lexical"]),
        cosine=halves["cosines"],
        weight=weight,
        floor=matching.COSINE_FLOOR,
        demoted=halves["demoted"],
        demotion=matching.NUMBER_DEMOTION if demotion is None else demotion,
    )


def held_out(halves, matches) -> list[str]:
    """Tune the fusion's lexical weight and number demotion on half of the groups (best MRR),
    report every ranking on the other half; both ways."""
    grid = [
        (weight / 20, demotion) for weight in range(0, 21) for demotion in (1.0, 0.7, 0.5, 0.3, 0.1)
    ]
    folds = [list(range(0, len(halves), 2)), list(range(1, len(halves), 2))]

    def ranks(indexes, rank):
        return [rank_of(rank(halves[i]), matches[i]) for i in indexes]

    lines = []
    for name, (tune, test) in (("even", folds), ("odd", folds[::-1])):
        # Ties go to the smaller weight and the milder demotion.
        weight, demotion = max(
            grid,
            key=lambda g: (
                figures(ranks(tune, lambda h, g=g: rescore(h, weight=g[0], demotion=g[1])))[2],
                -g[0],
                g[1],
            ),
        )
        compared = {
            "lexical only": lambda h: h["lexical"],
            "embeddings only": lambda h: h["semantic"],
            f"embeddings + number check x {demotion:g}": lambda h, d=demotion: rescore(
                h, weight=0.0, demotion=d
            ),
            f"hybrid tuned: {weight:g} x lexical, x {demotion:g}": (
                lambda h, w=weight, d=demotion: rescore(h, weight=w, demotion=d)
            ),
            "hybrid (the selector's)": lambda h: h["hybrid"],
        }
        lines.append(
            f"tuned on the {name} groups ({len(tune)}), reported on the other {len(test)}:"
        )
        for label, rank in compared.items():
            r1, r5, mrr = figures(ranks(test, rank))
            lines.append(f"  {label:<42} {r1:6.3f} {r5:6.3f} {mrr:6.3f}")
    return lines


def _truncated(matrix, dimensions: int):
    short = np.ascontiguousarray(matrix[:, :dimensions])
    norms = np.linalg.norm(short, axis=1, keepdims=True)
    return short / np.where(norms == 0, 1, norms)


def halves_latency(project, query_ids) -> dict[str, float]:
    """Median ms of each part of a query alone: the full-text query, the semantic half as the
    selector runs it (a Hamming shortlist above SHORTLIST_FROM claims), the exact matrix
    product over every claim at 256 and 128 dimensions; and the share of the exact top
    CANDIDATES that the selector's semantic half keeps (1.0 when it computes every cosine)."""
    from annotations import embeddings, selectors
    from annotations.db import claimsearch
    from annotations.models import ClaimIndexEntry

    matching = selectors.matching
    vectors = selectors.project_vectors(project_id=project.pk)
    short = _truncated(vectors.matrix, 128)
    parts: dict[str, list[float]] = {
        "full-text": [],
        "semantic half": [],
        "exact matrix 256": [],
        "exact matrix 128": [],
    }
    kept = []
    for entry in ClaimIndexEntry.objects.filter(span_id__in=query_ids).only(
        "span_id", "document_id", "text"
    ):
        query = selectors.ClaimQuery(
            project_id=project.pk, document_id=entry.document_id, text=entry.text
        )
        vector = embeddings.embed([entry.text])[0]
        started = time.perf_counter()
        claimsearch.lexical_search(
            project_id=project.pk,
            text=entry.text,
            limit=CANDIDATES,
            exclude_document_id=entry.document_id,
            stats=vectors.stats,
        )
        parts["full-text"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        found = matching.semantic_search(
            vectors=vectors, query=query, vector=vector, viewer_id=None, limit=CANDIDATES
        )
        parts["semantic half"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        scores = vectors.matrix @ vector
        scores[vectors.documents == entry.document_id] = -np.inf
        exact = np.argpartition(-scores, CANDIDATES)[:CANDIDATES]
        parts["exact matrix 256"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        scores_short = short @ _truncated(vector[None, :], 128)[0]
        scores_short[vectors.documents == entry.document_id] = -np.inf
        np.argpartition(-scores_short, CANDIDATES)[:CANDIDATES]
        parts["exact matrix 128"].append((time.perf_counter() - started) * 1000)
        wanted = set(vectors.ids[exact].tolist())
        kept.append(len(wanted & {item for item, _score in found}) / len(wanted))
    figures_ms = {name: statistics.median(times) for name, times in parts.items()}
    figures_ms["shortlist keeps"] = statistics.mean(kept)
    return figures_ms


def quality_at_size(project, queries, matches) -> list[str]:
    """Each ranking's figures on the pair groups among every claim now indexed: with the
    selector's shortlist (when the project is past SHORTLIST_FROM) and with exact cosines."""
    from annotations import selectors
    from annotations.models import ClaimIndexEntry

    matching = selectors.matching
    entries = {
        entry.span_id: entry
        for entry in ClaimIndexEntry.objects.filter(span_id__in=queries).only(
            "span_id", "document_id", "text"
        )
    }
    lines = []
    shortlist_from = matching.SHORTLIST_FROM
    for label, threshold in (("shortlist", shortlist_from), ("exact cosines", 10**12)):
        matching.SHORTLIST_FROM = threshold
        found = {}
        for mode in ("lexical", "semantic", "hybrid"):
            ranks = []
            for query_id, match in zip(queries, matches, strict=True):
                entry = entries[query_id]
                claim = selectors.ClaimQuery(
                    project_id=project.pk, document_id=entry.document_id, text=entry.text
                )
                ranking, *_ = selectors.ranked_candidates(query=claim, viewer_id=None, mode=mode)
                ranks.append(rank_of(ranking, match))
            found[mode] = figures(ranks)
        lines.append(
            f"  quality here, {label}: "
            + ", ".join(
                f"{mode} {r1:.2f} / {r5:.2f} / {mrr:.3f}" for mode, (r1, r5, mrr) in found.items()
            )
        )
    matching.SHORTLIST_FROM = shortlist_from
    return lines


def after_bulk_add(project, label, user, rng, query_ids, count: int) -> tuple[float, float]:
    """Add ``count`` claims in bulk and sync; ms of the sync's index write and of the first
    match request after it (which brings this process's cached vectors up to date)."""
    from annotations import selectors
    from annotations.models import ClaimIndexEntry
    from annotations.services import matching

    store(project, label, [distractor(rng) for _ in range(count)], CLAIMS_PER_DOCUMENT)
    started = time.perf_counter()
    matching.claim_index_sync(project_id=project.pk)
    sync_ms = (time.perf_counter() - started) * 1000
    entry = ClaimIndexEntry.objects.filter(span_id__in=query_ids).first()
    query = selectors.ClaimQuery(
        project_id=project.pk, document_id=entry.document_id, text=entry.text
    )
    started = time.perf_counter()
    selectors.claim_matches(query=query, viewer=user, role="manager")
    return sync_ms, (time.perf_counter() - started) * 1000


def latency(project, user, query_ids) -> tuple[float, float, float]:
    from annotations import selectors
    from annotations.models import ClaimIndexEntry

    entries = list(
        ClaimIndexEntry.objects.filter(span_id__in=query_ids).only("span_id", "document_id", "text")
    )
    times = []
    for entry in entries:
        query = selectors.ClaimQuery(
            project_id=project.pk, document_id=entry.document_id, text=entry.text
        )
        started = time.perf_counter()
        selectors.claim_matches(query=query, viewer=user, role="manager")
        times.append((time.perf_counter() - started) * 1000)
    first, rest = times[0], sorted(times[1:])
    return first, statistics.median(rest), rest[int(len(rest) * 0.95) - 1]


def api_latency(project, user, query_ids) -> tuple[float, float]:
    """The same queries as GET /api/spans/{s}/matches/ (session, middleware, view, JSON)."""
    from django.test import Client

    from annotations.services.projects import membership_set

    membership_set(project=project, user=user, role="manager")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    times = []
    for span_id in query_ids:
        started = time.perf_counter()
        answer = client.get(f"/api/spans/{span_id}/matches/")
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"/api/spans/{span_id}/matches/ answered {answer.status_code}")
    rest = sorted(times[1:])
    return statistics.median(rest), rest[int(len(rest) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--distractors", type=int, default=3000)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/bench_claim_matching"
    )
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument(
        "--bulk-add",
        type=int,
        default=1000,
        help="after the latency runs, add this many claims and time the first query (0: no)",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    fresh_database(args.database_url)

    from django.contrib.auth.models import User

    from annotations import selectors
    from annotations.claimnumbers import stated_numbers
    from annotations.models import ClaimIndexEntry, Label, Project
    from annotations.services import matching

    groups = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    project = Project.objects.create(name="claim matching bench")
    label = Label.objects.create(project=project, name="CLAIM", kind="claim")
    user = User.objects.create(username="bench")
    kinds = {
        kind: sum(1 for g in groups if g["kind"] == kind) for kind in ("paraphrase", "negation")
    }
    numbered = sum(1 for g in groups if stated_numbers(g["query"]))
    same_topic = sum(len(g["distractors"]) for g in groups)
    queries = store(project, label, [g["query"] for g in groups], 1)
    matches = store(project, label, [g["match"] for g in groups], 1)
    store(project, label, [d for g in groups for d in g["distractors"]], 1)
    store(project, label, [distractor(rng) for _ in range(args.distractors)], CLAIMS_PER_DOCUMENT)
    started = time.perf_counter()
    matching.claim_index_sync(project_id=project.pk, full=True)
    indexed = ClaimIndexEntry.objects.filter(project=project).count()
    print(
        f"claim matching: {len(groups)} groups ({kinds['paraphrase']} paraphrases, "
        f"{kinds['negation']} negations, {same_topic} same-topic different claims; "
        f"{numbered} queries state a number) among "
        f"{args.distractors} generated claims: {indexed} claims indexed in "
        f"{time.perf_counter() - started:.1f} s (PostgreSQL)"
    )
    matching_settings = selectors.matching
    print(
        f"the selector's fusion: cosine + {matching_settings.LEXICAL_WEIGHT:g} x lexical, "
        f"floor {matching_settings.COSINE_FLOOR:g}, numbers x "
        f"{matching_settings.NUMBER_DEMOTION:g}, {matching_settings.CANDIDATES} candidates a half"
    )
    print(f"{'ranking':<44} {'R@1':>6} {'R@5':>6} {'MRR':>6}")
    results, halves = quality(project, queries, matches)
    for name, (r1, r5, mrr) in results.items():
        print(f"{name:<44} {r1:6.3f} {r5:6.3f} {mrr:6.3f}")
    for line in held_out(halves, matches):
        print(line)

    for size in [int(value) for value in args.sizes.split(",") if value]:
        missing = size - ClaimIndexEntry.objects.filter(project=project).count()
        if missing > 0:
            store(project, label, [distractor(rng) for _ in range(missing)], CLAIMS_PER_DOCUMENT)
            started = time.perf_counter()
            matching.claim_index_sync(project_id=project.pk, full=True)
            took = time.perf_counter() - started
        else:
            took = 0.0
        count = ClaimIndexEntry.objects.filter(project=project).count()
        sample = rng.sample(queries + matches, min(LATENCY_QUERIES, len(queries) * 2))
        first, median, p95 = latency(project, user, sample)
        print(
            f"latency at {count} claims: median {median:.1f} ms, p95 {p95:.1f} ms per query; "
            f"first query (loads the vectors) {first:.0f} ms; index sync {took:.1f} s"
        )
        api_median, api_p95 = api_latency(project, user, sample)
        print(
            f"  through the API (GET /api/spans/{{s}}/matches/, in-process client): "
            f"median {api_median:.1f} ms, p95 {api_p95:.1f} ms"
        )
        parts = halves_latency(project, sample)
        kept = parts.pop("shortlist keeps")
        print(
            "  alone, median: "
            + ", ".join(f"{name} {took_ms:.1f} ms" for name, took_ms in parts.items())
            + f"; the semantic half keeps {kept:.1%} of the exact top {CANDIDATES}"
            + f"  (load average: {load()})"
        )
    if args.sizes:
        for line in quality_at_size(project, queries, matches):
            print(line)
    if args.bulk_add:
        sync_ms, first = after_bulk_add(project, label, user, rng, queries + matches, args.bulk_add)
        count = ClaimIndexEntry.objects.filter(project=project).count()
        print(
            f"after adding {args.bulk_add} claims in bulk ({count} now): index sync "
            f"{sync_ms / 1000:.1f} s, then the first query {first:.0f} ms (takes in the new "
            f"claims only)"
        )
    print(f"load average: {load()}")


if __name__ == "__main__":
    main()
