"""Small things users met (issue 15, item 9), each as the user saw it, in Chromium."""

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation, Document, Span, Stance
from annotations.services.annotating import annotation_get_or_create, span_create
from annotations.services.annotating.stance_links import stance_links_set
from annotations.services.review import gold_for
from tests.browser.annotating import make_world, open_document, select_words, wait_saved
from tests.browser.test_annotate import start_document
from tests.browser.test_import_options import open_import_page
from tests.browser.test_releases import _upload, _world_with_manager, unexpected
from tests.browser.test_review import open_review, review_world
from tests.browser.test_screenshots import SCREENSHOTS, WIDTHS, _annotated_world

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED_PDF = "Unsupported file type 'notes.pdf'"


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_an_import_refusal_is_said_once_under_the_file_field(
    live_server, sign_in, csp_violations, width
):
    world = _world_with_manager()
    page = sign_in(world.user)
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    open_import_page(page, live_server, world)

    _upload(page, "notes.pdf", b"%PDF-1.4")

    field = page.locator('[data-errors-for="file"]')
    expect(field).to_contain_text(REFUSED_PDF)
    expect(page.locator('#import-status [data-role="status"]')).to_have_text("Refused")
    expect(page.locator('#import-status [data-role="status-text"]')).to_have_text(
        "Nothing was imported."
    )
    assert page.locator("main").inner_text().count(REFUSED_PDF) == 1
    assert Document.objects.filter(project=world.project).count() == 1  # the world's own
    assert unexpected(csp_violations) == []
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"import-refused-{width}.png", full_page=True)


# A right-to-left paragraph long enough to wrap at tablet width, then a left-to-right one
# quoting an Arabic word. Without the fix, كيدال's chip wrapped alone to the next line, at the
# other end of the page from its word.
ARABIC = (
    "قال الوالي إن المساعدات وصلت إلى غاو يوم الاثنين، وأضاف أن الحكومة سترسل قوافل أخرى إلى "
    "تمبكتو وكيدال خلال الأسبوع المقبل بعد أن تراجعت مياه النهر وعادت الطرق إلى العمل. وقال "
    "الوالي إن الأمم المتحدة ستساعد.\n\nThe governor (الوالي) said aid reached Gao."
)
ARABIC_SPANS = [
    ("PER", "الوالي", 0),
    ("LOC", "غاو", 0),
    ("LOC", "تمبكتو", 0),
    ("LOC", "كيدال", 0),
    ("PER", "الوالي", 1),
    ("LOC", "الطرق", 0),
    ("PER", "الوالي", 2),
]
# Each one-word highlight: the boxes of its element (text and chip) and of its text alone.
BOXES = """() => [...document.querySelectorAll('#document-text .ann')].map((element) => {
  const text = document.createRange();
  text.selectNodeContents(element);
  const box = (rect) => ({left: rect.left, right: rect.right, top: rect.top});
  return {
    start: Number(element.dataset.start),
    element: [...element.getClientRects()].map(box),
    text: [...text.getClientRects()].map(box),
  };
})"""


def _annotated_arabic(world):
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    starts = []
    for label, word, occurrence in ARABIC_SPANS:
        start = -1
        for _ in range(occurrence + 1):
            start = ARABIC.index(word, start + 1)
        span_create(
            annotation=annotation,
            label=world.labels[label].pk,
            start=start,
            end=start + len(word),
            actor=None,
        )
        starts.append(start)
    return starts


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_a_label_chip_stays_beside_its_word_in_right_to_left_text(live_server, sign_in, width):
    world = make_world(text=ARABIC)
    starts = _annotated_arabic(world)
    page = sign_in(world.user)
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    open_document(page, live_server, world.document)

    boxes = {entry["start"]: entry for entry in page.evaluate(BOXES)}
    assert sorted(boxes) == sorted(starts)
    for start, entry in boxes.items():
        (text,) = entry["text"]
        # One box: the chip on the word's line, touching it (at its left in Arabic's order).
        assert len(entry["element"]) == 1, (start, entry)
        (whole,) = entry["element"]
        assert whole["top"] == text["top"], (start, entry)
        chip = (whole["right"] - whole["left"]) - (text["right"] - text["left"])
        assert 0 < chip < 40, (start, entry)
        rtl = start < ARABIC.index("\n")
        assert (whole["right"] == text["right"]) if rtl else (whole["left"] == text["left"])
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("#document-text").screenshot(path=SCREENSHOTS / f"rtl-chips-{width}.png")


