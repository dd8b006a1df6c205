"""Preparing many records: in this process, or in worker processes that keep their order.

Preparing (``preparation.prepare``) is pure, so where it runs changes nothing but speed: the
results are consumed in input order, whatever finishes first. Worker processes are forked
(the children need no Django set-up and never touch the database) and fed chunks with a
bounded read-ahead, so memory stays flat whatever the size of the input. On PostgreSQL
each document's COPY row is built where it is prepared: in a worker, that is work taken off
the process that stores. Every import takes this way: the command line, an upload answered
at once, and a background import job.
"""

import collections
import contextlib
import gc
import itertools
import multiprocessing
from collections.abc import Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor

from django.conf import settings

from annotations.db.copy import copy_supported, document_row
from annotations.models import Project
from annotations.services.ingest.parsing import JsonlLine, jsonl_record
from annotations.services.ingest.preparation import LabelIndex, prepare
from annotations.services.ingest.records import (
    ImportOptions,
    IngestionReport,
    Prepared,
    Record,
)


def workers_for(size: int) -> int:
    """How many processes prepare an import of ``size`` bytes (IMPORT_WORKERS when it pays)."""
    if size < settings.IMPORT_PARALLEL_BYTES:
        return 1
    return max(1, settings.IMPORT_WORKERS)


def copy_target(project: Project, source: str) -> tuple[int, str] | None:
    """What the COPY rows built while preparing are for (None: no COPY on this database)."""
    return (project.pk, source) if copy_supported() else None


PREPARE_CHUNK = 200
READ_AHEAD = 4  # chunks in flight per worker


def _prepare_chunk(
    chunk: list[Record | JsonlLine],
    options: ImportOptions,
    labels: LabelIndex,
    copy_for: tuple[int, str] | None,
) -> list[tuple[int | str, Prepared | str]]:
    """Prepare each record (parsing .jsonl lines first; blank ones give nothing).

    With ``copy_for`` (project id, source), each document's COPY row is built here too: in a
    worker process that is work taken off the process that stores.
    """
    results = []
    for item in chunk:
        record = jsonl_record(item) if isinstance(item, JsonlLine) else item
        if record is None:
            continue
        prepared = prepare(record, options, labels)
        if copy_for is not None and not isinstance(prepared, str):
            # On a problem _insert tries again, and fails as it always has.
            with contextlib.suppress(UnicodeError, TypeError, ValueError):
                prepared.copy_row = copy_row(copy_for[0], prepared, copy_for[1])
                if not prepared.spans:
                    # The row holds the text, and nothing else needs it: sending it back
                    # to the storing process twice would cost that process more than
                    # anything else it does with the document.
                    prepared.text = ""
        results.append((record.line, prepared))
    return results


def prepare_records(
    records: Iterable[Record | JsonlLine],
    options: ImportOptions,
    labels: LabelIndex,
    workers: int,
    copy_for: tuple[int, str] | None,
) -> Generator[tuple[int | str, Prepared | str], None, None]:
    """Yield each record's line with its prepared form (or error), in input order.

    ``workers`` > 1 prepares in that many forked processes, at most READ_AHEAD chunks of
    PREPARE_CHUNK records each ahead of what the caller has consumed; 1 prepares here.
    """
    iterator = iter(records)
    chunks = iter(lambda: list(itertools.islice(iterator, PREPARE_CHUNK)), [])
    if workers <= 1:
        for chunk in chunks:
            yield from _prepare_chunk(chunk, options, labels, copy_for)
        return
    # fork: the children need no Django set-up and never touch the database. What they
    # inherit stays alive as long as they do: frozen, the garbage collector does not walk
    # it again and again (15% of a child's time otherwise), nor copy its pages to do so.
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=fork, initializer=gc.freeze) as pool:
        pending: collections.deque[Future[list[tuple[int | str, Prepared | str]]]]
        pending = collections.deque()
        for chunk in chunks:
            pending.append(pool.submit(_prepare_chunk, chunk, options, labels, copy_for))
            # Bounded read-ahead: memory stays flat whatever the file's size.
            if len(pending) >= workers * READ_AHEAD:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def copy_row(project_id: int, item: Prepared, source: str) -> bytes:
    """Return the document's COPY row (see annotations/db/copy.py) for the item."""
    return document_row(
        project_id=project_id,
        text=item.text,
        external_id=item.external_id,
        meta=item.meta,
        content_hash=item.content_hash,
        ingestion_report=ingestion_report(item, source),
    )


def ingestion_report(item: Prepared, source: str) -> IngestionReport:
    """Return what the document keeps of its import: line, repairs, source, warnings."""
    report: IngestionReport = {"line": item.line, "repairs": item.repairs}
    if source:
        report["source"] = source
    if item.encoding:
        report["encoding"] = item.encoding
    if item.warnings:
        report["warnings"] = item.warnings
    return report
