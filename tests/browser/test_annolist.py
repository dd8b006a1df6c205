"""The annotation list beside the text: every span, claim and stance grouped by label, kept in
step with every change, and a way to select and find each one (annolist.js)."""

import pytest
from playwright.sync_api import Locator, Page, expect

from annotations.models import Annotation, Span
from annotations.services.annotating import (
    annotation_get_or_create,
    annotation_replace_content,
    span_create,
    span_update,
    stance_create,
)
from tests.browser.annotating import (
    World,
    highlight,
    make_world,
    open_document,
    select_words,
    wait_saved,
)
from tests.browser.test_curation import chip, open_side_by_side, unit_of
from tests.browser.test_review import lambda_re, open_review, review_world
from tests.browser.test_screenshots import SCREENSHOTS, WIDTHS

pytestmark = pytest.mark.django_db(transaction=True)

FILLER = "Nothing of note happened in the capital that day, officials said. " * 6
# Long enough that its last paragraph is well below the first screen.
LONG_TEXT = (
    "Keita met Macron in Bamako on Monday.\n\n"
    + "\n\n".join(f"Paragraph {n}. {FILLER}" for n in range(40))
    + "\n\nThe ministry said that about 1,500 troops are involved in the operation in Gao."
)


def annotated(world: World) -> Annotation:
    """Two PER, an ORG, a LOC, a claim by the ministry and a stance held by Keita."""
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    text = world.document.text

    def add(name: str, words: str, occurrence: int = 0, **fields):
        start = -1
        for _ in range(occurrence + 1):
            start = text.index(words, start + 1)
        span, _ = span_create(
            annotation=annotation,
            label=world.labels[name].pk,
            start=start,
            end=start + len(words),
            actor=None,
            **fields,
        )
        return span

    keita = add("PER", "Keita")
    add("PER", "Macron")
    ministry = add("ORG", "ministry")
    add("LOC", "Gao")
    claim = add("CLAIM", "about 1,500 troops are involved in the operation", checkworthy="yes")
    span_update(span=claim, actor=None, claimant=ministry.pk)
    stance_create(
        annotation=annotation,
        target=world.targets[0].pk,
        label=world.labels["FAVOR"].pk,
        holder=keita.pk,
        evidence=claim.pk,
        actor=None,
    )
    annotation.refresh_from_db()
    return annotation


def groups(page: Page) -> list[tuple[str, str]]:
    """Each group of the list as shown: (label, count)."""
    shown = page.eval_on_selector_all(
        "#annotation-list .annolist-group",
        """groups => groups.map((g) => [
            g.querySelector('.name').textContent, g.querySelector('.count').textContent])""",
    )
    return [(name, count) for name, count in shown]


def entries(page: Page, name: str) -> Locator:
    return page.locator(f'#annotation-list .annolist-group[data-label="{name}"] .annolist-item')


def server_spans(page: Page, live_server, annotation: Annotation) -> list[tuple[str, str]]:
    answer = page.request.get(f"{live_server.url}/api/annotations/{annotation.pk}/")
    assert answer.ok, answer.text()
    return sorted((s["label_name"], s["text"]) for s in answer.json()["spans"])


def test_the_list_shows_every_span_claim_and_stance_grouped_by_label(
    live_server, sign_in, csp_violations
):
    world = make_world(text=LONG_TEXT)
    annotated(world)
    page = open_document(sign_in(world.user), live_server, world.document)
    # In the project's label order (the label bar's: by kind, then as made), each with its
    # count; labels with nothing are left out.
    assert groups(page) == [
        ("CLAIM", "1"),
        ("PER", "2"),
        ("ORG", "1"),
        ("LOC", "1"),
        ("FAVOR", "1"),
    ]
    expect(page.locator("#annotation-list-count")).to_have_text("6")
    expect(entries(page, "PER").locator(".caption")).to_have_text(["Keita", "Macron"])
    claim = entries(page, "CLAIM")
    expect(claim.locator(".caption")).to_have_text(
        "about 1,500 troops are involved in the operation"
    )
    expect(claim.locator(".detail")).to_have_text("by ministry · check-worthy")
    stance = entries(page, "FAVOR")
    expect(stance.locator(".caption")).to_have_text("the French intervention")
    expect(stance.locator(".detail")).to_have_text(
        "held by Keita · evidence “about 1,500 troops are invo…”"
    )
    # Each group in its label's colour (labels.css): the swatch is the label's.
    colour = page.eval_on_selector(
        '.annolist-group[data-label="ORG"] .swatch', "el => getComputedStyle(el).backgroundColor"
    )
    assert colour == "rgb(242, 142, 43)"  # #f28e2b
    assert csp_violations == []


