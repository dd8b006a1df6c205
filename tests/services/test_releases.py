"""Releases: built by the worker from one snapshot, never changed after, compared file to file."""

import hashlib
import io
import json
import threading
import zipfile

import pytest
from django.db import connection
from django.test import override_settings

from annotations import selectors, tasks
from annotations.agreement import project_agreement
from annotations.errors import Conflict, InvalidInput
from annotations.exports import FORMATS
from annotations.models import Annotation, Release, ReleaseFile, ReleaseStatus
from annotations.models.releases import RELEASE_FROZEN
from annotations.services import releases
from annotations.services.annotating import annotation_replace_content, annotation_set_status
from tests.exports.conftest import annotate, build_dataset, export, span
from tests.factories import ProjectFactory, ReleaseFactory, UserFactory
from tests.worker import run_worker

pytestmark = pytest.mark.django_db

# What the dataset's gold holds (see tests/exports/conftest.py).
LABEL_COUNTS = {
    "AGAINST": {"kind": "stance", "count": 2},
    "CLAIM": {"kind": "claim", "count": 4},
    "FAVOR": {"kind": "stance", "count": 1},
    "LOC": {"kind": "entity", "count": 6},
    "ORG": {"kind": "entity", "count": 1},
    "PER": {"kind": "entity", "count": 4},
}
KIND_COUNTS = {"entity": 11, "claim": 4, "stance": 3}


@pytest.fixture
def dataset():
    return build_dataset()


def build(dataset, name: str = "v1", formats=None) -> Release:
    """Ask for a release as the manager and let the worker build it."""
    release = tasks.release_start(
        project=dataset.project, actor=dataset.users["manager"], name=name, formats=formats
    )
    run_worker()
    release.refresh_from_db()
    return release


def content(release: Release, format_name: str = "jsonl") -> bytes:
    stored = ReleaseFile.objects.get(release=release, format=format_name)
    return b"".join(selectors.release_file_chunks(release_file=stored))


def shas(release: Release) -> dict[str, str]:
    return dict(release.files.values_list("format", "sha256"))


def gold_of(document) -> Annotation:
    return Annotation.objects.get(document=document, kind="gold")


def edit_gold(document, *, spans: list[dict], stances: list[dict], actor) -> None:
    """Reopen the document's gold and replace its content, as a reviewer would."""
    gold = gold_of(document)
    if gold.status != "in_progress":
        annotation_set_status(
            annotation=gold, status="in_progress", version=gold.version, actor=actor
        )
        gold.refresh_from_db()
    annotation_replace_content(annotation=gold, spans=spans, stances=stances, actor=actor)


def test_release_is_queued_until_a_worker_builds_it(dataset):
    release = tasks.release_start(
        project=dataset.project, actor=dataset.users["manager"], name="v1"
    )

    assert release.status == ReleaseStatus.QUEUED
    assert not release.files.exists()
    assert run_worker() == 1
    release.refresh_from_db()
    assert release.status == ReleaseStatus.READY
    assert release.error == ""
    assert release.started_at is not None
    assert release.finished_at is not None


def test_release_files_are_the_exports_of_its_snapshot(dataset):
    release = build(dataset)

    assert release.formats == ["jsonl", "doccano", "conll", "csv"]
    for name in release.formats:
        data = content(release, name)
        assert data == export(dataset.project, name, release=release.name)
        stored = ReleaseFile.objects.get(release=release, format=name)
        assert stored.size == len(data)
        assert stored.sha256 == hashlib.sha256(data).hexdigest()


def test_release_counts_labels_kinds_documents_and_keeps_agreement(dataset):
    release = build(dataset)

    assert release.document_count == 3
    assert release.label_counts == LABEL_COUNTS
    assert release.kind_counts == KIND_COUNTS
    expected = project_agreement(selectors.agreement_inputs(project=dataset.project))
    assert release.agreement == expected
    assert release.agreement["documents"] == 1
    assert release.progress_done == release.progress_total == 3 * 4


def test_release_file_warnings_say_what_a_format_could_not_hold(dataset):
    text = dataset.pending.text
    annotate(dataset.pending, spans=[span(text, "LOC", "Adra")], actor=dataset.users["reviewer"])
    release = build(dataset)

    conll = ReleaseFile.objects.get(release=release, format="conll")
    assert conll.warning_count == 1
    assert "does not start and end on token boundaries" in conll.warnings[0]
    assert ReleaseFile.objects.get(release=release, format="jsonl").warning_count == 0


def test_release_never_changes_when_gold_changes_afterwards(dataset):
    first = build(dataset)
    before = {name: content(first, name) for name in first.formats}
    hashes = shas(first)

    edit_gold(
        dataset.news,
        spans=[span(dataset.news.text, "PER", "Keita")],
        stances=[],
        actor=dataset.users["reviewer"],
    )
    gold_of(dataset.formula).delete()
    second = build(dataset, "v2")

    first.refresh_from_db()
    assert {name: content(first, name) for name in first.formats} == before
    assert shas(first) == hashes
    assert first.label_counts == LABEL_COUNTS
    assert first.document_count == 3
    assert second.document_count == 2
    assert shas(second)["jsonl"] != hashes["jsonl"]


