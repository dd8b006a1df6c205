"""GET /api/projects/{p}/export/: managers download the dataset, streamed, in any format."""

import csv
import io
import json

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from spacy.tokens import DocBin

from annotations.exports import FORMAT_UNKNOWN, FORMATS, LABEL_UNKNOWN
from tests.api.conftest import client_for
from tests.exports.conftest import annotate, build_dataset, export, make_project, span
from tests.factories import DocumentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset():
    return build_dataset()


def url(project, **params) -> str:
    query = "&".join(f"{key}={value}" for key, values in params.items() for value in values)
    return f"/api/projects/{project.pk}/export/" + (f"?{query}" if query else "")


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def manager(dataset):
    return client_for(dataset.users["manager"])


def test_export_streams_the_gold_jsonl_by_default(dataset):
    response = manager(dataset).get(url(dataset.project))

    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="sahel-export-gold.jsonl"'
    assert body(response) == export(dataset.project)


@pytest.mark.parametrize(
    ("name", "content_type", "filename"),
    [
        ("jsonl", "application/x-ndjson; charset=utf-8", "sahel-export-gold.jsonl"),
        ("doccano", "application/x-ndjson; charset=utf-8", "sahel-export-gold.doccano.jsonl"),
        ("conll", "text/plain; charset=utf-8", "sahel-export-gold.conll"),
        ("csv", "text/csv; charset=utf-8", "sahel-export-gold.csv"),
        ("spacy", "application/octet-stream", "sahel-export-gold.spacy"),
        ("conll2003", "text/plain; charset=utf-8", "sahel-export-gold.conll2003.txt"),
        ("hf", "application/x-ndjson; charset=utf-8", "sahel-export-gold.hf.jsonl"),
        ("parquet", "application/vnd.apache.parquet", "sahel-export-gold.parquet"),
        ("brat", "application/zip", "sahel-export-gold.brat.zip"),
        ("labelstudio", "application/json; charset=utf-8", "sahel-export-gold.labelstudio.json"),
    ],
)
def test_export_serves_each_format_as_a_named_attachment(dataset, name, content_type, filename):
    response = manager(dataset).get(url(dataset.project, format=[name]))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert body(response) == export(dataset.project, name)


def test_export_files_load_in_their_consumers(dataset, tmp_path):
    client = manager(dataset)
    rows = [json.loads(line) for line in body(client.get(url(dataset.project))).splitlines()]
    assert len(rows) == 3
    table = list(
        csv.reader(io.StringIO(body(client.get(url(dataset.project, format=["csv"]))).decode()))
    )
    assert table[0][0] == "kind"
    path = tmp_path / "gold.spacy"
    path.write_bytes(body(client.get(url(dataset.project, format=["spacy"]))))
    assert len(DocBin().from_disk(path)) == 3


