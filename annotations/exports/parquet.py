"""The ``hf`` records as one Parquet file (pyarrow), written in row groups of 1,000 documents.

``datasets.load_dataset("parquet", data_files=...)`` and ``pandas.read_parquet`` read it. The
schema is fixed up front (the ``split`` and ``release`` columns are there when the export has
them), so every row group agrees. pyarrow is imported on the first parquet export only. A
Parquet file is read from its footer, which comes last, but it is written front to back: each
row group leaves as soon as it is written, so memory holds one row group and the download
starts after the first 1,000 documents.
"""

import io
from collections.abc import Generator, Iterable
from typing import Any

from annotations.exports import hf
from annotations.exports.base import ExportOptions, ExportReport

ROW_GROUP = 1000

__all__ = ["render"]


class _Outbox(io.RawIOBase):
    """A write-only file that keeps what was written until it is taken."""

    def __init__(self) -> None:
        super().__init__()
        self._pending: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._pending.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        """What was written since the last take."""
        taken, self._pending = b"".join(self._pending), []
        return taken


def _schema(options: ExportOptions) -> Any:
    import pyarrow as pa

    fields = [
        pa.field("id", pa.int64()),
        pa.field("external_id", pa.string()),
        pa.field("tokens", pa.list_(pa.string())),
        pa.field("token_starts", pa.list_(pa.int64())),
        pa.field("ner_tags", pa.list_(pa.int64())),
        pa.field("ner_tag_names", pa.list_(pa.string())),
    ]
    if options.groups:
        fields.append(pa.field("document_labels", pa.list_(pa.string())))
    if options.split is not None:
        fields.append(pa.field("split", pa.string()))
    if options.release is not None:
        fields.append(pa.field("release", pa.string()))
    return pa.schema(fields)


def render(
    rows: Iterable[dict[str, Any]], report: ExportReport, options: ExportOptions
) -> Generator[bytes, None, None]:
    """Yield the Parquet file of every row's hf record, a row group at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _schema(options)
    out = _Outbox()
    with pq.ParquetWriter(out, schema) as writer:
        batch: list[dict[str, Any]] = []
        for record in hf.records(rows, report, options):
            batch.append(record)
            if len(batch) == ROW_GROUP:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
                yield out.take()
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    yield out.take()
