"""annotations.db.documents answers what the ORM query it stands in for answers."""

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from annotations.db.documents import _stored_ids_sql, stored_ids
from annotations.db.statistics import analyze
from annotations.models import Document
from tests.factories import DocumentFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_stored_ids_answers_the_orm_query_for_the_project_only():
    project, other = ProjectFactory(), ProjectFactory()
    mine = [DocumentFactory(project=project) for _ in range(3)]
    theirs = DocumentFactory(project=other)
    hashes = [mine[0].content_hash, mine[2].content_hash, theirs.content_hash, "0" * 64]

    found = stored_ids(project_id=project.pk, hashes=hashes)

    orm = Document.objects.filter(project=project, content_hash__in=hashes)
    assert sorted(found) == sorted(orm.values_list("content_hash", "id"))
    assert sorted(found) == sorted([(d.content_hash, d.pk) for d in (mine[0], mine[2])])


def test_stored_ids_of_no_hashes_asks_the_database_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert stored_ids(project_id=1, hashes=[]) == []


@pytest.mark.postgresql
def test_stored_ids_probes_the_unique_index_when_statistics_predate_the_project():
    # The statistics gathered at the end of one project's import know nothing of the next
    # project: planned from them, a look-up of its hashes walked all its documents per hash.
    earlier, project = ProjectFactory(), ProjectFactory()
    _documents(earlier, 400)
    analyze([Document])
    hashes = _documents(project, 400)

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {_stored_ids_sql()}", [",".join(hashes), project.pk])
        (plan,) = cursor.fetchone()
    # The document table is reached through the unique index alone, with nothing filtered
    # afterwards: an index scan, or (when other tests' data left statistics behind) a bitmap
    # built from that same index.
    scans = [
        (node["Node Type"], _index_of(node), node.get("Filter"))
        for node in _nodes(plan[0]["Plan"])
        if node.get("Relation Name") == Document._meta.db_table
    ]
    assert len(scans) == 1, scans
    node_type, index, filtered = scans[0]
    assert node_type in {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}, scans
    assert index == "annotations_document_hash_unique", scans
    assert filtered is None, scans
    assert len(stored_ids(project_id=project.pk, hashes=hashes)) == 400


def _documents(project, count: int) -> list[str]:
    hashes = [hashlib.sha256(f"{project.pk} {n}".encode()).hexdigest() for n in range(count)]
    Document.objects.bulk_create(
        Document(project=project, text=f"text {n}", external_id=f"d{n}", content_hash=digest)
        for n, digest in enumerate(hashes)
    )
    return hashes


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _index_of(node: dict[str, Any]) -> str | None:
    """The index a scan reads: its own, or that of the bitmap index scan under a heap scan."""
    if "Index Name" in node:
        return node["Index Name"]
    names = {child.get("Index Name") for child in _nodes(node) if child is not node}
    return names.pop() if len(names) == 1 else None
