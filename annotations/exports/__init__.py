"""Dataset exports: one module per format, each a pure renderer over the export selector's rows.

Those rows have the native shape, which ``native.py`` builds (purely, from what
``export_rows`` yields) and ``jsonl`` writes as it is; ``base.py`` holds what every
renderer receives besides the rows and what an export may include.

The registry below maps a format name to its renderer, content type and file extension.
``export_options`` checks what a caller asked for (the API and ``export_dataset`` both use it,
before anything is streamed, so a bad request is a 400 or a CommandError, never a broken
download); ``export_stream`` renders rows into UTF-8 blocks ready to send or write.
"""

import importlib.util
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.text import slugify

from annotations import selectors
from annotations.errors import InvalidInput
from annotations.exports import conll, csv, docbin, doccano, jsonl
from annotations.exports.base import EXPORT_GOLD, EXPORT_INCLUDES, ExportOptions, ExportReport
from annotations.exports.native import export_rows

__all__ = [
    "FORMATS",
    "ExportFormat",
    "ExportOptions",
    "ExportReport",
    "export_filename",
    "export_options",
    "export_rows",
    "export_stream",
]
from annotations.models import AnnotationStatus, Project

FORMAT_UNKNOWN = "Unknown export format {value!r}; use one of: {names}."
FORMAT_NEEDS_PACKAGE = (
    "The {format} export needs the {package!r} package, which is not installed here; "
    "install it with: pip install -r requirements.txt"
)
INCLUDE_UNKNOWN = "include takes gold (the default) or submitted, not {value!r}."
LABEL_UNKNOWN = "No label {value!r} in this project."
STATUS_UNKNOWN = "{value!r} is not a status of gold; use one of: {names}."

# Rendered output leaves in blocks of about this size: one write per line would cost a system
# call per document, one write for everything would hold the whole export in memory.
BLOCK_SIZE = 64 * 1024

# A generator, so that a download that stops early closes it (and the selector's cursor).
Renderer = Callable[
    [Iterable[dict[str, Any]], ExportReport, ExportOptions], Generator[str | bytes, None, None]
]


@dataclass(frozen=True)
class ExportFormat:
    name: str
    render: Renderer
    content_type: str
    extension: str
    package: str | None = None  # an optional package the format needs


FORMATS = {
    entry.name: entry
    for entry in (
        ExportFormat("jsonl", jsonl.render, "application/x-ndjson; charset=utf-8", ".jsonl"),
        ExportFormat(
            "doccano", doccano.render, "application/x-ndjson; charset=utf-8", ".doccano.jsonl"
        ),
        ExportFormat("conll", conll.render, "text/plain; charset=utf-8", ".conll", "spacy"),
        ExportFormat("csv", csv.render, "text/csv; charset=utf-8", ".csv"),
        ExportFormat("spacy", docbin.render, "application/octet-stream", ".spacy", "spacy"),
    )
}


def export_options(
    *,
    project: Project,
    format_name: str,
    include: str | None = None,
    labels: Iterable[str] = (),
    statuses: Iterable[str] = (),
) -> ExportOptions:
    """Check an export request against the project; raise InvalidInput naming each bad field."""
    errors: dict[str, list[str]] = {}
    entry = FORMATS.get(format_name)
    if entry is None:
        names = ", ".join(FORMATS)
        errors["format"] = [FORMAT_UNKNOWN.format(value=format_name, names=names)]
    elif entry.package and importlib.util.find_spec(entry.package) is None:
        message = FORMAT_NEEDS_PACKAGE.format(format=format_name, package=entry.package)
        errors["format"] = [message]
    include = include or EXPORT_GOLD
    if include not in EXPORT_INCLUDES:
        errors["include"] = [INCLUDE_UNKNOWN.format(value=include)]
    labels = list(dict.fromkeys(labels))
    if labels:
        known = set(selectors.label_list(project=project).values_list("name", flat=True))
        unknown = [LABEL_UNKNOWN.format(value=name) for name in labels if name not in known]
        if unknown:
            errors["label"] = unknown
    statuses = list(dict.fromkeys(statuses))
    wrong = [value for value in statuses if value not in AnnotationStatus.values]
    if wrong:
        names = ", ".join(AnnotationStatus.values)
        errors["status"] = [STATUS_UNKNOWN.format(value=value, names=names) for value in wrong]
    if errors:
        raise InvalidInput(errors)
    return ExportOptions(
        format=format_name,
        include=include,
        labels=frozenset(labels) or None,
        statuses=frozenset(statuses) or None,
    )


def export_filename(*, project: Project, options: ExportOptions) -> str:
    """Name the download after the project, what it holds and its format."""
    stem = slugify(project.name) or f"project-{project.pk}"
    return f"{stem}-{options.include}{FORMATS[options.format].extension}"


def export_stream(
    *, rows: Iterable[dict[str, Any]], options: ExportOptions, report: ExportReport
) -> Iterator[bytes]:
    """Render the rows in the chosen format as UTF-8 blocks of about BLOCK_SIZE bytes."""
    chunks = FORMATS[options.format].render(_counted(rows, report), report, options)
    pending: list[bytes] = []
    size = 0
    try:
        for chunk in chunks:
            data = chunk.encode() if isinstance(chunk, str) else chunk
            pending.append(data)
            size += len(data)
            if size >= BLOCK_SIZE:
                yield b"".join(pending)
                pending, size = [], 0
        if pending:
            yield b"".join(pending)
    finally:
        # A client that hangs up mid-download closes this generator: close the renderer and,
        # through it, the selector's cursor and transaction now, not whenever it is collected.
        chunks.close()


def _counted(rows: Iterable[dict[str, Any]], report: ExportReport) -> Iterator[dict[str, Any]]:
    try:
        for row in rows:
            report.rows += 1
            yield row
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
