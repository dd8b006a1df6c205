"""The CSV export, read back with the ``csv`` module; formulas neutralised."""

import csv
import io

import pytest

from annotations.exports.csv import HEADER, neutralise
from annotations.models import Document
from annotations.services.ingest import documents_import_file
from annotations.services.ingest.records import ERR_CSV_SPAN_TABLE
from tests.exports.conftest import export
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def read(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_csv_has_the_header_and_one_row_per_entity_claim_and_stance(dataset):
    rows = read(export(dataset.project, "csv"))

    assert tuple(rows[0]) == HEADER
    news, unicode, formula = dataset.news.pk, dataset.unicode.pk, dataset.formula.pk
    claim = "troops would stay in Gao until June"
    assert rows[1] == ["entity", str(news), "news-1", "0", "5", "Keita", "PER", "", "", "", ""]
    assert rows[6:8] == [
        ["claim", str(news), "news-1", "42", "77", claim, "CLAIM", "", "Le Drian", "", "yes"],
        ["stance", str(news), "news-1", "42", "77", claim, "FAVOR", "the intervention", "",
         "Le Drian", ""],
    ]  # fmt: skip
    kinds = [(row[0], int(row[1])) for row in rows[1:]]
    assert kinds == [
        *[("entity", news)] * 5,
        ("claim", news),
        ("stance", news),
        *[("entity", unicode)] * 6,
        ("claim", unicode),
        ("claim", unicode),
        ("stance", unicode),
        ("claim", formula),
        ("stance", formula),
    ]


def test_csv_texts_and_offsets_match_the_documents(dataset):
    texts = {d.pk: d.text for d in (dataset.news, dataset.unicode, dataset.formula)}
    for row in read(export(dataset.project, "csv"))[1:]:
        if row[3]:
            start, end = int(row[3]), int(row[4])
            assert texts[int(row[1])][start:end] == row[5].removeprefix("'")


def test_csv_neutralises_cells_a_spreadsheet_would_run_as_formulas(dataset):
    rows = read(export(dataset.project, "csv"))
    formula = [row for row in rows if row[1] == str(dataset.formula.pk)]

    text = '=IMPORTXML("http://example.invalid/prices","//td")'
    assert dataset.formula.text.startswith(text)
    assert formula[0][5] == "'" + text
    assert formula[0][8] == "'@anon"
    assert formula[1][5] == "'" + text
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_csv_neutralise_prefixes_a_quote(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Keita", "1=1", "", 3, None])
def test_csv_neutralise_leaves_other_values_alone(value):
    assert neutralise(value) == value


def test_csv_of_submitted_annotations_names_each_annotator(dataset):
    rows = read(export(dataset.project, "csv", include="submitted"))
    assert rows[0] == [*HEADER, "annotator"]
    assert [(row[0], row[-1]) for row in rows[1:]] == [
        *[("entity", "alice")] * 5,
        ("claim", "alice"),
        ("stance", "alice"),
        *[("entity", "bob")] * 5,
        ("claim", "bob"),
        ("stance", "bob"),
        ("entity", "bob"),
    ]


def test_csv_of_an_empty_project_is_its_header(dataset):
    rows = read(export(dataset.project, "csv", statuses=["skipped"]))
    assert rows == [list(HEADER)]


def test_csv_loads_in_pandas_with_a_row_per_entity_claim_and_stance(dataset):
    import pandas

    frame = pandas.read_csv(io.BytesIO(export(dataset.project, "csv")), keep_default_na=False)

    assert list(frame.columns) == list(HEADER)
    assert frame["kind"].value_counts().to_dict() == {"entity": 11, "claim": 4, "stance": 3}
    news = frame[frame["document_id"] == dataset.news.pk]
    entities = news[news["kind"] == "entity"]
    offsets = zip(entities["start"].astype(int), entities["end"].astype(int), strict=True)
    assert [dataset.news.text[start:end] for start, end in offsets] == list(entities["text"])


def test_the_csv_export_imported_back_is_refused_whole_with_the_reason(dataset):
    """A span table is not a table of documents: importing it would make a document of every
    span's text. It is refused on line 1, saying what to import instead, and nothing is stored."""
    data = export(dataset.project, "csv")
    target = ProjectFactory()
    documents_before = Document.objects.count()

    report = documents_import_file(project=target, name="export.csv", stream=io.BytesIO(data))

    assert report["created"] == []
    assert report["errors"] == [{"line": 1, "message": ERR_CSV_SPAN_TABLE}]
    assert Document.objects.count() == documents_before


def test_csv_has_rows_for_relations_and_document_labels_and_columns_for_attributes(schema_source):
    rows = read(export(schema_source, "csv"))

    header = rows[0]
    assert header == [
        *HEADER,
        "group",
        "to_start",
        "to_end",
        "to_text",
        # By label kind (claim, entity, relation, stance), then label and position.
        "attributes.normalised",
        "attributes.questions",
        "attributes.confidence",
        "attributes.role",
        "attributes.certainty",
        "attributes.note",
        "attributes.sentiment",
    ]
    records = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    news = [record for record in records if record["external_id"] == "news-1"]
    keita = next(record for record in news if record["text"] == "Keita")
    assert keita["attributes.role"] == "official"
    claim = next(record for record in news if record["kind"] == "claim")
    assert claim["attributes.questions"] == '["q1", "q3"]'
    assert claim["attributes.confidence"] == "0.75"
    assert claim["attributes.normalised"] == "Troops stay in Gao\nuntil June 2026"
    relations = [
        (r["label"], r["text"], r["to_text"], r["attributes.certainty"])
        for r in news
        if r["kind"] == "relation"
    ]
    assert relations == [
        ("located_in", "Keita", "Bamako", "high"),
        ("said_by", "troops would stay in Gao until June", "Le Drian", ""),
        ("located_in", "Le Drian", "Gao", ""),
    ]
    documents = [(r["group"], r["label"]) for r in news if r["kind"] == "document"]
    assert documents == [("topic", "security"), ("topic", "politics"), ("verdict", "false")]
    stance = next(record for record in news if record["kind"] == "stance")
    assert stance["attributes.sentiment"] == "positive"


def test_csv_of_a_project_without_the_new_kinds_keeps_its_columns(dataset):
    assert tuple(read(export(dataset.project, "csv"))[0]) == HEADER
