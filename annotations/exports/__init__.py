"""Dataset exports: one module per format, each a pure renderer over the export selector's rows.

Those rows have the native shape, which ``native.py`` builds (purely, from what
``export_rows`` yields) and ``jsonl`` writes as it is; ``base.py`` holds what every
renderer receives besides the rows and what an export may include.

The registry below maps a format name to its renderer, content type and file extension.
``export_options`` checks what a caller asked for (the API and ``export_dataset`` both use it,
before anything is streamed, so a bad request is a 400 or a CommandError, never a broken
download); ``export_stream`` renders rows into UTF-8 blocks ready to send or write.

Splits (``splits.py``): every row gets its ``split`` (and, in a release, its ``release``)
before any renderer sees it, so record-per-document formats carry the field, and the formats
marked ``per_split`` (one file cannot say which record is in which split, or a reader wants
one file per split) become a zip of one file per split (``splitfiles.py``).
"""

import importlib.util
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.text import slugify

from annotations import selectors
from annotations.errors import InvalidInput
from annotations.exports import (
    averitec,
    brat,
    claimreview,
    clusters,
    conll,
    conll2003,
    csv,
    docbin,
    doccano,
    hf,
    jsonl,
    labelstudio,
    parquet,
    qrels,
    ranked,
)
from annotations.exports.archive import Member
from annotations.exports.base import EXPORT_GOLD, EXPORT_INCLUDES, ExportOptions, ExportReport
from annotations.exports.native import export_rows
from annotations.exports.splitfiles import split_zip
from annotations.exports.splits import (
    SEED_WITHOUT_SPLIT,
    parse_seed,
    parse_split,
    split_of,
)

