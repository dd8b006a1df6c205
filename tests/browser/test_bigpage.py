"""The annotate page of a 2 MB document: sent once, drawn, and exact at its far end."""

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Membership, Span
from annotations.services.annotating import annotation_get_or_create, annotation_replace_content
from tests.browser.annotating import (
    highlight,
    make_world,
    own_annotation,
    select_words,
    wait_saved,
)
from tests.browser.test_screenshots import SCREENSHOTS, WIDTHS

pytestmark = pytest.mark.django_db(transaction=True)

SIZE = 2_000_000  # UTF-8 bytes
SPANS = 2_000
LAST = "Le dernier mot 😀🇲🇱 revient à Tombouctou."


def open_big(page: Page, live_server, document) -> Page:
    """Open the big document's page: checks of what it does, so its time to ready is not one.

    On the shared 2-core machine a loaded run took more than expect's 5 s to be ready.
    """
    page.goto(f"{live_server.url}/documents/{document.pk}/annotate/")
    expect(page.locator("#annotator.ready")).to_be_attached(timeout=30_000)
    return page


def big_text() -> str:
    """About 2 MB of numbered paragraphs with accents and astral characters, then LAST."""
    paragraphs = []
    size = 0
    number = 0
    while size < SIZE:
        number += 1
        paragraph = (
            f"Dépêche {number} 📰: Keïta met Macron in Bamako on Monday; the ministry said "
            f"that {number * 7} troops 🪖 were involved, and Traoré disagreed."
        )
        paragraphs.append(paragraph)
        size += len(paragraph.encode()) + 2
    return "\n\n".join([*paragraphs, LAST])


@pytest.fixture
def big_world():
    world = make_world(text=big_text())
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    text = world.document.text
    spans = []
    start = 0
    while len(spans) < SPANS:
        start = text.index("Keïta", start + 1)
        spans.append({"label": "PER", "start": start, "end": start + 5})
    annotation_replace_content(annotation=annotation, spans=spans, stances=[], actor=None)
    return world


def test_the_big_page_sends_the_text_once_beside_a_small_page(big_world, client):
    text = big_world.document.text
    client.force_login(big_world.user)
    html = client.get(f"/documents/{big_world.document.pk}/annotate/").content
    sent = client.get(f"/documents/{big_world.document.pk}/text/").content
    assert sent == text.encode()
    assert LAST.encode() not in html and "Dépêche 1234 📰".encode() not in html
    # The page holds the 2,000 spans' data and the page around them, not the text.
    assert len(html) < 0.25 * len(sent)


def test_a_span_at_the_end_of_a_2_mb_document_lands_at_exact_offsets(
    live_server, sign_in, big_world, csp_violations
):
    text = big_world.document.text
    page = open_big(sign_in(big_world.user), live_server, big_world.document)
    # Every paragraph is drawn, with every highlight, the last ones too.
    expect(page.locator("#document-text [data-span-id]")).to_have_count(SPANS)
    start, end = select_words(page, text, "Tombouctou", occurrence=0)
    page.evaluate("getSelection().getRangeAt(0).startContainer.parentElement.scrollIntoView()")
    page.keyboard.press("l")
    wait_saved(page)

    span = Span.objects.get(annotation=own_annotation(big_world), label__name="LOC")
    assert (span.start, span.end, span.text) == (start, end, "Tombouctou")
    assert end == len(text) - 1  # code points: the emoji before it count one each
    element = highlight(page, "LOC", start)
    expect(element).to_have_text("Tombouctou")
    expect(element).to_have_attribute("data-span-id", str(span.pk))
    expect(element).to_be_in_viewport()
    for width, size in WIDTHS.items():
        page.set_viewport_size(dict(zip(("width", "height"), size, strict=True)))
        page.screenshot(path=SCREENSHOTS / f"big-document-end-{width}.png")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the big page scrolls sideways at {width} width"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=SCREENSHOTS / "big-document-top-tablet.png")
    assert csp_violations == []


def test_far_highlights_are_drawn_as_they_come_near_and_keep_the_selection(
    live_server, sign_in, big_world, csp_violations
):
    # A browser never idle: only coming near the window draws a far paragraph's highlights.
    page = sign_in(big_world.user)
    page.add_init_script("window.requestIdleCallback = () => 0;")
    open_big(page, live_server, big_world.document)
    text = big_world.document.text
    paragraph = page.locator("#document-text .para").nth(1500)
    expect(paragraph).to_contain_text("Dépêche 1501 ")
    expect(paragraph.locator(".ann")).to_have_count(0)  # plain text, not drawn yet
    start, end = select_words(page, text, "Macron", occurrence=1500)
    paragraph.scroll_into_view_if_needed()
    expect(paragraph.locator('.ann[data-label="PER"]')).to_have_count(1)
    # Drawn under the selection: it is still there, so the key labels it.
    page.keyboard.press("o")
    wait_saved(page)
    span = Span.objects.get(annotation=own_annotation(big_world), label__name="ORG")
    assert (span.start, span.end, span.text) == (start, end, "Macron")
    expect(highlight(page, "ORG", start)).to_have_attribute("data-span-id", str(span.pk))
    assert csp_violations == []


