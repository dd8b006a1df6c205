"""Gold actions on the review page are queued (goldqueue.js), never dropped.

A reviewer presses Enter ("✓ gold") again and again while the server is still answering the
first accept: every accept lands, in the order pressed, one request at a time. A passing
failure (a 503 from the route, or the connection cut) is sent again under the same
Idempotency-Key; a refusal stops the queue and the page names each accept it did not send.
Each test reads back what the server holds through the API, change by change.
"""

import json

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from annotations.models import Annotation
from annotations.services.review import gold_set_reviewed
from tests.browser.annotating import World, make_world
from tests.browser.test_curation import SCREENSHOTS, WIDTHS, open_side_by_side
from tests.browser.test_review import _annotate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BURST = 15
# "Agent AA", "Agent BB", ...: distinct, and none the start of another.
NAMES = [f"Agent {chr(65 + i) * 2}" for i in range(BURST)]
TEXT = "\n\n".join(f"{name} spoke to the crowd in Kayes." for name in NAMES)

# Counts the page's redraws of everything but the text (Review.refresh), for the pin below.
COUNT_REFRESHES = """() => {
  const review = window.workbenchReview;
  const refresh = review.refresh.bind(review);
  window.__refreshes = 0;
  review.refresh = (...args) => { window.__refreshes += 1; return refresh(...args); };
}"""


def burst_world() -> tuple[World, Annotation, Annotation]:
    """ana marks each agent (PER) only she has, one per paragraph; both mark Kayes (LOC)."""
    world = make_world(text=TEXT, username="rev")
    world.project.memberships.filter(user=world.user).update(role="reviewer")
    ana = _annotate(
        world, UserFactory(username="ana"), [*(("PER", n) for n in NAMES), ("LOC", "Kayes")]
    )
    ben = _annotate(world, UserFactory(username="ben"), [("LOC", "Kayes")])
    return world, ana, ben


def api_client(world: World) -> Client:
    client = Client()
    client.force_login(world.user)
    return client


def gold_read(world: World) -> dict | None:
    """The gold as GET /api/annotations/{gold}/ answers it (None: no gold)."""
    gold = Annotation.objects.filter(document=world.document, kind="gold").first()
    if gold is None:
        return None
    answer = api_client(world).get(f"/api/annotations/{gold.pk}/")
    assert answer.status_code == 200
    return answer.json()


def gold_changes(world: World) -> list[tuple[str, str]]:
    """Each change to gold, oldest first, as the history API lists it: (action, span text)."""
    gold = Annotation.objects.get(document=world.document, kind="gold")
    client = api_client(world)
    url, events = f"/api/annotations/{gold.pk}/events/", []
    while url:
        page = client.get(url).json()
        events.extend(page["results"])
        url = page["next"]
    events.sort(key=lambda event: event["id"])
    return [(event["action"], (event["after"] or {}).get("text", "")) for event in events]


def accept_requests(page: Page) -> list[dict]:
    """Every accept the page sends: its body and its Idempotency-Key, in order."""
    sent: list[dict] = []
    page.on(
        "request",
        lambda request: (
            sent.append(
                {
                    "body": json.loads(request.post_data or "{}"),
                    "key": request.headers.get("idempotency-key"),
                }
            )
            if request.url.endswith("/gold/accept/")
            else None
        ),
    )
    return sent


def wait_for(page: Page, condition, message: str) -> None:
    """Let Playwright run route handlers while ``condition()`` is false (at most 10 s)."""
    for _ in range(500):
        if condition():
            return
        page.wait_for_timeout(20)
    raise AssertionError(message)


def press_burst(page: Page, count: int) -> None:
    """Enter on the next disputed item (}), ``count`` times, as fast as keys go."""
    for _ in range(count):
        page.keyboard.press("}")
        page.keyboard.press("Enter")


def wait_drained(page: Page) -> None:
    expect(page.locator("#save-status")).to_have_text("Saved", timeout=30_000)
    expect(page.locator('#curation [data-accepting="true"]')).to_have_count(0)


