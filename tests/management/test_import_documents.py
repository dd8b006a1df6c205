"""import_documents with other tools' files: the offsets flag, several files, refused archives."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from annotations.models import Document, Span
from annotations.services.ingest.formats import brat
from tests.factories import LabelFactory, ProjectFactory

FORMATS = Path(__file__).resolve().parent.parent / "data" / "formats"


@pytest.fixture
def project(db):
    project = ProjectFactory(name="Sahel")
    for name in ("PER", "ORG", "LOC", "VEHICLE"):
        LabelFactory(project=project, name=name, kind="entity")
    return project


def span_texts(project, external_id):
    document = Document.objects.get(project=project, external_id=external_id)
    spans = Span.objects.filter(annotation__document=document).order_by("start")
    return [document.text[span.start : span.end] for span in spans]


def test_several_files_print_one_report_naming_each(project, capsys):
    files = [str(FORMATS / "conll2003.conll"), str(FORMATS / "prodigy_ner.jsonl")]
    call_command("import_documents", "Sahel", *files, "--json", "--workers=1")
    report = json.loads(capsys.readouterr().out)
    assert list(report) == files
    assert [entry["line"] for entry in report[files[0]]["created"]] == [3, 18]
    assert len(report[files[1]]["created"]) == 4
    assert span_texts(project, "conll2003-1") == ["EU", "Peter Blackburn"]


@pytest.mark.parametrize(("flag", "firemen"), [("auto", "firemen"), ("codepoints", "emen dr")])
def test_offsets_flag_chooses_the_unit(project, flag, firemen, capsys):
    path = str(FORMATS / "doccano_relations_utf16.jsonl")
    call_command("import_documents", "Sahel", path, f"--offsets={flag}", "--workers=1")
    assert span_texts(project, "1")[0] == firemen
    out = capsys.readouterr().out
    assert ("Offsets read as UTF-16 code units" in out) == (flag == "auto")


def test_a_zip_bomb_is_refused_with_the_reason_and_nothing_stored(project, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 10_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.txt", b"A" * 1_000_000)
    path = tmp_path / "bomb.zip"
    path.write_bytes(buffer.getvalue())
    message = brat.ERR_TOO_LARGE.format(name="bomb.zip", limit=10_000)
    with pytest.raises(CommandError, match=message):
        call_command("import_documents", "Sahel", str(path))
    assert not Document.objects.filter(project=project).exists()
