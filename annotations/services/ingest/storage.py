"""Storing: prepared documents written in atomic batches, and the report of what happened.

Invariants:
- Every input line either stores a whole document (with its pre-annotations, as one
  ``prediction`` annotation, or as its gold with ``annotate_as`` gold) or stores nothing and
  is reported: created, duplicate or error. With ``on_duplicate`` attach, a duplicate's
  pre-annotations go onto its document (``attaching``), in one transaction of their own.
- A text is stored once per project (its content hash is unique): the first line with a new
  text stores it, any later one is reported as a duplicate of the document that holds it.
- Batches are atomic; their size is the pacer's (``pacing``: bounded by time on SQLite, so
  that annotators' saves never wait long for the write lock). A batch that loses a race with
  a concurrent import falls back to one transaction per document, and the losers become
  duplicates.
- Preparing in worker processes (``workers`` > 1, see ``workers``) changes nothing but
  speed: results are consumed in input order. Workers are forked and never touch the database.
- Database code that is not the ORM (the COPY of PostgreSQL, the look-up of stored hashes,
  ANALYZE) lives behind ``annotations.db``; this module only chooses when to call it.
- An import that created ``ANALYZE_AFTER`` documents or more ends with ANALYZE of the tables
  it filled (``statistics_refresh``): queries run right after it are planned from its data.
  A caller that answers a user first (the API) passes ``refresh_statistics=False`` and calls
  ``statistics_refresh`` itself once its answer is out.
"""

import json
import logging
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any, BinaryIO

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations.db.copy import copy_supported, documents_copy
from annotations.db.documents import stored_ids
from annotations.db.statistics import analyze
from annotations.models import Annotation, Document, Project, Span, Stance
from annotations.services.ingest.attaching import attach, gold_write
from annotations.services.ingest.formats.brat import Limits
from annotations.services.ingest.labelling import labels_resolve
from annotations.services.ingest.pacing import WritePacer
from annotations.services.ingest.parsing import (
    JsonlLine,
    jsonl_items,
    parse_file,
    parse_objects,
)
from annotations.services.ingest.predictions import predictions_store
from annotations.services.ingest.preparation import LabelIndex
from annotations.services.ingest.records import (
    AS_GOLD,
    ATTACH,
    Duplicate,
    ImportOptions,
    ImportReport,
    Prepared,
    Record,
    Repaired,
    ReportDict,
)
from annotations.services.ingest.workers import (
    copy_row,
    copy_target,
    ingestion_report,
    prepare_records,
)
from annotations.services.queue_scores import queue_scores_refresh

# The package's name, as before it was one: log configuration keeps working.
logger = logging.getLogger(__package__)

# Documents an import must create to end with ANALYZE: fewer leave the statistics close
# enough, and ANALYZE costs a sample of each table (tenths of a second on large ones).
ANALYZE_AFTER = 1000
# What an import fills: documents, and their pre-annotations as prediction annotations.
IMPORTED_MODELS = (Document, Annotation, Span, Stance)


def documents_import(
    *,
    project: Project,
    records: Iterable[Record | JsonlLine],
    options: ImportOptions | None = None,
    actor: User | None = None,
    source: str = "",
    workers: int = 1,
    refresh_statistics: bool = True,
) -> ImportReport:
    """Import records into the project and report created, duplicates, repairs and errors.

    ``workers`` > 1 prepares (repairs) records in that many processes while this one reads
    and stores; preparing is pure, so only the order of the results matters, and it is kept.
    Lines of a .jsonl file (JsonlLine) are parsed where they are prepared.
    ``refresh_statistics`` False leaves the ANALYZE of a large import to the caller
    (``statistics_refresh``).
    """
    options = options or ImportOptions()
    labels = LabelIndex.for_project(project, create_unknown=options.create_labels)
    report = ImportReport.for_options(options)
    seen: dict[str, int] = {}  # content hash -> id of the document stored by this import
    batch: list[Prepared] = []
    copy_for = copy_target(project, source)
    pacer = WritePacer.for_database()
    for line, prepared in prepare_records(records, options, labels, workers, copy_for):
        if isinstance(prepared, str):
            report.errors.append({"line": line, "message": prepared})
            continue
        batch.append(prepared)
        if len(batch) >= pacer.size():
            with pacer.write(len(batch)):
                store_batch(project, batch, report, seen, source, options=options, actor=actor)
            batch = []
    if batch:
        with pacer.write(len(batch)):
            store_batch(project, batch, report, seen, source, options=options, actor=actor)
    if refresh_statistics:
        statistics_refresh(created=len(report.created))
    logger.info(
        "import into project %s by %s: %d created, %d duplicates, %d errors",
        project.pk,
        getattr(actor, "pk", None),
        len(report.created),
        len(report.duplicates),
        len(report.errors),
    )
    return report


