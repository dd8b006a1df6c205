"""The save queue never loses a change: cut-off answers, closed tabs, conflicts, hung requests.

Each test breaks the network or the server's state the way it happens in real use (Playwright
routes, an offline browser context, another client writing through the API) and then reads
what the server holds, change by change.
"""

import pytest
from django.test import Client
from playwright.sync_api import expect

from annotations.models import Annotation, Span
from annotations.services.annotating import span_create
from tests.browser.annotating import (
    highlight,
    make_world,
    open_document,
    own_annotation,
    select_words,
    wait_saved,
)
from tests.browser.test_annotate import start_document
from tests.browser.test_screenshots import SCREENSHOTS, WIDTHS

pytestmark = pytest.mark.django_db(transaction=True)

CHANGED_ELSEWHERE = "changed elsewhere"


def viewport(width: str) -> dict[str, int]:
    return dict(zip(("width", "height"), WIDTHS[width], strict=True))


def screenshot(page, name: str) -> None:
    """For eyes: written to screenshots/ (git-ignored), as test_screenshots.py does."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.mouse.move(0, 0)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")


def spans_on_server() -> list[tuple[str, str]]:
    return sorted(Span.objects.values_list("text", "label__name"))


def label(page, words: str, key: str, text: str) -> None:
    select_words(page, text, words)
    page.keyboard.press(key)


def hold_first_create(page) -> list:
    """Hold the page's first span create unanswered; the list gets its route, to answer."""
    held = []

    def hold(route):
        if route.request.method == "POST" and not held:
            held.append(route)
        else:
            route.continue_()

    page.route("**/api/annotations/*/spans/", hold)
    return held


