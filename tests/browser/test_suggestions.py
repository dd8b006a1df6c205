"""Suggestions on the annotate page: shown apart from the annotator's spans, accepted with s,
rejected with x, accepted in bulk with = and +, each checked through the API afterwards."""

import re

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Annotation, SuggestionDecision
from tests.api.conftest import client_for
from tests.browser.annotating import open_document, wait_saved
from tests.factories import SpanFactory
from tests.suggest_fixtures import at, suggesting_world

pytestmark = pytest.mark.django_db(transaction=True)

SUGGESTIONS = "#document-text .ann.suggestion"


@pytest.fixture
def w():
    return suggesting_world()


def opened(page: Page, live_server, sign_in, w) -> Page:
    sign_in(w.users["annotator"])
    return open_document(page, live_server, w.document)


def stored(w) -> list[tuple[str, str, int, int]]:
    """The annotator's spans as the API gives them back."""
    body = client_for(w.users["annotator"]).get(f"/api/annotations/{w.own.pk}/").json()
    return sorted((s["label_name"], s["text"], s["start"], s["end"]) for s in body["spans"])


def shown_texts(w) -> list[str]:
    """The suggestions the API says the annotator is shown."""
    body = client_for(w.users["annotator"]).get(f"/api/annotations/{w.own.pk}/suggestions/")
    return [s["text"] for s in body.json()["suggestions"]]


def lambda_re(name: str) -> re.Pattern:
    """A class attribute that holds the class ``name``."""
    return re.compile(rf"(^|\s){name}(\s|$)")


def suggestion(page: Page, label: str, word: str, nth: int = 0):
    start, _ = at(word, nth)
    return page.locator(f'{SUGGESTIONS}[data-label="{label}"][data-start="{start}"]').first


def test_suggestions_are_drawn_apart_from_the_annotators_spans(page, live_server, sign_in, w):
    SpanFactory(annotation=w.own, label=w.per, start=10, end=16)  # Macron: already the annotator's
    opened(page, live_server, sign_in, w)
    # Keita, Bamako, Kidal; Macron is drawn once, as the annotator's span.
    expect(page.locator(SUGGESTIONS)).to_have_count(3)
    expect(page.locator("#document-text [data-span-id]")).to_have_count(1)
    expect(page.locator(f"{SUGGESTIONS}[data-span-id]")).to_have_count(0)
    bamako = suggestion(page, "LOC", "Bamako")
    expect(bamako).to_have_attribute(
        "title",
        "Suggestion: LOC from imported predictions, score 0.80. s accept, x reject,"
        " = accept all LOC, + accept all.",
    )
    style = bamako.evaluate(
        "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.backgroundColor]; }"
    )
    assert style == ["dashed", "rgba(0, 0, 0, 0)"]
    expect(page.locator("#suggestion-panel")).to_be_visible()
    expect(page.locator("#suggestion-count")).to_have_text("3 suggestions left.")
    # The help says which keys act on them.
    page.keyboard.press("?")
    expect(page.locator("#help")).to_contain_text("Suggestions (dashed outline, no fill)")
    expect(page.locator("#help")).to_contain_text("Accept the selected suggestion")


def test_s_accepts_the_selected_suggestion_with_its_exact_offsets_and_undo_takes_it_back(
    page, live_server, sign_in, w, csp_violations
):
    opened(page, live_server, sign_in, w)
    page.keyboard.press("]")  # the first highlight: the suggestion "Keita"
    expect(suggestion(page, "PER", "Keita")).to_have_class(lambda_re("selected"))
    expect(page.locator("#suggestion-text")).to_have_text("Keita")
    expect(page.locator("#suggestion-score")).to_have_text("0.90")
    page.keyboard.press("s")
    wait_saved(page)
    assert stored(w) == [("PER", "Keita", 0, 5)]
    expect(page.locator('#document-text [data-span-id][data-start="0"]')).to_have_count(1)
    expect(page.locator(SUGGESTIONS)).to_have_count(3)
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert stored(w) == []
    # One undo takes the accept back: the suggestion is drawn again, and stays after a reload.
    expect(page.locator(SUGGESTIONS)).to_have_count(4)
    expect(suggestion(page, "PER", "Keita")).to_be_visible()
    expect(page.locator("#document-text [data-span-id]")).to_have_count(0)
    assert "Keita" in shown_texts(w)
    assert not SuggestionDecision.objects.filter(annotation=w.own).exists()
    # Redo accepts it again.
    page.keyboard.press("Control+Shift+z")
    wait_saved(page)
    assert stored(w) == [("PER", "Keita", 0, 5)]
    expect(page.locator(SUGGESTIONS)).to_have_count(3)
    assert SuggestionDecision.objects.get(annotation=w.own).outcome == "accepted"
    page.keyboard.press("Control+z")
    wait_saved(page)
    page.reload()
    expect(page.locator("#annotator.ready")).to_be_attached()
    expect(page.locator(SUGGESTIONS)).to_have_count(4)
    assert stored(w) == []
    assert csp_violations == []


