"""Benchmark: the queue's next document when it follows the model (Project.queue_order).

    .venv/bin/python bench/queue_order.py [--documents 10000] [--spans 5] [--runs 7]
        [--database-url postgres://...]

Stores a project of `--documents` documents in a fresh PostgreSQL database, each but every
tenth with an imported prediction of `--spans` scored spans (bulk inserts, bypassing the
services), then for each queue order (id, uncertainty, score) times ranking every document
(``queue_scores_refresh``: what switching the order or importing predictions costs), prints
the plan of the candidate query (before and after ANALYZE: a fresh project has no
statistics) and times `document_assign_next` for a new annotator `--runs` times (each call in
a transaction that is rolled back, so every run finds the same queue), with the load average.
"""

import argparse
import hashlib
import json
import random
import statistics

from common import DEFAULT_URL, fresh_database, load, timed

ORDERS = ("id", "uncertainty", "score")


class Rollback(Exception):
    """Raised to undo one timed call."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--spans", type=int, default=5)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--database-url", default=DEFAULT_URL.format(name="workbench_bench_queue_order")
    )
    args = parser.parse_args()
    fresh_database(args.database_url)
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from annotations import selectors
    from annotations.models import Annotation, Document, Label, Membership, Project, Span
    from annotations.services.queue import document_assign_next
    from annotations.services.queue_scores import queue_scores_refresh

    rng = random.Random(17)
    project = Project.objects.create(name="queue order bench")
    label = Label.objects.create(project=project, name="CLAIM", kind="claim", color="#4e79a7")
    user = get_user_model().objects.create(username="annotator")
    Membership.objects.create(project=project, user=user, role="annotator")
    text = "The minister said the border will reopen on Monday. " * 8
    documents = Document.objects.bulk_create(
        Document(project=project, text=body, content_hash=hashlib.sha256(body.encode()).hexdigest())
        for body in (f"{n}. {text}" for n in range(args.documents))
    )
    predictions = Annotation.objects.bulk_create(
        Annotation(document=document, author=None, kind="prediction")
        for n, document in enumerate(documents)
        if n % 10
    )
    Span.objects.bulk_create(
        (
            Span(
                annotation=prediction,
                label=label,
                start=s * 10,
                end=s * 10 + 5,
                text=prediction.document.text[s * 10 : s * 10 + 5],
                score=round(rng.random(), 4),
            )
            for prediction in predictions
            for s in range(args.spans)
        ),
        batch_size=5000,
    )
    print(
        f"{len(documents):,} documents, {len(predictions):,} predictions, "
        f"{len(predictions) * args.spans:,} spans"
    )

    def plan() -> list[str]:
        candidates = selectors.document_queue_for_user(project=project, user=user)
        sql, params = candidates[:1].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            (found,) = cursor.fetchone()
        found = json.loads(found) if isinstance(found, str) else found
        return sorted(set(_scans(found[0]["Plan"])))

    def assign() -> None:
        try:
            with transaction.atomic():
                document_assign_next(project=project, user=user)
                raise Rollback
        except Rollback:
            pass

    for analysed in (False, True):
        if analysed:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        for order in ORDERS:
            project.queue_order = order
            project.save(update_fields=["queue_order"])
            refresh = timed(lambda: queue_scores_refresh(project=project))
            runs = sorted(timed(assign) for _ in range(args.runs))
            state = "analysed" if analysed else "no statistics"
            print(f"{order:12} ({state}): ranking every document {refresh:.0f} ms")
            print(
                f"{order:12} ({state}): next document fastest {runs[0]:.1f} ms, "
                f"median {statistics.median(runs):.1f} ms, slowest {runs[-1]:.1f} ms"
            )
            print(f"{'':14}scans: {'; '.join(plan())}")
    print(f"load average: {load()}")


def _scans(node: dict) -> list[str]:
    found = []
    if "Scan" in node["Node Type"]:
        index = node.get("Index Name")
        found.append(
            f"{node['Node Type']} {node.get('Relation Name', '')}{f' ({index})' if index else ''}"
        )
    for child in node.get("Plans", []):
        found.extend(_scans(child))
    return found


if __name__ == "__main__":
    main()
