"""annotations.db.copy stores with COPY exactly what bulk_create stores (PostgreSQL only)."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations import repair
from annotations.db.copy import copy_supported, document_row, documents_copy
from annotations.models import Document
from tests.factories import ProjectFactory

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
