"""Undo and redo on the annotate page: each step saved, a new change clears redo, and the
history kept across a reload (dropped, with a message, when the annotation moved elsewhere)."""

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Annotation
from annotations.services.annotating import annotation_get_or_create, span_create
from tests.browser.annotating import World, make_world, open_document, select_words, wait_saved

pytestmark = pytest.mark.django_db(transaction=True)

# annotator.js and undohistory.js say these.
NOTHING_TO_UNDO = "Nothing to undo."
NOTHING_TO_REDO = "Nothing to redo."
HISTORY_DROPPED = "Undo history dropped: this annotation changed since it was kept"


def started(world: World) -> Annotation:
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    return annotation


def server_spans(page: Page, live_server, annotation: Annotation) -> list[tuple[str, int, int]]:
    """The annotation's spans as the REST API gives them: (label, start, end), in text order."""
    answer = page.request.get(f"{live_server.url}/api/annotations/{annotation.pk}/")
    assert answer.ok, answer.text()
    return sorted((s["label_name"], s["start"], s["end"]) for s in answer.json()["spans"])


def server_stances(page: Page, live_server, annotation: Annotation) -> list[tuple[str, str]]:
    answer = page.request.get(f"{live_server.url}/api/annotations/{annotation.pk}/")
    return sorted((s["target_name"], s["label_name"]) for s in answer.json()["stances"])


def label(page: Page, world: World, words: str, key: str) -> tuple[str, int, int]:
    start, end = select_words(page, world.document.text, words)
    page.keyboard.press(key)
    return start, end


def test_undo_and_redo_step_through_changes_and_the_server_follows_each(
    live_server, sign_in, csp_violations
):
    world = make_world()
    annotation = started(world)
    page = open_document(sign_in(world.user), live_server, world.document)
    redo = page.locator("#redo-button")
    expect(redo).to_be_disabled()

    keita = label(page, world, "Keita", "p")
    macron = label(page, world, "Macron", "p")
    page.keyboard.press("o")  # the new span is selected: o relabels it
    wait_saved(page)
    assert server_spans(page, live_server, annotation) == [("ORG", *macron[:2]), ("PER", *keita)]

    page.keyboard.press("Control+z")  # the relabel
    wait_saved(page)
    expect(page.locator("#message")).to_contain_text("Undone.")
    expect(redo).to_be_enabled()
    assert server_spans(page, live_server, annotation) == [("PER", *keita), ("PER", *macron)]

    page.click("#undo-button")  # Macron's span
    wait_saved(page)
    assert server_spans(page, live_server, annotation) == [("PER", *keita)]
    expect(page.locator('#document-text [data-label="PER"]')).to_have_count(1)

    page.keyboard.press("Control+Shift+z")  # Macron again, as PER
    wait_saved(page)
    expect(page.locator("#message")).to_contain_text("Redone.")
    assert server_spans(page, live_server, annotation) == [("PER", *keita), ("PER", *macron)]
    # The span redone is the selected one, shown in the Selected panel.
    expect(page.locator("#selection-text")).to_have_text("Macron")

    page.keyboard.press("Control+y")  # and relabelled ORG
    wait_saved(page)
    assert server_spans(page, live_server, annotation) == [("ORG", *macron), ("PER", *keita)]
    expect(redo).to_be_disabled()
    page.keyboard.press("Control+y")
    expect(page.locator("#message")).to_contain_text(NOTHING_TO_REDO)
    assert server_spans(page, live_server, annotation) == [("ORG", *macron), ("PER", *keita)]

    # Undo and redo through a delete: the span comes back once, then goes again.
    page.keyboard.press("Delete")
    wait_saved(page)
    assert server_spans(page, live_server, annotation) == [("PER", *keita)]
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert server_spans(page, live_server, annotation) == [("ORG", *macron), ("PER", *keita)]
    page.click("#redo-button")
    wait_saved(page)
    assert server_spans(page, live_server, annotation) == [("PER", *keita)]
    assert csp_violations == []


