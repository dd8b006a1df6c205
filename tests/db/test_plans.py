"""The hot and bulk paths keep their plans on a fresh project: no statistics, a large event log.

Each test builds a project as a user does (an import with pre-annotations, two annotators'
submitted work, gold built by majority and edited) through the services, then grows the
event log and the span table to a working project's size. Nothing runs ANALYZE, and the
test's own transaction is never committed, so autovacuum cannot gather statistics either:
PostgreSQL plans these queries from table sizes and default guesses, as it does for a fresh
project (issue 14). Every statement of the path is EXPLAINed and must reach the event log
and the spans through an index: never a scan of the whole table, never a walk of the event
log's primary key.
"""

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, connection, connections

from annotations.agreement_sums import counts_from_json, label_uses
from annotations.exports import export_rows
from annotations.models import (
    Annotation,
    AnnotationEvent,
    Document,
    Label,
    Project,
    Relation,
    Span,
)
from annotations.selectors.dashboard import annotator_progress, document_state_counts, label_usage
from annotations.selectors.exports import EXPORT_SUBMITTED
from annotations.selectors.review import review_queue
from annotations.services.agreement import project_agreement_current
from annotations.services.annotating import annotation_get_or_create, annotation_set_status
from annotations.services.annotating.content import annotation_replace_content
from annotations.services.annotating.spans import span_create, span_delete, span_update
from annotations.services.ingest import documents_import_records
from annotations.services.projects import label_create, membership_set, project_create
from annotations.services.queue import document_assign_next
from annotations.services.releases import release_build, release_create
from annotations.services.review.building import gold_build
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db]

DOCUMENTS = 40
# A working project's log: enough that walking it from its newest end costs seconds.
EVENTS = 120_000
SPANS_PER_ANNOTATION = 300
# The tables a hot path must reach through an index only.
LARGE_TABLES = {AnnotationEvent._meta.db_table, Span._meta.db_table, Relation._meta.db_table}
EVENT_PRIMARY_KEY = f"{AnnotationEvent._meta.db_table}_pkey"
# The span indexes that start with the annotation.
SPANS_BY_ANNOTATION = {"span_annotation_end_idx", "annotations_span_client_id_unique"}
TEXT = "Keita met Macron in Bamako on Monday. " * 10


@dataclass
class Fresh:
    project: Project
    annotators: list[User]
    reviewer: User
    labels: dict[str, Label]


@pytest.fixture
def fresh() -> Fresh:
    _forget_statistics()
    manager, reviewer = UserFactory(), UserFactory()
    annotators = [UserFactory(), UserFactory()]
    project = project_create(name="fresh", creator=manager, annotators_per_document=2)
    for user in annotators:
        membership_set(project=project, user=user, role="annotator")
    membership_set(project=project, user=reviewer, role="reviewer")
    labels = {name: label_create(project=project, name=name, kind="entity") for name in ("PER",)}
    labels["LOC"] = label_create(project=project, name="LOC", kind="entity")
    labels["CLAIM"] = label_create(project=project, name="CLAIM", kind="claim")
    records = [
        {"text": f"{n:04}. {TEXT}", "external_id": f"d{n}", "entities": [[6, 11, "PER"]]}
        for n in range(DOCUMENTS)
    ]
    documents_import_records(project=project, records=records)
    for number, document in enumerate(Document.objects.filter(project=project).order_by("pk")):
        for user in annotators:
            _submit(document, user)
        if number % 2 == 0:
            gold = gold_build(document=document, actor=reviewer, strategy="majority").annotation
            span_create(annotation=gold, label=labels["PER"], start=16, end=22, actor=reviewer)
    _grow(project)
    return Fresh(project=project, annotators=annotators, reviewer=reviewer, labels=labels)


def _forget_statistics() -> None:
    """Start from tables never analysed, whatever earlier tests of this database left.

    ANALYZE and VACUUM write a table's size into pg_class in place, so a test that ran one
    (or autovacuum, after a test that committed rows) leaves its figures behind even when its
    transaction rolled back; plans would then depend on the order the tests ran in. Undone
    here inside this test's transaction, so it is rolled back with the rest.
    """
    tables = [
        model._meta.db_table for model in (Annotation, AnnotationEvent, Document, Span, Relation)
    ]
    _vacuum(tables)
    with connection.cursor() as cursor:
        for table in tables:
            # The table and its indexes: a partial index's own size is what the planner
            # estimates its rows from, and an earlier ANALYZE left one behind.
            cursor.execute(
                "UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid = %s::regclass"
                " OR oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = %s::regclass)",
                [table, table],
            )
            cursor.execute("DELETE FROM pg_statistic WHERE starelid = %s::regclass", [table])