@pytest.mark.parametrize("page_path", ["annotate", "review"])
def test_every_module_a_page_loads_is_preloaded_by_its_html(live_server, sign_in, page_path):
    # Modules found one import level at a time arrived in four waves after a 2 MB page.
    world = make_world()
    Membership.objects.filter(user=world.user).update(role="reviewer")
    annotation_get_or_create(document=world.document, author=world.user)
    page = sign_in(world.user)
    page.goto(f"{live_server.url}/documents/{world.document.pk}/{page_path}/")
    expect(page.locator(".ready")).to_be_attached()
    preloaded = page.eval_on_selector_all(
        'link[rel="modulepreload"]', "links => links.map((link) => link.href)"
    )
    loaded = page.evaluate(
        """performance.getEntriesByType("resource")
            .map((entry) => entry.name).filter((name) => name.endsWith(".js"))"""
    )
    script = "review" if page_path == "review" else "annotator"
    entry = f"{live_server.url}/static/annotations/{script}.js"
    assert len(preloaded) == len(set(preloaded)) > 10
    assert sorted(set(loaded) - {entry}) == sorted(set(preloaded) - {entry})


def test_the_page_asks_for_its_text_once_and_draws_it_exactly(
    live_server, sign_in, big_world, csp_violations
):
    page = sign_in(big_world.user)
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "/text/" in request.url else 0)
    open_big(page, live_server, big_world.document)
    # The head's preload is the one request: the script's fetch takes its answer.
    assert asked == [f"{live_server.url}/documents/{big_world.document.pk}/text/"]
    drawn = page.evaluate("document.getElementById('document-text').textContent")
    assert drawn == big_world.document.text
    assert csp_violations == []


def test_find_in_page_reaches_a_far_paragraph_and_its_words_can_be_labelled(
    live_server, sign_in, big_world, csp_violations
):
    # Far paragraphs are skipped by layout until they come near, yet the browser's find sees
    # them: found, the match is shown in the window and becomes the selection a key labels.
    page = sign_in(big_world.user)
    page.add_init_script("window.requestIdleCallback = () => 0;")
    open_big(page, live_server, big_world.document)
    text = big_world.document.text
    wanted = "the ministry said that 35000 troops"  # in paragraph 5000, not drawn yet
    assert page.evaluate("(wanted) => window.find(wanted, true)", wanted)
    found = page.evaluate("getSelection().toString()")
    assert found == wanted
    paragraph = page.locator("#document-text .para", has_text="Dépêche 5000 ")
    expect(paragraph).to_be_in_viewport()
    page.keyboard.press("c")
    wait_saved(page)
    span = Span.objects.get(annotation=own_annotation(big_world), label__name="CLAIM")
    start = text.index(wanted)
    assert (span.start, span.end, span.text) == (start, start + len(wanted), wanted)
    expect(highlight(page, "CLAIM", start)).to_have_attribute("data-span-id", str(span.pk))
    assert csp_violations == []


def test_the_far_text_stands_in_at_about_its_height_so_the_scroll_bar_tells_the_truth(
    live_server, sign_in, big_world
):
    # Chunks far from the window are not laid out: each stands in with an estimated height.
    page = open_big(sign_in(big_world.user), live_server, big_world.document)
    estimated = page.evaluate("document.getElementById('document-text').offsetHeight")
    laid_out = page.evaluate(
        """() => {
            for (const chunk of document.querySelectorAll("#document-text .chunk")) {
                chunk.style.contentVisibility = "visible";
            }
            return document.getElementById("document-text").offsetHeight;
        }"""
    )
    assert 0.85 * laid_out < estimated < 1.15 * laid_out


def test_a_text_that_does_not_arrive_is_said_and_nothing_is_drawn(live_server, sign_in):
    world = make_world()
    page = sign_in(world.user)
    page.route("**/documents/*/text/", lambda route: route.fulfill(status=503, body="busy"))
    page.goto(f"{live_server.url}/documents/{world.document.pk}/annotate/")
    expect(page.locator("#message")).to_contain_text(
        "The document's text could not be loaded (HTTP 503). Reload the page."
    )
    expect(page.locator("#document-text")).to_be_empty()
    expect(page.locator("#annotator.ready")).to_have_count(0)
