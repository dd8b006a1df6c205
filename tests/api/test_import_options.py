"""Import options for moving from another tool: as=gold, on_duplicate=attach, create_labels."""

import io
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

from annotations.models import (
    Annotation,
    AnnotationEvent,
    Document,
    ImportJob,
    Label,
    Span,
    Stance,
)
from annotations.services.ingest import records
from annotations.services.review import gold_build
from tests.api.conftest import client_for
from tests.factories import AnnotationFactory, DocumentFactory, SpanFactory
from tests.worker import run_worker

pytestmark = pytest.mark.django_db

MIGRATE = Path(__file__).resolve().parent.parent / "data" / "migrate"


def post(world, query: str = "", role: str = "manager", body=None, name="adjudicated.jsonl"):
    """Upload a file of tests/data/migrate (or send ``body`` as JSON) with these options."""
    url = f"/api/projects/{world.project.pk}/documents/{query}"
    client = client_for(world.users[role])
    if body is not None:
        return client.post(url, body, format="json")
    upload = io.BytesIO((MIGRATE / name).read_bytes())
    upload.name = name
    return client.post(url, {"file": upload}, format="multipart")


def content(annotation: Annotation) -> list[tuple]:
    spans = annotation.spans.select_related("label").order_by("start", "end")
    return [
        (
            s.label.name,
            s.start,
            s.end,
            s.text,
            s.checkworthy,
            s.claimant.text if s.claimant else None,
        )
        for s in spans
    ]


def test_import_as_gold_makes_the_spans_and_stances_gold_logged_as_a_gold_edit(world):
    response = post(world, "?as=gold")

    assert response.status_code == 201
    bridge = Document.objects.get(project=world.project, external_id="gao-bridge")
    assert not bridge.annotations.filter(kind="prediction").exists()
    gold = bridge.annotations.get(kind="gold")
    assert content(gold) == [
        ("PER", 0, 13, "Moussa Traoré", "", None),
        ("CLAIM", 19, 61, "the Niger bridge at Gao will reopen in May", "yes", "Moussa Traoré"),
    ]
    stance = Stance.objects.get(annotation=gold)
    assert (stance.target, stance.label, stance.holder.text) == (
        world.target,
        world.favor,
        "Moussa Traoré",
    )
    event = AnnotationEvent.objects.get(annotation=gold)
    assert (event.action, event.actor, event.version) == (
        "content_replaced",
        world.users["manager"],
        gold.version,
    )
    assert [span["text"] for span in event.after["spans"]] == [
        "Moussa Traoré",
        "the Niger bridge at Gao will reopen in May",
    ]
    # LOC is not a label of the project: reported, as for predictions.
    assert any("'LOC'" in warning["message"] for warning in response.json()["warnings"])


def test_import_as_prediction_stays_the_default(world):
    assert post(world).status_code == 201
    bridge = Document.objects.get(project=world.project, external_id="gao-bridge")
    assert [a.kind for a in bridge.annotations.all()] == ["prediction"]
    assert not AnnotationEvent.objects.filter(annotation__document=bridge).exists()


@pytest.mark.parametrize("role", ["reviewer", "annotator"])
def test_only_managers_import_gold_or_create_labels(world, role):
    for query in ("?as=gold", "?create_labels=1"):
        assert post(world, query, role=role).status_code == 403
    assert not Document.objects.filter(project=world.project).exclude(pk=world.document.pk)
    assert set(Label.objects.filter(project=world.project).values_list("name", flat=True)) == {
        "PER",
        "CLAIM",
        "FAVOR",
    }


def test_bad_option_values_are_refused_naming_each_parameter(world):
    response = post(world, "?as=foo&on_duplicate=replace&create_labels=yes")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors == {
        "as": ["as takes prediction (the default) or gold."],
        "on_duplicate": ["on_duplicate takes skip (the default) or attach."],
        "create_labels": ["Expected 1 or 0."],
    }
    assert Document.objects.filter(project=world.project).count() == 1


