"""The queue that follows the model reads one index, on a fresh project and on an analysed one.

A project of a few thousand documents with scored predictions, built in bulk: the candidate
query of ``document_queue_for_user`` must find its document through the stored rank's index
(``document_queue_rank_idx``), never by scanning the documents, their annotations or their
spans, whether PostgreSQL has statistics (ANALYZE) or not (a fresh project).
bench/queue_order.py times it at 10,000 documents (an Index Scan in the queue's order, with
and without statistics).
"""

import hashlib
import json
import random

import pytest
from django.db import connection

from annotations.models import Annotation, Document, Label, Span
from annotations.selectors.queue import document_queue_for_user
from annotations.services.projects import membership_set, project_create, project_update
from tests.db.test_plans import _forget_statistics, _nodes
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db]

DOCUMENTS = 3000
TABLES = {Document._meta.db_table, Annotation._meta.db_table, Span._meta.db_table}


@pytest.fixture
def routed():
    _forget_statistics()
    manager, annotator = UserFactory(), UserFactory()
    project = project_create(name="routed", creator=manager)
    membership_set(project=project, user=annotator, role="annotator")
    label = Label.objects.create(project=project, name="CLAIM", kind="claim", color="#4e79a7")
    texts = [f"{n}. The minister said the border will reopen." for n in range(DOCUMENTS)]
    documents = Document.objects.bulk_create(
        Document(project=project, text=text, content_hash=hashlib.sha256(text.encode()).hexdigest())
        for text in texts
    )
    predictions = Annotation.objects.bulk_create(
        Annotation(document=document, author=None, kind="prediction") for document in documents
    )
    rng = random.Random(3)
    Span.objects.bulk_create(
        Span(
            annotation=p,
            label=label,
            start=s,
            end=s + 1,
            text=p.document.text[s],
            score=rng.random(),
        )
        for p in predictions
        for s in range(3)
    )
    return project, annotator


def _plan_scans(queryset):
    sql, params = queryset[:1].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (found,) = cursor.fetchone()
    plan = json.loads(found) if isinstance(found, str) else found
    return [
        (node["Node Type"], node.get("Relation Name", ""), node.get("Index Name", ""))
        for node in _nodes(plan[0]["Plan"])
        if "Scan" in node["Node Type"]
    ]


@pytest.mark.parametrize("order", ["uncertainty", "score"])
@pytest.mark.parametrize("analysed", [False, True])
def test_the_model_ordered_queue_finds_its_document_through_the_rank_index(routed, order, analysed):
    project, annotator = routed
    project = project_update(project=project, queue_order=order)
    if analysed:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    candidates = document_queue_for_user(project=project, user=annotator)
    scans = _plan_scans(candidates)

    assert not [scan for scan in scans if "Seq Scan" in scan[0] and scan[1] in TABLES], scans
    # Walked in order (an Index Scan) at this size; a planner without statistics may also
    # take it as a bitmap of the project's entries: either way through the rank's index.
    assert "document_queue_rank_idx" in {index for _, _, index in scans}, scans
    assert Span._meta.db_table not in {table for _, table, _ in scans}
    first = candidates.first()
    lowest = min(d.queue_rank for d in Document.objects.filter(project=project))
    assert first is not None and first.queue_rank == lowest