__all__ = [
    "FORMATS",
    "ExportFormat",
    "ExportOptions",
    "ExportReport",
    "export_filename",
    "export_options",
    "export_report",
    "export_rows",
    "export_stream",
    "export_warnings",
    "format_rows",
    "mark_rows",
    "missing_package",
    "packaging",
    "split_options",
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
# The first block leaves sooner: a client's first byte then waits for a few rows, not for the
# rows of a whole 64 KiB block (on PostgreSQL, one more fetch).
FIRST_BLOCK_SIZE = 8 * 1024

# A generator, so that a download that stops early closes it (and the selector's cursor).
Renderer = Callable[
    [Iterable[dict[str, Any]], ExportReport, ExportOptions], Generator[str | bytes, None, None]
]


ZIP = "application/zip"
JSON_LINES = "application/x-ndjson; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
SPACY = ("spacy",)


def _qrels_rows(project: Project) -> Iterator[dict[str, Any]]:
    for row in selectors.qrels_rows(project=project):
        yield {"id": row["query"], **row}


def _clusters(project: Project) -> Iterator[dict[str, Any]]:
    for row in selectors.cluster_rows(project=project):
        yield {"id": row["cluster"], **row}


def format_rows(
    *, project: Project, options: ExportOptions, documents: Callable[[], Iterable[dict[str, Any]]]
) -> Iterable[dict[str, Any]]:
    """The rows an export in ``options.format`` renders: its own selector's, else documents'."""
    source = FORMATS[options.format].source
    return documents() if source is None else source(project)


@dataclass(frozen=True)
class ExportFormat:
    name: str
    render: Renderer
    content_type: str
    extension: str
    packages: tuple[str, ...] = ()  # optional packages the format needs
    # A zip of one file per split when the export is split (else a split field per record).
    per_split: bool = False
    # The format may leave spans out (tokens): the API's answer points at the request that
    # lists them (export/warnings/), since a streamed answer cannot carry them.
    warns: bool = False
    # The format names the project's labels up front (export_vocabulary is read for it).
    vocabulary: bool = False
    # Members of a zip per split other than "<split><extension>" (brat's folders).
    members: Callable[[Iterable[dict[str, Any]], ExportReport, str], Iterable[Member]] | None = None
    # The rows come from this selector, not from the documents (claim links, clusters).
    source: Callable[[Project], Iterable[dict[str, Any]]] | None = None


FORMATS = {
    entry.name: entry
    for entry in (
        ExportFormat("jsonl", jsonl.render, JSON_LINES, ".jsonl"),
        ExportFormat("doccano", doccano.render, JSON_LINES, ".doccano.jsonl"),
        ExportFormat("conll", conll.render, TEXT, ".conll", SPACY, per_split=True, warns=True),
        ExportFormat(
            "conll2003", conll2003.render, TEXT, ".conll2003.txt", SPACY, per_split=True, warns=True
        ),
        ExportFormat(
            "spacy", docbin.render, "application/octet-stream", ".spacy", SPACY, True, True
        ),
        ExportFormat("csv", csv.render, "text/csv; charset=utf-8", ".csv", vocabulary=True),
        ExportFormat("hf", hf.render, JSON_LINES, ".hf.jsonl", SPACY, warns=True, vocabulary=True),
        ExportFormat(
            "parquet",
            parquet.render,
            "application/vnd.apache.parquet",
            ".parquet",
            (*SPACY, "pyarrow"),
            per_split=True,
            warns=True,
            vocabulary=True,
        ),
        ExportFormat(
            "brat",
            brat.render,
            ZIP,
            ".brat.zip",
            per_split=True,
            warns=True,
            vocabulary=True,
            members=brat.documents,
        ),
        ExportFormat(
            "labelstudio",
            labelstudio.render,
            "application/json; charset=utf-8",
            ".labelstudio.json",
            vocabulary=True,
        ),
        ExportFormat(
            "ranked", ranked.render, TEXT, ".ranked.tsv", SPACY, warns=True, vocabulary=True
        ),
        # Fact-checking (docs/fact-checking.md): the claims that have a verdict or a record.
        ExportFormat(
            "claimreview",
            claimreview.render,
            "application/ld+json; charset=utf-8",
            ".claimreview.jsonld",
            warns=True,
        ),
        ExportFormat(
            "averitec",
            averitec.render,
            "application/json; charset=utf-8",
            ".averitec.json",
            warns=True,
        ),
        ExportFormat("qrels", qrels.render, TEXT, ".qrels.tsv", source=_qrels_rows),
        ExportFormat("clusters", clusters.render, JSON_LINES, ".clusters.jsonl", source=_clusters),
    )
}


def missing_package(entry: ExportFormat) -> str | None:
    """The first package the format needs that is not installed, or None."""
    return next((name for name in entry.packages if importlib.util.find_spec(name) is None), None)


def packaging(format_name: str, split: tuple[int, ...] | None) -> tuple[str, str]:
    """The content type and file extension of an export in this format, split or not."""
    entry = FORMATS[format_name]
    if split is not None and entry.per_split and entry.content_type != ZIP:
        return ZIP, f"{entry.extension}.zip"
    return entry.content_type, entry.extension


def export_options(
    *,
    project: Project,
    format_name: str,
    include: str | None = None,
    labels: Iterable[str] = (),
    statuses: Iterable[str] = (),
    split: str | None = None,
    seed: str | None = None,
) -> ExportOptions:
    """Check an export request against the project; raise InvalidInput naming each bad field."""
    errors: dict[str, list[str]] = {}
    entry = FORMATS.get(format_name)
    if entry is None:
        names = ", ".join(FORMATS)
        errors["format"] = [FORMAT_UNKNOWN.format(value=format_name, names=names)]
    elif (package := missing_package(entry)) is not None:
        errors["format"] = [FORMAT_NEEDS_PACKAGE.format(format=format_name, package=package)]
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
    percentages, seed_value = split_options(split, seed, errors)
    if errors:
        raise InvalidInput(errors)
    assert entry is not None  # an unknown format is an error above
    attributes, groups = selectors.export_schema(project=project) if entry.vocabulary else ((), ())
    return ExportOptions(
        format=format_name,
        include=include,
        labels=frozenset(labels) or None,
        statuses=frozenset(statuses) or None,
        split=percentages,
        seed=seed_value,
        vocabulary=selectors.export_vocabulary(project=project) if entry.vocabulary else (),
        attributes=attributes,
        groups=groups,
        project=project.name,
    )


def split_options(
    split: str | None, seed: str | None, errors: dict[str, list[str]]
) -> tuple[tuple[int, ...] | None, int]:
    """Read ``split`` and ``seed`` (query strings); add any error under the parameter's name."""
    percentages, seed_value = None, 0
    if split is not None:
        try:
            percentages = parse_split(split)
        except ValueError as error:
            errors["split"] = [str(error)]
    if seed is not None:
        try:
            seed_value = parse_seed(seed)
        except ValueError as error:
            errors["seed"] = [str(error)]
        if split is None:
            errors.setdefault("seed", []).append(SEED_WITHOUT_SPLIT)
    return percentages, seed_value


def export_filename(*, project: Project, options: ExportOptions) -> str:
    """Name the download after the project, what it holds and its format."""
    stem = slugify(project.name) or f"project-{project.pk}"
    return f"{stem}-{options.include}{packaging(options.format, options.split)[1]}"


def export_stream(
    *, rows: Iterable[dict[str, Any]], options: ExportOptions, report: ExportReport
) -> Iterator[bytes]:
    """Render the rows in the chosen format as UTF-8 blocks of about BLOCK_SIZE bytes."""
    chunks = _render(mark_rows(_counted(rows, report), options), report, options)
    pending: list[bytes] = []
    size = 0
    block = min(FIRST_BLOCK_SIZE, BLOCK_SIZE)
    try:
        for chunk in chunks:
            data = chunk.encode() if isinstance(chunk, str) else chunk
            pending.append(data)
            size += len(data)
            if size >= block:
                yield b"".join(pending)
                pending, size, block = [], 0, BLOCK_SIZE
        if pending:
            yield b"".join(pending)
    finally:
        # A client that hangs up mid-download closes this generator: close the renderer and,
        # through it, the selector's cursor and transaction now, not whenever it is collected.
        chunks.close()


def export_report(*, rows: Iterable[dict[str, Any]], options: ExportOptions) -> ExportReport:
    """Render the export without keeping it; return what it did, with every warning kept.

    The streamed download cannot carry what it left out (headers leave before the body), so
    the API answers it from here, in a request of its own (``export/warnings/``).
    """
    every: list[str] = []
    report = ExportReport(sink=every.append)
    for _block in export_stream(rows=rows, options=options, report=report):
        pass
    report.warnings = every
    return report


def export_warnings(*, project: Project, options: ExportOptions) -> ExportReport:
    """What the export would leave out, with every warning, and how many rows it would write.

    A format that never leaves anything out is not rendered: one count answers (the
    download's whole render, before, for a list that is always empty).
    """
    if not FORMATS[options.format].warns:
        count = selectors.export_count(
            project=project, include=options.include, statuses=options.statuses
        )
        return ExportReport(rows=count)
    rows = export_rows(
        project=project,
        include=options.include,
        labels=options.labels,
        statuses=options.statuses,
    )
    return export_report(rows=rows, options=options)


def _render(
    rows: Iterable[dict[str, Any]], report: ExportReport, options: ExportOptions
) -> Generator[str | bytes, None, None]:
    entry = FORMATS[options.format]
    if options.split is None or not entry.per_split:
        return entry.render(rows, report, options)
    if entry.members is not None:
        members_of = entry.members
        preamble: list[Member] = [(brat.CONF_NAME, [brat.configuration(options, report)])]

        def members(name: str, split_rows: Iterator[dict[str, Any]]) -> Iterable[Member]:
            return members_of(split_rows, report, f"{name}/")

    else:
        preamble = []

        def members(name: str, split_rows: Iterator[dict[str, Any]]) -> Iterable[Member]:
            return [(f"{name}{entry.extension}", entry.render(split_rows, report, options))]

    return split_zip(rows, options, members, preamble)


def mark_rows(rows: Iterable[dict[str, Any]], options: ExportOptions) -> Iterator[dict[str, Any]]:
    """Give each row its split and release, unless it has them (a release's snapshot rows)."""
    for row in rows:
        if options.split is not None and "split" not in row:
            row["split"] = split_of(row["id"], percentages=options.split, seed=options.seed)
        if options.release is not None and "release" not in row:
            row["release"] = options.release
        yield row


def _counted(rows: Iterable[dict[str, Any]], report: ExportReport) -> Iterator[dict[str, Any]]:
    try:
        for row in rows:
            report.rows += 1
            yield row
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