def _stuck_bar(page, scroll: float) -> bytes:
    """The pixels of the label bar, stuck to the window's top, with the page scrolled so far."""
    page.evaluate("(y) => window.scrollTo(0, y)", scroll)
    page.mouse.move(0, 0)  # no hover on any button
    bar = page.locator(".label-bar")
    box = bar.bounding_box()
    assert box["y"] == 0, "the bar sticks to the window's top"
    assert page.locator("#document-text").bounding_box()["y"] < 0, "the text runs under it"
    # The window's pixels where the bar is (an element screenshot lays the page out anew).
    clip = {"x": box["x"], "y": 0, "width": box["width"], "height": box["height"]}
    return page.screenshot(clip=clip, animations="disabled", caret="hide")


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_text_never_shows_through_a_lanes_sticky_label_bar(live_server, sign_in, width):
    world, _, _ = review_world()
    page = sign_in(world.user)
    page.set_viewport_size({"width": WIDTHS[width][0], "height": 500})
    open_review(page, live_server, world)
    page.get_by_role("tab", name="ana").click()
    expect(page.locator("#reviewer")).to_have_attribute("data-lane", "annotator")

    # Two scroll positions put other lines of text under the bar: an opaque bar looks the same.
    text_top = page.locator("#document-text").bounding_box()["y"]
    first = _stuck_bar(page, text_top + 60)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"review-lane-sticky-bar-{width}.png")
    second = _stuck_bar(page, text_top + 97)
    assert second == first, "the text under the bar shows through it"


HELP_TEXT = "() => document.querySelector('#help .help-columns').innerText"


def test_the_review_page_offers_target_keys_only_once_the_targets_are_listed(
    live_server, sign_in, csp_violations
):
    world = make_world(username="rev")
    world.project.memberships.filter(user=world.user).update(role="reviewer")
    page = open_review(sign_in(world.user), live_server, world)
    first = world.targets[0].name

    # No gold yet: no target is listed, and nothing offers their keys.
    panel = page.locator("#stance-panel")
    expect(panel.locator(".target")).to_have_count(0)
    expect(panel.get_by_text("Press a target's number")).to_be_hidden()
    expect(panel.locator("#stance-waiting")).to_be_visible()
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    help_text = page.evaluate(HELP_TEXT)
    assert "Activate" not in help_text and "active target" not in help_text
    page.keyboard.press("Escape")

    # Gold started: the targets are listed, with their keys, here and in the help.
    page.get_by_role("button", name="Start gold").click()
    expect(panel.locator(".target")).to_have_count(2)
    expect(panel.get_by_text("Press a target's number")).to_be_visible()
    expect(panel.locator("#stance-waiting")).to_be_hidden()
    page.keyboard.press("?")
    expect(page.locator("#help")).to_contain_text(f"Activate “{first}”")
    expect(page.locator("#help")).to_contain_text("No stance for the active target")
    assert Annotation.objects.filter(document=world.document, kind="gold").exists()
    assert unexpected(csp_violations) == []


