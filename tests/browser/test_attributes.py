"""Attributes in the annotate page's side panel: edited with the keyboard, saved (the server
holds each value), undone and redone, a refused value said and taken back, submit refused
while a required value is missing."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from annotations import attributes
from annotations.models import Annotation, LabelAttribute
from annotations.services.annotating import annotation_get_or_create
from tests.browser.annotating import World, make_world, open_document, select_words, wait_saved

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def declared(world: World) -> None:
    claim = world.labels["CLAIM"]
    specs = [
        ("sentiment", "choice", True, ["positive", "negative", "neutral"], "Towards the subject."),
        ("topics", "multi_choice", False, ["security", "politics"], ""),
        ("normalised", "text", False, [], "The claim as one plain sentence."),
        ("confidence", "number", False, [], ""),
    ]
    for position, (name, kind, required, choices, description) in enumerate(specs):
        LabelAttribute.objects.create(
            label=claim,
            name=name,
            type=kind,
            required=required,
            choices=choices,
            description=description,
            position=position,
        )
    LabelAttribute.objects.create(
        label=world.labels["FAVOR"], name="intensity", type="choice", choices=["mild", "strong"]
    )


def started(world: World) -> Annotation:
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    return annotation


def server_attributes(page: Page, live_server, annotation: Annotation) -> list[dict]:
    """Every span's attributes as the REST API gives them, in text order."""
    answer = page.request.get(f"{live_server.url}/api/annotations/{annotation.pk}/")
    assert answer.ok, answer.text()
    spans = sorted(answer.json()["spans"], key=lambda span: span["start"])
    return [span["attributes"] for span in spans]


def _besides_refusals(messages: list[str]) -> list[str]:
    # The browser logs each refused request (400) as an error: those are what is tested.
    return [message for message in messages if "status of 400 (Bad Request)" not in message]


def claim_ministry(page: Page, world: World) -> None:
    select_words(page, world.document.text, "The ministry said")
    page.keyboard.press("c")


def test_attributes_are_edited_with_the_keyboard_saved_undone_and_redone(
    live_server, sign_in, csp_violations
):
    world = make_world()
    declared(world)
    annotation = started(world)
    page = open_document(sign_in(world.user), live_server, world.document)
    panel = page.locator("#attributes-panel")
    expect(panel).to_be_hidden()

    claim_ministry(page, world)
    expect(panel).to_be_visible()
    expect(page.locator("#attributes-of")).to_have_text("CLAIM · The ministry said")
    expect(page.get_by_label("sentiment *")).to_have_value("")

    page.focus("#attribute-sentiment")
    page.select_option("#attribute-sentiment", "negative")
    # Tab reaches the first topic's box; space ticks it.
    page.keyboard.press("Tab")
    expect(page.locator("#attribute-topics-0")).to_be_focused()
    page.keyboard.press("Space")
    page.fill("#attribute-normalised", "  The ministry said 1,500 troops are involved.  ")
    page.keyboard.press("Enter")
    page.fill("#attribute-confidence", "0.75")
    page.keyboard.press("Tab")
    wait_saved(page)
    assert server_attributes(page, live_server, annotation) == [
        {
            "sentiment": "negative",
            "topics": ["security"],
            "normalised": "The ministry said 1,500 troops are involved.",
            "confidence": 0.75,
        }
    ]

    page.locator("#document-text").click(position={"x": 2, "y": 2})
    page.keyboard.press("Control+z")  # the confidence
    wait_saved(page)
    assert "confidence" not in server_attributes(page, live_server, annotation)[0]
    page.keyboard.press("Control+z")  # the normalised text
    wait_saved(page)
    assert server_attributes(page, live_server, annotation)[0] == {
        "sentiment": "negative",
        "topics": ["security"],
    }
    expect(page.locator("#attribute-normalised")).to_have_value("")
    page.keyboard.press("Control+Shift+z")
    wait_saved(page)
    expect(page.locator("#attribute-normalised")).to_have_value(
        "The ministry said 1,500 troops are involved."
    )
    assert server_attributes(page, live_server, annotation)[0]["normalised"] == (
        "The ministry said 1,500 troops are involved."
    )

    # Cleared values are dropped, not stored empty.
    page.select_option("#attribute-sentiment", "")
    page.locator("#attribute-topics-0").click()
    wait_saved(page)
    assert server_attributes(page, live_server, annotation)[0] == {
        "normalised": "The ministry said 1,500 troops are involved."
    }
    assert csp_violations == []


def test_a_refused_value_is_said_and_the_panel_shows_what_the_server_holds(
    live_server, sign_in, csp_violations
):
    world = make_world()
    declared(world)
    annotation = started(world)
    page = open_document(sign_in(world.user), live_server, world.document)
    claim_ministry(page, world)
    page.select_option("#attribute-sentiment", "positive")
    wait_saved(page)

    # A manager drops a choice no item uses while the page is open.
    LabelAttribute.objects.filter(name="sentiment").update(choices=["positive", "negative"])
    page.select_option("#attribute-sentiment", "neutral")
    expect(page.locator("#message")).to_contain_text(
        'attributes.sentiment: "neutral" is not one of the choices: "positive", "negative".'
    )
    wait_saved(page)
    expect(page.locator("#attribute-sentiment")).to_have_value("positive")
    assert server_attributes(page, live_server, annotation) == [{"sentiment": "positive"}]

    # The page says at once what the server would refuse, and sends nothing.
    page.fill("#attribute-normalised", "x" * (attributes.TEXT_LIMIT + 1))
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text(
        f"That text has {attributes.TEXT_LIMIT + 1} characters"
    )
    assert server_attributes(page, live_server, annotation) == [{"sentiment": "positive"}]
    assert _besides_refusals(csp_violations) == []


