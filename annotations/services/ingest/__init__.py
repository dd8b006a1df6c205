"""Importing documents: parse, repair, deduplicate, store; and say exactly what happened.

One way through, one module a step:
- ``parsing``: file formats (.jsonl .json .csv .txt) and JSON bodies into ``Record``s; pure.
- ``preparation``: a record checked and repaired into a ``Prepared`` (or its line's error),
  pre-annotation spans and stances carried through every repair; pure, runs in workers.
- ``pacing``: how many documents each transaction stores (bounded by time on SQLite, whose
  one write lock annotators' saves wait for) and the pause between transactions.
- ``labelling``: the unknown span labels an import creates (``create_labels``).
- ``attaching``: pre-annotations written through the annotation services: imported gold
  (``annotate_as`` gold) and a duplicate's pre-annotations put onto its document
  (``on_duplicate`` attach), each write versioned and logged.
- ``workers``: many records prepared in this process or in forked worker processes, in
  input order (``prepare_records``), the way every import takes.
- ``predictions``: pre-annotations stored as prediction annotations (COPY on PostgreSQL).
- ``storage``: prepared documents stored in atomic batches, duplicates found by content hash,
  the import report; the services callers use (``documents_import_file`` and friends).
- ``records``: the dataclasses that pass between them, and the messages tests assert on.

Every input line either stores a whole document (with its pre-annotations) or stores nothing
and is reported; batches are atomic, and a batch that loses a race with a concurrent import
falls back to one transaction per document.

Callers import from this package, never from its modules: the names below are its surface.
The messages are not part of it: tests, which assert on them, read them from ``records``.
"""

from annotations.services.ingest.pacing import WritePacer
from annotations.services.ingest.parsing import (
    JsonlLine,
    jsonl_blank,
    jsonl_items,
    parse_csv,
    parse_file,
    parse_json,
    parse_jsonl,
    parse_objects,
    parse_txt,
    record_from_object,
)
from annotations.services.ingest.preparation import TARGET, LabelIndex, prepare
from annotations.services.ingest.records import (
    ANNOTATE_AS,
    AS_GOLD,
    AS_PREDICTION,
    ATTACH,
    BATCH_SIZE,
    ERR_OFFSETS_OPTION,
    MAX_EXTERNAL_ID,
    OFFSET_UNITS,
    ON_DUPLICATE,
    SKIP,
    SUPPORTED_EXTENSIONS,
    ImportOptions,
    ImportRefused,
    ImportReport,
    Prepared,
    PreparedSpan,
    PreparedStance,
    RawSpan,
    Record,
    UnsupportedFileType,
)
from annotations.services.ingest.storage import (
    ANALYZE_AFTER,
    documents_import,
    documents_import_file,
    documents_import_files,
    documents_import_records,
    report_as_json,
    statistics_refresh,
    store_batch,
)
from annotations.services.ingest.workers import (
    PREPARE_CHUNK,
    READ_AHEAD,
    copy_target,
    prepare_records,
    workers_for,
)

__all__ = [
    "ANALYZE_AFTER",
    "ANNOTATE_AS",
    "AS_GOLD",
    "AS_PREDICTION",
    "ATTACH",
    "BATCH_SIZE",
    "ERR_OFFSETS_OPTION",
    "MAX_EXTERNAL_ID",
    "OFFSET_UNITS",
    "ON_DUPLICATE",
    "PREPARE_CHUNK",
    "READ_AHEAD",
    "SKIP",
    "SUPPORTED_EXTENSIONS",
    "TARGET",
    "ImportOptions",
    "ImportRefused",
    "ImportReport",
    "JsonlLine",
    "LabelIndex",
    "Prepared",
    "PreparedSpan",
    "PreparedStance",
    "RawSpan",
    "Record",
    "UnsupportedFileType",
    "WritePacer",
    "copy_target",
    "documents_import",
    "documents_import_file",
    "documents_import_files",
    "documents_import_records",
    "jsonl_blank",
    "jsonl_items",
    "parse_csv",
    "parse_file",
    "parse_json",
    "parse_jsonl",
    "parse_objects",
    "parse_txt",
    "prepare",
    "prepare_records",
    "record_from_object",
    "report_as_json",
    "statistics_refresh",
    "store_batch",
    "workers_for",
]
