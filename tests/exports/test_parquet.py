"""The parquet export: the hf records as Parquet, read by datasets, pandas and pyarrow."""

import io

import orjson
import pandas
import pytest

from tests.exports.conftest import export, load_hf

pytestmark = pytest.mark.django_db


def test_parquet_holds_the_hf_records(dataset):
    frame = pandas.read_parquet(io.BytesIO(export(dataset.project, "parquet")))
    records = [orjson.loads(line) for line in export(dataset.project, "hf").splitlines()]

    assert len(frame) == 3
    for (_, row), record in zip(frame.iterrows(), records, strict=True):
        assert row["id"] == record["id"]
        assert row["external_id"] == record["external_id"]
        assert list(row["tokens"]) == record["tokens"]
        assert list(row["token_starts"]) == record["token_starts"]
        assert list(row["ner_tags"]) == record["ner_tags"]


def test_parquet_loads_with_datasets(dataset, tmp_path):
    loaded = load_hf(tmp_path, "parquet", {"train": export(dataset.project, "parquet")})["train"]

    assert loaded.num_rows == 3
    assert loaded[0]["tokens"][:3] == ["Keita", "met", "Macron"]
    assert loaded[0]["ner_tag_names"][loaded[0]["ner_tags"][0]] == "B-PER"


def test_parquet_of_an_empty_export_is_a_file_with_the_schema(dataset):
    frame = pandas.read_parquet(
        io.BytesIO(export(dataset.project, "parquet", statuses=["skipped"]))
    )
    assert len(frame) == 0
    assert "ner_tags" in frame.columns


def test_parquet_is_the_same_bytes_for_the_same_gold(dataset):
    assert export(dataset.project, "parquet") == export(dataset.project, "parquet")
