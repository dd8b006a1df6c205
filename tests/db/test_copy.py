"""annotations.db.copy stores with COPY exactly what bulk_create stores (PostgreSQL only)."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations import repair
from annotations.db.copy import (
    copy_supported,
    document_row,
    documents_copy,
    next_ids,
    rows_copy,
)
from annotations.models import Annotation, Document, Span
from tests.factories import AnnotationFactory, DocumentFactory, LabelFactory, ProjectFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgresql,  # COPY
]

TEXTS = ("Kidal\\ \t tab\nline \U0001f1f2\U0001f1f1 \u00e9", "Gao\nMopti")


def fields(text: str) -> dict:
    return {
        "text": text,
        "external_id": "e\\1\t\u00e9",
        "meta": {
            "source": "a\tb\\c\nd",
            "n": [1, 2.5, None, True],
            "\u00e9": {"x": "\u201cq\u201d"},
        },
        "content_hash": repair.content_hash(text),
        "ingestion_report": {"line": 3, "repairs": ["line_breaks"], "source": "f.jsonl"},
    }


def stored(project) -> list[tuple]:
    return list(
        Document.objects.filter(project=project)
        .order_by("pk")
        .values_list("text", "external_id", "meta", "content_hash", "ingestion_report")
    )


def test_copy_is_supported_on_postgresql():
    assert copy_supported()


def test_documents_copy_stores_the_rows_bulk_create_stores_and_returns_their_ids():
    copied, created = ProjectFactory(), ProjectFactory()
    now = timezone.now()

    ids = documents_copy(
        [document_row(project_id=copied.pk, **fields(text)) for text in TEXTS], created_at=now
    )
    Document.objects.bulk_create([Document(project=created, **fields(text)) for text in TEXTS])

    assert stored(copied) == stored(created)
    documents = Document.objects.filter(project=copied).order_by("pk")
    assert [(d.pk, d.created_at) for d in documents] == [(pk, now) for pk in ids]


def test_documents_copy_of_a_stored_hash_raises_integrity_error_and_stores_nothing():
    project = ProjectFactory()
    row = document_row(project_id=project.pk, **fields("Bamako votes."))
    documents_copy([row], created_at=timezone.now())
    fresh = document_row(project_id=project.pk, **fields("Gao."))
    with pytest.raises(IntegrityError), transaction.atomic():
        documents_copy([fresh, row], created_at=timezone.now())
    assert Document.objects.filter(project=project).count() == 1


def test_rows_copy_fills_the_other_columns_as_bulk_create_does():
    document = DocumentFactory()
    now = timezone.now()
    ids = next_ids({Annotation: 2, Span: 0})
    assert ids[Span] == []
    row = (ids[Annotation][0], document.pk, "prediction")
    rows_copy(Annotation, ("id", "document_id", "kind"), [row], now=now)
    created = Annotation.objects.bulk_create(
        [Annotation(document=DocumentFactory(), author=None, kind="prediction")]
    )[0]

    copied = Annotation.objects.get(pk=ids[Annotation][0])
    columns = ("status", "version", "author_id", "submitted_at")
    assert [getattr(copied, c) for c in columns] == [getattr(created, c) for c in columns]
    assert (copied.created_at, copied.updated_at) == (now, now)
    # The next id drawn follows the ones this COPY and bulk_create took.
    assert next_ids({Annotation: 1})[Annotation][0] > max(ids[Annotation][1], created.pk)


def test_rows_copy_of_a_row_breaking_a_constraint_raises_integrity_error():
    annotation = AnnotationFactory()
    label = LabelFactory(project=annotation.document.project, kind="entity")
    columns = ("annotation_id", "label_id", "start", "end", "text")
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_copy(Span, columns, [(annotation.pk, label.pk, 4, 2, "")], now=timezone.now())
    assert not Span.objects.exists()
