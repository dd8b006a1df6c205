"""Releases and imports in the browser: create, watch the build, read the card, download,
compare; import a file and read its report; a background import's progress bar."""

import hashlib
import re
import threading
import time
from pathlib import Path

import orjson
import pytest
from django.db import connections
from playwright.sync_api import Page, expect

from annotations import tasks
from annotations.models import Annotation, Document, ImportJob, Release, Span
from annotations.services import jobs, releases
from tests.browser.annotating import make_world
from tests.browser.test_screenshots import SCREENSHOTS, WIDTHS
from tests.exports.conftest import annotate, build_dataset, span
from tests.factories import ImportJobFactory
from tests.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

# Long enough for a page polling every second to see the work in progress.
STEP_PAUSE = 0.4
LONG = 30_000  # ms: a build or an import on a busy machine
COLOURS = {
    "PER": "#4e79a7",
    "ORG": "#f28e2b",
    "LOC": "#59a14f",
    "CLAIM": "#b07aa1",
    "FAVOR": "#009e73",
    "AGAINST": "#d55e00",
}


@pytest.fixture
def dataset():
    return build_dataset()


class BackgroundWorker:
    """The real worker loop in a thread, as `manage.py db_worker` runs beside the server."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            run_worker()
        except BaseException as error:  # reported by join(), in the test's thread
            self.errors.append(error)
        finally:
            # The thread's own connection; an open one would keep PostgreSQL's test database.
            connections.close_all()

    def start(self) -> "BackgroundWorker":
        self.thread.start()
        return self

    def join(self) -> None:
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the worker did not finish"
        assert not self.errors, self.errors


def slowed(monkeypatch, module, name: str) -> None:
    """Make ``module.name`` pause after each call, so that progress stays visible a while."""
    original = getattr(module, name)

    def pausing(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(STEP_PAUSE)
        return result

    monkeypatch.setattr(module, name, pausing)


def record_texts(page: Page, selector: str) -> None:
    """Keep every text the element at ``selector`` shows, in ``window.seenTexts``."""
    page.evaluate(
        """(selector) => {
            const node = document.querySelector(selector);
            window.seenTexts = [node.textContent];
            new MutationObserver(() => window.seenTexts.push(node.textContent)).observe(
                node, { childList: true, characterData: true, subtree: true });
        }""",
        selector,
    )


def seen_texts(page: Page) -> list[str]:
    return page.evaluate("window.seenTexts")


def unexpected(console_errors: list[str]) -> list[str]:
    """The console errors left once the refusals the test asked for (400, 415) are set aside."""
    refused = re.compile(r"Failed to load resource: .* status of 4(00|15) ")
    return [message for message in console_errors if not refused.match(message)]


def test_a_manager_creates_releases_watches_them_build_downloads_and_compares(
    live_server, sign_in, dataset, monkeypatch, csp_violations, dialogs, tmp_path
):
    page = sign_in(dataset.users["manager"])
    page.goto(f"{live_server.url}/projects/{dataset.project.pk}/")
    page.get_by_role("link", name="Releases").click()
    expect(page.get_by_role("heading", name="Releases", exact=True)).to_be_visible()
    expect(page.locator("#no-releases")).to_be_visible()

    # A refused request shows its message under the field at fault.
    expect(page.locator("#release-form.ready")).to_be_attached()
    page.get_by_role("button", name="Create release").click()
    expect(page.locator('[data-errors-for="name"]')).to_have_text("A release needs a name.")
    expect(page.locator('[data-field="name"]')).to_have_class(re.compile("has-error"))

    # A bad split is refused under the split field; nothing is created.
    page.get_by_label("Name").fill("v1")
    page.get_by_label("Split (optional)").fill("80,30")
    page.get_by_role("button", name="Create release").click()
    expect(page.locator('[data-errors-for="split"]')).to_contain_text(
        "split takes two or three whole percentages"
    )
    assert not Release.objects.exists()

    # The form offers, ticked, only gold a reviewer marked reviewed.
    expect(page.get_by_role("checkbox", name="Only reviewed gold")).to_be_checked()
    page.get_by_label("Split (optional)").fill("70,30")
    page.get_by_label("Seed").fill("5")
    page.get_by_role("checkbox", name=re.compile("^csv")).uncheck()
    page.get_by_role("button", name="Create release").click()
    row = page.locator("#release-list tbody tr").first
    expect(row.locator('[data-role="name"]')).to_have_text("v1")
    expect(row.locator('[data-role="status"]')).to_have_text("Queued")
    expect(row.locator('[data-role="progress-text"]')).to_have_text("waiting for a worker")
    form_status = page.locator('#release-form [data-role="form-status"]')
    expect(form_status).to_have_text("“v1” is queued.")
    expect(page.locator('[data-errors-for="name"]')).to_be_hidden()
    expect(page.locator("#no-releases")).to_be_hidden()
    release = Release.objects.get(name="v1")
    assert release.formats == ["jsonl", "doccano", "conll"]
    assert (release.split, release.seed, release.reviewed_only) == ([70, 30], 5, True)
    page.get_by_label("Split (optional)").fill("")
    page.get_by_label("Seed").fill("")

    record_texts(page, f'tr[data-release-id="{release.pk}"] .status-cell')
    monkeypatch.setattr(releases, "PROGRESS_EVERY", 1)
    slowed(monkeypatch, releases, "_progress")
    worker = BackgroundWorker().start()
    expect(row.locator('[data-role="status"]')).to_have_text("Ready", timeout=LONG)
    worker.join()
    expect(row.locator('[data-role="progress"]')).to_be_hidden()
    # The unicode document's gold is still in progress: not reviewed, not released.
    expect(row.locator('[data-role="documents"]')).to_have_text("2")
    expect(form_status).to_have_text("“v1” is ready: 2 documents.")
    building = [text for text in seen_texts(page) if "Building" in text]
    assert any(re.search(r"Building\s+\d+%", text) for text in building), seen_texts(page)
    # The same name again is refused, under the name.
    page.get_by_label("Name").fill("v1")
    page.get_by_role("button", name="Create release").click()
    expect(page.locator('[data-errors-for="name"]')).to_contain_text("already has a release")

    # Gold changes: one document gains gold, another loses it; the second release differs.
    annotate(
        dataset.pending,
        spans=[span(dataset.pending.text, "LOC", "Adrar des Ifoghas")],
        actor=dataset.users["reviewer"],
    )
    Annotation.objects.filter(document=dataset.formula, kind="gold").delete()
    page.get_by_label("Name").fill("v2")
    page.get_by_role("button", name="Create release").click()
    expect(page.locator("#release-list tbody tr")).to_have_count(2)
    run_worker()
    second = page.locator("#release-list tbody tr").first
    expect(second.locator('[data-role="status"]')).to_have_text("Ready", timeout=LONG)
    v1, v2 = Release.objects.get(name="v1"), Release.objects.get(name="v2")

    # The data card.
    second.get_by_role("link", name="v2").click()
    expect(page.get_by_role("heading", name="v2", exact=True)).to_be_visible()
    expect(page.locator('[data-count="documents"]')).to_have_text(str(v2.document_count))
    expect(page.locator('[data-count="entity"]')).to_have_text(str(v2.kind_counts["entity"]))
    expect(page.locator("svg.count-chart .count-row")).to_have_count(len(v2.label_counts))
    expect(page.locator('[data-figure="documents"]')).to_have_text("1")
    # Its formats, then the warnings file and the dataset card (README.md).
    expect(page.locator("#file-list tbody tr")).to_have_count(len(v2.formats) + 2)

    # A download is the stored file, byte for byte: its sha256 is the one the page shows.
    for name in ("jsonl", "conll"):
        file_row = page.locator(f'#file-list tr[data-format="{name}"]')
        with page.expect_download() as download:
            file_row.get_by_role("link", name=f"Download {name}").click()
        path = Path(download.value.path())
        shown = file_row.locator('[data-role="sha256"]').text_content()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == shown
        assert v2.files.get(format=name).sha256 == shown
        assert download.value.suggested_filename == f"sahel-export-v2.{name}"

    # Compare with the first release: the older one first, whichever page it starts from.
    page.get_by_label("Compare with…").select_option(str(v1.pk))
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(re.compile(rf"/releases/{v1.pk}/compare/{v2.pk}/$"))
    changes = releases.release_compare(base=v1, other=v2)
    for kind in ("added", "removed", "changed", "unchanged"):
        expect(page.locator(f'#document-changes [data-change="{kind}"]')).to_have_text(
            str(changes["documents"][kind])
        )
    assert changes["documents"]["added"] == 1 and changes["documents"]["removed"] == 1
    for label, change in changes["labels"].items():
        label_row = page.locator(f'#label-changes tr[data-label="{label}"]')
        expect(label_row.locator('[data-change="added"]')).to_have_text(str(change["added"]))
        expect(label_row.locator('[data-change="removed"]')).to_have_text(str(change["removed"]))
    assert dialogs == []
    assert unexpected(csp_violations) == []


def test_the_release_page_follows_a_build_and_shows_the_card_when_ready(
    live_server, sign_in, dataset, csp_violations
):
    page = sign_in(dataset.users["reviewer"])
    release = tasks.release_start(
        project=dataset.project, actor=dataset.users["manager"], name="nightly"
    )
    page.goto(f"{live_server.url}/releases/{release.pk}/")
    expect(page.locator('#release-status [data-role="status"]')).to_have_text("Queued")
    expect(page.locator("#file-list")).to_have_count(0)

    run_worker()

    # The page reloads itself when the build is over, and the server draws the card.
    expect(page.locator("#file-list tbody tr")).to_have_count(6, timeout=LONG)
    expect(page.locator("#release-status")).to_have_count(0)
    assert csp_violations == []


def _world_with_manager():
    world = make_world(username="meg")
    world.project.memberships.filter(user=world.user).update(role="manager")
    return world


def _upload(page: Page, name: str, data: bytes) -> None:
    page.set_input_files(
        "#id_file", files=[{"name": name, "mimeType": "text/plain", "buffer": data}]
    )
    page.get_by_role("button", name="Import", exact=True).click()


def test_a_manager_imports_a_file_and_reads_the_report(live_server, sign_in, csp_violations):
    world = _world_with_manager()
    page = sign_in(world.user)
    page.goto(f"{live_server.url}/projects/{world.project.pk}/")
    page.get_by_role("link", name="Import documents").click()
    expect(page.get_by_role("heading", name="Import documents")).to_be_visible()

    expect(page.locator("#import-form.ready")).to_be_attached()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator('[data-errors-for="file"]')).to_have_text("Choose a file to import.")

    _upload(page, "notes.pdf", b"%PDF-1.4")
    expect(page.locator('[data-errors-for="file"]')).to_contain_text(".pdf")
    expect(page.locator('#import-status [data-role="status"]')).to_have_text("Refused")

    lines = [
        {"text": "Macron arrived in Gao.", "external_id": "<b>gao</b>"},
        {"text": world.document.text, "external_id": "again"},
        {"text": "Le ministre a dÃ©clarÃ© la fin.", "external_id": "mojibake"},
    ]
    data = b"".join(orjson.dumps(line) + b"\n" for line in lines) + b"{not json\n"
    page.get_by_role("checkbox", name=re.compile("^Normalise")).check()
    _upload(page, "news.jsonl", data)

    report = page.locator("#import-report")
    expect(page.locator('#import-status [data-role="status"]')).to_have_text("Done")
    expect(page.locator('#import-status [data-role="file-name"]')).to_have_text("news.jsonl")
    for key, count in (("created", 2), ("duplicates", 1), ("repaired", 1), ("errors", 1)):
        expect(report.locator(f'[data-count="{key}"] dd')).to_have_text(str(count))
    errors = report.locator('[data-section="errors"] tbody tr')
    expect(errors).to_have_count(1)
    expect(errors.locator("td").first).to_have_text("4")
    duplicate = report.locator('[data-section="duplicates"] tbody tr')
    expect(duplicate.locator("td").nth(2)).to_have_text(f"#{world.document.pk}")
    expect(report.locator('[data-section="repaired"] tbody td').nth(2)).to_contain_text("mojibake")
    # An external id is text, never markup.
    created = report.locator('[data-section="created"] tbody tr')
    expect(created.first.locator("td").nth(1)).to_have_text("<b>gao</b>")
    expect(report.locator("b")).to_have_count(0)
    assert Document.objects.filter(project=world.project).count() == 3
    assert Document.objects.get(external_id="mojibake").text == "Le ministre a déclaré la fin."
    assert not ImportJob.objects.exists()
    assert unexpected(csp_violations) == []


def test_a_manager_imports_a_doccano_file_choosing_its_offset_units(
    live_server, sign_in, csp_violations
):
    world = _world_with_manager()
    page = sign_in(world.user)
    page.goto(f"{live_server.url}/projects/{world.project.pk}/import/")
    expect(page.locator("#import-form.ready")).to_be_attached()
    # Nothing in the line tells the unit (auto would read code points, a space, and say so).
    text = "🎉 A B C D"
    line = {"text": text, "external_id": "letters", "label": [[5, 6, "PER"]]}
    page.get_by_label("Offsets of pre-annotations").select_option("utf16")
    _upload(page, "letters.jsonl", orjson.dumps(line) + b"\n")

    expect(page.locator('#import-status [data-role="status"]')).to_have_text("Done")
    span = Span.objects.get(annotation__document__external_id="letters")
    assert text[span.start : span.end] == "B"
    assert unexpected(csp_violations) == []


def test_a_large_import_shows_its_progress_bar_then_its_report(
    live_server, sign_in, settings, monkeypatch, csp_violations
):
    settings.IMPORT_BACKGROUND_THRESHOLD = 3
    world = _world_with_manager()
    page = sign_in(world.user)
    page.goto(f"{live_server.url}/projects/{world.project.pk}/import/")
    expect(page.locator("#no-jobs")).to_be_visible()

    lines = [{"text": f"Report {n} from Gao.", "external_id": f"r{n}"} for n in range(12)]
    lines.append({"text": world.document.text})
    data = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    _upload(page, "big.jsonl", data)

    panel = page.locator("#import-status")
    expect(panel.locator('[data-role="status"]')).to_have_text("Queued")
    expect(panel.locator('[data-role="status-text"]')).to_have_text("Waiting for a worker.")
    expect(panel.locator('[data-role="bar"]')).to_be_visible()
    job = ImportJob.objects.get()
    row = page.locator(f'#job-list tr[data-job-id="{job.pk}"]')
    expect(row.locator('[data-role="name"]')).to_have_text("big.jsonl")
    expect(page.locator("#no-jobs")).to_be_hidden()
    assert not Document.objects.filter(external_id="r0").exists()

    record_texts(page, '#import-status [data-role="status-text"]')
    monkeypatch.setattr(jobs, "BATCH_SIZE", 2)
    slowed(monkeypatch, jobs, "_commit")
    worker = BackgroundWorker().start()
    expect(panel.locator('[data-role="status"]')).to_have_text("Done", timeout=LONG)
    worker.join()

    partial = [
        text
        for text in seen_texts(page)
        if (found := re.match(r"(\d+) of 13 records", text)) and 0 < int(found[1]) < 13
    ]
    assert partial, seen_texts(page)
    expect(panel.locator('[data-role="progress"]')).to_be_hidden()
    report = page.locator("#import-report")
    expect(report.locator('[data-count="created"] dd')).to_have_text("12")
    expect(report.locator('[data-count="duplicates"] dd')).to_have_text("1")
    expect(report.locator('[data-section="duplicates"] td').first).to_have_text("13")
    expect(row.locator('[data-role="status"]')).to_have_text("Done")
    expect(row.locator('[data-role="created"]')).to_have_text("12")

    # Later, from the list: the kept report of a finished job.
    page.reload()
    expect(page.locator("#import-status")).to_be_hidden()
    row.get_by_role("button", name="Show report").click()
    expect(page.locator('#import-report [data-count="created"] dd')).to_have_text("12")
    assert csp_violations == []


@pytest.mark.parametrize("width", WIDTHS)
def test_release_and_import_page_screenshots(live_server, sign_in, dataset, width, csp_violations):
    SCREENSHOTS.mkdir(exist_ok=True)
    manager = dataset.users["manager"]
    for name, colour in COLOURS.items():
        dataset.project.labels.filter(name=name).update(color=colour)
    ImportJobFactory(
        project=dataset.project,
        name="archive-2023.jsonl",
        status="done",
        created_by=manager,
        records_total=5400,
        records_done=5400,
        created_count=5390,
        duplicate_count=10,
    )
    ImportJobFactory(
        project=dataset.project,
        name="archive-2024.jsonl",
        status="running",
        created_by=manager,
        records_total=8200,
        records_done=3000,
        created_count=2996,
        duplicate_count=4,
    )
    tasks.release_start(project=dataset.project, actor=manager, name="2024-05 gold")
    run_worker()
    annotate(
        dataset.pending,
        spans=[span(dataset.pending.text, "LOC", "Adrar des Ifoghas")],
        actor=dataset.users["reviewer"],
    )
    Annotation.objects.filter(document=dataset.formula, kind="gold").delete()
    tasks.release_start(
        project=dataset.project, actor=manager, name="2024-06 gold", reviewed_only=True
    )
    run_worker()
    # A third one, given to no worker, shown half built: the list's progress bar.
    releases.release_create(project=dataset.project, actor=manager, name="2024-07 gold")
    Release.objects.filter(name="2024-07 gold").update(
        status="building", progress_done=5, progress_total=12
    )
    first, second = Release.objects.filter(status="ready").order_by("id")
    page = sign_in(manager)
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))

    shots = {
        "releases": f"/projects/{dataset.project.pk}/releases/",
        "release": f"/releases/{second.pk}/",
        "compare": f"/releases/{first.pk}/compare/{second.pk}/",
        # A manager's project page, with every button it gained.
        "project-manager": f"/projects/{dataset.project.pk}/",
    }
    for name, url in shots.items():
        page.goto(f"{live_server.url}{url}")
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
        _assert_no_sideways_scroll(page, url, width)

    url = f"/projects/{dataset.project.pk}/import/"
    page.goto(f"{live_server.url}{url}")
    lines = [
        {"text": "Macron arrived in Gao.", "external_id": "gao"},
        {"text": dataset.pending.text, "external_id": "again"},
        {"text": "Le ministre a dÃ©clarÃ© la fin.", "external_id": "mojibake"},
    ]
    data = b"".join(orjson.dumps(line) + b"\n" for line in lines) + b"{not json\n"
    _upload(page, "news.jsonl", data)
    expect(page.locator('#import-status [data-role="status"]')).to_have_text("Done")
    page.screenshot(path=SCREENSHOTS / f"import-{width}.png", full_page=True)
    _assert_no_sideways_scroll(page, url, width)
    assert csp_violations == []


def _assert_no_sideways_scroll(page: Page, url: str, width: str) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{url} scrolls sideways at {width} width"
