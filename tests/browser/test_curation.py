"""Side by side on the review page (curation.js): every annotator's items per unit with the
gold row, agreement marks, attribute disagreements on the item, and accepting into gold with a
click or a key."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Span, Stance
from annotations.services.annotating.stance_links import stance_links_set
from annotations.services.review import gold_set_reviewed
from annotations.units import text_units
from tests.browser.annotating import World, make_world
from tests.browser.test_review import (
    _annotate,
    _claim_both_marked,
    gold_of,
    gold_rows,
    review_world,
)
from tests.factories import LabelFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
WIDTHS = {"desktop": (1280, 900), "tablet": (768, 1024)}


def open_side_by_side(page: Page, live_server, world: World, query: str = "") -> Page:
    page.goto(f"{live_server.url}/documents/{world.document.pk}/review/{query}")
    expect(page.locator("#reviewer.ready")).to_be_attached()
    expect(page.locator("#reviewer")).to_have_attribute("data-view", "side")
    return page


def unit_of(page: Page, text: str, words: str):
    """The side-by-side block of the unit (annotations.units) where ``words`` starts."""
    start = text.index(words)
    index = next(i for i, (s, e) in enumerate(text_units(text)) if s <= start < e)
    return page.locator(f'#curation .cur-unit[data-start="{text_units(text)[index][0]}"]')


def row(unit, lane) -> object:
    return unit.locator(f'.cur-row[data-lane="{lane}"]')


def chip(unit, lane, label: str, words: str):
    return row(unit, lane).locator(f'.cur-item[data-label="{label}"]', has_text=words)


def test_every_annotators_items_are_shown_at_once_per_unit_with_agreement_marks(
    live_server, sign_in, csp_violations
):
    world, ana, ben = review_world()
    page = open_side_by_side(sign_in(world.user), live_server, world)
    text = world.document.text
    expect(page.locator("#view-side")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#document-text")).to_be_hidden()

    # The paragraph with the commission: gold (empty yet), then ana and ben, all visible at once.
    unit = unit_of(page, text, "regional electoral commission")
    expect(unit).to_contain_text(text[text.index("Voters in the") : text.index("Voters") + 40])
    rows = unit.locator(".cur-row")
    expect(rows).to_have_count(3)
    expect(rows.locator(".cur-who")).to_have_text(["Gold", "ana", "ben"])
    expect(row(unit, "gold")).to_have_text("Gold—")
    # The item only ana has is marked "only one"; ben has nothing in this unit.
    only_ana = chip(unit, ana.pk, "ORG", "regional electoral commission")
    expect(only_ana).to_have_attribute("data-agreement", "one")
    expect(only_ana.locator(".cur-mark")).to_have_text("≠ only one")
    expect(row(unit, ben.pk)).to_have_text("ben—")
    # Items shared by both are marked "all", in each annotator's row.
    third = unit_of(page, text, "Aïssata Coulibaly")
    for lane in (ana.pk, ben.pk):
        shared = chip(third, lane, "PER", "Aïssata Coulibaly")
        expect(shared).to_be_visible()
        expect(shared).to_have_attribute("data-agreement", "all")
        expect(shared.locator(".cur-mark")).to_have_text("= all")
    expect(row(third, ana.pk).locator(".cur-item")).to_have_count(3)
    expect(row(third, ben.pk).locator(".cur-item")).to_have_count(4)
    # Offsets are the page hooks' code points.
    start = text.index("regional electoral commission")
    expect(only_ana).to_have_attribute("data-start", str(start))

    # Bakary Dembélé: PER for ana, LOC for ben (another place: two items, each "only one").
    dembele = unit_of(page, text, "Bakary Dembélé")
    expect(chip(dembele, ana.pk, "PER", "Bakary Dembélé")).to_have_attribute(
        "data-agreement", "one"
    )
    expect(chip(dembele, ben.pk, "LOC", "Bakary Dembélé")).to_have_attribute(
        "data-agreement", "one"
    )
    expect(page.locator(".curation-summary")).to_contain_text("9 items in 2 annotations")
    assert csp_violations == []


def test_attribute_disagreements_are_written_on_the_item(live_server, sign_in, csp_violations):
    world, ana, ben = review_world()
    _claim_both_marked(world, ana, ben)
    page = open_side_by_side(sign_in(world.user), live_server, world)
    unit = unit_of(page, world.document.text, "put turnout at 41 per cent")
    claim = chip(unit, ana.pk, "CLAIM", "put turnout")
    expect(claim.locator(".cur-attrs")).to_have_text(
        "claimant “regional electoral commission” · check-worthy: yes"
    )
    diffs = claim.locator(".cur-diff")
    expect(diffs).to_have_text(
        [
            "claimant: ana says “regional electoral commission”, ben says AFP (not in the text)",
            "check-worthiness: ana says yes, ben says no",
        ]
    )
    expect(chip(unit, ben.pk, "CLAIM", "put turnout").locator(".cur-diff")).to_have_count(2)
    # Same place, other attributes: not the same item, so neither is "all".
    expect(claim).to_have_attribute("data-agreement", "one")

    # Stances: one block for the document; the value differs, the holder does not.
    stances = page.locator("#curation .cur-stances")
    ana_stance = row(stances, ana.pk).locator(".cur-item")
    expect(ana_stance).to_contain_text("the French intervention")
    expect(ana_stance).to_contain_text("held by the author")
    expect(ana_stance.locator(".cur-diff")).to_have_text(
        ["value: ana says FAVOR, ben says AGAINST"]
    )
    assert csp_violations == []


def test_a_stance_with_another_holder_says_so(live_server, sign_in):
    world, ana, ben = review_world()
    keita = Span.objects.get(annotation=ana, text="Aïssata Coulibaly")
    for stance in Stance.objects.filter(annotation=ana):
        stance_links_set(stance=stance, holder=keita, evidence=stance.evidence)
    page = open_side_by_side(sign_in(world.user), live_server, world)
    stances = page.locator("#curation .cur-stances")
    expect(row(stances, ana.pk).locator(".cur-diff").first).to_have_text(
        "holder: ana says “Aïssata Coulibaly”, ben says the author"
    )


def test_a_click_puts_an_annotators_item_into_gold(live_server, sign_in, csp_violations):
    world, ana, ben = review_world()
    page = open_side_by_side(sign_in(world.user), live_server, world)
    text = world.document.text
    unit = unit_of(page, text, "regional electoral commission")
    chip(unit, ana.pk, "ORG", "regional electoral commission").click()
    expect(page.locator("#message")).to_contain_text("Accepted ana's ORG")
    expect(page.locator("#gold-status")).to_have_text("Gold in review")
    # The gold row shows it, the item is marked, and the server holds it.
    gold = row(unit, "gold").locator('.cur-item[data-label="ORG"]')
    expect(gold).to_contain_text("regional electoral commission")
    expect(gold.locator(".cur-mark")).to_have_text("1 of 2")
    expect(chip(unit, ana.pk, "ORG", "regional electoral commission")).to_have_attribute(
        "data-in-gold", "true"
    )
    expect(chip(unit, ana.pk, "ORG", "regional electoral commission")).to_contain_text("✓ gold")
    assert gold_rows(world) == [("ORG", "regional electoral commission")]

    # ben's stance, clicked: gold holds his value.
    row(page.locator("#curation .cur-stances"), ben.pk).locator(".cur-item").click()
    expect(page.locator("#message")).to_contain_text("Accepted the stance")
    assert Stance.objects.get(annotation=gold_of(world)).label.name == "AGAINST"
    expect(row(page.locator("#curation .cur-stances"), "gold")).to_contain_text("AGAINST")

    # A gold item opens in the Gold lane, selected there, to edit with the annotate keys.
    gold.click()
    expect(page.locator("#reviewer")).to_have_attribute("data-view", "lanes")
    expect(page.locator("#lane-gold")).to_have_attribute("aria-selected", "true")
    start = text.index("regional electoral commission")
    expect(
        page.locator(f'#document-text [data-label="ORG"][data-start="{start}"]').first
    ).to_have_class(re.compile(r"(^|\s)selected(\s|$)"))
    expect(page).to_have_url(re.compile(r"[?&]view=lanes"))
    assert csp_violations == []


def test_keys_move_between_items_and_units_and_enter_accepts(live_server, sign_in, csp_violations):
    world, ana, ben = review_world()
    page = open_side_by_side(sign_in(world.user), live_server, world)
    text = world.document.text
    focused = page.locator("#curation .cur-item:focus")

    # → the first annotator item: ana's stance (the stances block comes first), then her spans.
    page.keyboard.press("ArrowRight")
    expect(focused).to_have_attribute("data-stance-id", str(Stance.objects.get(annotation=ana).pk))
    page.keyboard.press("ArrowDown")  # the title: ana's Ségou
    expect(focused).to_have_attribute("data-label", "LOC")
    expect(focused).to_have_attribute("data-lane", str(ana.pk))
    page.keyboard.press("ArrowRight")  # ben's Ségou, in the same unit
    expect(focused).to_have_attribute("data-lane", str(ben.pk))
    page.keyboard.press("ArrowLeft")
    expect(focused).to_have_attribute("data-lane", str(ana.pk))
    # } the next item not every annotator has: ana's commission.
    page.keyboard.press("}")
    expect(focused).to_contain_text("regional electoral commission")
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("Accepted ana's ORG")
    assert gold_rows(world) == [("ORG", "regional electoral commission")]
    # The focus stays on the item, now marked as in gold.
    expect(focused).to_have_attribute("data-in-gold", "true")
    page.keyboard.press("}")
    expect(focused).to_contain_text("Bakary Dembélé")
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("Accepted ana's PER")
    assert ("PER", "Bakary Dembélé") in gold_rows(world)
    unit = unit_of(page, text, "Bakary Dembélé")
    expect(row(unit, "gold").locator('[data-label="PER"]')).to_contain_text("Bakary Dembélé")

    # A label key changes nothing here, and says where gold is edited.
    page.keyboard.press("p")
    expect(page.locator("#message")).to_contain_text("Side by side puts annotators' items")
    # Reviewed gold refuses an accept, with the reason.
    page.keyboard.press("Control+Enter")
    expect(page.locator("#gold-status")).to_have_text("Gold reviewed ✓")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("reopen it to change it")
    assert len(gold_rows(world)) == 2

    # Esc leaves the item; { from nothing: the last item not every annotator has.
    page.keyboard.press("Escape")
    expect(page.locator("#curation .cur-item.current")).to_have_count(0)
    expect(focused).to_have_count(0)
    page.keyboard.press("{")
    expect(focused).to_have_attribute("data-lane", str(ben.pk))
    expect(focused).to_have_attribute("data-label", "LOC")
    expect(focused).to_contain_text("Bakary Dembélé")

    # . opens the lanes, at the next lane after gold: ana's; the view button brings it back.
    page.keyboard.press(".")
    expect(page.locator("#reviewer")).to_have_attribute("data-view", "lanes")
    expect(page.locator(f'#lanes [data-lane="{ana.pk}"]')).to_have_attribute(
        "aria-selected", "true"
    )
    page.click("#view-side")
    expect(page.locator("#reviewer")).to_have_attribute("data-view", "side")
    # , from side by side: the lane before the one last shown (ana's), gold.
    page.keyboard.press(",")
    expect(page.locator("#reviewer")).to_have_attribute("data-view", "lanes")
    expect(page.locator('#lanes [data-lane="gold"]')).to_have_attribute("aria-selected", "true")
    page.click("#view-side")
    expect(page.locator("#reviewer")).to_have_attribute("data-view", "side")
    assert csp_violations == []


def test_one_annotator_opens_in_lanes_and_the_address_picks_the_view(live_server, sign_in):
    world = make_world()
    world.project.memberships.filter(user=world.user).update(role="reviewer")
    _annotate(world, UserFactory(username="solo"), [("PER", "Keita")])
    page = sign_in(world.user)
    page.goto(f"{live_server.url}/documents/{world.document.pk}/review/")
    expect(page.locator("#reviewer.ready")).to_be_attached()
    expect(page.locator("#reviewer")).to_have_attribute("data-view", "lanes")
    expect(page.locator("#view-lanes")).to_have_attribute("aria-pressed", "true")
    open_side_by_side(page, live_server, world, "?view=side")
    # With one annotator there is nothing to agree with: no agreement mark.
    expect(page.locator('#curation .cur-item[data-label="PER"]')).to_contain_text("Keita")
    expect(page.locator("#curation .cur-item .cur-mark")).to_have_count(0)


def test_names_and_text_are_shown_as_text(live_server, sign_in, csp_violations):
    world = make_world(text="<img src=x onerror=alert(1)> met <b>Keita</b> today.", username="rev")
    world.project.memberships.filter(user=world.user).update(role="reviewer")
    odd = LabelFactory(project=world.project, name="<i>TAG</i>", kind="entity", shortcut="x")
    world.labels[odd.name] = odd
    for name in ("ana", "<b>ben</b>"):
        _annotate(world, UserFactory(username=name), [("<i>TAG</i>", "<b>Keita</b>")])
    page = open_side_by_side(sign_in(world.user), live_server, world)
    curation = page.locator("#curation")
    expect(curation.locator(".cur-who")).to_contain_text(["Gold", "ana", "<b>ben</b>"])
    expect(curation.locator(".cur-item").first).to_contain_text("<i>TAG</i>")
    expect(curation.locator(".cur-item").first).to_contain_text("<b>Keita</b>")
    expect(curation.locator(".cur-unit-text")).to_contain_text("<img src=x onerror=alert(1)>")
    expect(curation.locator("img, b, i")).to_have_count(0)
    assert csp_violations == []


def test_a_long_document_fills_only_the_blocks_near_the_window(live_server, sign_in):
    paragraphs = [f"Keita met Traore in Bamako, report {n}, on a Monday." for n in range(160)]
    world = make_world(text="\n\n".join(paragraphs), username="rev")
    world.project.memberships.filter(user=world.user).update(role="reviewer")
    text = world.document.text
    for name in ("ana", "ben"):
        user = UserFactory(username=name)
        marks = [("PER", f"Keita met Traore in Bamako, report {n},") for n in range(160)]
        _annotate(world, user, [(label, words) for label, words in marks])
    page = open_side_by_side(sign_in(world.user), live_server, world)
    blocks = page.locator("#curation .cur-unit")
    expect(blocks).to_have_count(161)  # the stances block and 160 paragraphs
    filled = page.locator("#curation .cur-unit.filled")
    expect(filled.first).to_be_attached()
    assert 0 < filled.count() < 60
    last = blocks.last
    expect(last).not_to_have_class(re.compile("filled"))
    # ← from nothing focused: the last item, its block filled on the way.
    page.keyboard.press("ArrowLeft")
    expect(last).to_have_class(re.compile("filled"))
    focused = page.locator("#curation .cur-item:focus")
    expect(focused).to_have_attribute(
        "data-start", str(text.index("Keita met Traore in Bamako, report 159"))
    )
    expect(focused).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("Accepted ben's PER")
    assert [t for _, t in gold_rows(world)] == ["Keita met Traore in Bamako, report 159,"]
    # The gold history shows the accept (and the page has finished asking the server).
    expect(page.locator("#history-list .event")).to_have_count(1)


def test_the_curation_keys_collide_with_no_other_key_of_the_review_page(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    clashes = page.evaluate(
        """async () => {
          const { KEYMAP } = await import('/static/annotations/keys.js');
          const entries = KEYMAP.review;
          const clashes = [];
          entries.forEach((a, i) => entries.slice(i + 1).forEach((b) => {
            const sameContext = (a.when ?? null) === (b.when ?? null) && !!a.ctrl === !!b.ctrl;
            const shift = a.shift === undefined || b.shift === undefined || a.shift === b.shift;
            const keys = a.keys.filter((key) => b.keys.includes(key));
            if (sameContext && shift && keys.length) clashes.push([a.action, b.action, keys]);
          }));
          return { clashes, curation: entries.filter((e) => e.when === 'curation').length };
        }"""
    )
    assert clashes == {"clashes": [], "curation": 6}


@pytest.mark.parametrize("width", WIDTHS)
def test_side_by_side_screenshots(live_server, page, sign_in, width, csp_violations):
    """Pictures for people to look at; asserts only that nothing scrolls sideways."""
    SCREENSHOTS.mkdir(exist_ok=True)
    world, ana, ben = review_world()
    _claim_both_marked(world, ana, ben)
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    open_side_by_side(sign_in(world.user), live_server, world)
    unit = unit_of(page, world.document.text, "regional electoral commission")
    chip(unit, ana.pk, "ORG", "regional electoral commission").click()
    expect(page.locator("#message")).to_contain_text("Accepted")
    page.mouse.move(0, 0)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=SCREENSHOTS / f"review-side-{width}.png")
    claim = unit_of(page, world.document.text, "put turnout")
    claim.scroll_into_view_if_needed()
    claim.screenshot(path=SCREENSHOTS / f"review-side-unit-{width}.png")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"side by side scrolls sideways at {width} width"
    assert csp_violations == []


def test_an_accept_is_shown_at_once_and_its_mark_goes_when_the_server_answers_or_refuses(
    live_server, sign_in
):
    """The item says "going into gold" before the server answers (a held request); the answer
    turns it into gold; a refusal (another reviewer marked the gold reviewed meanwhile) takes
    the mark away and says so, naming the item."""
    world, ana, ben = review_world()
    page = open_side_by_side(sign_in(world.user), live_server, world)
    unit = unit_of(page, world.document.text, "regional electoral commission")
    org = chip(unit, ana.pk, "ORG", "regional electoral commission")
    held = []
    page.route("**/gold/accept/", lambda route: held.append(route))

    org.click()
    expect(org).to_have_attribute("data-accepting", "true")
    expect(org).to_have_attribute("aria-busy", "true")
    expect(page.locator("#save-status")).to_have_text("Saving…")
    assert gold_of(world) is None  # nothing reached the server yet
    for _ in range(100):  # the route's handler runs while Playwright waits
        if held:
            break
        page.wait_for_timeout(20)
    assert len(held) == 1
    held[0].continue_()
    expect(org).to_have_attribute("data-in-gold", "true")
    expect(org).not_to_have_attribute("data-accepting", "true")
    assert gold_rows(world) == [("ORG", "regional electoral commission")]
    page.unroute("**/gold/accept/")

    other = UserFactory(username="cleo")
    world.project.memberships.create(user=other, role="reviewer")
    gold_set_reviewed(document=world.document, reviewed=True, actor=other)
    stance = row(page.locator("#curation .cur-stances"), ben.pk).locator(".cur-item")
    stance.click()
    expect(page.locator("#message")).to_contain_text(
        "Not done: ben's stance AGAINST on “the French intervention”"
    )
    expect(stance).not_to_have_attribute("data-accepting", "true")
    expect(stance).to_have_attribute("data-in-gold", "false")
    assert not Stance.objects.filter(annotation=gold_of(world)).exists()


# What a click at the middle of an element's box would reach: the topmost element there.
HIT = """(selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  const name = hit ? hit.id || hit.className || hit.tagName : "nothing";
  return name + (hit?.closest(selector) ? ":inside" : ":outside");
}"""


def test_the_hidden_view_takes_no_click_of_the_view_shown(live_server, sign_in):
    # Both views share one grid cell, the hidden one skipped (content-visibility) but still a
    # box there: a click at the top of the view shown must reach it, whichever is shown.
    world, _ana, _ben = review_world()
    page = open_side_by_side(sign_in(world.user), live_server, world)
    page.locator("#curation .curation-hint").scroll_into_view_if_needed()
    assert page.evaluate(HIT, "#curation .curation-hint").endswith(":inside")
    page.keyboard.press(".")
    expect(page.locator("#reviewer")).to_have_attribute("data-view", "lanes")
    page.locator("#lanes").scroll_into_view_if_needed()
    assert page.evaluate(HIT, "#lanes").endswith(":inside")
    page.locator("#view-side").click()
    expect(page.locator("#reviewer")).to_have_attribute("data-view", "side")
    assert page.evaluate(HIT, "#curation .curation-hint").endswith(":inside")
