"""In Chromium: "Kidal" marked with * on document A is drawn as a suggestion on document B by
default (no recommender chosen), named by its source; accepting it stores the exact span."""

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation
from tests.browser.annotating import make_world, select, wait_saved
from tests.browser.test_annotate import start_document
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db(transaction=True)

TEXT_A = "Kidal fell on Monday."
# Astral characters before the string: offsets are code points, not UTF-16 units.
TEXT_B = "😀 🇲🇱 Rebels held Kidal; Kidalese traders left."
KIDAL_B = TEXT_B.index("Kidal")  # code points
SUGGESTION = f'#document-text .ann.suggestion[data-label="LOC"][data-start="{KIDAL_B}"]'


def test_a_string_marked_with_star_is_suggested_on_another_document_and_accepted_exactly(
    live_server, sign_in, csp_violations
):
    world = make_world(text=TEXT_A)
    other = DocumentFactory(project=world.project, text=TEXT_B, external_id="doc-2")
    page = start_document(sign_in(world.user), live_server, world.document)
    select(page, TEXT_A, 0, 5)
    page.keyboard.press("l")
    wait_saved(page)
    page.keyboard.press("*")
    expect(page.locator("#message")).to_contain_text("Suggested on 1 other document (1 span).")

    start_document(page, live_server, other)

    drawn = page.locator(SUGGESTION)
    expect(drawn).to_have_count(1)
    expect(drawn).to_have_attribute("data-end", str(KIDAL_B + 5))
    expect(drawn).to_have_attribute(
        "title",
        "Suggestion: LOC from Occurrences (marked with * on another document)."
        " s accept, x reject, = accept all LOC, + accept all.",
    )
    expect(page.locator("#suggestion-count")).to_have_text("1 suggestion left from Occurrences.")
    page.keyboard.press("]")
    expect(page.locator("#suggestion-text")).to_have_text("Kidal")
    expect(page.locator("#suggestion-source")).to_have_text(
        "Occurrences (marked with * on another document)"
    )
    page.keyboard.press("s")
    wait_saved(page)

    expect(page.locator(SUGGESTION)).to_have_count(0)
    expect(page.locator(f'#document-text [data-span-id][data-start="{KIDAL_B}"]')).to_have_count(1)
    own = Annotation.objects.get(document=other, kind="manual")
    body = page.request.get(f"{live_server.url}/api/annotations/{own.pk}/").json()
    assert [(s["label_name"], s["start"], s["end"], s["text"]) for s in body["spans"]] == [
        ("LOC", KIDAL_B, KIDAL_B + 5, "Kidal")
    ]
    assert csp_violations == []
