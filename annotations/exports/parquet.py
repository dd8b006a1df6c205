"""The ``hf`` records as one Parquet file (pyarrow), written in row groups of 1,000 documents.

``datasets.load_dataset("parquet", data_files=...)`` and ``pandas.read_parquet`` read it. The
schema is fixed up front (the ``split`` and ``release`` columns are there when the export has
them), so every row group agrees. pyarrow is imported on the first parquet export only. A
Parquet file is written whole before it can be read (its footer comes last), so it is built in
a spooled temporary file (memory up to ``SPOOL_BYTES``, disk beyond) and sent at the end.
"""

from collections.abc import Generator, Iterable
from typing import Any

from annotations.exports import hf
from annotations.exports.archive import SPOOL_BYTES, read_blocks, spool
from annotations.exports.base import ExportOptions, ExportReport

ROW_GROUP = 1000

__all__ = ["SPOOL_BYTES", "render"]


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
    if options.split is not None:
        fields.append(pa.field("split", pa.string()))
    if options.release is not None:
        fields.append(pa.field("release", pa.string()))
    return pa.schema(fields)


def render(
    rows: Iterable[dict[str, Any]], report: ExportReport, options: ExportOptions
) -> Generator[bytes, None, None]:
    """Yield the Parquet file of every row's hf record, once all rows are in."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _schema(options)
    with spool() as out:
        with pq.ParquetWriter(out, schema) as writer:
            batch: list[dict[str, Any]] = []
            for record in hf.records(rows, report, options):
                batch.append(record)
                if len(batch) == ROW_GROUP:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    batch = []
            if batch:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
        yield from read_blocks(out)