def test_clicking_an_entry_selects_it_and_scrolls_the_text_to_it(
    live_server, sign_in, csp_violations
):
    world = make_world(text=LONG_TEXT)
    annotation = annotated(world)
    page = open_document(sign_in(world.user), live_server, world.document)
    gao = highlight(page, "LOC", world.document.text.index("Gao"))
    expect(gao).not_to_be_in_viewport()

    entry = entries(page, "LOC").first
    entry.click()
    expect(gao).to_be_in_viewport()
    expect(gao).to_have_class(lambda_re("selected"))
    expect(page.locator("#selection-text")).to_have_text("Gao")
    expect(entry).to_have_attribute("aria-current", "true")
    expect(page.locator("#annotation-list .annolist-item.selected")).to_have_count(1)

    # Selecting in the text marks the entry in the list.
    keita = highlight(page, "PER", 0)
    keita.scroll_into_view_if_needed()
    keita.click()
    expect(entries(page, "PER").first).to_have_attribute("aria-current", "true")
    expect(entry).not_to_have_attribute("aria-current", "true")

    # A stance's entry activates its row and shows its evidence in the text.
    entries(page, "FAVOR").click()
    row = page.locator(f'.target[data-target-id="{world.targets[0].pk}"] .stance-row').first
    expect(row).to_have_class(lambda_re("active"))
    evidence = highlight(page, "CLAIM", world.document.text.index("about 1,500"))
    expect(evidence).to_have_class(lambda_re("linked"))
    expect(evidence).to_be_in_viewport()
    expect(entries(page, "FAVOR")).to_have_attribute("aria-current", "true")

    # After a choice from the list, text selected and a label's key make a new span as ever.
    entries(page, "PER").nth(1).click()
    start, end = select_words(page, world.document.text, "Bamako")
    page.keyboard.press("l")
    wait_saved(page)
    expect(highlight(page, "LOC", start)).to_have_text("Bamako")
    assert Span.objects.filter(annotation=annotation, start=start, end=end).exists()
    assert csp_violations == []


