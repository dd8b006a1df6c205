"""The review page's switch from side by side to the lanes (`.` and `,`): what the first frame
shows, where the page stands, and that the lane is whole and exact once drawn.

The switch draws the paragraphs in the window first and the rest when the browser is idle
(textview.js); these tests hold what a reviewer sees: no unhighlighted text in the window, the
scroll position kept, every highlight of the lane at its code-point offsets in the end, and
selecting and accepting working on paragraphs drawn late."""

import re

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Annotation, Span
from annotations.services.annotating import annotation_get_or_create, annotation_replace_content
from tests.browser.annotating import World, make_world, wait_saved
from tests.browser.test_review import gold_rows
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PARAGRAPHS = 100

# Before the page's own listener (which stops the keys it takes): on the next key press armed
# by the test, what the frame after it shows, taken just before it is painted.
FIRST_FRAME = """
window.addEventListener("keydown", () => {
  if (!window.__armed) return;
  window.__armed = false;
  requestAnimationFrame(() => {
    const height = window.innerHeight;
    const shown = [...document.querySelectorAll("#document-text .para")].filter((para) => {
      const box = para.getBoundingClientRect();
      return box.height > 0 && box.bottom > 0 && box.top < height;
    });
    window.__frame = {
      scrollY: window.scrollY,
      paragraphs: shown.map((para) => ({
        text: para.textContent,
        spans: [...para.querySelectorAll("[data-span-id]")].map((piece) => [
          Number(piece.dataset.start), Number(piece.dataset.end), piece.dataset.label,
        ]),
      })),
    };
  });
}, true);
"""


def dispatch(number: int) -> str:
    # An emoji before the names: code points and UTF-16 units differ from the first paragraph on.
    return (
        f"Dépêche {number} 📰: Keïta met the council in Bamako on Monday; the ministry said that "
        f"{number * 7} troops were involved, and Traoré disagreed with the commission of Ségou."
    )


def lane_world() -> tuple[World, dict[str, Annotation]]:
    """A long document, ana and ben with 300 highlights each, two of the three words shared."""
    text = "\n\n".join(dispatch(number) for number in range(1, PARAGRAPHS + 1))
    world = make_world(text=text, username="rev")
    world.project.memberships.filter(user=world.user).update(role="reviewer")
    marks = {
        "ana": [("PER", "Keïta"), ("LOC", "Bamako"), ("PER", "Traoré")],
        "ben": [("PER", "Keïta"), ("ORG", "Bamako"), ("LOC", "Ségou")],
    }
    annotations = {}
    for name, words in marks.items():
        user = UserFactory(username=name)
        MembershipFactory(project=world.project, user=user, role="annotator")
        annotation, _ = annotation_get_or_create(document=world.document, author=user)
        spans = []
        for label, word in words:
            start = text.find(word)
            while start >= 0:
                spans.append({"label": label, "start": start, "end": start + len(word)})
                start = text.find(word, start + 1)
        annotation_replace_content(annotation=annotation, spans=spans, stances=[], actor=user)
        annotation.status = "submitted"
        annotation.save(update_fields=["status"])
        annotations[name] = annotation
    return world, annotations


def server_spans(annotation: Annotation) -> set[tuple[int, int, str]]:
    rows = Span.objects.filter(annotation=annotation).values_list("start", "end", "label__name")
    return set(rows)


def drawn_spans(page: Page) -> set[tuple[int, int, str]]:
    return {
        tuple(piece)
        for piece in page.eval_on_selector_all(
            "#document-text [data-span-id]",
            "pieces => pieces.map((p) => [+p.dataset.start, +p.dataset.end, p.dataset.label])",
        )
    }


def settled_scroll(page: Page) -> int:
    """Where the page stands once the side-by-side view has filled the blocks near the window.

    Blocks filled above the window change height and the browser keeps the window's content
    where it is (scroll anchoring), so the position read at once after a scroll can move by a
    row's height: read it when it has held still for half a second.
    """
    page.wait_for_function(
        """() => {
            const same = window.__lastY === window.scrollY;
            window.__lastY = window.scrollY;
            window.__still = same ? (window.__still || 0) + 1 : 0;
            return window.__still >= 5;
        }""",
        polling=100,
    )
    return page.evaluate("window.scrollY")


def switch_and_look(page: Page, key: str) -> dict:
    """Press `key` (side by side open) and return what the next frame shows."""
    page.evaluate("window.__armed = true; window.__frame = null;")
    page.keyboard.press(key)
    page.wait_for_function("window.__frame !== null")
    return page.evaluate("window.__frame")