def wait_until(page, condition, timeout_ms: int = 10000) -> None:
    """Let the page run (and Playwright call route handlers) until ``condition()`` holds."""
    for _ in range(timeout_ms // 50):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("timed out waiting")


def another_client(user) -> Client:
    """A second client of the same user (another device, a script) writing through the API."""
    client = Client()
    client.force_login(user)
    return client


def write_elsewhere(user, method: str, url: str, body: dict | None = None) -> dict:
    client = another_client(user)
    call = getattr(client, method)
    answer = call(url, body, content_type="application/json")
    assert answer.status_code < 300, answer.content
    return answer.json()


def opened_then_added_elsewhere(live_server, sign_in, words: str):
    """A started document; then another client adds a LOC span over ``words`` through the API,
    so the page's version is stale. Returns the world, the page and the span's start."""
    world = make_world()
    page = start_document(sign_in(world.user), live_server, world.document)
    annotation = own_annotation(world)
    start = world.document.text.index(words)
    write_elsewhere(
        world.user,
        "post",
        f"/api/annotations/{annotation.pk}/spans/",
        {"label": world.labels["LOC"].pk, "start": start, "end": start + len(words)},
    )
    return world, page, start


def test_an_answer_cut_off_mid_body_loses_none_of_the_changes_after_it(live_server, sign_in):
    world = make_world()
    text = world.document.text
    page = start_document(sign_in(world.user), live_server, world.document)
    held = hold_first_create(page)  # answered below, once two more changes wait behind it
    label(page, "Macron", "p", text)
    wait_until(page, lambda: held)
    label(page, "Bamako", "l", text)
    label(page, "Keita", "p", text)
    page.wait_for_function("() => window.workbenchAnnotator.queue.ops.length === 3")
    # The server applies the create; its answer reaches the page cut in half.
    response = held[0].fetch()
    body = response.body()
    held[0].fulfill(response=response, body=body[: len(body) // 2])

    wait_saved(page)
    assert spans_on_server() == [("Bamako", "LOC"), ("Keita", "PER"), ("Macron", "PER")]
    assert Span.objects.filter(text="Macron").count() == 1
    expect(page.locator("#message")).not_to_contain_text(CHANGED_ELSEWHERE)
    # The page knows the server's version: the next change is accepted as it is.
    annotation = own_annotation(world)
    assert page.evaluate("window.workbenchAnnotator.store.version") == annotation.version
    highlight(page, "PER", text.index("Macron")).click()
    page.keyboard.press("o")
    wait_saved(page)
    assert spans_on_server() == [("Bamako", "LOC"), ("Keita", "PER"), ("Macron", "ORG")]
    expect(page.locator("#message")).not_to_contain_text(CHANGED_ELSEWHERE)


# How a page knows a tab is gone: its Web Lock released, or (a browser without Web Locks)
# its slot's heartbeat stopped.
WITHOUT_WEB_LOCKS = """
    Object.defineProperty(Navigator.prototype, "locks", { get() { return undefined; } });
    window.workbenchSettings = { tabHeartbeatMs: 200 };
"""


@pytest.mark.parametrize("liveness", ["web locks", "heartbeat"])
def test_a_closed_tab_s_offline_changes_are_sent_by_the_tab_left_open(
    live_server, sign_in, liveness
):
    world = make_world()
    text = world.document.text
    page = sign_in(world.user)
    if liveness == "heartbeat":
        page.context.add_init_script(WITHOUT_WEB_LOCKS)
    first = start_document(page, live_server, world.document)
    assert first.evaluate("Boolean(navigator.locks)") == (liveness == "web locks")
    second = open_document(first.context.new_page(), live_server, world.document)
    first.context.set_offline(True)
    label(first, "Macron", "p", text)
    expect(first.locator("#save-status")).to_have_text("Save failed — retrying")
    label(second, "Bamako", "l", text)
    expect(second.locator("#save-status")).to_have_text("Save failed — retrying")
    # Each tab keeps its own changes: neither wrote over the other's.
    context = first.context
    first.close()

    # The tab left open takes over the closed tab's change, shows it, and sends it once online.
    expect(highlight(second, "PER", text.index("Macron"))).to_have_text("Macron")
    expect(second.locator("#message")).to_contain_text("left by a tab that was closed")
    context.set_offline(False)
    wait_saved(second)
    assert spans_on_server() == [("Bamako", "LOC"), ("Macron", "PER")]
    second.reload()
    expect(second.locator("#annotator.ready")).to_be_attached()
    wait_saved(second)
    assert spans_on_server() == [("Bamako", "LOC"), ("Macron", "PER")]


def test_a_change_that_fits_the_version_saved_elsewhere_goes_on_top_of_it(live_server, sign_in):
    world, page, start = opened_then_added_elsewhere(live_server, sign_in, "Bamako")
    text = world.document.text
    label(page, "Macron", "p", text)

    wait_saved(page)
    expect(page.locator("#message")).to_contain_text(CHANGED_ELSEWHERE)
    expect(page.locator("#message")).to_contain_text("1 change went on top of it")
    expect(page.locator("#conflict-dialog")).not_to_be_visible()
    assert spans_on_server() == [("Bamako", "LOC"), ("Macron", "PER")]
    expect(highlight(page, "LOC", start)).to_have_text("Bamako")
    expect(highlight(page, "PER", text.index("Macron"))).to_have_text("Macron")


@pytest.mark.parametrize(
    ("choice", "held", "width"),
    [("mine", [("Bamako", "LOC")], "desktop"), ("theirs", [("in Bamako", "LOC")], "tablet")],
)
def test_a_span_overlapping_one_added_elsewhere_is_put_to_the_user(
    live_server, page, sign_in, choice, held, width
):
    page.set_viewport_size(viewport(width))
    world, page, _ = opened_then_added_elsewhere(live_server, sign_in, "in Bamako")
    label(page, "Bamako", "l", world.document.text)

    dialog = page.locator("#conflict-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".conflict-text")).to_have_text(
        "Your span “Bamako” (LOC) overlaps “in Bamako” (LOC) added elsewhere."
    )
    screenshot(page, f"conflict-{width}")
    dialog.locator(f"#conflict-{choice}").click()
    wait_saved(page)
    assert spans_on_server() == held
    expect(page.locator('#document-text [data-label="LOC"]')).to_have_text(held[0][0])


@pytest.mark.parametrize(("choice", "held"), [("mine", [("Macron", "ORG")]), ("theirs", [])])
def test_relabelling_a_span_deleted_elsewhere_is_put_to_the_user(
    live_server, sign_in, choice, held
):
    world = make_world()
    text = world.document.text
    page = start_document(sign_in(world.user), live_server, world.document)
    annotation = own_annotation(world)
    start = text.index("Macron")
    span, _ = span_create(
        annotation=annotation,
        label=world.labels["PER"].pk,
        start=start,
        end=start + 6,
        actor=world.user,
    )
    page.reload()
    expect(page.locator("#annotator.ready")).to_be_attached()
    write_elsewhere(
        world.user, "delete", f"/api/annotations/{annotation.pk}/spans/{span.pk}/", None
    )
    highlight(page, "PER", start).click()
    page.keyboard.press("o")

    dialog = page.locator("#conflict-dialog")
    expect(dialog.locator(".conflict-text")).to_have_text(
        "Your change to “Macron” (PER): it was deleted elsewhere."
    )
    # It must be answered: Escape leaves the question open.
    page.keyboard.press("Escape")
    expect(dialog).to_be_visible()
    dialog.locator(f"#conflict-{choice}").click()
    wait_saved(page)
    assert spans_on_server() == held
    expect(page.locator('#document-text [data-label="ORG"]')).to_have_count(len(held))


@pytest.mark.parametrize(("choice", "held"), [("mine", "AGAINST"), ("theirs", "FAVOR")])
def test_a_stance_set_otherwise_elsewhere_is_put_to_the_user(live_server, sign_in, choice, held):
    world = make_world()
    page = start_document(sign_in(world.user), live_server, world.document)
    annotation = own_annotation(world)
    target = world.targets[0]
    write_elsewhere(
        world.user,
        "post",
        f"/api/annotations/{annotation.pk}/stances/",
        {"target": target.pk, "label": world.labels["FAVOR"].pk},
    )
    page.keyboard.press("1")
    page.keyboard.press("a")

    dialog = page.locator("#conflict-dialog")
    expect(dialog.locator(".conflict-text")).to_have_text(
        f"Your stance AGAINST on “{target.name}” differs from FAVOR set elsewhere."
    )
    dialog.locator(f"#conflict-{choice}").click()
    wait_saved(page)
    assert list(annotation.stances.with_links().values_list("label__name", "holder_id")) == [
        (held, None)
    ]
    block = page.locator(f'.target[data-target-id="{target.pk}"]')
    expect(block.locator(f'[data-label="{held}"]')).to_have_attribute("aria-pressed", "true")


def test_a_refused_change_is_named_with_the_changes_that_needed_it(live_server, sign_in):
    world = make_world()
    text = world.document.text
    page = start_document(sign_in(world.user), live_server, world.document)
    held = hold_first_create(page)
    label(page, "Macron", "p", text)
    wait_until(page, lambda: held)
    page.keyboard.press("o")  # relabel the new span, queued behind its create
    label(page, "Bamako", "l", text)
    page.wait_for_function("() => window.workbenchAnnotator.queue.ops.length === 3")
    held[0].fulfill(
        status=400,
        json={"detail": "Invalid input.", "errors": {"start": ["start is out of range."]}},
    )

    wait_saved(page)
    expect(page.locator("#message")).to_contain_text(
        "Not saved: Invalid input. start: start is out of range. (and 1 later change to it)"
    )
    assert spans_on_server() == [("Bamako", "LOC")]
    expect(page.locator("#document-text [data-span-id]")).to_have_count(1)


def test_a_request_without_answer_is_given_up_and_retried_once(live_server, sign_in):
    world = make_world()
    page = sign_in(world.user)
    page.add_init_script("window.workbenchSettings = { requestTimeoutMs: 1500 };")
    # Every text the status shows, in order: "slow, retrying" lasts only the retry's wait (half
    # a second at most), shorter than the test's polling interval on a loaded machine.
    page.add_init_script(
        """document.addEventListener("DOMContentLoaded", () => {
          window.statusSeen = [];
          const status = document.getElementById("save-status");
          new MutationObserver(() => window.statusSeen.push(status.textContent)).observe(
            status, { childList: true, characterData: true, subtree: true });
        });"""
    )
    start_document(page, live_server, world.document)
    sent = []

    def hang_first(route):
        sent.append(route.request.headers["idempotency-key"])
        if len(sent) > 1:
            route.continue_()
        # The first is never answered, as when a server hangs.

    page.route("**/api/annotations/*/spans/", hang_first)
    label(page, "Macron", "p", world.document.text)

    page.wait_for_function("() => window.statusSeen.includes('Saving… slow, retrying')")
    wait_saved(page)
    assert spans_on_server() == [("Macron", "PER")]
    assert len(sent) == 2 and sent[0] == sent[1]  # one retry, under the same key


@pytest.mark.parametrize("width", WIDTHS)
def test_the_status_and_messages_stay_in_view_at_the_end_of_a_long_document(
    live_server, page, sign_in, width
):
    page.set_viewport_size(viewport(width))
    paragraph = "Keita met Macron in Bamako on Monday, and the talks went on late. " * 6
    text = "\n\n".join(f"{n}. {paragraph}" for n in range(500)) + "\n\nThe end in Gao."
    world = make_world(text=text)
    page = start_document(sign_in(world.user), live_server, world.document)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert page.evaluate("window.scrollY") > 30000  # the top bar is far out of view
    label(page, "Gao", "l", text)
    wait_saved(page)
    page.keyboard.press("Escape")
    page.keyboard.press("p")  # nothing selected: says so in the message bar
    expect(page.locator("#message")).to_contain_text("Select some text first")

    screenshot(page, f"status-at-the-end-{width}")
    size = page.viewport_size
    for selector in ("#save-status", "#message"):
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], selector
        assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], selector
    assert Annotation.objects.get().spans.get().text == "Gao"
