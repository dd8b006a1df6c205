"""Export a project's dataset to a file, as GET /api/projects/{p}/export/ streams it."""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations import selectors
from annotations.errors import InvalidInput
from annotations.exports import (
    FORMATS,
    ExportReport,
    export_options,
    export_rows,
    export_stream,
    format_rows,
)
from annotations.management.arguments import project_argument


class Command(BaseCommand):
    help = (
        "Write a project's gold (or, with --include submitted, every submitted annotation) "
        "to PATH in one format. The file appears whole or not at all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="Project id or exact name.")
        parser.add_argument("--format", required=True, choices=list(FORMATS))
        parser.add_argument("--output", required=True, type=Path, help="The file to write.")
        parser.add_argument("--include", choices=list(selectors.EXPORT_INCLUDES))
        parser.add_argument(
            "--label", action="append", default=[], help="Only this label (repeatable)."
        )
        parser.add_argument(
            "--status",
            action="append",
            default=[],
            help="Only documents whose gold has this status (repeatable).",
        )
        parser.add_argument(
            "--split",
            help="Percentages train,validation,test (or train,test), such as 80,10,10.",
        )
        parser.add_argument("--seed", help="The split's seed (default 0).")

    def handle(self, *args, **options) -> None:
        project = project_argument(options["project"])
        try:
            export = export_options(
                project=project,
                format_name=options["format"],
                include=options["include"],
                labels=options["label"],
                statuses=options["status"],
                split=options["split"],
                seed=options["seed"],
            )
        except InvalidInput as error:
            messages = [f"--{name}: {m}" for name, ms in error.errors.items() for m in ms]
            raise CommandError(" ".join(messages)) from error
        output: Path = options["output"]
        if not output.parent.is_dir():
            raise CommandError(f"--output: no directory {output.parent}.")
        rows = format_rows(
            project=project,
            options=export,
            documents=lambda: export_rows(
                project=project,
                include=export.include,
                labels=export.labels,
                statuses=export.statuses,
            ),
        )
        report = ExportReport()
        # Written beside the target and renamed over it at the end: a reader never sees a
        # half-written file, and a failed export leaves the previous file as it was.
        handle, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
        try:
            with os.fdopen(handle, "wb") as stream:
                for block in export_stream(rows=rows, options=export, report=report):
                    stream.write(block)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, output)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        what = "annotations" if export.include == selectors.EXPORT_SUBMITTED else "documents"
        self.stdout.write(
            f"{output}: {report.rows} {what} ({export.format}, {export.include}), "
            f"{report.warning_count} warnings"
        )
        for message in report.warnings:
            self.stderr.write(f"  warning  {message}")
        if report.warning_count > len(report.warnings):
            self.stderr.write(f"  ... and {report.warning_count - len(report.warnings)} more")
