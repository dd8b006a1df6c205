"""The event log's one writer: version bumps, events, and the rows a change inserts."""

import re
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Annotation, AnnotationEvent, EventAction, Span
from annotations.services.annotating import annotation_lock_for_write, span_create
from annotations.services.changelog import NOTHING_TO_BUMP, annotation_change_record
from tests.factories import AnnotationFactory, DocumentFactory, LabelFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2] / "annotations"
# Writing an event, or the version, anywhere but the changelog (and the fence it uses).
DIRECT_WRITE = re.compile(
    r"AnnotationEvent\(|AnnotationEvent\.objects\.(?:bulk_)?create|events\.(?:bulk_)?create"
    r"|version\s*=\s*F\(|[\"']version[\"']\s*:\s*F\("
)
ALLOWED = {ROOT / "services" / "changelog.py"}

TEXT = "Keita met Macron in Bamako."


@pytest.fixture
def annotation():
    return AnnotationFactory(document=DocumentFactory(text=TEXT), version=4)


def locked(annotation: Annotation) -> Annotation:
    row, _ = annotation_lock_for_write(annotation_id=annotation.pk, version=None, writable=False)
    return row


def test_only_the_changelog_writes_events_and_versions():
    sources = [
        path
        for path in ROOT.rglob("*.py")
        if path not in ALLOWED and "migrations" not in path.parts and "models" not in path.parts
    ]
    writers = [
        f"{path.relative_to(ROOT.parent)}:{number}"
        for path in sources
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if DIRECT_WRITE.search(line)
    ]
    assert writers == [], "use services.changelog.annotation_change_record"


@pytest.mark.django_db
def test_a_change_bumps_the_version_once_and_appends_its_event_at_the_new_version(annotation):
    actor = UserFactory()
    row = locked(annotation)

    annotation_change_record(
        annotation=row,
        actor=actor,
        action=EventAction.STATUS_CHANGED,
        before={"status": "in_progress"},
        after={"status": "skipped"},
        fields={"status": "skipped"},
    )

    stored = Annotation.objects.get(pk=annotation.pk)
    assert (stored.version, stored.status) == (5, "skipped")
    assert (row.version, row.status) == (5, "skipped"), "the locked instance is kept current"
    [event] = AnnotationEvent.objects.filter(annotation=annotation)
    assert (event.action, event.version, event.actor, event.after) == (
        "status_changed",
        5,
        actor,
        {"status": "skipped"},
    )


@pytest.mark.django_db
def test_an_event_without_a_bump_is_appended_at_the_current_version_and_writes_nothing_else(
    annotation,
):
    row = locked(annotation)

    event = annotation_change_record(
        annotation=row, actor=None, action=EventAction.ANNOTATION_CREATED, bump=False
    )

    assert event.pk is not None and event.version == 4
    assert Annotation.objects.get(pk=annotation.pk).version == 4
    with pytest.raises(ValueError) as refused:
        annotation_change_record(
            annotation=row,
            actor=None,
            action=EventAction.STATUS_CHANGED,
            fields={"status": "skipped"},
            bump=False,
        )
    assert str(refused.value) == NOTHING_TO_BUMP.format(what=["status"])


@pytest.mark.django_db
def test_a_row_inserted_with_its_drawn_id_is_then_known_to_django_as_saved(annotation):
    label = LabelFactory(project=annotation.document.project, kind="entity")
    row = locked(annotation)
    drawn = (Span.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    span = Span(
        pk=drawn,
        annotation=row,
        label=label,
        start=0,
        end=5,
        text="Keita",
        client_id=uuid.uuid4(),
    )

    annotation_change_record(
        annotation=row, actor=None, action=EventAction.SPAN_CREATED, inserts=[span]
    )

    assert (span._state.adding, span._state.db) == (False, connection.alias)
    span.full_clean()  # unsaved, it would clash with its own row on (annotation, client_id)
    span.checkworthy = ""
    with CaptureQueriesContext(connection) as queries:
        span.save()
    statements = [query["sql"].split()[0].upper() for query in queries.captured_queries]
    assert "INSERT" not in statements and "UPDATE" in statements
    assert Span.objects.filter(annotation=annotation).count() == 1


@pytest.mark.django_db
def test_span_create_returns_a_span_django_knows_is_saved(annotation):
    label = LabelFactory(project=annotation.document.project, kind="entity")

    span, created = span_create(
        annotation=annotation, label=label, start=0, end=5, client_id=uuid.uuid4(), actor=None
    )

    assert created
    span.full_clean()
    span.save()
    assert Span.objects.filter(annotation=annotation).count() == 1