EVERY_FORMAT = list(FORMATS)


def test_same_gold_built_twice_gives_the_same_sha256_in_every_format(dataset):
    # Each file names its release, so the same gold is built twice under the same name.
    first = shas(build(dataset, "v1", EVERY_FORMAT))
    Release.objects.filter(project=dataset.project).delete()
    second = shas(build(dataset, "v1", EVERY_FORMAT))

    assert set(first) == {*EVERY_FORMAT, "readme", "warnings", "labelstudio-xml"}
    assert first == second


def test_files_of_a_release_name_it(dataset):
    release = build(dataset, "2024-06 gold", EVERY_FORMAT)

    for line in content(release, "jsonl").splitlines():
        assert json.loads(line)["release"] == "2024-06 gold"
    assert json.loads(content(release, "labelstudio"))[0]["data"]["release"] == "2024-06 gold"
    for name in ("brat",):
        with zipfile.ZipFile(io.BytesIO(content(release, name))) as archive:
            assert archive.comment == b"release: 2024-06 gold"
    assert "2024-06 gold" in content(release, "readme").decode()


def test_ready_release_refuses_to_be_saved(dataset):
    release = build(dataset)
    release.name = "renamed"

    with pytest.raises(ValueError, match="never changes"):
        release.save()
    assert RELEASE_FROZEN.format(pk=release.pk).endswith("never changes.")
    stored = release.files.first()
    with pytest.raises(ValueError):
        stored.save()


def test_building_a_ready_release_again_changes_nothing(dataset):
    release = build(dataset)
    hashes = shas(release)
    annotate(dataset.pending, spans=[], actor=dataset.users["reviewer"])

    releases.release_build(release_id=release.pk)

    release.refresh_from_db()
    assert shas(release) == hashes
    assert release.document_count == 3
    with pytest.raises(Conflict):
        tasks.release_rebuild(release=release)


def test_failed_build_stores_nothing_and_builds_when_queued_again(dataset, monkeypatch):
    real = releases._write

    def broken(name, *args):
        if name == "conll":
            raise RuntimeError("disk full")
        return real(name, *args)

    monkeypatch.setattr(releases, "_write", broken)
    release = build(dataset)

    assert release.status == ReleaseStatus.FAILED
    assert release.error == "RuntimeError: disk full"
    assert not release.files.exists()

    monkeypatch.setattr(releases, "_write", real)
    tasks.release_rebuild(release=release)
    run_worker()
    release.refresh_from_db()
    assert release.status == ReleaseStatus.READY
    assert release.error == ""
    assert set(shas(release)) == {"jsonl", "doccano", "conll", "csv", "readme", "warnings"}


