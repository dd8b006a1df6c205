"""Import documents from files into a project and print the import report."""

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations import tasks
from annotations.management.arguments import project_argument
from annotations.services.ingest import (
    ANNOTATE_AS,
    AS_PREDICTION,
    OFFSET_UNITS,
    ON_DUPLICATE,
    SKIP,
    ImportOptions,
    ImportRefused,
    UnsupportedFileType,
    documents_import_file,
)


class Command(BaseCommand):
    help = (
        "Import .txt, .jsonl, .json, .csv, CoNLL (.conll .iob .bio .tsv) or brat (.zip) files "
        "into a project (given by id or name). "
        "Prints the import report; exits with status 1 when any line was rejected."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="Project id or exact name.")
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--normalize", choices=["nfc"], help="Normalise the text to NFC before storing."
        )
        parser.add_argument(
            "--collapse-repeats",
            action="store_true",
            help="Keep one copy of a passage repeated verbatim inside a document.",
        )
        parser.add_argument(
            "--offsets",
            choices=OFFSET_UNITS,
            default="auto",
            help="The unit of pre-annotation offsets: codepoints, utf16, or auto (default: "
            "read from the spans, and said in the report).",
        )
        parser.add_argument(
            "--encoding", help="Decode the files with this encoding instead of detecting it."
        )
        parser.add_argument(
            "--as",
            dest="annotate_as",
            choices=ANNOTATE_AS,
            default=AS_PREDICTION,
            help="What pre-annotations become: the document's prediction (default) or its "
            "gold (a dataset already adjudicated elsewhere).",
        )
        parser.add_argument(
            "--on-duplicate",
            choices=ON_DUPLICATE,
            default=SKIP,
            help="skip (default): a text the project has is only reported; attach: its "
            "pre-annotations go onto that document.",
        )
        parser.add_argument(
            "--create-labels",
            action="store_true",
            help='Create unknown span labels (entity; claim under "claims") instead of '
            "dropping their spans.",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="Processes that repair documents while this one stores them "
            "(default: one per CPU; 1 does everything in this process).",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print the full report as JSON (every created document included).",
        )

    def handle(self, *args, **options) -> None:
        project = project_argument(options["project"])
        import_options = ImportOptions(
            normalize=options["normalize"],
            collapse_repeats=options["collapse_repeats"],
            encoding=options["encoding"],
            offsets=options["offsets"],
            annotate_as=options["annotate_as"],
            on_duplicate=options["on_duplicate"],
            create_labels=options["create_labels"],
        )
        failed = False
        reports = {}
        for path in options["files"]:  # every path checked before any file is imported
            if not path.is_file():
                raise CommandError(f"{path}: no such file.")
        for path in options["files"]:
            try:
                with path.open("rb") as stream:
                    report = documents_import_file(
                        project=project,
                        name=path.name,
                        stream=stream,
                        options=import_options,
                        workers=max(1, options["workers"]),
                    )
            except (UnsupportedFileType, ImportRefused) as error:
                raise CommandError(f"{path}: {error.detail}") from error
            except LookupError as error:
                raise CommandError(f"--encoding: {error}") from error
            except UnicodeDecodeError as error:
                raise CommandError(f"{path}: cannot be decoded as {error.encoding}.") from error
            # The new documents get the ready recommenders' predictions on the worker.
            tasks.documents_imported(project_id=project.pk, report=report)
            failed = failed or bool(report["errors"])
            reports[str(path)] = report
            if not options["json"]:
                self._print_summary(path, report)
        if options["json"]:
            self.stdout.write(json.dumps(reports, indent=2, ensure_ascii=False))
        if failed:
            raise CommandError("Some lines were rejected (see errors above).", returncode=1)

    def _print_summary(self, path: Path, report: dict) -> None:
        write = self.stdout.write
        write(
            f"{path}: {len(report['created'])} created, {len(report['duplicates'])} "
            f"duplicates, {len(report['repaired'])} repaired, {len(report['warnings'])} "
            f"warnings, {len(report['errors'])} errors"
        )
        for entry in report.get("labels_created", []):
            write(f"  new label  {entry['name']} ({entry['kind']})")
        for entry in report["duplicates"]:
            attached = f"; attached as {entry['attached']}" if entry.get("attached") else ""
            write(
                f"  duplicate  line {entry['line']} ({entry['external_id'] or '-'}): "
                f"same text as document {entry['duplicate_of']}{attached}"
            )
        for entry in report["repaired"]:
            encoding = f" from {entry['encoding']}" if entry.get("encoding") else ""
            write(
                f"  repaired   line {entry['line']} ({entry['external_id'] or '-'}): "
                f"{', '.join(entry['repairs'])}{encoding}"
            )
        for entry in report["warnings"]:
            write(f"  warning    line {entry['line']}: {entry['message']}")
        for entry in report["errors"]:
            self.stderr.write(f"  error      line {entry['line']}: {entry['message']}")