def test_undo_after_a_reload_takes_the_accept_back_too(page, live_server, sign_in, w):
    opened(page, live_server, sign_in, w)
    suggestion(page, "LOC", "Bamako").click()
    page.keyboard.press("s")
    wait_saved(page)
    page.reload()  # the undo history is kept; the page no longer knows the suggestion
    expect(page.locator("#annotator.ready")).to_be_attached()
    expect(page.locator(SUGGESTIONS)).to_have_count(3)

    page.keyboard.press("Control+z")

    wait_saved(page)
    assert stored(w) == []
    expect(suggestion(page, "LOC", "Bamako")).to_be_visible()
    expect(page.locator(SUGGESTIONS)).to_have_count(4)


def test_x_rejects_the_suggestion_for_good(page, live_server, sign_in, w):
    opened(page, live_server, sign_in, w)
    suggestion(page, "LOC", "Bamako").click()
    expect(page.locator("#suggestion-text")).to_have_text("Bamako")
    page.keyboard.press("x")
    expect(suggestion(page, "LOC", "Bamako")).to_have_count(0)
    expect(page.locator("#message")).to_contain_text("Rejected LOC “Bamako”.")
    body = client_for(w.users["annotator"]).get(f"/api/annotations/{w.own.pk}/suggestions/")
    assert [s["text"] for s in body.json()["suggestions"]] == ["Keita", "Macron", "Kidal"]
    page.reload()
    expect(page.locator("#annotator.ready")).to_be_attached()
    expect(page.locator(SUGGESTIONS)).to_have_count(3)
    expect(suggestion(page, "LOC", "Bamako")).to_have_count(0)
    assert stored(w) == []


def test_equals_accepts_every_suggestion_of_the_selected_ones_label(page, live_server, sign_in, w):
    opened(page, live_server, sign_in, w)
    suggestion(page, "LOC", "Kidal").click()
    page.keyboard.type("=")
    expect(page.locator("#message")).to_contain_text("Accepted 2 suggestions (LOC suggestions).")
    wait_saved(page)
    assert stored(w) == [("LOC", "Bamako", 20, 26), ("LOC", "Kidal", 38, 43)]
    expect(page.locator(SUGGESTIONS)).to_have_count(2)
    expect(page.locator('#document-text [data-span-id][data-label="LOC"]')).to_have_count(2)
    # One undo takes both accepts back: the spans go and both suggestions are drawn again.
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert stored(w) == []
    expect(page.locator(SUGGESTIONS)).to_have_count(4)
    assert shown_texts(w) == ["Keita", "Macron", "Bamako", "Kidal"]
    # One redo accepts both again.
    page.keyboard.press("Control+Shift+z")
    wait_saved(page)
    assert stored(w) == [("LOC", "Bamako", 20, 26), ("LOC", "Kidal", 38, 43)]
    expect(page.locator(SUGGESTIONS)).to_have_count(2)
    assert sorted(SuggestionDecision.objects.values_list("start", "outcome")) == [
        (20, "accepted"),
        (38, "accepted"),
    ]


def test_plus_accepts_the_documents_suggestions_and_names_each_refusal(
    page, live_server, sign_in, w
):
    # "Macron in" is already the annotator's PER: the suggestion "Macron" would overlap it.
    SpanFactory(annotation=w.own, label=w.per, start=10, end=19)
    opened(page, live_server, sign_in, w)
    page.keyboard.type("+")
    expect(page.locator("#message")).to_contain_text("Accepted 3 suggestions (suggestions).")
    expect(page.locator("#message")).to_contain_text("Not accepted: PER “Macron”")
    wait_saved(page)
    assert stored(w) == [
        ("LOC", "Bamako", 20, 26),
        ("LOC", "Kidal", 38, 43),
        ("PER", "Keita", 0, 5),
        ("PER", "Macron in", 10, 19),
    ]
    expect(page.locator(SUGGESTIONS)).to_have_count(1)


def test_a_blind_study_shows_no_suggestions(page, live_server, sign_in, w):
    w.project.show_suggestions = False
    w.project.save()
    opened(page, live_server, sign_in, w)
    expect(page.locator(SUGGESTIONS)).to_have_count(0)
    expect(page.locator("#suggestion-panel")).to_be_hidden()
    page.keyboard.type("+")
    expect(page.locator("#message")).to_contain_text("No suggestions left on this document.")
    assert Annotation.objects.get(pk=w.own.pk).spans.count() == 0
