"""Benchmark: the document list's search and filters on PostgreSQL; print milliseconds.

    .venv/bin/python bench/documents.py [--documents 20000] [--annotated 4000]
        [--database-url postgres://postgres@127.0.0.1:5432/documents_bench]

Builds a fresh database: one project of ``--documents`` documents of ~1,600 characters, of
which ``--annotated`` carry two submitted annotations of 20 entity spans each (one in five
of those disagreeing on a span). Then times, best of three, what a Documents page or a
``GET /api/projects/{p}/documents/`` does: the count and the first page of 25, through the
same filter set over the same selector. The figures are in docs/documents.md.
"""

import argparse
import hashlib
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import DEFAULT_URL, fresh_database

WORDS = (
    "the of and to in a is that for on with as was by at army minister talks convoy "
    "Bamako Gao Kidal election said claim"
).split()
SPANS = 20
REQUESTS = (
    {},
    {"q": "needle-last"},
    {"q": "ext-1999"},
    {"q": "nothing-matches-this"},
    {"disputed": "1"},
    {"reviewed": "0", "ordering": "-updated"},
    {"assigned_to": "ana", "status": "new"},
)


def build(documents: int, annotated: int):
    from django.contrib.auth.models import User
    from django.db import connection

    from annotations.models import Annotation, Document, Label, Membership, Project, Span

    random.seed(1)
    project = Project.objects.create(name="bench")
    users = [User.objects.create(username=name) for name in ("meg", "ana", "ben")]
    for user, role in zip(users, ("manager", "annotator", "annotator"), strict=True):
        Membership.objects.create(project=project, user=user, role=role)
    label = Label.objects.create(project=project, name="PER", kind="entity")
    rows = []
    for i in range(documents):
        text = " ".join(random.choice(WORDS) for _ in range(300))
        text += " needle-last" if i == documents - 1 else f" doc{i}"
        digest = hashlib.sha256(text.encode()).hexdigest()
        rows.append(
            Document(project=project, text=text, external_id=f"ext-{i}", content_hash=digest)
        )
    stored = Document.objects.bulk_create(rows, batch_size=2000)
    annotations = [
        Annotation(document=document, author=user, kind="manual", status="submitted")
        for document in stored[:annotated]
        for user in users[1:]
    ]
    Annotation.objects.bulk_create(annotations, batch_size=2000)
    spans = []
    for n, annotation in enumerate(annotations):
        shift = 1 if n % 10 == 1 else 0  # one document in five: ben's last span moved
        for k in range(SPANS):
            start = k * 50 + (shift if k == SPANS - 1 else 0)
            text = annotation.document.text[start : start + 4]
            spans.append(
                Span(annotation=annotation, label=label, start=start, end=start + 4, text=text)
            )
    Span.objects.bulk_create(spans, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    project.caller_role = "manager"
    return project, users[0], sum(len(row.text) for row in rows)


def measure(project, user) -> None:
    from annotations import selectors
    from annotations.api.document_filters import DocumentFilter

    base = selectors.document_list_for_user(user=user, project=project)
    for params in REQUESTS:
        found = DocumentFilter(params, queryset=base, role="manager")
        assert found.is_valid(), found.errors
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            count = found.qs.count()
            list(found.qs[:25])
            best = min(best, time.perf_counter() - started)
        print(f"{params or 'no filter'}: {count} found, count + first page {best * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=20000)
    parser.add_argument("--annotated", type=int, default=4000)
    parser.add_argument("--database-url", default=DEFAULT_URL.format(name="documents_bench"))
    args = parser.parse_args()
    fresh_database(args.database_url)
    project, user, characters = build(args.documents, args.annotated)
    print(
        f"{args.documents} documents ({characters / 1e6:.1f} M characters), "
        f"{args.annotated} with two submitted annotations of {SPANS} spans"
    )
    measure(project, user)


if __name__ == "__main__":
    main()