def test_a_burst_of_accepts_pressed_while_the_first_is_answered_all_land_in_order(
    live_server, sign_in, csp_violations
):
    world, _ana, _ben = burst_world()
    page = open_side_by_side(sign_in(world.user), live_server, world)
    sent = accept_requests(page)
    answered: list[int] = []
    page.on(
        "response",
        lambda response: (
            answered.append(response.status) if response.url.endswith("/gold/accept/") else None
        ),
    )
    page.evaluate(COUNT_REFRESHES)
    # The first accept is held unanswered while the reviewer presses the other fourteen.
    held: list = []
    page.route(
        "**/gold/accept/", lambda route: held.append(route) if not held else route.continue_()
    )

    press_burst(page, BURST)
    expect(page.locator('#curation [data-accepting="true"]')).to_have_count(BURST)
    expect(page.locator("#save-status")).to_have_text("Saving…")
    wait_for(page, lambda: held, "the first accept was never sent")
    page.wait_for_timeout(200)
    assert len(sent) == 1  # one at a time: the others wait for its answer
    held[0].continue_()
    wait_drained(page)

    # Every accept reached the server once, in the order pressed, each with a key of its own.
    assert [request["body"]["span"] for request in sent] == [
        s.pk for s in _ana.spans.filter(label__name="PER").order_by("start")
    ]
    assert len({request["key"] for request in sent}) == BURST
    # The first made the gold; each next one went on the version the one before it left.
    assert "version" not in sent[0]["body"]
    versions = [request["body"]["version"] for request in sent[1:]]
    assert versions == sorted(set(versions))
    assert answered == [201] + [200] * (BURST - 1)
    gold = gold_read(world)
    assert sorted((s["label_name"], s["text"]) for s in gold["spans"]) == sorted(
        ("PER", name) for name in NAMES
    )
    assert [change for change in gold_changes(world) if change[0] == "span_created"] == [
        ("span_created", name) for name in NAMES
    ]
    # The page shows what the server holds: fifteen gold items, each item marked in gold.
    expect(page.locator("#curation .cur-gold-item")).to_have_count(BURST)
    expect(page.locator('#curation .cur-item[data-in-gold="true"]')).to_have_count(BURST)
    expect(page.locator("#message")).to_contain_text(f"Accepted ana's PER “{NAMES[-1]}”")
    # Drawn once for the burst, not once per accept: the gold's first drawing (the first
    # accept started it) and the page's panels with it.
    assert page.evaluate("window.__refreshes") == 2
    assert csp_violations == []


def test_a_passing_failure_is_retried_under_the_same_key_and_every_accept_lands(
    live_server, sign_in
):
    world, _ana, _ben = burst_world()
    page = open_side_by_side(sign_in(world.user), live_server, world)
    sent = accept_requests(page)
    # The third accept's first try: the server is unavailable (503, as a proxy answers while
    # the app restarts); the fifth's first try: the connection is cut after the server
    # applied it, so its answer is lost (the retry must not apply it twice).
    tries: dict[int, int] = {}

    def flaky(route):
        span = json.loads(route.request.post_data)["span"]
        tries[span] = tries.get(span, 0) + 1
        order = list(tries).index(span)
        if order == 2 and tries[span] == 1:
            route.fulfill(
                status=503, content_type="application/json", body='{"detail": "Unavailable."}'
            )
        elif order == 4 and tries[span] == 1:
            route.fetch()  # the server applies it ...
            route.abort("connectionreset")  # ... and the page never hears
        else:
            route.continue_()

    page.route("**/gold/accept/", flaky)
    press_burst(page, 6)
    expect(page.locator("#save-status")).to_have_text("Save failed — retrying")
    wait_drained(page)

    assert len(sent) == 8  # six accepts, two of them twice
    keys = [request["key"] for request in sent]
    assert keys[2] == keys[3] and keys[5] == keys[6]  # each retry under its first key
    assert len(set(keys)) == 6
    gold = gold_read(world)
    assert sorted(s["text"] for s in gold["spans"]) == sorted(NAMES[:6])
    # Applied once each: six creations, none twice, in the order pressed.
    assert gold_changes(world) == [("span_created", name) for name in NAMES[:6]]
    expect(page.locator("#curation .cur-gold-item")).to_have_count(6)


