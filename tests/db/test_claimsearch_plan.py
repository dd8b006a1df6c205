"""Claim matching's full-text query reaches its rows through the GIN index alone.

On a project whose index was filled in bulk and never analysed (nothing here runs ANALYZE,
and the test's transaction is never committed, so autovacuum cannot either), the lexical
half must read the few claims that hold the query's words from the GIN index, never AND
that index with the (project, document) btree, which hands over every claim of the
project (100,000 at the size we measure: 2.4 ms of a 2.8 ms query, against 0.1 ms alone).
The GIN index keeps no pending list (migration 0028): inserted rows are in the index at once.
"""

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from annotations import embeddings
from annotations.db import claimsearch
from annotations.models import (
    Annotation,
    AnnotationKind,
    ClaimIndexEntry,
    Document,
    Span,
)
from tests.factories import LabelFactory, ProjectFactory

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db]

CLAIMS = 4000
PLACES = ["Gao", "Mopti", "Kidal", "Segou", "Kayes", "Bamako", "Menaka", "Timbuktu"]
ZERO = embeddings.to_bytes(embeddings.embed([""])[0])


def _fill(project, label, count: int) -> None:
    """``count`` claims in the index, 20 a document, as a bulk sync leaves them."""
    texts = [
        f"Officials said {n} soldiers were deployed to {PLACES[n % len(PLACES)]} in week {n}."
        for n in range(count)
    ]
    groups = [texts[i : i + 20] for i in range(0, count, 20)]
    documents = Document.objects.bulk_create(
        Document(
            project=project,
            text=" ".join(group),
            content_hash=hashlib.sha256(" ".join(group).encode()).hexdigest(),
        )
        for group in groups
    )
    annotations = Annotation.objects.bulk_create(
        Annotation(document=document, kind=AnnotationKind.GOLD, status="submitted")
        for document in documents
    )
    spans, entries = [], []
    for annotation, group in zip(annotations, groups, strict=True):
        offset = 0
        for text in group:
            spans.append(
                Span(annotation=annotation, label=label, start=offset, end=offset + len(text))
            )
            spans[-1].text = text
            offset += len(text) + 1
    Span.objects.bulk_create(spans)
    for span in spans:
        entries.append(
            ClaimIndexEntry(
                span=span,
                project=project,
                document_id=span.annotation.document_id,
                annotation=span.annotation,
                start=span.start,
                end=span.end,
                gold=True,
                text=span.text,
                vector=ZERO,
            )
        )
    ClaimIndexEntry.objects.bulk_create(entries)


def _forget_statistics() -> None:
    table = ClaimIndexEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid = %s::regclass", [table]
        )
        cursor.execute("DELETE FROM pg_statistic WHERE starelid = %s::regclass", [table])


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _lexical_plan(run) -> list[dict[str, Any]]:
    """Run the search; EXPLAIN ANALYZE its full-text query (the one reading ``search``)."""
    found: list[tuple[str, Any]] = []

    def watch(execute, sql, params, many, context):
        found.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        run()
    [(sql, params)] = [(sql, params) for sql, params in found if "e.search @@" in sql]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        (document,) = cursor.fetchone()
    plan = json.loads(document) if isinstance(document, str) else document
    return list(_nodes(plan[0]["Plan"]))


def test_the_lexical_half_reads_the_gin_index_alone_on_a_table_never_analysed():
    project = ProjectFactory()
    label = LabelFactory(project=project, kind="claim")
    _fill(project, label, CLAIMS)
    other = ProjectFactory()  # another project's claims share the table and the words
    _fill(other, LabelFactory(project=other, kind="claim"), CLAIMS // 4)
    _forget_statistics()
    found: list[tuple[int, float]] = []

    nodes = _lexical_plan(
        lambda: found.extend(
            claimsearch.lexical_search(
                project_id=project.pk, text="Soldiers were sent to Kidal.", limit=100
            )
        )
    )

    scans = [(node["Node Type"], node.get("Index Name", "")) for node in nodes]
    assert ("Bitmap Index Scan", "claimindex_search_gin") in scans, scans
    assert not [scan for scan in scans if scan[0] in ("Seq Scan", "BitmapAnd")], scans
    assert "claimindex_project_doc_idx" not in {index for _type, index in scans}, scans
    assert len(found) == 100
    kidal = set(
        ClaimIndexEntry.objects.filter(project=project, text__contains="Kidal").values_list(
            "span_id", flat=True
        )
    )
    assert {span_id for span_id, _score in found} <= kidal  # the rarer word ranks first


def test_the_full_text_index_keeps_no_pending_list():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE oid = 'claimindex_search_gin'::regclass"
        )
        (options,) = cursor.fetchone()
    assert "fastupdate=off" in options
