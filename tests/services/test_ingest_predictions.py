"""Predictions stored by COPY (PostgreSQL) hold exactly what bulk_create stores, in few queries."""

import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Annotation, Document, Span, Stance
from annotations.services.ingest import ImportOptions, documents_import_file, predictions
from tests.factories import LabelFactory, ProjectFactory, StanceTargetFactory

pytestmark = pytest.mark.django_db

TEXT = "Keïta said in Bamako that the \U0001f1f2\U0001f1f1 mission would stay. Gao agreed."


def line(index: int) -> dict:
    """A document with entities, a claim naming its claimant, a free-text claimant, a stance."""
    text = f"{TEXT} ({index})"
    return {
        "text": text,
        "external_id": f"d{index}",
        "entities": [
            {"start": 0, "end": 5, "label": "PER"},
            {"start": 14, "end": 20, "label": "LOC"},
            {"start": 56, "end": 59, "label": "LOC"},
        ],
        "claims": [
            {
                "start": 26,
                "end": 54,
                "label": "CLAIM",
                "checkworthy": "yes",
                "claimant": {"start": 0, "end": 5},
            },
            {"start": 56, "end": 66, "label": "CLAIM", "claimant": {"text": "a reporter"}},
        ],
        "stances": [
            {
                "target": "the mission",
                "label": "FAVOR",
                "holder": {"start": 0, "end": 5},
                "evidence": {"start": 26, "end": 54},
            }
        ],
    }


def project_with_labels():
    project = ProjectFactory()
    for name in ("PER", "LOC"):
        LabelFactory(project=project, name=name, kind="entity")
    LabelFactory(project=project, name="CLAIM", kind="claim")
    LabelFactory(project=project, name="FAVOR", kind="stance")
    StanceTargetFactory(project=project, name="the mission")
    return project


def import_lines(project, count: int) -> dict:
    data = "".join(json.dumps(line(i), ensure_ascii=False) + "\n" for i in range(count))
    stream = io.BytesIO(data.encode())
    return documents_import_file(
        project=project, name="p.jsonl", stream=stream, options=ImportOptions(offsets="codepoints")
    )


def stored(project) -> list:
    """Every prediction of the project as plain values: spans and stances by their offsets."""

    def place(span):
        return None if span is None else (span.label.name, span.start, span.end)

    rows = []
    for annotation in Annotation.objects.filter(document__project=project).order_by(
        "document__external_id"
    ):
        spans = Span.objects.filter(annotation=annotation).select_related("label")
        stances = (
            Stance.objects.with_links()
            .filter(annotation=annotation)
            .select_related("target", "label")
        )
        rows.append(
            (
                annotation.document.external_id,
                annotation.kind,
                annotation.status,
                annotation.version,
                annotation.author_id,
                annotation.submitted_at,
                sorted(
                    (
                        *place(s),
                        s.text,
                        s.client_id,
                        place(s.claimant),
                        s.claimant_text,
                        s.checkworthy,
                    )
                    for s in spans
                ),
                sorted(
                    (s.target.name, s.label.name, place(s.holder), place(s.evidence))
                    for s in stances
                ),
            )
        )
    return rows


@pytest.mark.postgresql
def test_predictions_copied_equal_predictions_bulk_created(monkeypatch):
    copied = project_with_labels()
    report = import_lines(copied, 3)
    monkeypatch.setattr(predictions, "copy_supported", lambda: False)
    created = project_with_labels()
    import_lines(created, 3)

    assert not report["warnings"]
    assert stored(copied) == stored(created)
    assert len(stored(copied)) == 3
    assert [len(row[6]) for row in stored(copied)] == [5, 5, 5]
    assert Stance.objects.filter(annotation__document__project=copied).count() == 3


@pytest.mark.postgresql
def test_predictions_copied_keep_the_timestamps_of_their_batch():
    project = project_with_labels()
    import_lines(project, 2)
    documents = Document.objects.filter(project=project)
    annotations = Annotation.objects.filter(document__project=project)
    assert {a.created_at for a in annotations} == {d.created_at for d in documents}
    assert {a.updated_at for a in annotations} == {d.created_at for d in documents}


@pytest.mark.postgresql
def test_an_import_with_predictions_runs_the_same_queries_for_5_or_400_documents():
    # One batch either way: labels, stored hashes, a savepoint, document ids and their COPY,
    # annotation and span ids in one query, then one COPY per table (the relations' table
    # too: the claims' claimants are built-in relations since migration 0029).
    counts = []
    for count in (5, 400):
        project = project_with_labels()
        with CaptureQueriesContext(connection) as queries:
            report = import_lines(project, count)
        assert len(report["created"]) == count
        counts.append(len(queries))
    assert counts == [11, 11]
    assert Span.objects.filter(annotation__document__project=project).count() == 400 * 5