def test_a_new_change_after_undo_clears_redo(live_server, sign_in):
    world = make_world()
    annotation = started(world)
    page = open_document(sign_in(world.user), live_server, world.document)
    label(page, world, "Keita", "p")
    page.keyboard.press("Control+z")
    wait_saved(page)
    expect(page.locator("#redo-button")).to_be_enabled()
    assert server_spans(page, live_server, annotation) == []

    bamako = label(page, world, "Bamako", "l")
    wait_saved(page)
    expect(page.locator("#redo-button")).to_be_disabled()
    page.keyboard.press("Control+Shift+z")
    expect(page.locator("#message")).to_contain_text(NOTHING_TO_REDO)
    # Keita's span is not made again: only the new change is on the server.
    assert server_spans(page, live_server, annotation) == [("LOC", *bamako)]
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert server_spans(page, live_server, annotation) == []
    page.keyboard.press("Control+z")
    expect(page.locator("#message")).to_contain_text(NOTHING_TO_UNDO)


def test_undo_and_redo_survive_a_reload_and_redo_restores_the_server_state(live_server, sign_in):
    world = make_world()
    annotation = started(world)
    page = open_document(sign_in(world.user), live_server, world.document)
    keita = label(page, world, "Keita", "p")
    macron = label(page, world, "Macron", "p")
    page.keyboard.press("o")
    bamako = label(page, world, "Bamako", "l")
    page.keyboard.press("Control+z")  # Bamako goes
    page.keyboard.press("Control+z")  # Macron is PER again
    wait_saved(page)
    expected = [("PER", *keita), ("PER", *macron)]
    assert server_spans(page, live_server, annotation) == expected

    page.reload()
    expect(page.locator("#annotator.ready")).to_be_attached()
    expect(page.locator("#undo-button")).to_be_enabled()
    expect(page.locator("#redo-button")).to_be_enabled()
    expect(page.locator("#message")).not_to_contain_text(HISTORY_DROPPED)

    page.keyboard.press("Control+y")  # Macron ORG again
    wait_saved(page)
    assert server_spans(page, live_server, annotation) == [("ORG", *macron), ("PER", *keita)]
    page.keyboard.press("Control+y")  # Bamako again
    wait_saved(page)
    assert server_spans(page, live_server, annotation) == [
        ("LOC", *bamako),
        ("ORG", *macron),
        ("PER", *keita),
    ]
    expect(page.locator("#redo-button")).to_be_disabled()

    # Reloaded again: the whole history still undoes, down to nothing.
    page.reload()
    expect(page.locator("#annotator.ready")).to_be_attached()
    for _ in range(4):
        page.keyboard.press("Control+z")
    wait_saved(page)
    assert server_spans(page, live_server, annotation) == []
    page.keyboard.press("Control+z")
    expect(page.locator("#message")).to_contain_text(NOTHING_TO_UNDO)
    for _ in range(4):
        page.keyboard.press("Control+y")
    wait_saved(page)
    assert server_spans(page, live_server, annotation) == [
        ("LOC", *bamako),
        ("ORG", *macron),
        ("PER", *keita),
    ]


def test_a_stance_made_before_a_reload_is_undone_and_redone_after_it(live_server, sign_in):
    # On the page a new stance is keyed "stance-new-…"; after a reload it is "stance-<id>".
    world = make_world()
    annotation = started(world)
    page = open_document(sign_in(world.user), live_server, world.document)
    page.keyboard.press("1")
    page.keyboard.press("a")
    wait_saved(page)
    assert server_stances(page, live_server, annotation) == [("the French intervention", "AGAINST")]
    page.keyboard.press("f")
    wait_saved(page)
    assert server_stances(page, live_server, annotation) == [("the French intervention", "FAVOR")]

    page.reload()
    expect(page.locator("#annotator.ready")).to_be_attached()
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert server_stances(page, live_server, annotation) == [("the French intervention", "AGAINST")]
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert server_stances(page, live_server, annotation) == []
    page.keyboard.press("Control+Shift+z")
    page.keyboard.press("Control+Shift+z")
    wait_saved(page)
    assert server_stances(page, live_server, annotation) == [("the French intervention", "FAVOR")]