def test_submit_is_refused_naming_the_item_and_the_missing_attribute(
    live_server, sign_in, csp_violations
):
    world = make_world()
    declared(world)
    annotation = started(world)
    page = open_document(sign_in(world.user), live_server, world.document)
    claim_ministry(page, world)
    wait_saved(page)
    page.click("#submit-button")
    expect(page.locator("#message")).to_contain_text(
        'The ministry said", 39-56) needs a value for sentiment before the annotation is submitted.'
    )
    annotation.refresh_from_db()
    assert annotation.status == "in_progress"
    page.select_option("#attribute-sentiment", "neutral")
    wait_saved(page)
    page.click("#submit-button")
    page.wait_for_url("**/projects/**")
    annotation.refresh_from_db()
    assert annotation.status == "submitted"
    assert _besides_refusals(csp_violations) == []


def test_a_stances_attributes_are_edited_when_its_row_is_active(
    live_server, sign_in, csp_violations
):
    world = make_world()
    declared(world)
    annotation = started(world)
    page = open_document(sign_in(world.user), live_server, world.document)
    page.keyboard.press("1")
    page.keyboard.press("f")
    wait_saved(page)
    expect(page.locator("#attributes-of")).to_have_text("FAVOR on the French intervention")
    page.select_option("#attribute-intensity", "strong")
    wait_saved(page)
    answer = page.request.get(f"{live_server.url}/api/annotations/{annotation.pk}/").json()
    assert [stance["attributes"] for stance in answer["stances"]] == [{"intensity": "strong"}]
    # A new value the stance's attributes do not belong to drops them, on both sides.
    page.keyboard.press("Escape")
    page.locator("#document-text").click(position={"x": 2, "y": 2})
    page.keyboard.press("1")
    page.keyboard.press("a")
    wait_saved(page)
    expect(page.locator("#attributes-panel")).to_be_hidden()
    answer = page.request.get(f"{live_server.url}/api/annotations/{annotation.pk}/").json()
    assert [stance["attributes"] for stance in answer["stances"]] == [{}]
    assert csp_violations == []


@pytest.mark.parametrize("width", [1280, 768])
def test_attributes_panel_screenshots(live_server, sign_in, width, csp_violations):
    world = make_world()
    declared(world)
    started(world)
    page = sign_in(world.user)
    page.set_viewport_size({"width": width, "height": 900})
    open_document(page, live_server, world.document)
    claim_ministry(page, world)
    page.select_option("#attribute-sentiment", "negative")
    page.locator("#attribute-topics-1").check()
    wait_saved(page)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("#attributes-panel").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / f"attributes-{width}.png")
    expect(page.locator("#attributes-panel")).not_to_contain_text("null")
    box = page.locator("#attributes-panel").bounding_box()
    assert box is not None and box["width"] <= width
    assert csp_violations == []


def test_the_text_limit_is_the_servers():
    source = (
        Path(__file__).resolve().parents[2] / "annotations/static/annotations/attributes.js"
    ).read_text()
    assert f"export const TEXT_LIMIT = {attributes.TEXT_LIMIT};" in source


def test_side_by_side_shows_values_and_writes_disagreements_on_the_item(
    live_server, sign_in, csp_violations
):
    from annotations.models import Span
    from tests.browser.test_curation import chip, open_side_by_side, row, unit_of
    from tests.browser.test_review import review_world
    from tests.browser.test_savequeue import wait_until

    world, ana, ben = review_world()
    declared(world)
    text = world.document.text
    start = text.index("put turnout at 41 per cent")
    end = start + len("put turnout at 41 per cent")
    for annotation, values in [
        (ana, {"sentiment": "positive", "topics": ["politics"]}),
        (ben, {"sentiment": "negative", "topics": ["politics"]}),
    ]:
        span = Span.objects.create(
            annotation=annotation,
            label=world.labels["CLAIM"],
            start=start,
            end=end,
            text=text[start:end],
        )
        Span.objects.filter(pk=span.pk).update(attribute_values=values)
    page = open_side_by_side(sign_in(world.user), live_server, world)
    unit = unit_of(page, text, "put turnout at 41 per cent")
    ana_claim = chip(unit, ana.pk, "CLAIM", "put turnout")
    expect(ana_claim).to_contain_text("sentiment: positive · topics: politics")
    expect(ana_claim).to_have_attribute("data-agreement", "one")
    expect(ana_claim.locator(".cur-diff")).to_have_text(
        ["sentiment: ana says positive, ben says negative"]
    )
    # Accepting ben's version puts his values into gold.
    chip(unit, ben.pk, "CLAIM", "put turnout").click()
    expect(page.locator("#message")).to_contain_text("Accepted ben's CLAIM")
    gold_claim = row(unit, "gold").locator('.cur-item[data-label="CLAIM"]')
    expect(gold_claim).to_contain_text("sentiment: negative · topics: politics")
    expect(page.locator("#save-status")).to_have_text("Saved")
    # "Saved" may still be the word from before the click: wait for the server to hold it.
    golds = Span.objects.filter(annotation__kind="gold", label=world.labels["CLAIM"])
    wait_until(page, golds.exists)
    gold = golds.get()
    assert gold.attributes == {"sentiment": "negative", "topics": ["politics"]}
    assert csp_violations == []
