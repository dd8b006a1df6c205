"""The Import page's options for moving from another tool: import as gold, attach to texts
the project has, create the labels it lacks; sent to the API as its query parameters."""

import orjson
import pytest
from playwright.sync_api import expect

from annotations.models import Annotation, Document, Label
from tests.browser.test_releases import _upload, _world_with_manager, unexpected
from tests.browser.test_screenshots import SCREENSHOTS, WIDTHS

pytestmark = pytest.mark.django_db(transaction=True)

NEW = "Ag Intalla spoke in Kidal on Monday."


def adjudicated(world) -> bytes:
    """Two lines: a new text with a known and an unknown label, and the project's own text."""
    lines = [
        {
            "text": NEW,
            "external_id": "kidal",
            "entities": [
                {"start": 0, "end": 10, "label": "PER"},
                {"start": 20, "end": 25, "label": "GPE"},
            ],
        },
        {
            "text": world.document.text,
            "external_id": "again",
            "label": [[0, 5, "PER"]],
        },
    ]
    return b"".join(orjson.dumps(line) + b"\n" for line in lines)


def open_import_page(page, live_server, world) -> list[str]:
    """Open the project's Import page; return the list its POSTs' URLs will be added to."""
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else 0)
    page.goto(f"{live_server.url}/projects/{world.project.pk}/import/")
    expect(page.locator("#import-form.ready")).to_be_attached()
    return sent


def choose_options(page) -> None:
    page.get_by_label("Pre-annotations become").select_option("gold")
    page.get_by_label("A text already in the project").select_option("attach")
    page.get_by_role("checkbox", name="Create the labels the project lacks").check()


def test_a_manager_imports_an_adjudicated_file_as_gold_creating_its_labels(
    live_server, sign_in, csp_violations
):
    world = _world_with_manager()
    page = sign_in(world.user)
    sent = open_import_page(page, live_server, world)

    choose_options(page)
    _upload(page, "adjudicated.jsonl", adjudicated(world))

    expect(page.locator('#import-status [data-role="status"]')).to_have_text("Done")
    assert sent[-1].endswith("?as=gold&on_duplicate=attach&create_labels=1")
    report = page.locator("#import-report")
    expect(report.locator('[data-count="labels_created"] dd')).to_have_text("1")
    created = report.locator('[data-section="labels_created"] tbody td')
    expect(created.nth(0)).to_have_text("GPE")
    expect(created.nth(1)).to_have_text("entity")
    duplicate = report.locator('[data-section="duplicates"] tbody td')
    expect(duplicate.nth(3)).to_have_text("gold")

    gpe = Label.objects.get(project=world.project, name="GPE")
    assert gpe.kind == "entity"
    kidal = Document.objects.get(project=world.project, external_id="kidal")
    gold = kidal.annotations.get(kind="gold")
    assert sorted((s.label.name, s.text) for s in gold.spans.select_related("label")) == [
        ("GPE", "Kidal"),
        ("PER", "Ag Intalla"),
    ]
    attached = world.document.annotations.get(kind="gold")
    assert [(s.label.name, s.start, s.end) for s in attached.spans.all()] == [("PER", 0, 5)]
    assert not Annotation.objects.filter(document__project=world.project, kind="prediction")
    assert unexpected(csp_violations) == []


def test_the_defaults_send_no_option_and_import_predictions(live_server, sign_in):
    world = _world_with_manager()
    page = sign_in(world.user)
    sent = open_import_page(page, live_server, world)

    _upload(page, "adjudicated.jsonl", adjudicated(world))

    expect(page.locator('#import-status [data-role="status"]')).to_have_text("Done")
    assert sent[-1].endswith("/documents/")
    kidal = Document.objects.get(project=world.project, external_id="kidal")
    assert [a.kind for a in kidal.annotations.all()] == ["prediction"]
    assert not Label.objects.filter(project=world.project, name="GPE").exists()
    warnings = page.locator('#import-report [data-section="warnings"] tbody')
    expect(warnings).to_contain_text("unknown entity or claim label 'GPE'")
    expect(page.locator('#import-report [data-count="labels_created"]')).to_have_count(0)


@pytest.mark.parametrize("width", WIDTHS)
def test_import_page_with_its_options_screenshots(live_server, sign_in, width):
    SCREENSHOTS.mkdir(exist_ok=True)
    world = _world_with_manager()
    page = sign_in(world.user)
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    open_import_page(page, live_server, world)
    choose_options(page)
    _upload(page, "adjudicated.jsonl", adjudicated(world))
    expect(page.locator('#import-status [data-role="status"]')).to_have_text("Done")

    page.screenshot(path=SCREENSHOTS / f"import-options-{width}.png", full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
