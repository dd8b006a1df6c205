"""An upload through the API takes the command line's way: the same report, few queries.

POST /api/projects/{p}/documents/ and ``import_documents`` both prepare in worker processes
when the input is large (IMPORT_PARALLEL_BYTES) and store by COPY on PostgreSQL; whatever
the way, the report is the same, entry for entry and in the same order.
"""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Document, Span, Stance
from annotations.services.ingest import report_as_json, workers
from tests.api.conftest import client_for
from tests.factories import LabelFactory

MIXED = Path(__file__).resolve().parent.parent / "data" / "api" / "mixed_predictions.jsonl"

pytestmark = pytest.mark.django_db


@pytest.fixture
def labels(world):
    LabelFactory(project=world.project, name="LOC", kind="entity")
    world.target.name = "the mission"
    world.target.save()


def restart_document_ids(at: int) -> None:
    """Make the next document id ``at`` (both imports below get the same ids)."""
    table = Document._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, at - 1])
        else:
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [at - 1, table])


def post_file(world, name: str, data: bytes):
    upload = io.BytesIO(data)
    upload.name = name
    url = f"/api/projects/{world.project.pk}/documents/"
    return client_for(world.users["manager"]).post(url, {"file": upload}, format="multipart")


@pytest.mark.parametrize("processes", [1, 2])
def test_upload_reports_exactly_what_import_documents_prints(
    world, labels, settings, monkeypatch, capsys, processes
):
    # Chunks of two records: with two processes, results come back from both, out of turn.
    monkeypatch.setattr(workers, "PREPARE_CHUNK", 2)
    settings.IMPORT_WORKERS = processes
    settings.IMPORT_PARALLEL_BYTES = 0
    first = Document.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    restart_document_ids(first)
    with pytest.raises(CommandError):  # lines were rejected: exit status 1
        call_command("import_documents", "Sahel", MIXED, "--json", f"--workers={processes}")
    printed = json.loads(capsys.readouterr().out)[str(MIXED)]
    Document.objects.filter(pk__gte=first).delete()
    restart_document_ids(first)

    response = post_file(world, MIXED.name, MIXED.read_bytes())

    assert response.status_code == 201
    assert report_as_json(response.json()) == report_as_json(printed)
    report = response.json()
    assert [entry["line"] for entry in report["created"]] == [1, 2, 3, 7, 10]
    assert [(d["line"], d["duplicate_of"]) for d in report["duplicates"]] == [
        (5, first),
        (9, world.document.pk),
    ]
    assert [error["line"] for error in report["errors"]] == [6, 8]
    assert {entry["line"] for entry in report["warnings"]} == {7}
    assert Span.objects.filter(annotation__document_id=first).count() == 4
    assert Stance.objects.filter(annotation__document_id=first).count() == 1


def lines_with_predictions(count: int) -> bytes:
    text = "Aminata Traoré said in Bamako that Gao agreed, line {n} of {count}."
    return b"".join(
        json.dumps(
            {
                "text": text.format(n=n, count=count),
                "entities": [
                    {"start": 0, "end": 14, "label": "PER"},
                    {"start": 23, "end": 29, "label": "LOC"},
                    {"start": 35, "end": 38, "label": "LOC"},
                ],
                "stances": [{"target": "the mission", "label": "FAVOR"}],
            },
            ensure_ascii=False,
        ).encode()
        + b"\n"
        for n in range(count)
    )


@pytest.mark.postgresql
def test_upload_queries_do_not_grow_with_documents_and_spans(world, labels, settings):
    # One batch of 10 or of 400 documents: the same queries (COPY for every table).
    settings.IMPORT_PARALLEL_BYTES = 10**9
    counts = []
    for count in (10, 400):
        data = lines_with_predictions(count)
        with CaptureQueriesContext(connection) as queries:
            response = post_file(world, f"{count}.jsonl", data)
        assert response.status_code == 201
        assert len(response.json()["created"]) == count
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 20
    imported = Span.objects.filter(
        annotation__kind="prediction", annotation__document__project=world.project
    )
    assert imported.count() == 410 * 3


def test_upload_repeated_under_its_idempotency_key_is_applied_once(world, labels, settings):
    # Prepared by two processes, stored by COPY on PostgreSQL, inside the key's transaction.
    settings.IMPORT_WORKERS = 2
    settings.IMPORT_PARALLEL_BYTES = 0
    data = lines_with_predictions(30)
    client = client_for(world.users["manager"])
    url = f"/api/projects/{world.project.pk}/documents/"
    answers = []
    for _ in range(2):
        upload = io.BytesIO(data)
        upload.name = "30.jsonl"
        answers.append(
            client.post(url, {"file": upload}, format="multipart", HTTP_IDEMPOTENCY_KEY="upload-30")
        )

    assert [answer.status_code for answer in answers] == [201, 201]
    assert answers[1].content == answers[0].content
    assert len(answers[0].json()["created"]) == 30
    imported = Span.objects.filter(annotation__kind="prediction")
    assert imported.filter(annotation__document__project=world.project).count() == 30 * 3
