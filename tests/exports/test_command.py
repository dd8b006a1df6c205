"""``manage.py export_dataset``: the same export as the API, written whole or not at all."""

import json
import re

import pytest
from django.core.management import CommandError, call_command

from annotations.errors import InvalidInput
from annotations.exports import export_options
from annotations.exports.splits import split_of
from tests.exports.conftest import annotate, export, make_project, span
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def test_export_dataset_writes_the_same_bytes_as_the_api(dataset, tmp_path):
    output = tmp_path / "gold.jsonl"
    call_command("export_dataset", dataset.project.name, "--format", "jsonl", "--output", output)
    assert output.read_bytes() == export(dataset.project)


def test_export_dataset_takes_include_labels_and_statuses(dataset, tmp_path, capsys):
    output = tmp_path / "out.csv"
    call_command(
        "export_dataset",
        str(dataset.project.pk),
        "--format=csv",
        f"--output={output}",
        "--include=submitted",
        "--label=CLAIM",
    )
    assert output.read_bytes() == export(
        dataset.project, "csv", include="submitted", labels=["CLAIM"]
    )
    assert "3 annotations (csv, submitted), 0 warnings" in capsys.readouterr().out


def test_export_dataset_replaces_the_file_only_when_done(dataset, tmp_path, monkeypatch):
    output = tmp_path / "gold.jsonl"
    output.write_text("previous release\n")

    def broken(**kwargs):
        yield {"id": 1}
        raise RuntimeError("database went away")

    monkeypatch.setattr("annotations.management.commands.export_dataset.export_rows", broken)
    with pytest.raises(RuntimeError):
        call_command("export_dataset", dataset.project.name, "--format=jsonl", f"--output={output}")

    assert output.read_text() == "previous release\n"
    assert [path.name for path in tmp_path.iterdir()] == ["gold.jsonl"]


def test_export_dataset_prints_warnings_for_spans_it_could_not_place(tmp_path, capsys):
    project = make_project("Misaligned")
    text = "The Keitas met."
    document = DocumentFactory(project=project, text=text)
    annotate(document, spans=[span(text, "PER", "Keita")])

    call_command("export_dataset", "Misaligned", "--format=conll", f"--output={tmp_path / 'x'}")

    captured = capsys.readouterr()
    assert "1 documents (conll, gold), 1 warnings" in captured.out
    assert "does not start and end on token boundaries" in captured.err


def test_export_dataset_refuses_an_unknown_label_naming_it(dataset, tmp_path):
    with pytest.raises(CommandError, match=re.escape("--label: No label 'NOPE' in this project.")):
        call_command(
            "export_dataset",
            dataset.project.name,
            "--format=jsonl",
            f"--output={tmp_path / 'x'}",
            "--label=NOPE",
        )


def test_export_dataset_refuses_an_unknown_project(tmp_path):
    with pytest.raises(CommandError, match="No project with id or name 'nope'"):
        call_command("export_dataset", "nope", "--format=jsonl", f"--output={tmp_path / 'x'}")


def test_export_options_name_a_missing_package(dataset, monkeypatch):
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(InvalidInput) as raised:
        export_options(project=dataset.project, format_name="spacy")
    assert "'spacy' package, which is not installed" in raised.value.errors["format"][0]


def test_export_dataset_output_is_json_lines(dataset, tmp_path):
    output = tmp_path / "gold.jsonl"
    call_command("export_dataset", dataset.project.name, "--format=jsonl", f"--output={output}")
    assert len([json.loads(line) for line in output.read_text().splitlines()]) == 3


def test_export_dataset_splits_like_the_api(dataset, tmp_path):
    output = tmp_path / "gold.jsonl"
    call_command(
        "export_dataset", str(dataset.project.pk), "--format", "jsonl", "--output", str(output),
        "--split", "50,50", "--seed", "9",
    )  # fmt: skip
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert [row["split"] for row in rows] == [
        split_of(row["id"], percentages=(50, 50), seed=9) for row in rows
    ]


def test_export_dataset_refuses_a_bad_split_naming_the_flag(dataset, tmp_path):
    with pytest.raises(CommandError, match="--split: split takes two or three"):
        call_command(
            "export_dataset", str(dataset.project.pk), "--format", "jsonl",
            "--output", str(tmp_path / "x.jsonl"), "--split", "90,20",
        )  # fmt: skip