def test_create_labels_creates_unknown_labels_with_their_kind_and_reports_them(world):
    response = post(world, "?create_labels=1")

    assert response.status_code == 201
    created = response.json()["labels_created"]
    assert [(label["name"], label["kind"]) for label in created] == [
        ("LOC", "entity"),
        ("GPE", "entity"),
        ("RUMOUR", "claim"),
    ]
    labels = Label.objects.filter(project=world.project, name__in=["LOC", "GPE", "RUMOUR"])
    assert {label.pk for label in labels} == {label["id"] for label in created}
    assert all(label.shortcut == "" for label in labels)
    # Each its own colour, none the project used already.
    existing = {world.entity.color, world.claim.color, world.favor.color}
    assert len({label.color for label in labels} - existing) == 3
    airport = Document.objects.get(project=world.project, external_id="tbt-airport")
    assert content(airport.annotations.get(kind="prediction")) == [
        ("GPE", 13, 17, "Mali", "", None),
        ("LOC", 38, 46, "Timbuktu", "", None),
        ("RUMOUR", 38, 64, "Timbuktu airport is closed", "unsure", None),
    ]
    assert response.json()["warnings"] == []


def test_without_create_labels_unknown_labels_are_dropped_and_not_listed(world):
    response = post(world)

    assert "labels_created" not in response.json()
    assert not Label.objects.filter(project=world.project, name="GPE").exists()
    messages = [warning["message"] for warning in response.json()["warnings"]]
    assert "entities #0: unknown entity or claim label 'GPE'; dropped." in messages


def test_a_created_label_serves_one_kind_the_other_spans_are_reported(world):
    text = "Ansongo says the ferry runs again."
    body = [
        {"text": text, "entities": [{"start": 0, "end": 7, "label": "SOURCE"}]},
        {
            "text": text + " Twice.",
            "claims": [{"start": 8, "end": 33, "label": "SOURCE"}],
            "stances": [],
        },
    ]
    response = post(world, "?create_labels=1", body=body)

    assert response.status_code == 201
    assert response.json()["labels_created"][0]["kind"] == "entity"
    assert response.json()["warnings"] == [
        {
            "line": 2,
            "message": records.WARN_LABEL_KIND_TAKEN.format(
                wanted="claim", start=8, end=33, label="SOURCE", a_kind="an entity"
            ),
        }
    ]
    assert Span.objects.filter(label__name="SOURCE").count() == 1


def test_on_duplicate_attach_puts_predictions_on_the_document_and_replaces_them_later(world):
    response = post(world, "?on_duplicate=attach")

    assert response.status_code == 201
    duplicate = response.json()["duplicates"][0]
    assert duplicate == {
        "line": 3,
        "external_id": "bamako-meeting",
        "duplicate_of": world.document.pk,
        "attached": "prediction",
    }
    prediction = world.document.annotations.get(kind="prediction")
    assert content(prediction) == [
        ("PER", 0, 5, "Keita", "", None),
        ("PER", 10, 16, "Macron", "", None),
    ]

    again = post(
        world,
        "?on_duplicate=attach",
        body=[
            {"text": world.document.text, "entities": [{"start": 20, "end": 26, "label": "PER"}]}
        ],
    )

    assert again.status_code == 200
    assert again.json()["duplicates"][0]["attached"] == "prediction"
    assert again.json()["warnings"] == [
        {
            "line": 1,
            "message": records.WARN_PREDICTION_REPLACED.format(
                document=world.document.pk, spans=2, stances=0
            ),
        }
    ]
    prediction.refresh_from_db()
    assert content(prediction) == [("PER", 20, 26, "Bamako", "", None)]
    assert AnnotationEvent.objects.filter(annotation=prediction).count() == 2


def test_on_duplicate_skip_stays_the_default(world):
    response = post(world)

    assert response.json()["duplicates"] == [
        {"line": 3, "external_id": "bamako-meeting", "duplicate_of": world.document.pk}
    ]
    assert not world.document.annotations.filter(kind="prediction").exists()


