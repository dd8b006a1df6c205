"""The annotate page as an annotator uses it: select, press a key, and the server has it."""

import re

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation, Span, Stance
from annotations.services.annotating import annotation_get_or_create
from annotations.services.ingest import documents_import_file
from tests.browser.annotating import (
    highlight,
    make_world,
    open_document,
    own_annotation,
    select,
    select_words,
    wait_saved,
)
from tests.factories import DocumentFactory, SpanFactory

pytestmark = pytest.mark.django_db(transaction=True)


def start_document(page, live_server, document):
    """Open the annotate page of ``document`` and start annotating it, as an annotator does.

    Opening (a GET) only shows the text; "Start annotating this document" (a POST) makes the
    annotation. A document already started opens ready to annotate.
    """
    open_document(page, live_server, document)
    start = page.locator("#start-button")
    if start.count():
        with page.expect_navigation():
            start.click()
        expect(page.locator("#annotator.ready")).to_be_attached()
        expect(page.locator("#submit-button")).to_be_visible()
    return page


def test_selecting_text_and_pressing_a_shortcut_stores_the_span(
    live_server, sign_in, csp_violations
):
    world = make_world()
    page = start_document(sign_in(world.user), live_server, world.document)
    text = world.document.text
    # Part of a word: the selection snaps out to the whole word.
    select(page, text, 1, 4)
    page.keyboard.press("p")
    wait_saved(page)

    span = Span.objects.get(annotation__author=world.user)
    assert (span.start, span.end, span.text, span.label.name) == (0, 5, "Keita", "PER")
    element = highlight(page, "PER", 0)
    expect(element).to_have_attribute("data-span-id", str(span.pk))
    expect(element).to_have_attribute("data-end", "5")
    expect(element).to_have_text("Keita")
    # The API reads the same.
    api = page.request.get(f"{live_server.url}/api/annotations/{span.annotation_id}/").json()
    assert [(s["start"], s["end"], s["text"]) for s in api["spans"]] == [(0, 5, "Keita")]
    assert csp_violations == []


def test_double_clicking_a_word_and_clicking_a_label(live_server, sign_in):
    world = make_world()
    page = start_document(sign_in(world.user), live_server, world.document)
    box = page.evaluate(
        """() => {
            const root = document.getElementById("document-text");
            const node = document.createTreeWalker(root, NodeFilter.SHOW_TEXT).nextNode();
            const at = node.data.indexOf("Bamako");
            const range = document.createRange();
            range.setStart(node, at + 2);
            range.setEnd(node, at + 3);
            const rect = range.getBoundingClientRect();
            return {x: rect.x + rect.width / 2, y: rect.y + rect.height / 2};
        }"""
    )
    page.mouse.dblclick(box["x"], box["y"])
    page.click('.label-button[data-label="LOC"]')
    wait_saved(page)
    span = Span.objects.get(annotation__author=world.user)
    assert (span.text, span.label.name) == ("Bamako", "LOC")


def _import(world, path):
    with path.open("rb") as stream:
        report = documents_import_file(project=world.project, name=path.name, stream=stream)
    return world.project.documents.get(pk=report["created"][0]["id"])


def test_spans_over_emoji_cjk_combining_marks_and_arabic_keep_exact_offsets(
    live_server, sign_in, corpus, csp_violations
):
    world = make_world()
    path = corpus.edge("unicode_mix.txt")
    document = _import(world, path)
    text = document.text
    assert text == path.read_text(encoding="utf-8")  # stored as it came
    page = start_document(sign_in(world.user), live_server, document)

    expected = []
    # A flag, CJK, a combining accent, Arabic, a precomposed accent: each a whole word.
    for (_what, selected), key in zip(corpus.expected.unicode_words, "plolp", strict=True):
        start, end = select_words(page, text, selected)
        page.keyboard.press(key)
        wait_saved(page)
        expected.append((start, end, selected))

    stored = Span.objects.filter(annotation__document=document)
    assert sorted(stored.values_list("start", "end", "text")) == sorted(expected)
    for start, end, span_text in expected:
        assert text[start:end] == span_text
        element = page.locator(f'#document-text [data-start="{start}"][data-end="{end}"]')
        expect(element.first).to_have_text(span_text)
    assert csp_violations == []


