"""Importing documents: parse, repair, deduplicate, store; and say exactly what happened.

One way through, one module a step:
- ``parsing``: file formats (.jsonl .json .csv .txt) and JSON bodies into ``Record``s; pure.
- ``preparation``: a record checked and repaired into a ``Prepared`` (or its line's error),
  pre-annotation spans and stances carried through every repair; pure, runs in workers.
- ``storage``: prepared documents stored in atomic batches, duplicates found by content hash,
  the import report; the services callers use (``documents_import_file`` and friends).
- ``records``: the dataclasses that pass between them, and the messages tests assert on.

Every input line either stores a whole document (with its pre-annotations) or stores nothing
and is reported; batches are atomic, and a batch that loses a race with a concurrent import
falls back to one transaction per document.

Callers import from this package, never from its modules: the names below are its surface.
The messages are not part of it: tests, which assert on them, read them from ``records``.
"""

from annotations.services.ingest.parsing import (
    JsonlLine,
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
    BATCH_SIZE,
    MAX_EXTERNAL_ID,
    SUPPORTED_EXTENSIONS,
    ImportOptions,
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
    PREPARE_CHUNK,
    READ_AHEAD,
    documents_import,
    documents_import_file,
    documents_import_records,
    report_as_json,
    statistics_refresh,
    store_batch,
)

__all__ = [
    "ANALYZE_AFTER",
    "BATCH_SIZE",
    "MAX_EXTERNAL_ID",
    "PREPARE_CHUNK",
    "READ_AHEAD",
    "SUPPORTED_EXTENSIONS",
    "TARGET",
    "ImportOptions",
    "ImportReport",
    "JsonlLine",
    "LabelIndex",
    "Prepared",
    "PreparedSpan",
    "PreparedStance",
    "RawSpan",
    "Record",
    "UnsupportedFileType",
    "documents_import",
    "documents_import_file",
    "documents_import_records",
    "parse_csv",
    "parse_file",
    "parse_json",
    "parse_jsonl",
    "parse_objects",
    "parse_txt",
    "prepare",
    "record_from_object",
    "report_as_json",
    "statistics_refresh",
    "store_batch",
]