def test_build_writes_progress_as_it_renders(dataset, monkeypatch):
    seen = []
    real = releases._progress

    def record(release, done, total, **fields):
        seen.append((done, total))
        real(release, done, total, **fields)

    monkeypatch.setattr(releases, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(releases, "_progress", record)
    build(dataset)

    assert seen[0] == (3, 12)  # the snapshot: every document once
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert all(total == 12 and done <= total for done, total in seen)
    assert len(seen) == 1 + 3 * 3  # then each document of each other format


def test_release_create_names_each_bad_field(dataset):
    build(dataset)
    manager = dataset.users["manager"]

    with pytest.raises(InvalidInput) as taken:
        releases.release_create(project=dataset.project, actor=manager, name=" v1 ")
    assert taken.value.errors == {"name": [releases.NAME_TAKEN.format(name="v1")]}
    with pytest.raises(InvalidInput) as wrong:
        releases.release_create(
            project=dataset.project, actor=manager, name="", formats=["csv", "xml", "csv"]
        )
    assert wrong.value.errors["name"] == [releases.NAME_REQUIRED]
    assert wrong.value.errors["formats"][0].startswith("Unknown export format 'xml'")
    assert wrong.value.errors["formats"][1] == releases.FORMAT_REPEATED.format(value="csv")
    with pytest.raises(InvalidInput) as empty:
        releases.release_create(project=dataset.project, actor=manager, name="v2", formats=[])
    assert "formats" in empty.value.errors


def test_release_always_holds_the_jsonl_snapshot(dataset):
    release = build(dataset, formats=["csv"])

    assert release.formats == ["jsonl", "csv"]
    assert set(shas(release)) == {"jsonl", "csv", "readme", "warnings"}


def test_release_needs_some_gold():
    project = ProjectFactory()

    with pytest.raises(InvalidInput) as error:
        releases.release_create(project=project, actor=UserFactory(), name="v1")
    assert error.value.detail == releases.NO_GOLD


@override_settings(
    TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
)
def test_release_builds_at_once_with_the_immediate_backend(dataset):
    release = tasks.release_start(
        project=dataset.project, actor=dataset.users["manager"], name="v1"
    )

    release.refresh_from_db()
    assert release.status == ReleaseStatus.READY
    assert content(release) == export(dataset.project, release=release.name)


# Compare


def test_compare_finds_documents_and_items_added_removed_and_changed(dataset):
    first = build(dataset)
    news = dataset.news.text
    # The news gold loses Macron and has Gao relabelled PER; its claim and stance stay.
    spans = [
        span(news, "PER", "Keita"),
        span(news, "LOC", "Bamako"),
        span(news, "PER", "Le Drian"),
        span(news, "CLAIM", "troops would stay in Gao until June", claimant=2, checkworthy="yes"),
        span(news, "PER", "Gao"),
    ]
    stances = [{"target": "the intervention", "label": "FAVOR", "holder": 2, "evidence": 3}]
    edit_gold(dataset.news, spans=spans, stances=stances, actor=dataset.users["reviewer"])
    gold_of(dataset.formula).delete()
    annotate(
        dataset.pending,
        spans=[span(dataset.pending.text, "LOC", "Adrar des Ifoghas")],
        actor=dataset.users["reviewer"],
    )
    second = build(dataset, "v2")

    result = releases.release_compare(base=first, other=second)

    assert result["documents"] == {
        "added": 1,
        "removed": 1,
        "changed": 1,
        "unchanged": 1,
        "added_ids": [dataset.pending.pk],
        "removed_ids": [dataset.formula.pk],
        "changed_ids": [dataset.news.pk],
        "ids_truncated": False,
    }
    assert result["labels"] == {
        # The formula document's claim and stance went with it.
        "AGAINST": {"added": 0, "removed": 1},
        "CLAIM": {"added": 0, "removed": 1},
        # Gao: LOC -> PER; Macron removed; the pending document's place added.
        "LOC": {"added": 1, "removed": 1},
        "PER": {"added": 1, "removed": 1},
    }


def test_compare_of_a_release_with_itself_finds_nothing(dataset):
    release = build(dataset)

    result = releases.release_compare(base=release, other=release)

    assert result["documents"]["unchanged"] == 3
    assert result["documents"]["changed"] == 0
    assert result["labels"] == {}


def test_compare_counts_a_changed_claimant_as_one_removed_and_one_added():
    claim = {"start": 0, "end": 4, "label": "CLAIM", "text": "Gao.", "checkworthy": "yes"}
    row = {"id": 1, "entities": [], "claims": [{**claim, "claimant": None}], "stances": []}
    moved = {**row, "claims": [{**claim, "claimant": {"text": "a source"}}]}

    result = releases.compare_rows([row], [moved])

    assert result["documents"]["changed_ids"] == [1]
    assert result["labels"] == {"CLAIM": {"added": 1, "removed": 1}}


def test_compare_lists_at_most_a_thousand_ids_but_counts_all(monkeypatch):
    monkeypatch.setattr(releases, "COMPARE_MAX_IDS", 2)
    rows = [{"id": n, "entities": [], "claims": [], "stances": []} for n in range(5)]

    result = releases.compare_rows([], rows)

    assert result["documents"]["added"] == 5
    assert result["documents"]["added_ids"] == [0, 1]
    assert result["documents"]["ids_truncated"] is True


def test_compare_refuses_releases_of_two_projects_or_not_ready(dataset):
    release = build(dataset)
    elsewhere = ReleaseFactory()
    queued = ReleaseFactory(project=dataset.project, status="queued")

    with pytest.raises(InvalidInput):
        releases.release_compare(base=release, other=elsewhere)
    with pytest.raises(Conflict):
        releases.release_compare(base=release, other=queued)


def test_stored_files_read_back_across_chunk_boundaries(dataset, monkeypatch):
    monkeypatch.setattr(releases, "CHUNK_SIZE", 7)
    release = build(dataset)

    stored = ReleaseFile.objects.get(release=release, format="jsonl")
    assert stored.chunks.count() == -(-stored.size // 7)
    assert content(release) == export(dataset.project, release=release.name)
    rows = list(releases.release_rows(release_file=stored))
    assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)
    assert len(rows) == 3


@pytest.mark.django_db(transaction=True)
def test_counts_files_and_agreement_come_from_one_snapshot(monkeypatch):
    # While the snapshot is being read, another connection withdraws alice's annotation: the
    # agreement computed afterwards, in the same snapshot, must still count her. PostgreSQL
    # lets the delete commit at once (REPEATABLE READ keeps our view); SQLite makes it wait
    # for the build's write lock. Either way the release sees one consistent state.
    dataset = build_dataset()
    alice = Annotation.objects.get(document=dataset.news, author=dataset.users["alice"])
    real = releases._Counts.add
    elsewhere = threading.Thread(target=_delete_elsewhere, args=(alice.pk,))

    def add_then_edit_elsewhere(self, row):
        if self.documents == 0:
            elsewhere.start()
            elsewhere.join(timeout=None if connection.vendor == "postgresql" else 0.5)
        real(self, row)

    monkeypatch.setattr(releases._Counts, "add", add_then_edit_elsewhere)
    release = build(dataset)
    elsewhere.join()

    assert not Annotation.objects.filter(pk=alice.pk).exists()
    assert release.agreement["documents"] == 1
    assert release.document_count == 3


def _delete_elsewhere(annotation_id: int) -> None:
    try:
        Annotation.objects.filter(pk=annotation_id).delete()
    finally:
        connection.close()
