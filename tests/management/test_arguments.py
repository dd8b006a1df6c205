"""The project argument every command takes: an id or an exact name."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from annotations.management.arguments import NO_SUCH_PROJECT
from tests.factories import ProjectFactory


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["import_documents", "export_dataset"])
def test_commands_refuse_an_unknown_project_by_name(command, tmp_path):
    ProjectFactory(name="Sahel")
    args = [str(tmp_path / "x.jsonl")]
    if command == "export_dataset":
        args = ["--format=jsonl", f"--output={tmp_path / 'out.jsonl'}"]
    with pytest.raises(CommandError, match=NO_SUCH_PROJECT.format(ref="Sahal").replace("'", ".")):
        call_command(command, "Sahal", *args)


@pytest.mark.django_db
def test_a_project_is_found_by_id_and_by_exact_name(tmp_path):
    project = ProjectFactory(name="1999")
    other = ProjectFactory(name="Sahel")
    path = tmp_path / "one.txt"
    path.write_text("Un texte.")
    call_command("import_documents", str(other.pk), str(path))
    call_command("import_documents", "Sahel", str(tmp_path / "one.txt"))
    assert other.documents.count() == 1  # the second import was a duplicate of the first
    assert project.documents.count() == 0