# Whether a <select> shows its chosen option whole: the option's text, measured in the
# select's font, against the room inside its box (less its padding and its arrow).
SHOWN_WHOLE = """(select) => {
  const style = getComputedStyle(select);
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const text = select.options[select.selectedIndex].text;
  const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
  const room = select.clientWidth - padding - 20;  // 20: the arrow
  return {text, width: context.measureText(text).width, room};
}"""


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_holder_and_evidence_lists_say_the_whole_name(live_server, sign_in, width):
    world, claim_start = _annotated_world()
    claim = Span.objects.get(start=claim_start, annotation__author=world.user)
    for stance in Stance.objects.with_links():
        stance_links_set(stance=stance, holder=stance.holder, evidence=claim)
    page = sign_in(world.user)
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    open_document(page, live_server, world.document)
    page.keyboard.press("1")
    row = page.locator(".stance-row").first

    holder = row.get_by_label("Held by")
    shown = holder.evaluate(SHOWN_WHOLE)
    assert shown["text"] == "PER · Aïssata Coulibaly"
    assert shown["width"] <= shown["room"], f"the holder list cuts {shown}"
    expect(holder).to_have_attribute("title", "PER · Aïssata Coulibaly")

    # A claim is longer than any list: its whole text is said under the list, and in its title.
    evidence = row.get_by_label("Evidence")
    expect(evidence).to_have_attribute("title", f"CLAIM · {claim.text}")
    expect(row.locator(".ref-text")).to_have_text(claim.text)
    expect(row.locator(".ref-text")).to_be_visible()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.mouse.move(0, 0)
    page.locator("#stance-panel").screenshot(path=SCREENSHOTS / f"stance-lists-{width}.png")


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_selected_text_becomes_evidence_with_the_label_the_annotator_picks(
    live_server, sign_in, csp_violations, width
):
    world = make_world()
    text = world.document.text
    page = sign_in(world.user)
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    start_document(page, live_server, world.document)
    page.keyboard.press("1")
    page.keyboard.press("a")
    wait_saved(page)
    row = page.locator(f'.target[data-target-id="{world.targets[0].pk}"] .stance-row').first

    # "e" on text that is no highlight asks which label: nothing is made until answered.
    select_words(page, text, "The ministry")
    page.keyboard.press("e")
    picker = row.locator(".evidence-pick")
    expect(
        row.get_by_role("group", name="Mark “The ministry” as the evidence with:")
    ).to_be_visible()
    expect(picker).to_be_visible()
    # Every label a span may take, as the label bar lists them, with its key.
    expect(picker.locator("[data-label]")).to_have_text(["CLAIMc", "PERp", "ORGo", "LOCl"])
    expect(page.locator("#message")).to_contain_text("Which label marks the evidence?")
    assert not Span.objects.exists()
    page.keyboard.press("Escape")
    expect(picker).to_be_hidden()
    assert not Span.objects.exists()

    # Asked again, an entity this time: ORG, clicked.
    select_words(page, text, "The ministry")
    page.keyboard.press("e")
    picker.get_by_role("button", name="ORG").click()
    wait_saved(page)
    expect(picker).to_be_hidden()
    stance = Stance.objects.with_links().get()
    assert (stance.evidence.label.name, stance.evidence.text) == ("ORG", "The ministry")
    start = text.index("The ministry")
    assert (stance.evidence.start, stance.evidence.end) == (start, start + len("The ministry"))
    expect(row.locator(".ref-text")).to_have_text("The ministry")
    SCREENSHOTS.mkdir(exist_ok=True)

    # And a claim, by its key, replacing it.
    select_words(page, text, "about 1,500 troops are involved")
    page.keyboard.press("e")
    expect(picker).to_be_visible()
    page.mouse.move(0, 0)
    page.screenshot(path=SCREENSHOTS / f"evidence-picker-{width}.png")
    page.keyboard.press("c")
    wait_saved(page)
    stance.refresh_from_db()
    assert (stance.evidence.label.name, stance.evidence.text) == (
        "CLAIM",
        "about 1,500 troops are involved",
    )
    assert sorted(Span.objects.values_list("label__name", flat=True)) == ["CLAIM", "ORG"]
    assert csp_violations == []


def test_a_refusal_said_as_detail_and_field_error_reads_once(live_server, page):
    """What every page's message bar shows of a refused request (ApiError's message)."""
    page.goto(f"{live_server.url}/accounts/login/")
    messages = page.evaluate(
        """async () => {
          const { ApiError } = await import('/static/annotations/api.js');
          const said = (body) => new ApiError(400, body).message;
          return [
            said({detail: "Bad file.", errors: {file: ["Bad file."]}}),
            said({detail: "Invalid input.", errors: {start: ["Too far."], end: ["Too far."]}}),
            said({detail: "Not found."}),
          ];
        }"""
    )
    assert messages == [
        "file: Bad file.",
        "Invalid input. start: Too far.; end: Too far.",
        "Not found.",
    ]


def test_the_gold_lane_asks_which_label_marks_new_evidence_too(live_server, sign_in):
    world = make_world(username="rev")
    world.project.memberships.filter(user=world.user).update(role="reviewer")
    gold, _ = gold_for(world.document)
    text = world.document.text
    page = open_review(sign_in(world.user), live_server, world)
    page.keyboard.press("1")
    page.keyboard.press("f")
    expect(page.locator("#save-status")).to_have_text("Saved")

    select_words(page, text, "Bamako")
    page.keyboard.press("e")
    expect(page.locator(".evidence-pick")).to_be_visible()
    assert not Span.objects.filter(annotation=gold).exists()
    page.keyboard.press("l")
    expect(page.locator(".evidence-pick")).to_be_hidden()
    expect(page.locator("#save-status")).to_have_text("Saved")
    stance = Stance.objects.with_links().get(annotation=gold)
    assert (stance.evidence.label.name, stance.evidence.text) == ("LOC", "Bamako")