def test_export_of_submitted_work_with_filters(dataset):
    response = manager(dataset).get(
        url(dataset.project, include=["submitted"], label=["PER", "LOC"], status=["submitted"])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sahel-export-submitted.jsonl"'
    rows = [json.loads(line) for line in body(response).splitlines()]
    # Only the news document has both submitted work and a finished gold.
    assert [(row["id"], row["annotator"]) for row in rows] == [
        (dataset.news.pk, "alice"),
        (dataset.news.pk, "bob"),
    ]
    assert {e["label"] for row in rows for e in row["entities"]} == {"PER", "LOC"}
    assert all(row["claims"] == [] and row["stances"] == [] for row in rows)


@pytest.mark.parametrize(("role", "status"), [("alice", 403), ("outsider", 404)])
def test_export_is_refused_to_annotators_and_hidden_from_outsiders(dataset, role, status):
    response = client_for(dataset.users[role]).get(url(dataset.project))
    assert response.status_code == status
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_export_asks_anonymous_callers_to_authenticate(dataset):
    assert client_for(None).get(url(dataset.project)).status_code == 401


def test_export_of_an_unknown_format_is_a_400_naming_format(dataset):
    response = manager(dataset).get(url(dataset.project, format=["xlsx"]))
    assert response.status_code == 400
    names = ", ".join(FORMATS)
    assert response.json()["errors"] == {
        "format": [FORMAT_UNKNOWN.format(value="xlsx", names=names)]
    }


def test_export_refuses_unknown_labels_statuses_includes_and_parameters(dataset):
    response = manager(dataset).get(
        url(dataset.project, label=["NOPE"], status=["done"], include=["all"], page=["2"])
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"page"}
    response = manager(dataset).get(
        url(dataset.project, label=["NOPE"], status=["done"], include=["all"])
    )
    errors = response.json()["errors"]
    assert set(errors) == {"label", "status", "include"}
    assert errors["label"] == [LABEL_UNKNOWN.format(value="NOPE")]


def test_export_errors_are_json_even_for_a_client_that_wants_csv(dataset):
    response = manager(dataset).get(url(dataset.project, format=["nope"]), HTTP_ACCEPT="text/csv")
    assert response.status_code == 400
    assert "format" in response.json()["errors"]


def project_of(count: int):
    project = make_project(f"Count {count}")
    boss = UserFactory(username=f"boss-{count}")
    MembershipFactory(project=project, user=boss, role="manager")
    for n in range(count):
        text = f"Keita {n} met Macron in Bamako. Le Drian said troops would stay."
        document = DocumentFactory(project=project, text=text)
        annotate(
            document,
            spans=[
                span(text, "PER", "Keita"),
                span(text, "PER", "Le Drian"),
                span(text, "CLAIM", "troops would stay", claimant=1),
            ],
            stances=[{"target": "the intervention", "label": "FAVOR", "holder": 1}],
            actor=boss,
        )
    return project, client_for(boss)


@pytest.mark.parametrize(
    "name", ["jsonl", "csv", "conll", "hf", "parquet", "brat", "labelstudio", "conll2003"]
)
def test_export_runs_as_many_queries_for_30_documents_as_for_3(name):
    counts = []
    for size in (3, 30):
        project, client = project_of(size)
        with CaptureQueriesContext(connection) as captured:
            assert len(body(client.get(url(project, format=[name])))) > 0
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_export_queries_stay_within_budget(django_assert_max_num_queries):
    project, client = project_of(30)
    # The project and role, labels, targets, the document cursor, annotations, spans,
    # stances, and the transaction's savepoint in and out.
    with django_assert_max_num_queries(9):
        body(client.get(url(project)))


@pytest.mark.parametrize("name", ["hf", "brat", "labelstudio"])
def test_export_of_a_format_that_names_its_labels_costs_two_queries_more(
    name, django_assert_max_num_queries
):
    project, client = project_of(30)
    # The budget of jsonl, plus the labels and the targets that the format declares up front.
    with django_assert_max_num_queries(11):
        body(client.get(url(project, format=[name])))


def misaligned_project():
    project = make_project("Misaligned API")
    boss = UserFactory()
    MembershipFactory(project=project, user=boss, role="manager")
    text = "The Keitas met in Gao."
    document = DocumentFactory(project=project, text=text)
    annotate(document, spans=[span(text, "PER", "Keita"), span(text, "LOC", "Gao")], actor=boss)
    return project, client_for(boss)


@pytest.mark.parametrize("name", ["conll", "conll2003", "hf", "spacy"])
def test_export_counts_the_entities_it_left_out_in_a_header(name):
    project, client = misaligned_project()

    response = client.get(url(project, format=[name]))

    assert response["X-Export-Warnings"] == "1"
    summary = response["X-Export-Warnings-Summary"]
    assert summary.startswith("1 entities left out")
    assert "PER [4, 9) 'Keita' does not start and end on token boundaries" in summary
    if name != "spacy":  # text: the warning stays out of the data
        assert b"Keita'" not in body(response)


def test_export_of_a_format_that_cannot_warn_has_no_warning_header(dataset):
    response = manager(dataset).get(url(dataset.project, format=["csv"]))
    assert "X-Export-Warnings" not in response
