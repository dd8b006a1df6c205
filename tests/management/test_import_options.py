"""import_documents --as gold, --on-duplicate attach and --create-labels."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from annotations.models import AnnotationEvent, Document, Label
from tests.exports.conftest import make_project
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db

KEITA = "Keita met Macron in Bamako on Monday."
ADJUDICATED = Path(__file__).resolve().parent.parent / "data" / "migrate" / "adjudicated.jsonl"


@pytest.fixture
def project():
    project = make_project("Migrated")
    DocumentFactory(project=project, text=KEITA)
    return project


def report_of(*flags: str) -> dict:
    out = io.StringIO()
    call_command("import_documents", "Migrated", str(ADJUDICATED), "--json", *flags, stdout=out)
    return json.loads(out.getvalue())[str(ADJUDICATED)]


def test_as_gold_with_created_labels_stores_the_adjudicated_dataset_as_gold(project):
    report = report_of("--as", "gold", "--create-labels", "--workers", "2")

    assert [label["name"] for label in report["labels_created"]] == ["GPE", "RUMOUR"]
    assert Label.objects.get(project=project, name="RUMOUR").kind == "claim"
    airport = Document.objects.get(project=project, external_id="tbt-airport")
    gold = airport.annotations.get()
    assert gold.kind == "gold"
    spans = [(s.label.name, s.start, s.end, s.text) for s in gold.spans.order_by("start", "end")]
    assert spans == [
        ("GPE", 13, 17, "Mali"),
        ("LOC", 38, 46, "Timbuktu"),
        ("RUMOUR", 38, 64, "Timbuktu airport is closed"),
    ]
    event = AnnotationEvent.objects.get(annotation=gold)
    assert (event.action, event.actor) == ("content_replaced", None)  # the command: the system
    assert report["duplicates"][0] == {
        "line": 3,
        "external_id": "bamako-meeting",
        "duplicate_of": Document.objects.get(project=project, text=KEITA).pk,
    }


def test_on_duplicate_attach_says_what_was_attached(project):
    summary = io.StringIO()
    call_command(
        "import_documents",
        "Migrated",
        str(ADJUDICATED),
        "--as",
        "gold",
        "--on-duplicate",
        "attach",
        "--create-labels",
        stdout=summary,
    )

    lines = summary.getvalue().splitlines()
    assert "  new label  GPE (entity)" in lines
    assert "  new label  RUMOUR (claim)" in lines
    keita = Document.objects.get(project=project, text=KEITA)
    assert any(
        line.startswith("  duplicate  line 3 (bamako-meeting)")
        and line.endswith(f"document {keita.pk}; attached as gold")
        for line in lines
    )
    gold = keita.annotations.get(kind="gold")
    assert sorted(gold.spans.values_list("text", flat=True)) == ["Keita", "Macron"]


def test_unknown_option_values_are_refused_naming_the_flag(project):
    for flags in (("--as", "silver"), ("--on-duplicate", "merge")):
        with pytest.raises(CommandError, match=flags[0]):
            call_command("import_documents", "Migrated", str(ADJUDICATED), *flags)
    assert Document.objects.filter(project=project).count() == 1