def test_the_keyboard_moves_through_the_list_and_enter_selects(live_server, sign_in):
    world = make_world(text=LONG_TEXT)
    annotation = annotated(world)
    page = open_document(sign_in(world.user), live_server, world.document)
    # One Tab stop for the whole list: the first entry.
    first = entries(page, "PER").first
    expect(page.locator('#annotation-list [tabindex="0"]')).to_have_count(1)
    first.focus()
    page.keyboard.press("ArrowDown")
    expect(entries(page, "PER").nth(1)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#selection-text")).to_have_text("Macron")
    page.keyboard.press("ArrowDown")  # ORG's group heading
    page.keyboard.press("ArrowLeft")  # closes the group
    expect(entries(page, "ORG")).to_have_count(0)
    expect(page.locator('.annolist-group[data-label="ORG"] .count')).to_have_text("1")
    page.keyboard.press("ArrowRight")  # opens it again
    expect(entries(page, "ORG")).to_have_count(1)
    page.keyboard.press("ArrowRight")  # into it
    expect(entries(page, "ORG").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#selection-text")).to_have_text("ministry")

    # Keys act on the entry selected from the list: l relabels, Delete deletes, and the focus
    # stays in the list, on the entry as it moves from group to group.
    entries(page, "PER").nth(1).focus()
    page.keyboard.press("Enter")
    page.keyboard.press("l")
    wait_saved(page)
    assert ("LOC", "Macron") in server_spans(page, live_server, annotation)
    expect(entries(page, "LOC").locator(".caption")).to_have_text(["Macron", "Gao"])
    expect(entries(page, "LOC").first).to_be_focused()
    page.keyboard.press("Delete")
    wait_saved(page)
    assert ("LOC", "Macron") not in server_spans(page, live_server, annotation)
    # The focus moved to the entry selected next, in the list.
    expect(page.locator("#annotation-list .annolist-item:focus")).to_have_count(1)
    expect(page.locator("#annotation-list .annolist-item:focus")).to_have_attribute(
        "aria-current", "true"
    )


def test_the_list_follows_every_change_undo_and_redo(live_server, sign_in, csp_violations):
    world = make_world()
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    page = open_document(sign_in(world.user), live_server, world.document)
    text = world.document.text
    expect(page.locator("#annotation-list-empty")).to_be_visible()
    expect(page.locator("#annotation-list-count")).to_have_text("0")

    select_words(page, text, "Keita")
    page.keyboard.press("p")
    select_words(page, text, "Bamako")
    page.keyboard.press("l")
    wait_saved(page)
    assert groups(page) == [("PER", "1"), ("LOC", "1")]
    expect(page.locator("#annotation-list-empty")).to_be_hidden()
    expect(entries(page, "LOC")).to_have_attribute("aria-current", "true")  # the new one

    page.keyboard.press("o")  # relabel Bamako: it moves to ORG's group
    wait_saved(page)
    assert groups(page) == [("PER", "1"), ("ORG", "1")]
    assert server_spans(page, live_server, annotation) == [("ORG", "Bamako"), ("PER", "Keita")]

    page.keyboard.press("Delete")
    wait_saved(page)
    assert groups(page) == [("PER", "1")]
    assert server_spans(page, live_server, annotation) == [("PER", "Keita")]

    page.keyboard.press("Control+z")
    wait_saved(page)
    assert groups(page) == [("PER", "1"), ("ORG", "1")]
    assert server_spans(page, live_server, annotation) == [("ORG", "Bamako"), ("PER", "Keita")]
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert groups(page) == [("PER", "1"), ("LOC", "1")]
    page.keyboard.press("Control+y")
    page.keyboard.press("Control+y")
    wait_saved(page)
    assert groups(page) == [("PER", "1")]
    assert server_spans(page, live_server, annotation) == [("PER", "Keita")]

    # A claim and a stance show their attributes, and follow their changes.
    select_words(page, text, "about 1,500 troops are involved")
    page.keyboard.press("c")
    page.keyboard.press("n")
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    page.keyboard.press("a")
    wait_saved(page)
    expect(entries(page, "CLAIM").locator(".detail")).to_have_text("no claimant · not check-worthy")
    expect(entries(page, "AGAINST").locator(".detail")).to_have_text("held by the author")
    page.keyboard.press("f")
    wait_saved(page)
    assert groups(page) == [("CLAIM", "1"), ("PER", "1"), ("FAVOR", "1")]
    assert csp_violations == []


def test_the_list_shows_changes_the_save_queue_puts_back_after_a_change_elsewhere(
    live_server, sign_in
):
    world = make_world()
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    page = open_document(sign_in(world.user), live_server, world.document)
    text = world.document.text
    # Elsewhere (another tab): a span this page has not seen; the page's next write is a 409.
    start = text.index("Monday")
    span_create(
        annotation=annotation,
        label=world.labels["LOC"].pk,
        start=start,
        end=start + 6,
        actor=world.user,
    )
    select_words(page, text, "Keita")
    page.keyboard.press("p")
    wait_saved(page)
    expect(page.locator("#message")).to_contain_text("changed elsewhere")
    assert groups(page) == [("PER", "1"), ("LOC", "1")]
    expect(entries(page, "LOC").locator(".caption")).to_have_text("Monday")
    assert server_spans(page, live_server, annotation) == [("LOC", "Monday"), ("PER", "Keita")]


def test_user_text_in_the_list_is_text_never_markup(live_server, sign_in, csp_violations):
    world = make_world(text='<img src=x onerror="window.hacked=1"> said <b>Keita</b>.')
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    claim, _ = span_create(
        annotation=annotation,
        label=world.labels["CLAIM"].pk,
        start=0,
        end=world.document.text.index(">") + 1,
        actor=None,
    )
    span_update(span=claim, actor=None, claimant_text="<i>the agency</i>")
    page = open_document(sign_in(world.user), live_server, world.document)
    entry = entries(page, "CLAIM")
    expect(entry.locator(".caption")).to_have_text('<img src=x onerror="window.hacked=1">')
    expect(entry.locator(".detail")).to_contain_text("by <i>the agency</i> (not in the text)")
    expect(page.locator("#annotation-list img, #annotation-list i")).to_have_count(0)
    assert page.evaluate("window.hacked") is None
    assert csp_violations == []


def test_a_long_group_shows_its_first_entries_and_the_selected_one(live_server, sign_in):
    words = [f"w{n}" for n in range(260)]
    world = make_world(text=" ".join(words))
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    spans, start = [], 0
    for word in words:
        spans.append({"label": "PER", "start": start, "end": start + len(word)})
        start += len(word) + 1
    annotation_replace_content(annotation=annotation, spans=spans, stances=[], actor=None)
    page = open_document(sign_in(world.user), live_server, world.document)
    expect(page.locator('.annolist-group[data-label="PER"] .count')).to_have_text("260")
    expect(entries(page, "PER")).to_have_count(200)
    expect(page.locator(".annolist-more")).to_have_text("Show all 260")
    # Selecting one past them in the text draws it in the list too, after them.
    last = highlight(page, "PER", spans[-1]["start"])
    last.scroll_into_view_if_needed()
    last.click()
    expect(entries(page, "PER")).to_have_count(201)
    expect(entries(page, "PER").last).to_have_text("w259")
    expect(entries(page, "PER").last).to_have_attribute("aria-current", "true")
    page.click(".annolist-more")
    expect(entries(page, "PER")).to_have_count(260)
    expect(entries(page, "PER").nth(259)).to_have_attribute("aria-current", "true")


def test_the_review_page_lists_gold_and_the_lane_being_viewed(live_server, sign_in, csp_violations):
    world, ana, _ben = review_world()
    page = open_review(sign_in(world.user), live_server, world)
    expect(page.locator("#annotation-list-title")).to_have_text("Gold annotations")
    expect(page.locator("#annotation-list-empty")).to_have_text("No gold yet.")

    # ana's lane: her five spans and her stance, by label.
    page.click(f'#lanes [data-lane="{ana.pk}"]')
    expect(page.locator("#annotation-list-title")).to_have_text("ana's annotations")
    assert groups(page) == [("PER", "2"), ("ORG", "1"), ("LOC", "2"), ("FAVOR", "1")]
    commission = entries(page, "ORG")
    commission.click()
    expect(page.locator("#lane-panel blockquote")).to_have_text("regional electoral commission")
    expect(commission).to_have_attribute("aria-current", "true")
    # Enter on the list entry chose it; Enter in the text accepts it into gold.
    page.locator("#document-text").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#gold-status")).to_have_text("Gold in review")
    wait_saved(page)

    # Gold: its own list, edited with the annotate page's keys, undo and redo.
    page.click("#lane-gold")
    expect(page.locator("#annotation-list-title")).to_have_text("Gold annotations")
    assert groups(page) == [("ORG", "1")]
    text = world.document.text
    page.locator("#document-text").focus()
    select_words(page, text, "Bakary Dembélé")
    page.keyboard.press("p")
    wait_saved(page)
    assert groups(page) == [("PER", "1"), ("ORG", "1")]
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert groups(page) == [("ORG", "1")]
    page.click("#redo-button")
    wait_saved(page)
    assert groups(page) == [("PER", "1"), ("ORG", "1")]
    gold = Annotation.objects.get(document=world.document, kind="gold")
    assert server_spans(page, live_server, gold) == [
        ("ORG", "regional electoral commission"),
        ("PER", "Bakary Dembélé"),
    ]
    entries(page, "ORG").click()
    expect(page.locator("#selection-text")).to_have_text("regional electoral commission")
    assert csp_violations == []


@pytest.mark.parametrize("width", WIDTHS)
def test_annotation_list_screenshots(live_server, sign_in, width, csp_violations):
    SCREENSHOTS.mkdir(exist_ok=True)
    world = make_world(text=LONG_TEXT, username="shot")
    annotated(world)
    page = sign_in(world.user)
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    open_document(page, live_server, world.document)
    toggle = page.locator("#annotation-list-toggle")
    if width == "tablet":
        # The side column is narrow: the list starts closed, a drawer its heading opens.
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(page.locator("#annotation-list-body")).to_be_hidden()
        page.screenshot(path=SCREENSHOTS / f"annolist-closed-{width}.png")
        toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    entries(page, "CLAIM").click()
    claim = highlight(page, "CLAIM", world.document.text.index("about 1,500"))
    expect(claim).to_have_class(lambda_re("selected"))
    expect(claim).to_be_in_viewport()
    page.mouse.move(0, 0)
    page.screenshot(path=SCREENSHOTS / f"annolist-{width}.png")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the annotate page scrolls sideways at {width} width"

    reviewed, _ana, _ben = review_world()
    page = sign_in(reviewed.user)
    open_review(page, live_server, reviewed)
    page.click("#accept-agreed")
    wait_saved(page)
    if width == "tablet":
        page.click("#annotation-list-toggle")
    expect(page.locator("#annotation-list .annolist-item")).to_have_count(3)
    page.mouse.move(0, 0)
    page.screenshot(path=SCREENSHOTS / f"annolist-review-{width}.png")
    assert csp_violations == []


def test_while_picking_a_claimant_an_entity_entry_of_the_list_is_picked(live_server, sign_in):
    world = make_world()
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    text = world.document.text
    page = open_document(sign_in(world.user), live_server, world.document)
    select_words(page, text, "ministry")
    page.keyboard.press("o")
    select_words(page, text, "about 1,500 troops are involved")
    page.keyboard.press("c")
    page.keyboard.press("k")  # pick the claimant: the list's entity entries pick too
    entries(page, "ORG").click()
    wait_saved(page)
    claim = Span.objects.get(annotation=annotation, label__name="CLAIM")
    assert claim.claimant is not None and claim.claimant.text == "ministry"
    expect(entries(page, "CLAIM").locator(".detail")).to_have_text(
        "by ministry · check-worthiness not set"
    )
    # The claim is still the one selected: picking did not select the entity.
    expect(page.locator("#selection-text")).to_have_text("about 1,500 troops are involved")


def test_side_by_side_the_list_is_the_gold_and_follows_each_accept(live_server, sign_in):
    """Side by side the column lists gold: it fills as items are accepted (it said "No gold
    yet." after the first accept), and a lane viewed before does not stay listed."""
    world, ana, ben = review_world()
    page = open_side_by_side(sign_in(world.user), live_server, world)
    expect(page.locator("#annotation-list-title")).to_have_text("Gold annotations")
    expect(page.locator("#annotation-list-empty")).to_have_text("No gold yet.")

    unit = unit_of(page, world.document.text, "regional electoral commission")
    chip(unit, ana.pk, "ORG", "regional electoral commission").click()
    expect(page.locator("#gold-status")).to_have_text("Gold in review")
    expect(page.locator("#annotation-list-empty")).to_be_hidden()
    expect(entries(page, "ORG")).to_have_text(["regional electoral commission"])
    chip(unit_of(page, world.document.text, "Ségou"), ben.pk, "LOC", "Ségou").click()
    expect(entries(page, "LOC")).to_have_text(["Ségou"])
    wait_saved(page)

    # ana's lane lists hers; back side by side, the list is the gold's again.
    page.click('#view-switch [data-view="lanes"]')
    page.click(f'#lanes [data-lane="{ana.pk}"]')
    expect(page.locator("#annotation-list-title")).to_have_text("ana's annotations")
    page.click('#view-switch [data-view="side"]')
    expect(page.locator("#annotation-list-title")).to_have_text("Gold annotations")
    assert groups(page) == [("ORG", "1"), ("LOC", "1")]
