"""The claim record panel on the annotate page: opened with r on a claim, every field edited,
evidence added (a passage of the text selection, an external source shown as text) and
removed, saved through the save queue; after a reload the panel shows what the server holds."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Annotation, ClaimRecord, Span
from annotations.services import matching
from annotations.services.annotating import annotation_get_or_create
from tests.browser.annotating import (
    World,
    highlight,
    make_world,
    open_document,
    select_words,
    wait_saved,
)
from tests.browser.test_curation import chip, open_side_by_side, unit_of
from tests.browser.test_review import _claim_both_marked, review_world
from tests.factories import DocumentFactory
from tests.services.matching_fixtures import claim_in_new_document

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
CLAIM = "about 1,500 troops are involved in the operation"
# Stored as given, shown as text: markup in a title must come out as the characters typed.
TITLE = "<b>Ministry</b> & press release"
URL = "https://gov.example/press?id=7&lang=fr"


def started(world: World) -> Annotation:
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    return annotation


def claim_and_open_record(page: Page, world: World) -> tuple[int, int]:
    start, end = select_words(page, world.document.text, CLAIM)
    page.keyboard.press("c")
    expect(highlight(page, "CLAIM", start)).to_be_visible()
    page.keyboard.press("r")
    expect(page.locator("#claim-record-panel")).to_be_visible()
    return start, end


def server_record(page: Page, live_server, span_id: int) -> dict:
    answer = page.request.get(f"{live_server.url}/api/spans/{span_id}/claim-record/")
    assert answer.ok, answer.text()
    return answer.json()


def test_claim_record_is_edited_saved_and_shown_again_after_a_reload(
    live_server, sign_in, csp_violations
):
    world = make_world()
    annotation = started(world)
    page = open_document(sign_in(world.user), live_server, world.document)
    panel = page.locator("#claim-record-panel")
    expect(panel).to_be_hidden()
    claim_and_open_record(page, world)
    expect(page.locator("#claim-record-of")).to_have_text(CLAIM)
    expect(page.locator("#record-normalized")).to_be_focused()
    expect(page.locator("#record-no-evidence")).to_be_visible()

    page.locator("#record-normalized").fill("About 1,500 French troops take part in the operation.")
    page.keyboard.press("Tab")
    page.locator("#record-date").fill("2024-03-04")
    page.locator("#record-date").dispatch_event("change")
    page.locator("#record-type").fill("numerical")
    page.keyboard.press("Tab")
    verdicts = page.locator("#record-verdict option")
    expect(verdicts).to_have_text(["(no verdict yet)", "SUPPORTS", "REFUTES", "NOT ENOUGH INFO"])
    page.locator("#record-verdict").select_option("REFUTES")
    page.locator("#record-justification").fill("The ministry said 1,200.")
    page.keyboard.press("Tab")

    # A passage: the text selection, added without losing it to the click.
    select_words(page, world.document.text, "Keita met Macron")
    page.locator("#record-add-passage").click()
    expect(page.locator("#record-evidence li")).to_have_count(1)
    expect(page.locator("#record-evidence li q")).to_have_text("Keita met Macron")

    # A refused address is said, and nothing is added.
    page.locator("#record-source-url").fill("javascript:alert(1)")
    page.locator("#record-add-source").click()
    expect(page.locator("#message")).to_contain_text("Give an http or https address")
    expect(page.locator("#record-evidence li")).to_have_count(1)

    page.locator("#record-source-url").fill(URL)
    page.locator("#record-source-title").fill(TITLE)
    page.locator("#record-source-date").fill("2024-03-05")
    page.locator("#record-add-source").click()
    page.locator("#record-source-url").fill("https://removed.example/")
    page.locator("#record-add-source").click()
    expect(page.locator("#record-evidence li")).to_have_count(3)
    page.get_by_role("button", name="Remove evidence 3").click()
    expect(page.locator("#record-evidence li")).to_have_count(2)
    link = page.locator("#record-evidence li a")
    expect(link).to_have_text(TITLE)
    expect(link).to_have_attribute("href", URL)
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    assert page.locator("#record-evidence b").count() == 0
    wait_saved(page)

    span = annotation.spans.get(label=world.labels["CLAIM"])
    stored = server_record(page, live_server, span.pk)
    start = world.document.text.index("Keita")
    assert {key: stored[key] for key in ("normalized_text", "claim_date", "claim_type")} == {
        "normalized_text": "About 1,500 French troops take part in the operation.",
        "claim_date": "2024-03-04",
        "claim_type": "numerical",
    }
    assert (stored["verdict"], stored["justification"]) == ("REFUTES", "The ministry said 1,200.")
    assert stored["evidence"] == [
        {
            "document": world.document.pk,
            "start": start,
            "end": start + 16,
            "text": "Keita met Macron",
        },
        {"url": URL, "title": TITLE, "published": "2024-03-05"},
    ]
    # The edits are changes of the annotation, logged: the last event holds the record.
    last = annotation.events.filter(action="claim_record_changed").latest("version")
    assert last.after == {key: value for key, value in stored.items() if key in last.after}
    assert last.version == stored["version"]

    page.reload()
    expect(page.locator("#annotator.ready")).to_be_attached()
    highlight(page, "CLAIM", world.document.text.index(CLAIM)).click()
    page.keyboard.press("r")
    expect(page.locator("#record-verdict")).to_have_value("REFUTES")
    expect(page.locator("#record-normalized")).to_have_value(
        "About 1,500 French troops take part in the operation."
    )
    expect(page.locator("#record-date")).to_have_value("2024-03-04")
    expect(page.locator("#record-type")).to_have_value("numerical")
    expect(page.locator("#record-justification")).to_have_value("The ministry said 1,200.")
    expect(page.locator("#record-evidence li")).to_have_count(2)
    page.locator("#record-close").click()
    expect(panel).to_be_hidden()
    assert csp_violations == []


def test_claim_record_edit_is_undone_like_any_other(live_server, sign_in, csp_violations):
    world = make_world()
    started(world)
    page = open_document(sign_in(world.user), live_server, world.document)
    claim_and_open_record(page, world)
    page.locator("#record-verdict").select_option("SUPPORTS")
    wait_saved(page)
    page.locator("#record-close").click()
    page.keyboard.press("Control+z")
    wait_saved(page)
    page.keyboard.press("r")
    expect(page.locator("#record-verdict")).to_have_value("")
    # The first save made the record; undoing it takes the record away again.
    assert not ClaimRecord.objects.exists()
    assert csp_violations == []


def test_r_without_a_claim_selected_says_so(live_server, sign_in):
    world = make_world()
    started(world)
    page = open_document(sign_in(world.user), live_server, world.document)
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(page.locator("#claim-record-panel")).to_be_hidden()


@pytest.mark.parametrize("width", [1280, 768])
def test_claim_record_panel_screenshots(live_server, sign_in, width):
    world = make_world()
    started(world)
    page = sign_in(world.user)
    page.set_viewport_size({"width": width, "height": 1000})
    open_document(page, live_server, world.document)
    claim_and_open_record(page, world)
    page.locator("#record-verdict").select_option("REFUTES")
    page.locator("#record-source-url").fill(URL)
    page.locator("#record-source-title").fill(TITLE)
    page.locator("#record-add-source").click()
    select_words(page, world.document.text, "Keita met Macron")
    page.locator("#record-add-passage").click()
    wait_saved(page)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"claim-record-{width}.png", full_page=True)
    page.locator("#claim-record-panel").screenshot(
        path=SCREENSHOTS / f"claim-record-panel-{width}.png"
    )


def test_side_by_side_review_shows_where_verdicts_differ(live_server, sign_in, csp_violations):
    world, ana, ben = review_world()
    start, end = _claim_both_marked(world, ana, ben)
    for annotation, verdict in ((ana, "REFUTES"), (ben, "SUPPORTS")):
        span = annotation.spans.get(label__kind="claim", start=start, end=end)
        ClaimRecord.objects.create(span=span, verdict=verdict)
    page = open_side_by_side(sign_in(world.user), live_server, world)
    unit = unit_of(page, world.document.text, "put turnout at 41 per cent")
    diffs = chip(unit, ana.pk, "CLAIM", "put turnout").locator(".cur-diff")
    expect(diffs.last).to_have_text("verdict: ana says REFUTES, ben says SUPPORTS")
    assert csp_violations == []


def test_store_applies_undoes_and_recognises_a_claim_record_and_rebase_judges_it(live_server, page):
    """store.js and rebase.js on "claimrecord.put", in Chromium (their modules as loaded)."""
    page.goto(f"{live_server.url}/accounts/login/")
    found = page.evaluate(
        """async () => {
          const { Store } = await import('/static/annotations/store.js');
          const { judge } = await import('/static/annotations/rebase.js');
          const store = new Store({
            id: 1, version: 3, status: "in_progress", relations: [], stances: [],
            spans: [{ id: 9, client_id: null, label: 4, start: 0, end: 5, text: "Keita",
                      claimant: null, claimant_text: "", checkworthy: "", attributes: {} }],
            claim_records: [
              { span: 9, verdict: "SUPPORTS", evidence: [{ url: "https://a.example/" }] },
            ],
          });
          const loaded = store.records.get("span-9");
          const record = { ...loaded, verdict: "REFUTES" };
          const op = { type: "claimrecord.put", key: "span-9", record };
          const inverse = store.apply(op);
          const after = store.records.get("span-9").verdict;
          const shows = store.shows(op);
          store.apply(inverse);
          const gone = store.apply({ type: "span.delete", key: "span-9" });
          const context = { labels: new Map(), targets: new Map(), newKey: () => "k" };
          return {
            loaded, after, shows, back: store.records.get("span-9")?.verdict ?? null,
            inverseVerdict: inverse.record.verdict, recordAfterDelete: store.records.has("span-9"),
            staleWithoutSpan: judge({ spans: new Map() }, op, context).verdict,
            applyWithSpan: judge({ spans: new Map([["span-9", {}]]) }, op, context).verdict,
            restoredSpan: gone.type,
          };
        }"""
    )
    assert found["loaded"] == {
        "normalized_text": "",
        "claim_date": None,
        "claim_type": "",
        "verdict": "SUPPORTS",
        "justification": "",
        "evidence": [{"url": "https://a.example/", "title": "", "published": None}],
    }
    assert (found["after"], found["shows"], found["inverseVerdict"]) == (
        "REFUTES",
        True,
        "SUPPORTS",
    )
    assert found["recordAfterDelete"] is False
    assert (found["staleWithoutSpan"], found["applyWithSpan"]) == ("stale", "apply")
    assert found["restoredSpan"] == "span.create"


def test_a_match_of_another_document_is_added_as_evidence_to_the_open_record(
    live_server, sign_in, csp_violations
):
    world = make_world()
    started(world)
    # The matched claim sits after an emoji: its offsets are code points, not UTF-16 units.
    other_text = "📣 Update: roughly fifteen hundred soldiers take part in the operation."
    other = DocumentFactory(project=world.project, text=other_text)
    gold = Annotation.objects.create(document=other, kind="gold", status="submitted")
    start = other_text.index("roughly")
    matched = Span.objects.create(
        annotation=gold,
        label=world.labels["CLAIM"],
        start=start,
        end=len(other_text) - 1,
        text=other_text[start:-1],
    )
    matching.claim_index_sync(project_id=world.project.pk)
    page = open_document(sign_in(world.user), live_server, world.document)
    claim_and_open_record(page, world)
    wait_saved(page)

    page.locator('#document-text [data-label="CLAIM"]').first.click()
    page.keyboard.press("i")
    match = page.locator(f'#matches-list .match[data-span-id="{matched.pk}"]')
    match.get_by_role("button", name="Use as evidence").click()
    item = page.locator("#record-evidence li")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(f"document {other.pk} [{start}, {len(other_text) - 1})")
    wait_saved(page)
    # Twice is refused, with a word.
    match.get_by_role("button", name="Use as evidence").click()
    expect(page.locator("#message")).to_contain_text("That passage is already evidence.")
    expect(item).to_have_count(1)

    own = Annotation.objects.get(document=world.document, author=world.user)
    claim = own.spans.get(label=world.labels["CLAIM"])
    record = server_record(page, live_server, claim.pk)
    assert record["evidence"] == [
        {"document": other.pk, "start": start, "end": len(other_text) - 1, "text": matched.text}
    ]


def test_use_as_evidence_without_an_open_record_says_how(live_server, sign_in, csp_violations):
    world = make_world()
    started(world)
    claim_in_new_document(
        world.project, world.labels["CLAIM"], "Roughly 1,500 troops are involved."
    )
    matching.claim_index_sync(project_id=world.project.pk)
    page = open_document(sign_in(world.user), live_server, world.document)
    claim_and_open_record(page, world)
    page.locator("#record-close").click()
    expect(page.locator("#claim-record-panel")).to_be_hidden()
    page.locator('#document-text [data-label="CLAIM"]').first.click()
    page.keyboard.press("i")
    page.locator("#matches-list .match").first.get_by_role("button", name="Use as evidence").click()
    expect(page.locator("#message")).to_contain_text("Open a claim's record first")
    wait_saved(page)
    own = Annotation.objects.get(document=world.document, author=world.user)
    assert not ClaimRecord.objects.filter(span__annotation=own).exists()


def test_accepting_claims_one_by_one_carries_and_merges_their_records(
    live_server, sign_in, csp_violations
):
    world, ana, ben = review_world()
    start, end = _claim_both_marked(world, ana, ben)
    for annotation, verdict in ((ana, "REFUTES"), (ben, "SUPPORTS")):
        span = annotation.spans.get(label__kind="claim", start=start, end=end)
        ClaimRecord.objects.create(span=span, verdict=verdict, justification=f"{verdict} said")
    page = open_side_by_side(sign_in(world.user), live_server, world)
    unit = unit_of(page, world.document.text, "put turnout at 41 per cent")
    message = page.locator("#message")

    chip(unit, ana.pk, "CLAIM", "put turnout").click()
    expect(message).to_contain_text("into gold")
    expect(message).not_to_contain_text("verdicts differ")
    chip(unit, ben.pk, "CLAIM", "put turnout").click()
    expect(message).to_contain_text(
        "Claim record merged; verdicts differ (gold: REFUTES, ben: SUPPORTS),"
        " gold's verdict: empty."
    )

    gold = Annotation.objects.get(document=world.document, kind="gold")
    claim = gold.spans.get(label__kind="claim")
    record = server_record(page, live_server, claim.pk)
    assert record["verdict"] == ""
    assert record["justification"] == ""  # a tie of two justifications
    assert csp_violations == []
