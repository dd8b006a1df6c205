"""Releases over the API: 202 then a worker builds; data card, downloads, compare, query counts."""

import hashlib
import io
import json
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.exports import FORMAT_UNKNOWN, FORMATS, labelstudio
from annotations.exports.base import ExportOptions
from annotations.exports.splits import split_of
from annotations.models import Annotation, Release
from annotations.selectors import export_vocabulary
from annotations.services import releases
from tests.api.conftest import client_for
from tests.exports.conftest import annotate, build_dataset, export, span
from tests.factories import (
    MembershipFactory,
    ProjectFactory,
    ReleaseFactory,
    ReleaseFileFactory,
)
from tests.worker import run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset():
    return build_dataset()


def releases_url(project) -> str:
    return f"/api/projects/{project.pk}/releases/"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def create(dataset, name: str = "v1", **fields):
    return client_for(dataset.users["manager"]).post(
        releases_url(dataset.project), {"name": name, **fields}, format="json"
    )


def built(dataset, name: str = "v1", **fields) -> dict:
    """Create a release, let the worker build it, and return its detail as the API gives it."""
    response = create(dataset, name, **fields)
    assert response.status_code == 202, response.content
    run_worker()
    return client_for(dataset.users["manager"]).get(response.json()["url"]).json()


def test_create_answers_202_with_the_queued_release_and_where_to_follow_it(dataset):
    response = create(dataset)

    assert response.status_code == 202
    data = response.json()
    release = Release.objects.get()
    assert data["url"] == f"http://testserver/api/releases/{release.pk}/"
    assert response["Location"] == data["url"]
    assert type(response["Location"]) is str  # what WSGI servers insist on
    assert data["status"] == "queued"
    assert data["progress"] == {"done": 0, "total": 0}
    assert data["files"] == []
    assert data["formats"] == ["jsonl", "doccano", "conll", "csv"]
    assert data["created_by"] == "manager"


def test_built_release_shows_its_data_card_and_files(dataset):
    data = built(dataset)

    assert data["status"] == "ready"
    assert data["progress"] == {"done": 12, "total": 12}
    assert data["document_count"] == 3
    assert data["kind_counts"] == {"entity": 11, "claim": 4, "stance": 3}
    assert data["label_counts"]["LOC"] == {"kind": "entity", "count": 6}
    assert data["agreement"]["documents"] == 1
    assert [item["format"] for item in data["files"]] == [*data["formats"], "warnings", "readme"]
    manager = client_for(dataset.users["manager"])
    for item in data["files"]:
        assert item["download_url"] == (
            f"http://testserver/api/releases/{data['id']}/download/?format={item['format']}"
        )
        content = body(manager.get(item["download_url"]))
        assert item["size"] == len(content)
        assert item["sha256"] == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize("name", list(FORMATS))
def test_download_streams_each_stored_file_as_a_named_attachment(dataset, name):
    data = built(dataset, formats=list(FORMATS))
    item = next(item for item in data["files"] if item["format"] == name)

    response = client_for(dataset.users["reviewer"]).get(item["download_url"])

    assert response.status_code == 200
    assert response["Content-Type"] == FORMATS[name].content_type
    extension = FORMATS[name].extension
    assert response["Content-Disposition"] == (f'attachment; filename="sahel-export-v1{extension}"')
    assert response["Content-Length"] == str(item["size"])
    assert response["ETag"] == f'"{item["sha256"]}"'
    assert body(response) == export(dataset.project, name, release="v1")