def _vacuum(tables: list[str]) -> None:
    """Give back the pages earlier tests' rolled-back rows left at the tables' ends.

    Without statistics the planner sizes a table by its pages; a table grown by the tests that
    ran before (dead rows) was planned as another table than a fresh project's. VACUUM cannot
    run in the test's transaction: it runs on a connection of its own, in autocommit.
    """
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        other.ensure_connection()
        other.set_autocommit(True)
        with other.cursor() as cursor:
            cursor.execute(f"VACUUM {', '.join(tables)}")
    finally:
        other.close()


def _submit(document: Document, user: User) -> None:
    annotation, _ = annotation_get_or_create(document=document, author=user)
    spans = [
        {"label": "PER", "start": 6, "end": 11},
        {"label": "LOC", "start": 26, "end": 32},
        # "met Macron in Bamako", said by Keita: a claimant is a built-in relation.
        {"label": "CLAIM", "start": 12, "end": 32, "claimant": 0},
    ]
    changed = annotation_replace_content(annotation=annotation, spans=spans, stances=[], actor=user)
    annotation_set_status(
        annotation=annotation,
        status="submitted",
        version=changed.annotation.version,
        actor=user,
    )


def _grow(project: Project) -> None:
    """Grow the log and the spans of the manual work in bulk, newer than every gold event."""
    manual = Annotation.objects.filter(document__project=project, kind="manual")
    ids = list(manual.values_list("pk", flat=True))
    label = (
        Label.objects.filter(project=project, kind="entity").values_list("pk", flat=True).first()
    )
    event, span = AnnotationEvent._meta.db_table, Span._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {event} (annotation_id, actor_id, action, object_id, after, version, "
            "created_at) SELECT a.id, a.author_id, 'span_changed', n, '{}', 2, now() "
            f"FROM {Annotation._meta.db_table} a, generate_series(1, %s) n WHERE a.id = ANY(%s)",
            [EVENTS // len(ids), ids],
        )
        cursor.execute(
            f'INSERT INTO {span} (annotation_id, label_id, start, "end", text, '
            "attributes) SELECT a.id, %s, 400 + n, 401 + n, 'x', '{}' "
            f"FROM {Annotation._meta.db_table} a, generate_series(1, %s) n WHERE a.id = ANY(%s)",
            [label, SPANS_PER_ANNOTATION, ids],
        )


def _statements(run: Callable[[], Any]) -> list[tuple[str, Any, bool]]:
    """Run the path; every statement it ran: (sql, params, through a server-side cursor).

    Caught as the app hands them to the cursor, with their parameters: the export binds its
    parameters on the server, so the SQL that Django logs holds $1 where the values go.
    """
    found: list[tuple[str, Any, bool]] = []

    def watch(execute, sql, params, many, context):
        server = getattr(context["cursor"].cursor, "name", None) is not None
        found.append((sql, params, server))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        run()
    return found


def _explain(sql: str, params: Any, *, cursor_for: bool = False) -> Any:
    """The JSON plan of a statement; of the cursor declared for it when ``cursor_for``
    (PostgreSQL plans a cursor for its first rows)."""
    declare = "DECLARE plan_check NO SCROLL CURSOR FOR " if cursor_for else ""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {declare}{sql}", params or None)
        (document,) = cursor.fetchone()
    return json.loads(document) if isinstance(document, str) else document


def _plans(run: Callable[[], Any]) -> list[tuple[str, dict[str, Any]]]:
    """Run the path, then EXPLAIN each SELECT, UPDATE and DELETE it ran: (sql, plan) pairs."""
    plans = [
        (sql, _explain(sql, params, cursor_for=server))
        for sql, params, server in _statements(run)
        if sql.lstrip().startswith(("SELECT", "WITH", "UPDATE", "DELETE"))
    ]
    assert plans, "the path ran no query"
    return plans


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _scans(plans: list[tuple[str, Any]]) -> list[tuple[str, str, str]]:
    """Every scan (and BitmapAnd) of the plans: (node type, table, index or "")."""
    return [
        (node["Node Type"], node.get("Relation Name", ""), node.get("Index Name", ""))
        for _sql, plan in plans
        for node in itertools.chain.from_iterable(_nodes(top["Plan"]) for top in plan)
        if "Scan" in node["Node Type"] or node["Node Type"] == "BitmapAnd"
    ]


def assert_indexed(plans: list[tuple[str, Any]]) -> list[tuple[str, str, str]]:
    """Large tables only through an index that fits; the event log never by its primary key.

    A BitmapAnd joins two indexes that each fit part of the condition: no index fits it all,
    and each part may read far more than the rows wanted (every span of a label, to find the
    ones of one annotation).
    """
    scans = _scans(plans)
    problems = [scan for scan in scans if "Seq Scan" in scan[0] and scan[1] in LARGE_TABLES]
    problems += [scan for scan in scans if scan[2] == EVENT_PRIMARY_KEY]
    problems += [scan for scan in scans if scan[0] == "BitmapAnd"]
    assert not problems, f"{problems} in\n" + "\n".join(sql for sql, _ in plans)
    return scans


def test_the_gold_export_reads_who_reviewed_by_the_events_annotation_index(fresh):
    rows: list[dict[str, Any]] = []
    plans = _plans(lambda: rows.extend(export_rows(project=fresh.project)))

    scans = assert_indexed(plans)
    assert len(rows) == DOCUMENTS // 2
    assert {row["reviewed_by"] for row in rows} == {fresh.reviewer.username}
    assert ("Index Scan", "annotations_annotationevent", "event_annotation_id_idx") in scans


def test_the_export_cursor_walks_the_documents_in_order_without_sorting_them(fresh):
    """Sorted, the first row waited for the whole project's texts (seconds at 100,000)."""
    statements = _statements(lambda: next(export_rows(project=fresh.project)))
    [(sql, params)] = [(sql, params) for sql, params, server in statements if server]
    plan = _explain(sql, params, cursor_for=True)
    nodes = list(_nodes(plan[0]["Plan"]))
    # The one export query sorts each annotation's spans and stances (a few rows each), and
    # nothing that holds documents: no sort, hash or materialised copy above their scan.
    holding = [
        node["Node Type"]
        for node in nodes
        if node["Node Type"] in ("Sort", "Hash", "Materialize")
        and any(inner.get("Relation Name") == "annotations_document" for inner in _nodes(node))
    ]

    assert not holding, json.dumps(plan, indent=1)
    assert ("Index Scan", "annotations_document", "document_project_id_idx") in _scans([("", plan)])


def test_the_export_of_submitted_work_reads_spans_through_their_annotation_index(fresh):
    rows: list[dict[str, Any]] = []
    plans = _plans(
        lambda: rows.extend(export_rows(project=fresh.project, include=EXPORT_SUBMITTED))
    )

    scans = assert_indexed(plans)
    assert len(rows) == 2 * DOCUMENTS
    # Each submitted annotation's two spans and its share of the bulk ones, in offset order.
    assert all(len(row["entities"]) == 2 + SPANS_PER_ANNOTATION for row in rows)
    assert {index for _type, _table, index in scans} & SPANS_BY_ANNOTATION, scans
    # Each claim's claimant: one probe of the relations' one-claimant index per span.
    assert all(
        [claim["claimant"] for claim in row["claims"]] == [{"start": 6, "end": 11, "text": "Keita"}]
        for row in rows
    )
    assert ("Index Scan", Relation._meta.db_table, "annotations_relation_one_claimant") in scans


def test_a_release_build_reads_the_gold_by_index(fresh):
    release = release_create(project=fresh.project, actor=fresh.project.created_by, name="v1")

    assert_indexed(_plans(lambda: release_build(release_id=release.pk)))
    release.refresh_from_db()
    assert (release.status, release.document_count) == ("ready", DOCUMENTS // 2)


def test_the_dashboard_counts_and_times_without_reading_the_whole_log(fresh):
    progress: list[Any] = []

    def dashboard() -> None:
        progress.extend(annotator_progress(project=fresh.project))
        totals = project_agreement_current(project=fresh.project)
        uses = label_uses(counts_from_json(totals.counts))
        list(label_usage(project=fresh.project, submitted_uses=uses))
        document_state_counts(project=fresh.project)

    scans = assert_indexed(_plans(dashboard))
    timed = {person.username: len(person.seconds) for person in progress}
    assert timed == {user.username: DOCUMENTS for user in fresh.annotators} | {
        fresh.reviewer.username: 0,
        fresh.project.created_by.username: 0,
    }
    # Submitted label uses come from the stored agreement totals; gold's spans are read
    # through their annotation's index, never by a pass over the span table.
    span_scans = {kind for kind, table, _index in scans if table == "annotations_span"}
    assert span_scans <= {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}, scans


def test_the_review_queue_reads_spans_through_their_annotation_index(fresh):
    rows: list[Any] = []
    assert_indexed(_plans(lambda: rows.extend(review_queue(project=fresh.project))))
    assert len(rows) == DOCUMENTS


def test_the_queue_and_span_writes_reach_the_log_and_spans_by_index(fresh):
    newcomer = UserFactory()
    membership_set(project=fresh.project, user=newcomer, role="annotator")
    fresh.project.annotators_per_document = 3
    fresh.project.save()

    def annotate() -> None:
        annotation = document_assign_next(project=fresh.project, user=newcomer)
        assert annotation is not None
        span, _ = span_create(
            annotation=annotation, label=fresh.labels["PER"], start=6, end=11, actor=newcomer
        )
        span = span_update(span=span, label=fresh.labels["LOC"], actor=newcomer)
        span_delete(span=span, actor=newcomer)

    assert_indexed(_plans(annotate))
