"""Token formats stream: their first block leaves long before the last document is read.

The first block leaves after 8 KiB, the next ones every 64 KiB (``exports.BLOCK_SIZE``);
parquet leaves a row group at a time.
"""

import io
from collections.abc import Iterator
from typing import Any

import pytest

from annotations import exports
from annotations.exports import ExportReport, export_options, export_stream, parquet
from tests.exports.conftest import make_project

pytestmark = pytest.mark.django_db

SENTENCE = "Keita met Macron in Bamako on Tuesday, and the talks went on late into the night. "
DOCUMENTS = 600


class Rows:
    """Native rows of many documents, counting how many the renderer has taken."""

    def __init__(self) -> None:
        self.taken = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        text = SENTENCE * 4
        start = text.index("Macron")
        for n in range(1, DOCUMENTS + 1):
            self.taken += 1
            yield {
                "id": n,
                "external_id": f"doc-{n}",
                "text": text,
                "meta": {},
                "entities": [{"start": start, "end": start + 6, "label": "PER", "text": "Macron"}],
                "claims": [],
                "stances": [],
                "annotators": [],
                "reviewed_by": None,
            }


# What each document begins with in the format: one per document in the whole output.
MARKERS = {"conll": b"-DOCSTART-", "conll2003": b"-DOCSTART-", "hf": b'{"id":'}


@pytest.mark.parametrize("name", list(MARKERS))
def test_token_export_yields_its_first_block_before_reading_every_document(name):
    options = export_options(project=make_project(), format_name=name)
    rows = Rows()

    blocks = export_stream(rows=iter(rows), options=options, report=ExportReport())
    first = next(blocks)

    assert len(first) > 0
    assert rows.taken < DOCUMENTS / 2
    rest = b"".join(blocks)
    assert rows.taken == DOCUMENTS
    assert (first + rest).count(MARKERS[name]) == DOCUMENTS


def test_parquet_export_yields_each_row_group_as_it_is_written(monkeypatch):
    import pyarrow.parquet as pq

    # Row groups of this small test compress to less than a block: send every row group.
    monkeypatch.setattr(parquet, "ROW_GROUP", 100)
    monkeypatch.setattr(exports, "BLOCK_SIZE", 1)
    options = export_options(project=make_project(), format_name="parquet")
    rows = Rows()

    blocks = export_stream(rows=iter(rows), options=options, report=ExportReport())
    first = next(blocks)

    assert first.startswith(b"PAR1")
    assert rows.taken < DOCUMENTS / 2
    table = pq.read_table(io.BytesIO(first + b"".join(blocks)))
    assert table.num_rows == DOCUMENTS
    assert table.column("external_id").to_pylist()[-1] == f"doc-{DOCUMENTS}"


def test_the_first_block_leaves_after_a_few_rows_the_next_ones_every_64_kib():
    options = export_options(project=make_project(), format_name="jsonl")
    rows = Rows()

    blocks = export_stream(rows=iter(rows), options=options, report=ExportReport())
    first = next(blocks)
    taken = rows.taken
    second = next(blocks)

    assert exports.FIRST_BLOCK_SIZE <= len(first) < exports.FIRST_BLOCK_SIZE + 1024
    assert taken < DOCUMENTS / 20  # a 64 KiB block would wait for about a fifth of them
    assert exports.BLOCK_SIZE <= len(second) < exports.BLOCK_SIZE + 1024