def test_attach_as_gold_fills_a_missing_gold_but_never_overwrites_a_reviewers(world):
    response = post(world, "?as=gold&on_duplicate=attach")

    assert response.json()["duplicates"][0]["attached"] == "gold"
    gold = world.document.annotations.get(kind="gold")
    assert [row[:3] for row in content(gold)] == [("PER", 0, 5), ("PER", 10, 16)]

    # A reviewer's gold on another document (one span): an import must leave it be.
    other = DocumentFactory(project=world.project, text="Moussa Traoré is in Gao.")
    own = AnnotationFactory(document=other, author=None, kind="gold")
    SpanFactory(annotation=own, label=world.entity, start=20, end=23)
    body = [{"text": other.text, "entities": [{"start": 0, "end": 13, "label": "PER"}]}]
    kept = post(world, "?as=gold&on_duplicate=attach", body=body)

    assert kept.status_code == 200
    assert kept.json()["duplicates"][0]["attached"] is None
    assert kept.json()["warnings"] == [
        {
            "line": 1,
            "message": records.WARN_GOLD_KEPT.format(document=other.pk, version=own.version),
        }
    ]
    assert [row[:3] for row in content(own)] == [("PER", 20, 23)]


def test_attach_as_gold_fills_an_empty_gold_a_reviewer_only_opened(world):
    result = gold_build(
        document=world.document, actor=world.users["reviewer"], annotation_ids=[world.reviewers.pk]
    )
    assert not result.annotation.spans.exists()

    response = post(world, "?as=gold&on_duplicate=attach")

    assert response.json()["duplicates"][0]["attached"] == "gold"
    assert [row[:3] for row in content(result.annotation)] == [("PER", 0, 5), ("PER", 10, 16)]


def test_a_background_import_applies_the_options_too(world, settings):
    settings.IMPORT_BACKGROUND_THRESHOLD = 2
    response = post(world, "?as=gold&create_labels=1&on_duplicate=attach")
    assert response.status_code == 202
    run_worker()

    job = ImportJob.objects.get()
    assert [label["name"] for label in job.report["labels_created"]] == ["LOC", "GPE", "RUMOUR"]
    assert job.report["duplicates"][0]["attached"] == "gold"
    airport = Document.objects.get(project=world.project, external_id="tbt-airport")
    gold = airport.annotations.get(kind="gold")
    assert [row[0] for row in content(gold)] == ["GPE", "LOC", "RUMOUR"]
    assert AnnotationEvent.objects.get(annotation=gold).actor == world.users["manager"]


def test_the_schema_documents_each_import_option_and_its_values():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    post_documents = schema["paths"]["/api/projects/{project_id}/documents/"]["post"]
    parameters = {p["name"]: p for p in post_documents["parameters"]}

    assert parameters["as"]["schema"]["enum"] == ["gold", "prediction"]
    assert parameters["on_duplicate"]["schema"]["enum"] == ["attach", "skip"]
    assert parameters["create_labels"]["schema"]["enum"] == ["0", "1"]
    assert all(parameters[name]["description"] for name in ("as", "on_duplicate", "create_labels"))


def test_a_stance_held_by_a_span_dropped_for_its_labels_kind_is_dropped_with_it(world):
    text = "Ansongo says the ferry runs again."
    body = [
        {"text": text, "claims": [{"start": 8, "end": 33, "label": "FERRY"}]},
        {
            "text": "Ansongo backs the intervention.",
            "entities": [{"start": 0, "end": 7, "label": "FERRY"}],
            "stances": [
                {
                    "target": "the intervention",
                    "label": "FAVOR",
                    "holder": {"start": 0, "end": 7},
                }
            ],
        },
    ]
    response = post(world, "?create_labels=1", body=body)

    assert response.status_code == 201
    assert [w["message"] for w in response.json()["warnings"]] == [
        "The entity span [0, 7) names label 'FERRY', which this import created as a claim "
        "label; dropped.",
        records.WARN_STANCE_SPAN_DROPPED.format(role="holder", start=0, end=7),
    ]
    backs = Document.objects.get(project=world.project, text__startswith="Ansongo backs")
    assert not Span.objects.filter(annotation__document=backs).exists()
    assert not Stance.objects.filter(annotation__document=backs).exists()