def assert_window_drawn(frame: dict, text: str, spans: set[tuple[int, int, str]]) -> None:
    """Every paragraph in the window shows exactly the lane's highlights over it."""
    assert frame["paragraphs"], "no paragraph of the text is in the window"
    highlighted = 0
    for paragraph in frame["paragraphs"]:
        start = text.index(paragraph["text"])  # code points: Python indexes the stored text
        end = start + len(paragraph["text"])
        expected = {span for span in spans if span[0] < end and span[1] > start}
        assert {tuple(span) for span in paragraph["spans"]} == expected, paragraph["text"][:40]
        highlighted += len(expected)
    assert highlighted > 0


def test_the_lanes_come_back_drawn_where_the_reviewer_stands_and_whole_once_idle(
    live_server, sign_in, csp_violations
):
    world, annotations = lane_world()
    text = world.document.text
    ana, ben = annotations["ana"], annotations["ben"]
    page = sign_in(world.user)
    page.add_init_script(FIRST_FRAME)
    page.goto(f"{live_server.url}/documents/{world.document.pk}/review/")
    expect(page.locator("#reviewer.ready")).to_be_attached()
    expect(page.locator("#reviewer")).to_have_attribute("data-view", "side")

    # Half way down the side-by-side view, . shows ana's lane: the window's paragraphs are
    # highlighted in the very frame the key paints, and the page stays where it was.
    page.evaluate("window.scrollTo(0, 2400)")
    expect(page.locator("#document-text")).to_be_hidden()
    standing = settled_scroll(page)
    frame = switch_and_look(page, ".")
    assert frame["scrollY"] == standing
    assert_window_drawn(frame, text, server_spans(ana))
    expect(page.locator(f'#lanes [data-lane="{ana.pk}"]')).to_have_attribute(
        "aria-selected", "true"
    )
    # The text is the document's, and the rest of the lane is drawn soon after: all of it,
    # exactly what the server holds, nothing of the lane shown before.
    expect(page.locator("#document-text")).to_have_text(text)
    expect(page.locator("#document-text [data-span-id]")).to_have_count(len(server_spans(ana)))
    assert drawn_spans(page) == server_spans(ana)
    expect(page.locator("#annotation-list-title")).to_have_text("ana's annotations")
    expect(page.locator("#annotation-list-count")).to_have_text(str(len(server_spans(ana))))

    # Back to side by side, to the top, and . again: ben's lane, drawn at the top this time.
    page.click("#view-side")
    expect(page.locator("#reviewer")).to_have_attribute("data-view", "side")
    page.evaluate("window.scrollTo(0, 0)")
    frame = switch_and_look(page, ".")
    assert frame["scrollY"] == 0
    assert_window_drawn(frame, text, server_spans(ben))
    expect(page.locator("#document-text [data-span-id]")).to_have_count(len(server_spans(ben)))
    assert drawn_spans(page) == server_spans(ben)
    assert not page.evaluate("getSelection().toString()")

    # Selecting works on a far paragraph at once: [ takes ben's last highlight, at the end of
    # the text, into view and into the lane panel; Enter puts exactly it into gold.
    page.keyboard.press("[")
    last = page.locator('#document-text .ann.selected[data-label="LOC"]')
    expect(last).to_have_count(1)
    expect(last).to_have_text("Ségou")
    expect(last).to_be_in_viewport()
    start = text.rindex("Ségou")
    expect(last).to_have_attribute("data-start", str(start))
    expect(page.locator("#lane-panel")).to_contain_text("Ségou")
    page.keyboard.press("Enter")
    expect(page.locator("#gold-status")).to_have_text("Gold in review")
    wait_saved(page)
    assert gold_rows(world) == [("LOC", "Ségou")]
    gold_span = Span.objects.get(annotation__kind="gold", annotation__document=world.document)
    assert (gold_span.start, gold_span.end) == (start, start + len("Ségou"))
    expect(last).to_have_class(re.compile(r"\bin-gold\b"))

    # , from side by side goes back one lane: ana's again, drawn in the window at once.
    page.click("#view-side")
    page.evaluate("window.scrollTo(0, 0)")
    frame = switch_and_look(page, ",")
    assert_window_drawn(frame, text, server_spans(ana))
    expect(page.locator(f'#lanes [data-lane="{ana.pk}"]')).to_have_attribute(
        "aria-selected", "true"
    )
    assert csp_violations == []