def statistics_refresh(*, created: int) -> None:
    """After an import that created ``created`` documents: ANALYZE what it filled, if large."""
    if created >= ANALYZE_AFTER:
        analyze(IMPORTED_MODELS)


def documents_import_records(
    *,
    project: Project,
    records: list[Any],
    options: ImportOptions | None = None,
    actor: User | None = None,
    workers: int = 1,
    refresh_statistics: bool = True,
) -> ReportDict:
    """Import a parsed JSON body (a list of documents); return the import report."""
    report = documents_import(
        project=project,
        records=parse_objects(records),
        options=options,
        actor=actor,
        workers=workers,
        refresh_statistics=refresh_statistics,
    )
    return report.as_dict()


def documents_import_file(
    *,
    project: Project,
    name: str,
    stream: BinaryIO,
    options: ImportOptions | None = None,
    actor: User | None = None,
    workers: int = 1,
    refresh_statistics: bool = True,
) -> ReportDict:
    """Import one uploaded file (see SUPPORTED_EXTENSIONS); return the import report.

    Raise ImportRefused, before storing anything, for an archive that may not be read.
    """
    options = options or ImportOptions()
    report = documents_import(
        project=project,
        records=_records_of(name, stream, options),
        options=options,
        actor=actor,
        source=name,
        workers=workers,
        refresh_statistics=refresh_statistics,
    )
    return report.as_dict()


def documents_import_files(
    *,
    project: Project,
    files: list[tuple[str, BinaryIO]],
    options: ImportOptions | None = None,
    actor: User | None = None,
    refresh_statistics: bool = True,
) -> ReportDict:
    """Import several files as one: one report, every entry naming its ``file``.

    Every file's type is checked, and every archive read and checked, before anything is
    stored: a refused file (UnsupportedFileType, ImportRefused) refuses them all.
    """
    options = options or ImportOptions()
    sources = [(name, _records_of(name, stream, options)) for name, stream in files]
    combined = ImportReport()
    for name, records in sources:
        report = documents_import(
            project=project,
            records=records,
            options=options,
            actor=actor,
            source=name,
            refresh_statistics=refresh_statistics,
        )
        for outcome, entries in report.as_dict().items():
            for entry in entries:
                entry["file"] = name
            getattr(combined, outcome).extend(entries)
    return combined.as_dict()


def _records_of(
    name: str, stream: BinaryIO, options: ImportOptions
) -> Iterable[Record | JsonlLine]:
    """The file's records, parsed lazily (an archive is read and checked at once)."""
    if PurePath(name).suffix.lower() == ".jsonl":
        # Unparsed: parsing is left to whoever prepares them (the workers when there are).
        return jsonl_items(stream, options.encoding)
    limits = Limits(settings.IMPORT_MAX_BYTES, settings.IMPORT_MAX_ZIP_MEMBERS)
    return parse_file(name, stream, options.encoding, limits)