def test_a_selection_leaving_out_a_combining_mark_takes_it_in(live_server, sign_in, corpus):
    world = make_world()
    document = _import(world, corpus.edge("unicode_mix.txt"))
    page = start_document(sign_in(world.user), live_server, document)
    start = document.text.index("e\u0301")
    select(page, document.text, start, start + 1)  # the "e" without its accent
    page.keyboard.press("p")
    wait_saved(page)
    span = Span.objects.get()
    assert (span.start, span.end, span.text) == (start, start + 2, "e\u0301")


def test_snapping_can_be_turned_off_to_label_one_emoji_of_two(live_server, sign_in, corpus):
    world = make_world()
    document = _import(world, corpus.edge("unicode_mix.txt"))
    text = document.text
    page = start_document(sign_in(world.user), live_server, document)
    page.uncheck("#snap-toggle")
    emoji = corpus.expected.twin_emoji
    start = text.index(emoji * 2)
    select(page, text, start, start + 1)
    page.keyboard.press("o")
    wait_saved(page)
    span = Span.objects.get(annotation__document=document)
    assert (span.start, span.end, span.text) == (start, start + 1, emoji)


def test_clicking_a_span_then_a_label_key_relabels_it_and_delete_removes_it(live_server, sign_in):
    world = make_world()
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    span = SpanFactory(annotation=annotation, label=world.labels["PER"], start=10, end=16)
    page = start_document(sign_in(world.user), live_server, world.document)

    highlight(page, "PER", 10).click()
    expect(page.locator("#selection-text")).to_have_text("Macron")
    page.keyboard.press("o")
    wait_saved(page)
    span.refresh_from_db()
    assert span.label.name == "ORG"
    expect(highlight(page, "ORG", 10)).to_have_text("Macron")

    page.keyboard.press("Delete")
    wait_saved(page)
    assert not Span.objects.filter(annotation=annotation).exists()
    expect(page.locator("#document-text [data-span-id]")).to_have_count(0)

    # Ctrl+Z brings it back (a new span with the same range and label).
    page.keyboard.press("Control+z")
    wait_saved(page)
    restored = Span.objects.get(annotation=annotation)
    assert (restored.start, restored.end, restored.label.name) == (10, 16, "ORG")
    expect(highlight(page, "ORG", 10)).to_have_attribute("data-span-id", str(restored.pk))


