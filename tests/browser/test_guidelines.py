"""The guidelines drawer of the annotate and review pages: opened with g, sanitised markdown,
the page's keys still working beside it; the annotation records the version it was made under."""

import pytest
from playwright.sync_api import expect

from annotations import demo
from annotations.models import Annotation
from annotations.services.projects import project_update
from tests.browser.annotating import highlight, make_world, open_document, select
from tests.browser.test_review import open_review, review_world
from tests.browser.test_screenshots import SCREENSHOTS, WIDTHS

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = (
    "# Rules\n\nMark **people** by their full name.\n\n"
    "<script>alert('script')</script>\n\n<img src=x onerror=\"alert('img')\">"
)


def version_two(world, text=HOSTILE):
    project_update(project=world.project, actor=world.user, guidelines="A first draft.")
    project_update(project=world.project, actor=world.user, guidelines=text)


def test_g_opens_the_guidelines_beside_the_text_and_the_annotation_records_their_version(
    live_server, sign_in, csp_violations, dialogs
):
    world = make_world()
    version_two(world)
    page = sign_in(world.user)
    open_document(page, live_server, world.document)
    page.get_by_role("button", name="Start annotating this document").click()
    expect(page.locator("#annotator.ready")).to_be_attached()
    drawer = page.locator("#guidelines-drawer")
    expect(drawer).to_be_hidden()

    page.locator("#document-text").focus()
    page.keyboard.press("g")
    expect(drawer).to_be_visible()
    expect(page.locator("#guidelines-button")).to_have_attribute("aria-expanded", "true")
    expect(drawer.get_by_role("heading", name="Rules")).to_be_visible()
    expect(drawer.locator("strong")).to_have_text("people")
    expect(drawer.locator('[data-role="guidelines-version"]')).to_contain_text("version 2")
    # Raw HTML in the guidelines is cleaned, never run: no script, no handler, no alert.
    assert drawer.locator("script").count() == 0
    assert drawer.locator("[onerror]").count() == 0
    assert "alert(" not in drawer.inner_html()

    # The page's keys still work with the drawer open: label a word with p.
    text = world.document.text
    start = text.index("Macron")
    select(page, text, start, start + len("Macron"))
    page.keyboard.press("p")
    expect(highlight(page, "PER", start)).to_have_attribute("data-end", str(start + 6))
    expect(page.locator("#save-status")).to_have_text("Saved")
    expect(drawer).to_be_visible()

    page.keyboard.press("g")
    expect(drawer).to_be_hidden()
    page.locator("#guidelines-button").click()
    expect(drawer).to_be_visible()
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()

    annotation = Annotation.objects.get(document=world.document, author=world.user)
    assert annotation.guidelines_version.number == 2
    expect(drawer.locator('[data-role="guidelines-changed"]')).to_have_count(0)

    # The guidelines change while the document is open: the drawer says so after a reload.
    project_update(project=world.project, actor=world.user, guidelines="Mark **groups** too.")
    open_document(page, live_server, world.document)
    page.keyboard.press("g")
    expect(drawer.locator('[data-role="guidelines-version"]')).to_contain_text("version 3")
    expect(drawer.locator('[data-role="guidelines-changed"]')).to_have_text(
        "Changed since you started this document under version 2."
    )
    expect(drawer.locator("strong")).to_have_text("groups")
    assert annotation.spans.get().label.name == "PER"
    assert dialogs == []
    assert csp_violations == []


def test_the_review_page_has_the_drawer_too(live_server, sign_in, csp_violations, dialogs):
    world, _, _ = review_world()
    version_two(world, "Reviewers: prefer the **longer** span.")
    page = sign_in(world.user)
    open_review(page, live_server, world)

    page.keyboard.press("g")
    drawer = page.locator("#guidelines-drawer")
    expect(drawer).to_be_visible()
    expect(drawer.locator("strong")).to_have_text("longer")
    expect(drawer.locator('[data-role="guidelines-version"]')).to_contain_text("version 2")
    page.get_by_role("button", name="Close the guidelines (g or Esc)").click()
    expect(drawer).to_be_hidden()
    assert dialogs == []
    assert csp_violations == []


@pytest.mark.parametrize("width", WIDTHS)
def test_guidelines_drawer_screenshots(live_server, page, sign_in, width, csp_violations):
    world = make_world(text=demo.ELECTION)
    version_two(world, demo.GUIDELINES)
    sign_in(world.user)
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    open_document(page, live_server, world.document)
    page.keyboard.press("g")
    expect(page.locator("#guidelines-drawer")).to_be_visible()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"guidelines-drawer-{width}.png")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert csp_violations == []