def test_a_history_the_server_moved_away_from_is_dropped_with_a_message(live_server, sign_in):
    world = make_world()
    annotation = started(world)
    page = open_document(sign_in(world.user), live_server, world.document)
    keita = label(page, world, "Keita", "p")
    wait_saved(page)
    page.keyboard.press("Control+z")
    wait_saved(page)
    label(page, world, "Macron", "p")
    wait_saved(page)
    annotation.refresh_from_db()
    kept_at = annotation.version

    # Meanwhile, elsewhere (another device): a span the history knows nothing of.
    text = world.document.text
    start = text.index("Monday")
    span_create(
        annotation=annotation,
        label=world.labels["LOC"].pk,
        start=start,
        end=start + 6,
        actor=world.user,
    )
    annotation.refresh_from_db()
    page.reload()
    expect(page.locator("#annotator.ready")).to_be_attached()
    message = page.locator("#message")
    expect(message).to_contain_text(HISTORY_DROPPED)
    expect(message).to_contain_text(f"version {kept_at}, now {annotation.version}")
    expect(page.locator("#undo-button")).to_be_disabled()
    expect(page.locator("#redo-button")).to_be_disabled()
    before = server_spans(page, live_server, annotation)
    page.keyboard.press("Control+z")
    expect(message).to_contain_text(NOTHING_TO_UNDO)
    page.keyboard.press("Control+y")
    expect(message).to_contain_text(NOTHING_TO_REDO)
    assert server_spans(page, live_server, annotation) == before
    assert ("PER", *keita) not in before
    # A second reload says nothing more: the history is gone, not asked about again.
    page.reload()
    expect(page.locator("#annotator.ready")).to_be_attached()
    expect(page.locator("#message")).not_to_contain_text(HISTORY_DROPPED)


def test_a_reload_with_unsaved_changes_keeps_their_undo(live_server, sign_in):
    # The server is unreachable: the change waits in the tab's slot, and its undo beside it.
    world = make_world()
    annotation = started(world)
    page = open_document(sign_in(world.user), live_server, world.document)
    keita = label(page, world, "Keita", "p")
    wait_saved(page)
    page.route("**/api/annotations/*/spans/", lambda route: route.abort())
    macron = label(page, world, "Macron", "o")
    expect(page.locator("#save-status")).not_to_have_text("Saved")
    page.reload()
    page.unroute("**/api/annotations/*/spans/")
    expect(page.locator("#annotator.ready")).to_be_attached()
    wait_saved(page)
    assert server_spans(page, live_server, annotation) == [("ORG", *macron), ("PER", *keita)]
    expect(page.locator("#message")).not_to_contain_text(HISTORY_DROPPED)
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert server_spans(page, live_server, annotation) == [("PER", *keita)]
    page.keyboard.press("Control+y")
    wait_saved(page)
    assert server_spans(page, live_server, annotation) == [("ORG", *macron), ("PER", *keita)]


def test_help_lists_redo_keys(live_server, sign_in):
    world = make_world()
    started(world)
    page = open_document(sign_in(world.user), live_server, world.document)
    page.keyboard.press("?")
    rows = page.locator('#help [data-action="redo"] dt')
    expect(rows).to_have_text(["Ctrl+Shift+Z", "Ctrl+Y"])


def test_the_review_page_undoes_and_redoes_gold_across_a_reload(live_server, sign_in):
    from tests.browser.test_review import open_review, review_world

    world, _ana, _ben = review_world()
    page = open_review(sign_in(world.user), live_server, world)
    page.click("#accept-agreed")
    wait_saved(page)
    gold = Annotation.objects.get(document=world.document, kind="gold")
    agreed = server_spans(page, live_server, gold)
    assert len(agreed) == 3
    # Accepting rebuilt the gold on the server: nothing before it is undoable.
    expect(page.locator("#undo-button")).to_be_disabled()
    page.locator("#document-text").focus()
    bakary = label(page, world, "Bakary Dembélé", "p")
    wait_saved(page)
    assert server_spans(page, live_server, gold) == sorted([*agreed, ("PER", *bakary)])

    page.reload()
    expect(page.locator("#reviewer.ready")).to_be_attached()
    # The gold's history is taken back once its unsaved changes are (the page is ready before).
    expect(page.locator("#undo-button")).to_be_enabled()
    page.locator("#document-text").focus()
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert server_spans(page, live_server, gold) == agreed
    page.keyboard.press("Control+Shift+z")
    wait_saved(page)
    assert server_spans(page, live_server, gold) == sorted([*agreed, ("PER", *bakary)])