def store_batch(
    project: Project,
    batch: list[Prepared],
    report: ImportReport,
    seen: dict[str, int],
    source: str,
    *,
    options: ImportOptions | None = None,
    actor: User | None = None,
) -> None:
    """Store one batch of prepared documents atomically, adding the outcome to ``report``.

    Shared by direct imports and background import jobs (services/jobs.py). ``options``
    says what pre-annotations become (``annotate_as``), whether duplicates take theirs
    (``on_duplicate``) and whether unknown labels are created; ``actor`` signs the gold.
    """
    options = options or ImportOptions()
    if options.create_labels:
        labels_resolve(project, batch, report)
    # The first item of each new text is stored; any other item is a duplicate, reported
    # against the document that holds its text (stored earlier, by this batch, or by a
    # concurrent import that won the race).
    fresh: dict[str, Prepared] = {}
    for item in batch:
        if item.content_hash not in seen and item.content_hash not in fresh:
            fresh[item.content_hash] = item
    seen.update(stored_ids(project_id=project.pk, hashes=list(fresh)))
    to_store = [item for item in fresh.values() if item.content_hash not in seen]
    stored: set[int] = set()  # id() of the items this batch stored
    if to_store:
        try:
            with transaction.atomic():
                ids = _insert(project, to_store, source, options, actor)
            pairs = list(zip(to_store, ids, strict=True))
        except IntegrityError:
            pairs = []
            for item in to_store:
                try:
                    with transaction.atomic():
                        pairs.append((item, _insert(project, [item], source, options, actor)[0]))
                except IntegrityError:
                    seen[item.content_hash] = (
                        Document.objects.filter(project=project, content_hash=item.content_hash)
                        .values_list("id", flat=True)
                        .get()
                    )
        for item, pk in pairs:
            seen[item.content_hash] = pk
            stored.add(id(item))
    for item in batch:
        if id(item) in stored:
            _report_created(report, item, seen[item.content_hash])
        elif options.on_duplicate == ATTACH:
            _attach_duplicate(report, item, seen[item.content_hash], options, actor)
        else:
            _report_duplicate(report, item, seen[item.content_hash])


def _attach_duplicate(
    report: ImportReport,
    item: Prepared,
    document_id: int,
    options: ImportOptions,
    actor: User | None,
) -> None:
    """Attach a duplicate's pre-annotations to its document; report what became of them."""
    attached, notes = attach(
        document_id=document_id, item=item, annotate_as=options.annotate_as, actor=actor
    )
    _report_duplicate(report, item, document_id)["attached"] = attached
    if item.annotated:
        for message in [*item.warnings, *notes]:
            report.warnings.append({"line": item.line, "message": message})


def _insert(
    project: Project,
    items: list[Prepared],
    source: str,
    options: ImportOptions,
    actor: User | None,
) -> list[int]:
    """Store the items' documents and pre-annotations; return the new document ids."""
    now = timezone.now()
    if copy_supported():
        copy_rows = [item.copy_row or copy_row(project.pk, item, source) for item in items]
        ids = documents_copy(copy_rows, created_at=now)
    else:
        documents = Document.objects.bulk_create(
            [
                Document(
                    project_id=project.pk,
                    text=item.text,
                    external_id=item.external_id,
                    meta=item.meta,
                    content_hash=item.content_hash,
                    ingestion_report=ingestion_report(item, source),
                    created_at=now,
                )
                for item in items
            ]
        )
        ids = [document.pk for document in documents]
    with_spans = [(item, pk) for item, pk in zip(items, ids, strict=True) if item.annotated]
    if with_spans and options.annotate_as == AS_GOLD:
        by_id = Document.objects.select_related("project").in_bulk([pk for _, pk in with_spans])
        for item, pk in with_spans:
            gold_write(document=by_id[pk], item=item, actor=actor)
    else:
        predictions_store(with_spans, now=now)
        queue_scores_refresh(project=project, documents=[pk for _, pk in with_spans])
    return ids


def _report_created(report: ImportReport, item: Prepared, document_id: int) -> None:
    report.created.append({"id": document_id, "external_id": item.external_id, "line": item.line})
    if item.repairs:
        entry: Repaired = {
            "line": item.line,
            "external_id": item.external_id,
            "repairs": item.repairs,
        }
        if item.encoding:
            entry["encoding"] = item.encoding
        report.repaired.append(entry)
    for message in item.warnings:
        report.warnings.append({"line": item.line, "message": message})


def _report_duplicate(report: ImportReport, item: Prepared, duplicate_of: int | None) -> Duplicate:
    entry: Duplicate = {
        "line": item.line,
        "external_id": item.external_id,
        "duplicate_of": duplicate_of,
    }
    report.duplicates.append(entry)
    return entry


def report_as_json(report: ReportDict) -> str:
    """Render an import report as indented JSON (what `import_documents` prints)."""
    return json.dumps(report, indent=2, ensure_ascii=False)
