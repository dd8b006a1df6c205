"""Benchmark: comments in a large project: the queue's open-comments filter, a thread, mentions.

    .venv/bin/python bench/comments.py [--documents 5000] [--annotators 3] [--spans 10]
        [--busy 200] [--runs 7] [--database-url postgres://...]

Stores a generated project of submitted annotations (bench/agreement.py's bulk inserts), then
a comment on a span of every other document and a reviewer's note on every fifth (a quarter of
them resolved, every note mentioning the reviewer), and one busy document with ``--busy``
comments on its spans, each mentioning two members. Then times, as the reviewer through
Django's test client, ``--runs`` times each: the review queue with and without
``?comments=open``, the busy document's comment list (every page of the API), the home page
with its "Mentions of me", and writing one comment with a mention through the API. Prints the
fastest, median and slowest with the machine's load average (the queries each costs are
pinned in tests/api/test_comments.py and tests/test_views_comments.py).
"""

import argparse
import statistics
import time

from agreement import PROJECT, store_project
from common import DEFAULT_URL, fresh_database, load, timed


def store_comments(project, reviewer, busy: int) -> tuple[int, int]:
    """Bulk-store the comments described in the module's docstring; return (comments, busy id)."""
    from django.db import transaction
    from django.utils import timezone

    from annotations.models import Comment, Span

    spans = list(
        Span.objects.filter(annotation__document__project=project)
        .order_by("annotation__document_id", "id")
        .values_list("annotation__document_id", "annotation_id", "id", "annotation__author_id")
    )
    first_span: dict[int, tuple[int, int, int]] = {}
    for document_id, annotation_id, span_id, author_id in spans:
        first_span.setdefault(document_id, (annotation_id, span_id, author_id))
    documents = sorted(first_span)
    now = timezone.now()
    rows = []
    for position, document_id in enumerate(documents):
        annotation_id, span_id, author_id = first_span[document_id]
        resolved = position % 4 == 0
        if position % 2 == 0:
            rows.append(
                Comment(
                    document_id=document_id,
                    annotation_id=annotation_id,
                    span_id=span_id,
                    author_id=author_id,
                    body="Is this the right label?",
                    target_caption="PER “x”",
                    resolved_at=now if resolved else None,
                    resolved_by=reviewer if resolved else None,
                )
            )
        if position % 5 == 0:
            rows.append(Comment(document_id=document_id, author=reviewer, body="@reviewer check"))
    busy_document = documents[len(documents) // 2]
    busy_spans = [row for row in spans if row[0] == busy_document]
    for index in range(busy):
        _, annotation_id, span_id, author_id = busy_spans[index % len(busy_spans)]
        rows.append(
            Comment(
                document_id=busy_document,
                annotation_id=annotation_id,
                span_id=span_id,
                author_id=author_id,
                body=f"Note {index} for @reviewer and @annotator0",
            )
        )
    with transaction.atomic():
        stored = Comment.objects.bulk_create(rows, batch_size=2000)
        Mention = Comment.mentions.through
        mentions = [
            Mention(comment_id=comment.pk, user_id=reviewer.pk)
            for comment in stored
            if "@reviewer" in comment.body
        ]
        Mention.objects.bulk_create(mentions, batch_size=2000)
    return len(stored), busy_document


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=5_000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--spans", type=int, default=10)
    parser.add_argument("--busy", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--database-url", default=DEFAULT_URL.format(name="workbench_bench_comments")
    )
    args = parser.parse_args()
    fresh_database(args.database_url)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from annotations.models import Membership, Project, Span
    from annotations.services import agreement as store

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    started = time.perf_counter()
    project, stored = store_project(args.documents, args.annotators, args.spans)
    reviewer = get_user_model().objects.create(username="reviewer")
    Membership.objects.create(project=project, user=reviewer, role="reviewer")
    for user in get_user_model().objects.filter(username__startswith="annotator"):
        Membership.objects.create(project=project, user=user, role="annotator")
    comments, busy = store_comments(project, reviewer, args.busy)
    print(f"stored {stored} and {comments:,} comments in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    store.project_agreement_current(project=Project.objects.get(name=PROJECT))
    print(f"load average before: {load()}")

    client = Client()
    client.force_login(reviewer)
    span = Span.objects.filter(annotation__document_id=busy).order_by("id").first()
    assert span is not None

    def comment_list() -> None:
        url: str | None = f"/api/documents/{busy}/comments/"
        while url:
            response = client.get(url)
            assert response.status_code == 200
            url = response.json()["next"]

    def comment_write() -> None:
        body = {"body": "@annotator0 please check", "span": span.pk}
        response = client.post(
            f"/api/documents/{busy}/comments/", body, content_type="application/json"
        )
        assert response.status_code == 201, response.content

    def page(url: str):
        def get() -> None:
            assert client.get(url).status_code == 200

        return get

    calls = {
        "review queue, page 1": page(f"/projects/{project.pk}/review/"),
        "review queue, open comments": page(f"/projects/{project.pk}/review/?comments=open"),
        f"comment list, {args.busy}+ comments": comment_list,
        "home, mentions of me": page("/"),
        "write a comment with a mention": comment_write,
    }
    for name, call in calls.items():
        call()  # warm up
        times = sorted(timed(call) for _ in range(args.runs))
        print(
            f"{name:34} min {times[0]:6.0f}  median {statistics.median(times):6.0f}  "
            f"max {times[-1]:6.0f} ms  ({args.runs} runs)"
        )
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
