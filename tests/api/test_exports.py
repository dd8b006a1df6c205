"""GET /api/projects/{p}/export/: managers download the dataset, streamed, in any format."""

import csv
import io
import json
from unittest.mock import patch

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
    # stances, relations, document labels, and the transaction's savepoint in and out; the
    # claims' records (read once, at the first batch with claims).
    with django_assert_max_num_queries(12):
        body(client.get(url(project)))


@pytest.mark.parametrize("name", ["hf", "brat", "labelstudio", "csv"])
def test_export_of_a_format_that_names_its_labels_costs_four_queries_more(
    name, django_assert_max_num_queries
):
    project, client = project_of(30)
    # The budget of jsonl, plus what the format declares up front: the labels, the targets,
    # the labels' attributes and the document label groups.
    with django_assert_max_num_queries(16):
        body(client.get(url(project, format=[name])))


def misaligned_project():
    project = make_project("Misaligned API")
    boss = UserFactory()
    MembershipFactory(project=project, user=boss, role="manager")
    text = "The Keitas met in Gao."
    document = DocumentFactory(project=project, text=text)
    annotate(document, spans=[span(text, "PER", "Keita"), span(text, "LOC", "Gao")], actor=boss)
    return project, client_for(boss)


def warnings_url(project, **params) -> str:
    return url(project, **params).replace("/export/", "/export/warnings/")


@pytest.mark.parametrize("name", ["conll", "conll2003", "hf", "spacy", "parquet"])
def test_token_export_streams_and_links_to_the_entities_it_left_out(name):
    project, client = misaligned_project()

    response = client.get(url(project, format=[name], label=["PER", "LOC"]))

    assert isinstance(response, StreamingHttpResponse)
    assert "X-Export-Warnings" not in response
    link = f"<http://testserver{warnings_url(project, format=[name], label=['PER', 'LOC'])}>"
    assert response["Link"] == f'{link}; rel="export-warnings"'
    data = body(response)
    if name != "spacy":  # text: the warning stays out of the data
        assert b"Keita'" not in data
        assert b"left out" not in data


@pytest.mark.parametrize("name", ["conll", "hf", "parquet"])
def test_token_export_answers_before_it_reads_a_document(name):
    project, client = project_of(3)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url(project, format=[name]))
    assert response.status_code == 200
    assert not any("annotations_document" in query["sql"] for query in captured)
    with CaptureQueriesContext(connection) as captured:
        assert len(body(response)) > 0
    assert any("annotations_document" in query["sql"] for query in captured)


@pytest.mark.parametrize("name", ["conll", "conll2003", "hf", "spacy", "parquet"])
def test_export_warnings_list_every_entity_the_format_left_out(name):
    project, client = misaligned_project()

    response = client.get(warnings_url(project, format=[name]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    answer = response.json()
    assert answer["format"] == name
    assert answer["rows"] == 1
    assert answer["warning_count"] == 1
    [warning] = answer["warnings"]
    assert "PER [4, 9) 'Keita' does not start and end on token boundaries" in warning


def test_export_warnings_keep_every_warning_past_the_first_hundred():
    project = make_project("Many misaligned")
    boss = UserFactory()
    MembershipFactory(project=project, user=boss, role="manager")
    for n in range(3):
        text = f"The Keitas met in Gao ({n})."
        document = DocumentFactory(project=project, text=text)
        spans = [span(text, "PER", "Keita"), span(text, "LOC", "Gao")]
        annotate(document, spans=spans, actor=boss)
    with patch("annotations.exports.base.KEPT_WARNINGS", 1):
        answer = client_for(boss).get(warnings_url(project, format=["conll"])).json()
    assert answer["warning_count"] == 3
    assert len(answer["warnings"]) == 3


def test_export_warnings_of_a_format_that_cannot_warn_are_none(dataset):
    response = manager(dataset).get(url(dataset.project, format=["csv"]))
    assert "Link" not in response
    answer = manager(dataset).get(warnings_url(dataset.project, format=["csv"])).json()
    assert answer["warning_count"] == 0
    assert answer["warnings"] == []
    assert answer["rows"] > 0


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"include": ["submitted"]},
        {"status": ["in_progress"]},
        {"include": ["submitted"], "status": ["submitted"]},
    ],
)
def test_export_warnings_of_a_format_that_cannot_warn_count_the_rows_without_rendering(
    dataset, params, django_assert_num_queries
):
    client = manager(dataset)
    lines = b"".join(client.get(url(dataset.project, format=["jsonl"], **params)).streaming_content)

    # The project with the caller's role, then one count: the export is not rendered.
    with django_assert_num_queries(2):
        answer = client.get(warnings_url(dataset.project, format=["jsonl"], **params)).json()

    assert answer == {
        "format": "jsonl",
        "rows": lines.count(b"\n"),
        "warning_count": 0,
        "warnings": [],
    }
    assert answer["rows"] > 0


def test_export_warnings_refuse_what_the_export_refuses(dataset):
    client = manager(dataset)
    for params, field in (({"format": ["xml"]}, "format"), ({"colour": ["x"]}, "colour")):
        response = client.get(warnings_url(dataset.project, **params))
        assert response.status_code == 400
        assert list(response.json()["errors"]) == [field]
    annotator = client_for(dataset.users["alice"])
    assert annotator.get(warnings_url(dataset.project, format=["conll"])).status_code == 403


def test_export_warnings_run_as_many_queries_for_30_documents_as_for_3():
    counts = []
    for size in (3, 30):
        project, client = project_of(size)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(warnings_url(project, format=["conll"])).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_brat_export_links_to_the_stances_it_left_out():
    project = make_project("Brat stances")
    boss = UserFactory()
    MembershipFactory(project=project, user=boss, role="manager")
    text = "Keita met Macron in Bamako."
    document = DocumentFactory(project=project, text=text, external_id="brat-1")
    stance = {"target": "the intervention", "label": "FAVOR"}
    annotate(document, spans=[span(text, "PER", "Keita")], stances=[stance], actor=boss)
    client = client_for(boss)

    assert client.get(url(project, format=["brat"]))["Link"].endswith('rel="export-warnings"')
    answer = client.get(warnings_url(project, format=["brat"])).json()
    assert answer["warning_count"] == 1
    assert (
        "stance FAVOR toward 'the intervention' has no evidence and no holder"
        in (answer["warnings"][0])
    )