def test_a_refusal_stops_the_queue_and_the_page_names_each_accept_not_sent(
    live_server, sign_in, csp_violations
):
    world, _ana, _ben = burst_world()
    page = open_side_by_side(sign_in(world.user), live_server, world)
    sent = accept_requests(page)
    # While the reviewer's third accept is on its way, another reviewer marks the gold
    # reviewed: the server refuses that accept (the gold changed), and the rest must not go.
    other = UserFactory(username="cleo")
    world.project.memberships.create(user=other, role="reviewer")
    held: list = []

    def meanwhile(route):
        held.append(route)
        if len(held) == 3:
            gold_set_reviewed(document=world.document, reviewed=True, actor=other)
        if len(held) > 1:
            route.continue_()

    page.route("**/gold/accept/", meanwhile)
    # Every key pressed while the first accept is held: all seven are queued.
    press_burst(page, 7)
    wait_for(page, lambda: held, "the first accept was never sent")
    held[0].continue_()
    message = page.locator("#message")
    expect(message).to_contain_text(f"Not done: ana's PER “{NAMES[2]}”", timeout=30_000)
    wait_drained(page)

    # The server holds exactly the two accepts it answered; the third was refused, the four
    # after it were never sent.
    assert len(sent) == 3
    gold = gold_read(world)
    assert sorted(s["text"] for s in gold["spans"]) == NAMES[:2]
    assert gold["status"] == "submitted"
    # The page names each one not sent, as text.
    expect(message.locator(".message-list li")).to_have_text(
        [f"ana's PER “{name}”" for name in NAMES[3:7]]
    )
    expect(message).to_contain_text("These were not sent either")
    # It shows the gold the server holds: two items, reviewed.
    expect(page.locator("#gold-status")).to_have_text("Gold reviewed ✓")
    expect(page.locator("#curation .cur-gold-item")).to_have_count(2)
    # The browser logs the refused request itself; nothing else went wrong.
    assert [m for m in csp_violations if "status of 409" not in m] == []


def test_leaving_the_page_with_accepts_not_yet_sent_asks_first(live_server, sign_in):
    world, _ana, _ben = burst_world()
    page = open_side_by_side(sign_in(world.user), live_server, world)
    held: list = []
    page.route(
        "**/gold/accept/", lambda route: held.append(route) if not held else route.continue_()
    )
    press_burst(page, 3)
    wait_for(page, lambda: held, "the first accept was never sent")
    asked: list[str] = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.close(run_before_unload=True)
    wait_for(page, lambda: asked, "leaving asked nothing")
    assert asked == ["beforeunload"]
    assert not page.is_closed()
    held[0].continue_()
    wait_drained(page)
    assert len(gold_read(world)["spans"]) == 3
    # Once every accept is answered, the page is left without a question.
    with page.expect_event("close", timeout=5000):
        page.close(run_before_unload=True)
    assert asked == ["beforeunload"]


@pytest.mark.parametrize("width", WIDTHS)
def test_unsent_accepts_screenshots(live_server, page, sign_in, width):
    """Pictures for people to look at: the message naming the accepts that were not sent."""
    SCREENSHOTS.mkdir(exist_ok=True)
    world, _ana, _ben = burst_world()
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    open_side_by_side(sign_in(world.user), live_server, world)
    other = UserFactory(username="cleo")
    world.project.memberships.create(user=other, role="reviewer")
    held: list = []

    def meanwhile(route):
        held.append(route)
        if len(held) == 2:
            gold_set_reviewed(document=world.document, reviewed=True, actor=other)
        if len(held) > 1:
            route.continue_()

    page.route("**/gold/accept/", meanwhile)
    press_burst(page, 8)
    wait_for(page, lambda: held, "the first accept was never sent")
    held[0].continue_()
    expect(page.locator("#message .message-list li")).to_have_count(6, timeout=30_000)
    wait_drained(page)
    page.mouse.move(0, 0)
    page.screenshot(path=SCREENSHOTS / f"review-unsent-{width}.png")
    box = page.locator("#message").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[width][0]