def test_download_is_jsonl_by_default_and_unchanged_after_gold_edits(dataset):
    data = built(dataset)
    url = f"/api/releases/{data['id']}/download/"
    before = body(client_for(dataset.users["manager"]).get(url))
    annotate(
        dataset.pending,
        spans=[span(dataset.pending.text, "LOC", "Adrar des Ifoghas")],
        actor=dataset.users["reviewer"],
    )
    Annotation.objects.filter(document=dataset.formula, kind="gold").delete()

    after = client_for(dataset.users["manager"]).get(url)

    assert after["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert body(after) == before
    assert export(dataset.project) != before


def test_download_refuses_what_it_cannot_serve(dataset):
    data = built(dataset, formats=["csv"])
    manager = client_for(dataset.users["manager"])
    url = f"/api/releases/{data['id']}/download/"

    missing = manager.get(url + "?format=conll")
    assert missing.status_code == 400
    formats = "jsonl, csv, readme, warnings"
    message = releases.NO_SUCH_FILE.format(name="v1", format="conll", formats=formats)
    assert missing.json()["errors"] == {"format": [message]}
    assert manager.get(url + "?fmt=csv").status_code == 400
    assert manager.get(url + "?format=csv&format=jsonl").status_code == 400
    queued = ReleaseFactory(project=dataset.project, status="queued")
    not_ready = manager.get(f"/api/releases/{queued.pk}/download/")
    assert not_ready.status_code == 409
    assert not_ready.json()["detail"] == releases.NOT_READY.format(
        name=queued.name, status="queued"
    )


def test_create_names_each_bad_field(dataset):
    built(dataset)

    taken = create(dataset, "v1")
    assert taken.status_code == 400
    assert taken.json()["errors"] == {"name": [releases.NAME_TAKEN.format(name="v1")]}
    wrong = create(dataset, "v2", formats=["xml"])
    message = FORMAT_UNKNOWN.format(value="xml", names=", ".join(FORMATS))
    assert wrong.json()["errors"] == {"formats": [message]}
    unknown = create(dataset, "v2", status="ready")
    assert unknown.status_code == 400
    assert "status" in unknown.json()["errors"]
    assert Release.objects.count() == 1


def test_create_refuses_a_project_without_gold():
    project = ProjectFactory()
    manager = MembershipFactory(project=project, role="manager").user

    response = client_for(manager).post(releases_url(project), {"name": "v1"}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == releases.NO_GOLD


def test_failed_release_says_why(dataset, monkeypatch):
    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(releases, "_write", broken)
    data = built(dataset)

    assert data["status"] == "failed"
    assert data["error"] == "RuntimeError: disk full"
    assert data["files"] == []


def test_compare_answers_what_changed_between_two_releases(dataset):
    first = built(dataset)
    Annotation.objects.filter(document=dataset.formula, kind="gold").delete()
    second = built(dataset, "v2")

    response = client_for(dataset.users["reviewer"]).get(
        f"/api/releases/{first['id']}/compare/{second['id']}/"
    )

    assert response.status_code == 200
    data = response.json()
    assert data["base"] == {"id": first["id"], "name": "v1"}
    assert data["other"] == {"id": second["id"], "name": "v2"}
    assert data["documents"]["removed_ids"] == [dataset.formula.pk]
    assert data["documents"]["unchanged"] == 2
    assert data["labels"] == {
        "AGAINST": {"added": 0, "removed": 1},
        "CLAIM": {"added": 0, "removed": 1},
    }


def test_compare_refuses_other_projects_releases(dataset):
    first = built(dataset)
    elsewhere = ReleaseFactory()
    MembershipFactory(project=elsewhere.project, user=dataset.users["manager"], role="manager")
    hidden = ReleaseFactory()
    manager = client_for(dataset.users["manager"])

    other_project = manager.get(f"/api/releases/{first['id']}/compare/{elsewhere.pk}/")
    assert other_project.status_code == 400
    assert other_project.json()["detail"] == releases.OTHER_PROJECT
    assert manager.get(f"/api/releases/{first['id']}/compare/{hidden.pk}/").status_code == 404


def release_with_file(project, **fields) -> Release:
    release = ReleaseFactory(project=project, formats=["jsonl", "csv"], **fields)
    ReleaseFileFactory(release=release, format="jsonl", content=b'{"id": 1}\n')
    ReleaseFileFactory(release=release, format="csv", content=b"kind\n")
    return release


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200
    return len(captured)


def test_list_pages_releases_newest_first_in_a_constant_number_of_queries(dataset):
    manager = client_for(dataset.users["manager"])
    url = releases_url(dataset.project)
    release_with_file(dataset.project)
    few = queries(manager, url)
    for _ in range(6):
        release_with_file(dataset.project)

    assert queries(manager, url) == few <= 5
    data = manager.get(url).json()
    assert data["count"] == 7
    ids = [item["id"] for item in data["results"]]
    assert ids == sorted(ids, reverse=True)
    assert "agreement" not in data["results"][0]


def test_detail_and_download_take_a_constant_number_of_queries(dataset):
    manager = client_for(dataset.users["manager"])
    small = release_with_file(dataset.project)
    large = ReleaseFactory(project=dataset.project, formats=list(FORMATS))
    for name in FORMATS:
        ReleaseFileFactory(release=large, format=name, content=b"x" * 10)

    assert queries(manager, f"/api/releases/{small.pk}/") == queries(
        manager, f"/api/releases/{large.pk}/"
    )
    with CaptureQueriesContext(connection) as captured:
        body(manager.get(f"/api/releases/{small.pk}/download/"))
    assert len(captured) <= 4


def test_a_split_release_records_its_split_and_gives_one_file_per_split(dataset):
    manager = client_for(dataset.users["manager"])
    created = manager.post(
        f"/api/projects/{dataset.project.pk}/releases/",
        {"name": "split", "formats": ["jsonl", "conll"], "split": "50,50", "seed": 4},
        format="json",
    )
    assert created.status_code == 202, created.content
    run_worker()
    data = manager.get(created["Location"]).json()
    assert (data["split"], data["seed"]) == ([50, 50], 4)

    files = {item["format"]: item["download_url"] for item in data["files"]}
    rows = [json.loads(line) for line in body(manager.get(files["jsonl"])).splitlines()]
    want = {row["id"]: split_of(row["id"], percentages=(50, 50), seed=4) for row in rows}
    assert {row["id"]: row["split"] for row in rows} == want
    conll = manager.get(files["conll"])
    assert conll["Content-Type"] == "application/zip"
    assert conll["Content-Disposition"] == 'attachment; filename="sahel-export-split.conll.zip"'
    with zipfile.ZipFile(io.BytesIO(body(conll))) as archive:
        assert archive.namelist() == ["train.conll", "test.conll"]
        assert archive.comment == b"release: split"
        per_split = {
            name: archive.read(f"{name}.conll").count(b"-DOCSTART-") for name in ("train", "test")
        }
    assert per_split == {name: list(want.values()).count(name) for name in ("train", "test")}
    card = body(manager.get(files["readme"])).decode()
    assert "train 50%, test 50% (by document, seed 4)" in card
    for name, count in per_split.items():
        assert f"| {name} | {count} |" in card


def test_a_release_refuses_a_bad_split_naming_it(dataset):
    manager = client_for(dataset.users["manager"])
    response = manager.post(
        f"/api/projects/{dataset.project.pk}/releases/",
        {"name": "bad", "split": "90,20"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["split"]
    assert not Release.objects.filter(name="bad").exists()


def test_a_release_card_and_side_files_download_with_their_names(dataset):
    dataset.project.licence = "CC-BY-4.0"
    dataset.project.citation = "@misc{sahel2024, title={Sahel claims}}"
    dataset.project.save()
    data = built(dataset, formats=["labelstudio"])
    manager = client_for(dataset.users["manager"])
    files = {item["format"]: item["download_url"] for item in data["files"]}

    card = manager.get(files["readme"])
    assert card["Content-Type"] == "text/markdown; charset=utf-8"
    assert card["Content-Disposition"] == 'attachment; filename="sahel-export-v1-README.md"'
    text = body(card).decode()
    assert text.startswith("---\nlicense: CC-BY-4.0\n")
    assert "@misc{sahel2024, title={Sahel claims}}" in text
    config = manager.get(files["labelstudio-xml"])
    assert config["Content-Disposition"] == 'attachment; filename="sahel-export-v1-labelstudio.xml"'
    assert body(config).decode() == labelstudio.config(
        ExportOptions(vocabulary=export_vocabulary(project=dataset.project))
    )


def test_reviewed_only_takes_gold_marked_reviewed_and_says_per_guidelines_version(dataset):
    # unicode's gold is in progress (never marked reviewed); news and formula are reviewed.
    everything = built(dataset, "all")
    reviewed = built(dataset, "reviewed", reviewed_only=True)

    assert (everything["reviewed_only"], everything["document_count"]) == (False, 3)
    assert (reviewed["reviewed_only"], reviewed["document_count"]) == (True, 2)
    # The dataset's gold predates versioned guidelines: its versions are not recorded.
    assert reviewed["guidelines_counts"] == [{"version": None, "documents": 2}]


def test_reviewed_only_must_be_a_boolean(dataset):
    response = create(dataset, reviewed_only="maybe")

    assert response.status_code == 400
    assert "reviewed_only" in response.json()["errors"]
    assert not Release.objects.exists()