def test_a_claim_with_its_claimant_and_checkworthiness(live_server, sign_in):
    world = make_world()
    text = world.document.text
    page = start_document(sign_in(world.user), live_server, world.document)
    select_words(page, text, "ministry")
    page.keyboard.press("o")
    claim_start, claim_end = select_words(page, text, "about 1,500 troops are involved")
    page.keyboard.press("c")
    expect(page.locator("#claim-panel")).to_be_visible()
    page.keyboard.press("y")
    page.click("#claimant-pick")
    highlight(page, "ORG", text.index("ministry")).click()
    wait_saved(page)

    annotation = own_annotation(world)
    claim = Span.objects.get(annotation=annotation, label__name="CLAIM")
    ministry = Span.objects.get(annotation=annotation, label__name="ORG")
    assert (claim.start, claim.end) == (claim_start, claim_end)
    assert (claim.checkworthy, claim.claimant_id, claim.claimant_text) == ("yes", ministry.pk, "")
    expect(page.locator('[data-checkworthy="yes"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#claimant-select")).to_have_value(str(ministry.client_id))

    # A source that is not in the text replaces the claimant span; "u" changes the value.
    page.fill("#claimant-text", "a news agency")
    page.press("#claimant-text", "Enter")
    page.press("#claimant-text", "Escape")
    page.keyboard.press("u")
    wait_saved(page)
    claim.refresh_from_db()
    assert (claim.claimant_id, claim.claimant_text, claim.checkworthy) == (
        None,
        "a news agency",
        "unsure",
    )


def test_a_stance_with_holder_and_evidence(live_server, sign_in):
    world = make_world()
    text = world.document.text
    page = start_document(sign_in(world.user), live_server, world.document)
    select_words(page, text, "Keita")
    page.keyboard.press("p")
    page.keyboard.press("Escape")  # deselect the new span
    page.keyboard.press("1")
    page.keyboard.press("a")
    page.keyboard.press("h")
    highlight(page, "PER", 0).click()
    evidence_range = select_words(page, text, "met Macron in Bamako")
    page.keyboard.press("e")
    page.keyboard.press("c")  # the evidence picker asks which label: CLAIM
    wait_saved(page)

    stance = Stance.objects.with_links().select_related("label", "target").get()
    assert stance.target == world.targets[0]
    assert stance.label.name == "AGAINST"
    assert (stance.holder.start, stance.holder.end) == (0, 5)
    assert (stance.evidence.start, stance.evidence.end) == evidence_range
    assert stance.evidence.text == "met Macron in Bamako"
    row = page.locator(f'.target[data-target-id="{world.targets[0].pk}"] .stance-row').first
    expect(row.locator('[data-label="AGAINST"]')).to_have_attribute("aria-pressed", "true")

    # "0" clears the value again: the stance goes.
    page.keyboard.press("0")
    wait_saved(page)
    assert not Stance.objects.exists()


def test_n_only_means_check_worthy_no_and_neutral_has_its_own_key(live_server, sign_in):
    world = make_world()
    text = world.document.text
    page = start_document(sign_in(world.user), live_server, world.document)
    select_words(page, text, "about 1,500 troops")
    page.keyboard.press("c")
    page.keyboard.press("n")
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    page.keyboard.press("n")  # with a target active: nothing (n is no stance value)
    page.keyboard.press("t")
    wait_saved(page)

    assert Span.objects.get().checkworthy == "no"
    stance = Stance.objects.select_related("label").get()
    assert (stance.target, stance.label.name) == (world.targets[0], "NEUTRAL")
    page.keyboard.press("?")
    keys = page.locator("#help dl.keys > div").filter(has_text="NEUTRAL").locator("dt")
    expect(keys).to_have_text("t")


def test_submit_opens_the_next_document_and_progress_counts_it(live_server, sign_in):
    world = make_world()
    second = DocumentFactory(project=world.project, text="Gao is quiet tonight.")
    page = sign_in(world.user)
    page.goto(f"{live_server.url}/projects/{world.project.pk}/annotate/")
    page.get_by_role("button", name="Start annotating").click()
    expect(page).to_have_url(re.compile(rf"/documents/{world.document.pk}/annotate/$"))
    expect(page.locator("#annotator.ready")).to_be_attached()
    expect(page.locator(".progress-text")).to_have_text("0 of 2 done")
    select_words(page, world.document.text, "Bamako")
    page.keyboard.press("l")
    page.keyboard.press("Control+Enter")

    expect(page).to_have_url(re.compile(rf"/documents/{second.pk}/annotate/$"))
    expect(page.locator(".progress-text")).to_have_text("1 of 2 done")
    first = Annotation.objects.get(document=world.document, author=world.user)
    assert first.status == "submitted"
    assert first.spans.get().text == "Bamako"

    page.click("#skip-button")
    expect(page.get_by_role("heading", name="All done")).to_be_visible()
    assert Annotation.objects.get(document=second, author=world.user).status == "skipped"
    expect(page.locator(".progress-text")).to_have_text("2 of 2 done")


def test_a_reload_shows_exactly_what_was_saved(live_server, sign_in):
    world = make_world()
    text = world.document.text
    page = start_document(sign_in(world.user), live_server, world.document)
    select_words(page, text, "ministry")
    page.keyboard.press("o")
    select_words(page, text, "about 1,500 troops")
    page.keyboard.press("c")
    page.keyboard.press("n")
    page.keyboard.press("Escape")
    page.keyboard.press("2")
    page.keyboard.press("f")
    wait_saved(page)

    def state():
        return page.locator("#document-text [data-span-id]").evaluate_all(
            "els => els.map(e => [e.dataset.spanId, e.dataset.label, e.dataset.start,"
            " e.dataset.end, e.textContent])"
        )

    before = state()
    page.reload()
    expect(page.locator("#annotator.ready")).to_be_attached()
    assert state() == before
    assert all(span_id for span_id, *_ in before)
    highlight(page, "CLAIM", text.index("about")).click()
    expect(page.locator('[data-checkworthy="no"]')).to_have_attribute("aria-pressed", "true")
    block = page.locator(f'.target[data-target-id="{world.targets[1].pk}"]')
    expect(block.locator('[data-label="FAVOR"]')).to_have_attribute("aria-pressed", "true")


def test_markup_in_a_document_shows_as_text_and_never_runs(
    live_server, sign_in, corpus, dialogs, csp_violations
):
    world = make_world()
    document = _import(world, corpus.edge("markup.txt"))
    page = start_document(sign_in(world.user), live_server, document)

    text_box = page.locator("#document-text")
    assert text_box.evaluate("el => el.textContent") == document.text
    assert text_box.locator("script, img").count() == 0
    words = corpus.expected.markup_words
    assert "&amp;" in words
    start, end = select_words(page, document.text, words)
    page.keyboard.press("o")
    wait_saved(page)
    assert Span.objects.get().text == words == document.text[start:end]
    page.reload()
    expect(page.locator("#annotator.ready")).to_be_attached()
    assert dialogs == []
    assert csp_violations == []


def test_a_failed_save_is_shown_and_retried(live_server, sign_in):
    world = make_world()
    page = start_document(sign_in(world.user), live_server, world.document)
    failures = []

    def fail_first(route):
        if route.request.method == "POST" and not failures:
            failures.append(route.request.post_data_json)
            route.fulfill(status=500, body="boom")
        else:
            route.continue_()

    page.route("**/api/annotations/*/spans/", fail_first)
    select_words(page, world.document.text, "Macron")
    page.keyboard.press("p")
    # Shown at once, marked unsaved, and the failure is said.
    expect(highlight(page, "PER", 10)).to_have_attribute("data-span-id", "")
    expect(page.locator("#save-status")).to_have_text("Save failed — retrying")
    wait_saved(page)
    span = Span.objects.get()
    assert (span.text, str(span.client_id)) == ("Macron", failures[0]["client_id"])
    expect(highlight(page, "PER", 10)).to_have_attribute("data-span-id", str(span.pk))


def test_changes_made_offline_survive_a_reload_and_are_saved_once(live_server, sign_in):
    world = make_world()
    page = start_document(sign_in(world.user), live_server, world.document)
    page.route("**/api/annotations/**", lambda route: route.abort("internetdisconnected"))
    select_words(page, world.document.text, "Bamako")
    page.keyboard.press("l")
    expect(page.locator("#save-status")).to_have_text("Save failed — retrying")
    page.reload()
    expect(page.locator("#annotator.ready")).to_be_attached()
    # Still not saved, yet shown: it came back from the browser's storage.
    expect(highlight(page, "LOC", 20)).to_have_text("Bamako")
    assert not Span.objects.exists()
    page.unroute("**/api/annotations/**")
    wait_saved(page)
    assert list(Span.objects.values_list("text", flat=True)) == ["Bamako"]


def test_keyboard_only_labelling_with_arrow_keys(live_server, sign_in):
    world = make_world()
    page = start_document(sign_in(world.user), live_server, world.document)
    page.focus("#document-text")
    page.keyboard.press("ArrowRight")  # "Keita"
    page.keyboard.press("p")
    page.keyboard.press("ArrowRight")  # "met"
    page.keyboard.press("ArrowRight")  # "Macron"
    page.keyboard.press("Shift+ArrowRight")  # "Macron in"
    page.keyboard.press("Shift+ArrowRight")  # "Macron in Bamako"
    page.keyboard.press("o")
    wait_saved(page)
    assert sorted(Span.objects.values_list("text", "label__name")) == [
        ("Keita", "PER"),
        ("Macron in Bamako", "ORG"),
    ]


def test_overlapping_spans_of_other_kinds_nest_and_crossing_ones_are_split(live_server, sign_in):
    world = make_world(allow_overlap=True)
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    claim = SpanFactory(annotation=annotation, label=world.labels["CLAIM"], start=0, end=16)
    keita = SpanFactory(annotation=annotation, label=world.labels["PER"], start=0, end=5)
    crossing = SpanFactory(annotation=annotation, label=world.labels["ORG"], start=10, end=26)
    page = start_document(sign_in(world.user), live_server, world.document)

    pieces = page.locator(f'#document-text [data-span-id="{crossing.pk}"]')
    expect(pieces).to_have_count(2)
    assert pieces.evaluate_all("els => els.map(e => e.textContent).join('')") == (
        "Macron in Bamako"
    )
    nested = page.locator(f'[data-span-id="{claim.pk}"] > [data-span-id="{keita.pk}"]')
    expect(nested).to_have_text("Keita")
    for span in (claim, keita, crossing):
        element = page.locator(f'[data-span-id="{span.pk}"]').first
        expect(element).to_have_attribute("data-start", str(span.start))
        expect(element).to_have_attribute("data-end", str(span.end))


def test_overlap_of_the_same_kind_is_refused_with_a_message(live_server, sign_in):
    world = make_world()
    page = start_document(sign_in(world.user), live_server, world.document)
    select_words(page, world.document.text, "Macron in")
    page.keyboard.press("p")
    wait_saved(page)
    select_words(page, world.document.text, "in Bamako")
    page.keyboard.press("l")
    expect(page.locator("#message")).to_contain_text("overlaps")
    assert Span.objects.count() == 1


def test_help_overlay_lists_every_shortcut(live_server, sign_in):
    world = make_world()
    page = start_document(sign_in(world.user), live_server, world.document)
    page.keyboard.press("?")
    help_dialog = page.locator("#help")
    expect(help_dialog).to_be_visible()
    for name in ("PER", "ORG", "LOC", "CLAIM", "FAVOR", "AGAINST", "NEUTRAL"):
        expect(help_dialog).to_contain_text(name)
    for keys in ("Ctrl", "Enter", "Z", "Del", "Esc", "y", "h", "e"):
        expect(help_dialog.locator("kbd", has_text=keys).first).to_be_visible()
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()


def test_a_submitted_annotation_opens_read_only(live_server, sign_in):
    world = make_world()
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    annotation.status = "submitted"
    annotation.save()
    page = start_document(sign_in(world.user), live_server, world.document)
    expect(page.locator(".notice")).to_contain_text("read-only")
    select_words(page, world.document.text, "Macron")
    page.keyboard.press("p")
    expect(page.locator("#message")).to_contain_text("read-only")
    assert not Span.objects.exists()


def test_saving_goes_on_after_a_log_in_elsewhere_rotates_the_csrf_token(live_server, sign_in):
    world = make_world()
    page = start_document(sign_in(world.user), live_server, world.document)
    # Logging in again in another tab gives the browser a new CSRF cookie.
    page.context.add_cookies([{"name": "csrftoken", "value": "r" * 32, "url": live_server.url}])
    select_words(page, world.document.text, "Macron")
    page.keyboard.press("p")
    wait_saved(page)
    assert list(Span.objects.values_list("text", flat=True)) == ["Macron"]


def test_two_holders_take_sides_on_one_target_chosen_from_the_lists(live_server, sign_in):
    world = make_world()
    text = world.document.text
    page = start_document(sign_in(world.user), live_server, world.document)
    select_words(page, text, "Macron")
    page.keyboard.press("p")
    wait_saved(page)
    macron = Span.objects.get()
    target = world.targets[0]
    block = page.locator(f'.target[data-target-id="{target.pk}"]')
    # The document's author is in favour (keys), Macron against (lists and buttons).
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    page.keyboard.press("f")
    block.get_by_role("button", name="+ Another holder").click()
    second = block.locator(".stance-row").nth(1)
    second.locator("select").first.select_option(str(macron.client_id))
    second.get_by_role("button", name="AGAINST").click()
    # Evidence: the selected highlight itself, with "e".
    highlight(page, "PER", 10).click()
    page.keyboard.press("e")
    wait_saved(page)
    stances = sorted(
        Stance.objects.with_links().values_list(
            "label__name", "holder_id", "evidence_id", "target_id"
        )
    )
    assert stances == [
        ("AGAINST", macron.pk, macron.pk, target.pk),
        ("FAVOR", None, None, target.pk),
    ]
    page.reload()
    expect(page.locator("#annotator.ready")).to_be_attached()
    expect(block.locator(".stance-row")).to_have_count(2)


def test_a_claimant_source_is_limited_in_characters_not_utf16_units(live_server, sign_in):
    # 300 emoji are 300 characters (600 UTF-16 units): within the 500-character limit, kept
    # whole; 501 are refused on the page with the limit, and nothing is sent.
    world = make_world()
    text = world.document.text
    page = start_document(sign_in(world.user), live_server, world.document)
    select_words(page, text, "about 1,500 troops are involved")
    page.keyboard.press("c")
    wait_saved(page)
    page.fill("#claimant-text", "🐪" * 300)
    page.press("#claimant-text", "Enter")
    wait_saved(page)
    claim = Span.objects.get(annotation=own_annotation(world), label__name="CLAIM")
    assert claim.claimant_text == "🐪" * 300

    page.fill("#claimant-text", "🐪" * 501)
    page.press("#claimant-text", "Enter")
    expect(page.locator("#message")).to_contain_text(
        "That source has 501 characters; the limit is 500."
    )
    claim.refresh_from_db()
    assert claim.claimant_text == "🐪" * 300


# Reading never writes; skip asks first and can be taken back


def test_opening_a_document_shows_it_read_only_until_start(live_server, sign_in, csp_violations):
    world = make_world()
    page = open_document(sign_in(world.user), live_server, world.document)
    expect(page.locator("#not-started")).to_be_visible()
    expect(page.locator("#start-button")).to_be_focused()
    select_words(page, world.document.text, "Macron")
    page.keyboard.press("p")
    expect(page.locator("#message")).to_contain_text("Start annotating this document")
    assert not Annotation.objects.exists()

    page.keyboard.press("Enter")  # the focused button: one key to start
    expect(page.locator("#submit-button")).to_be_visible()
    expect(page.locator("#annotator.ready")).to_be_attached()
    select_words(page, world.document.text, "Macron")
    page.keyboard.press("p")
    wait_saved(page)
    assert own_annotation(world).spans.get().text == "Macron"
    assert csp_violations == []


def _label_two_spans(page, world):
    text = world.document.text
    for words, key in (("Keita", "p"), ("Bamako", "l")):
        select_words(page, text, words)
        page.keyboard.press(key)
    wait_saved(page)
    return sorted(Span.objects.values_list("pk", "label__name", "start", "end", "text"))


def test_skipping_work_with_highlights_asks_and_cancel_keeps_it(live_server, sign_in, dialogs):
    world = make_world()
    page = start_document(sign_in(world.user), live_server, world.document)
    saved = _label_two_spans(page, world)

    page.click("#skip-button")
    question = page.locator("#skip-confirm")
    expect(question).to_be_visible()
    expect(question).to_contain_text("2 highlights")
    page.keyboard.press("p")  # keys go to the question, not to the text
    page.get_by_role("button", name="Keep annotating").click()
    expect(question).to_be_hidden()
    # Escape is a "no" too.
    page.click("#skip-button")
    expect(question).to_be_visible()
    page.keyboard.press("Escape")
    expect(question).to_be_hidden()

    expect(page).to_have_url(re.compile(rf"/documents/{world.document.pk}/annotate/$"))
    assert own_annotation(world).status == "in_progress"
    assert sorted(Span.objects.values_list("pk", "label__name", "start", "end", "text")) == saved
    # Still editable.
    select_words(page, world.document.text, "Macron")
    page.keyboard.press("p")
    wait_saved(page)
    assert Span.objects.count() == 3
    assert dialogs == []  # a real element, never window.confirm


def test_a_confirmed_skip_can_be_taken_back_with_every_span(
    live_server, sign_in, dialogs, csp_violations
):
    world = make_world()
    second = DocumentFactory(project=world.project, text="Gao is quiet tonight.")
    page = start_document(sign_in(world.user), live_server, world.document)
    saved = _label_two_spans(page, world)
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    page.keyboard.press("f")
    wait_saved(page)
    stances = list(Stance.objects.values_list("pk", "target_id", "label__name"))

    page.click("#skip-button")
    expect(page.locator("#skip-confirm")).to_contain_text("2 highlights and 1 stance")
    page.get_by_role("button", name="Skip it").click()
    expect(page).to_have_url(re.compile(rf"/documents/{second.pk}/annotate/$"))
    assert own_annotation(world).status == "skipped"

    # The next page says what was skipped and leads back to it.
    expect(page.locator("#message")).to_contain_text(f"Skipped document #{world.document.pk}")
    page.get_by_role("link", name="Open it to take the skip back").click()
    expect(page).to_have_url(re.compile(rf"/documents/{world.document.pk}/annotate/$"))
    expect(page.locator(".notice")).to_contain_text("You skipped this document")
    expect(page.locator("#document-text [data-span-id]")).to_have_count(2)

    page.get_by_role("button", name="Take back the skip").click()
    expect(page.locator("#submit-button")).to_be_visible()
    expect(page.locator("#message")).to_contain_text("Skip taken back")
    annotation = own_annotation(world)
    assert annotation.status == "in_progress"
    assert sorted(Span.objects.values_list("pk", "label__name", "start", "end", "text")) == saved
    assert list(Stance.objects.values_list("pk", "target_id", "label__name")) == stances
    assert list(
        annotation.events.filter(action="status_changed").values_list("after", flat=True)
    ) == [{"status": "skipped"}, {"status": "in_progress"}]
    expect(page.locator("#document-text [data-span-id]")).to_have_count(2)
    assert dialogs == []
    assert csp_violations == []
