"""Annotate all occurrences in Chromium: * marks every occurrence; one undo removes them all."""

import pytest
from playwright.sync_api import expect

from tests.browser.annotating import highlight, make_world, select, wait_saved
from tests.browser.test_annotate import start_document

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "😀 Kidal fell. 🇲🇱 In Kidal, Kidalese traders left kidal; Kidal is calm."
KIDAL = [i for i in range(len(TEXT)) if TEXT.startswith("Kidal", i)]  # code points


def spans_of(page, live_server, annotation_id):
    body = page.request.get(f"{live_server.url}/api/annotations/{annotation_id}/").json()
    return sorted((s["label_name"], s["start"], s["end"], s["text"]) for s in body["spans"])


def test_star_marks_every_occurrence_and_one_undo_removes_them(
    live_server, sign_in, csp_violations
):
    world = make_world(text=TEXT)
    page = start_document(sign_in(world.user), live_server, world.document)
    select(page, TEXT, KIDAL[0], KIDAL[0] + 5)
    page.keyboard.press("l")
    wait_saved(page)
    annotation_id = page.evaluate("window.workbenchAnnotator.store.id")

    page.keyboard.press("*")

    # Whole words, matching case: not "Kidalese", not "kidal".
    whole = [start for start in KIDAL if not TEXT[start + 5].isalpha()]
    for start in whole:
        expect(highlight(page, "LOC", start)).to_have_attribute("data-end", str(start + 5))
    expect(page.locator("#message")).to_contain_text("Marked 2 more occurrences of “Kidal”.")
    wait_saved(page)
    assert spans_of(page, live_server, annotation_id) == [
        ("LOC", start, start + 5, "Kidal") for start in whole
    ]

    page.keyboard.press("Control+z")

    wait_saved(page)
    expect(page.locator('#document-text [data-label="LOC"]')).to_have_count(1)
    assert spans_of(page, live_server, annotation_id) == [("LOC", KIDAL[0], KIDAL[0] + 5, "Kidal")]

    # One redo marks them all again, and one more undo takes them all back again.
    page.keyboard.press("Control+Shift+z")
    wait_saved(page)
    expect(page.locator('#document-text [data-label="LOC"]')).to_have_count(len(whole))
    assert spans_of(page, live_server, annotation_id) == [
        ("LOC", start, start + 5, "Kidal") for start in whole
    ]
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert spans_of(page, live_server, annotation_id) == [("LOC", KIDAL[0], KIDAL[0] + 5, "Kidal")]
    assert csp_violations == []


REGION_TEXT = "😀 Kidal fell. In Kidal Region, Kidal is calm."


@pytest.mark.parametrize("allow_overlap", [False, True])
def test_star_follows_the_projects_overlap_rule(live_server, sign_in, allow_overlap):
    world = make_world(text=REGION_TEXT, allow_overlap=allow_overlap)
    page = start_document(sign_in(world.user), live_server, world.document)
    first, inside, last = [i for i in range(len(REGION_TEXT)) if REGION_TEXT.startswith("Kidal", i)]
    region = REGION_TEXT.index("Kidal Region")
    select(page, REGION_TEXT, region, region + len("Kidal Region"))
    page.keyboard.press("l")
    select(page, REGION_TEXT, first, first + 5)
    page.keyboard.press("l")
    wait_saved(page)
    annotation_id = page.evaluate("window.workbenchAnnotator.store.id")

    page.keyboard.press("*")

    wait_saved(page)
    region_span = ("LOC", region, region + 12, "Kidal Region")
    if allow_overlap:
        expect(page.locator("#message")).to_contain_text("Marked 2 more occurrences of “Kidal”.")
        marked = [first, inside, last]
    else:
        # "Kidal" inside "Kidal Region" would overlap a LOC: left out, and the page says why.
        expect(page.locator("#message")).to_contain_text("Marked 1 more occurrence of “Kidal”.")
        expect(page.locator("#message")).to_contain_text(
            "1 not marked: it would overlap entity spans already there"
        )
        marked = [first, last]
    expect(highlight(page, "LOC", last)).to_have_attribute("data-end", str(last + 5))
    assert spans_of(page, live_server, annotation_id) == sorted(
        [region_span, *[("LOC", start, start + 5, "Kidal") for start in marked]]
    )


def test_the_case_choice_is_in_the_help_and_remembered(live_server, sign_in):
    world = make_world(text=TEXT)
    page = start_document(sign_in(world.user), live_server, world.document)
    page.keyboard.press("?")
    case = page.locator("#occurrences-case")
    expect(case).to_be_checked()
    expect(page.locator("#help")).to_contain_text("Mark every other occurrence")
    case.uncheck()
    page.keyboard.press("Escape")
    page.reload()
    page.wait_for_selector("#annotator.ready", state="attached")
    expect(page.locator("#occurrences-case")).not_to_be_checked()

    select(page, TEXT, KIDAL[0], KIDAL[0] + 5)
    page.keyboard.press("l")
    wait_saved(page)
    page.keyboard.press("*")

    lower = TEXT.index("kidal")
    expect(highlight(page, "LOC", lower)).to_have_attribute("data-end", str(lower + 5))
    expect(page.locator('#document-text [data-label="LOC"]')).to_have_count(4)
