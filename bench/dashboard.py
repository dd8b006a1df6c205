"""Benchmark: the dashboard, the review queue and the agreement API of a large project.

    .venv/bin/python bench/dashboard.py [--documents 10000] [--annotators 3] [--spans 20]
        [--gold 0.2] [--runs 7] [--database-url postgres://...]

Stores a project of generated submitted annotations in a fresh PostgreSQL database (bulk
inserts, as bench/agreement.py does: bypassing the services, so the stored agreement is
computed once on the first read, timed here), then requests each page through Django's test
client as a reviewer, `--runs` times, and prints the fastest, median and slowest response
with the machine's load average. Also times what every request did before agreement was
stored (the full computation) and one submission at this size (reopen, then submit: each
refreshes its document's row and the project's totals). A `--gold` share of the documents
get reviewed gold (the first annotator's spans), so that the quality page compares
annotators with it.
"""

import argparse
import statistics
import time

from agreement import PROJECT, store_project
from common import DEFAULT_URL, fresh_database, load, setup_django, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--spans", type=int, default=20)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--gold", type=float, default=0.2, help="share of documents with gold")
    parser.add_argument(
        "--reuse", action="store_true", help="time the project a previous run left in the database"
    )
    parser.add_argument(
        "--database-url", default=DEFAULT_URL.format(name="workbench_bench_dashboard")
    )
    args = parser.parse_args()
    if args.reuse:
        setup_django(args.database_url)
    else:
        fresh_database(args.database_url)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from annotations import selectors
    from annotations.agreement import project_agreement
    from annotations.models import Annotation, Document, Membership, Project
    from annotations.services import agreement as store
    from annotations.services.annotating import annotation_set_status

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if args.reuse:
        project = Project.objects.get(name=PROJECT)
        reviewer = get_user_model().objects.get(username="reviewer")
        print(f"reusing {Document.objects.filter(project=project).count():,} documents")
    else:
        started = time.perf_counter()
        project, stored = store_project(args.documents, args.annotators, args.spans)
        print(f"stored {stored} in {time.perf_counter() - started:.1f} s")
        print(f"gold: {store_gold(project, args.gold):,} reviewed documents")
        reviewer = get_user_model().objects.create(username="reviewer")
        Membership.objects.create(project=project, user=reviewer, role="reviewer")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"load average before: {load()}")

    if not args.reuse:
        first = timed(lambda: store.project_agreement_current(project=project))
        print(f"first read: every document's row computed once   {first:8.0f} ms")
    full = timed(lambda: project_agreement(selectors.agreement_inputs(project=project)))
    print(f"full computation (what every request did before)  {full:8.0f} ms")

    client = Client()
    client.force_login(reviewer)
    last_page = (Document.objects.filter(project=project).count() + 24) // 25
    pages = {
        "dashboard": f"/projects/{project.pk}/dashboard/",
        "review queue, page 1": f"/projects/{project.pk}/review/",
        f"review queue, page {last_page}": f"/projects/{project.pk}/review/?page={last_page}",
        "review queue, label LOC": f"/projects/{project.pk}/review/?label=LOC",
        "review queue, annotator1": f"/projects/{project.pk}/review/?annotator=annotator1",
        "agreement API": f"/api/projects/{project.pk}/agreement/",
        "agreement per document API": f"/api/projects/{project.pk}/agreement/documents/",
        "quality page": f"/projects/{project.pk}/quality/",
    }
    for name, url in pages.items():

        def get(url: str = url) -> None:
            assert client.get(url).status_code == 200

        times = sorted(timed(get) for _ in range(args.runs))
        print(
            f"{name:32} min {times[0]:6.0f}  median {statistics.median(times):6.0f}  "
            f"max {times[-1]:6.0f} ms  ({args.runs} runs)"
        )

    annotation = (
        Annotation.objects.filter(document__project=project, kind="manual").order_by("pk").first()
    )
    assert annotation is not None
    submits = []
    for _ in range(args.runs):
        annotation_set_status(
            annotation=annotation, status="in_progress", version=annotation.version, actor=None
        )
        submits.append(
            timed(
                lambda: annotation_set_status(
                    annotation=annotation,
                    status="submitted",
                    version=annotation.version,
                    actor=None,
                )
            )
        )
    submits.sort()
    print(
        f"{'one submission':32} min {submits[0]:6.0f}  median {statistics.median(submits):6.0f}  "
        f"max {submits[-1]:6.0f} ms  ({args.runs} runs)"
    )
    shown = store.project_agreement_current(project=project)
    assert selectors.submitted_fingerprint(project=project).annotations == shown.annotations
    print(f"load average after: {load()}")


def store_gold(project, share: float) -> int:
    """Reviewed gold, a copy of the first annotator's spans, on ``share`` of the documents."""
    from django.db import transaction

    from annotations.models import Annotation, Document, Span

    documents = list(Document.objects.filter(project=project).order_by("pk"))
    chosen = documents[: round(len(documents) * share)]
    with transaction.atomic():
        golds = Annotation.objects.bulk_create(
            Annotation(document=document, kind="gold", status="submitted") for document in chosen
        )
        gold_of = {gold.document_id: gold for gold in golds}
        first = Annotation.objects.filter(
            document__in=chosen, author__username="annotator0", kind="manual"
        )
        Span.objects.bulk_create(
            (
                Span(
                    annotation=gold_of[document_id],
                    label_id=label_id,
                    start=start,
                    end=end,
                    text=text,
                )
                for document_id, label_id, start, end, text in Span.objects.filter(
                    annotation__in=first
                ).values_list("annotation__document_id", "label_id", "start", "end", "text")
            ),
            batch_size=5000,
        )
    return len(golds)


if __name__ == "__main__":
    main()
