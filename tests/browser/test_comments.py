"""Comments in the browser: an annotator asks about a highlight, the reviewer resolves it."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from annotations import demo
from annotations.models import Annotation, Comment
from annotations.services.annotating import (
    annotation_get_or_create,
    annotation_set_status,
    span_create,
    stance_create,
)
from annotations.services.comments import comment_create
from tests.browser.annotating import highlight, make_world, open_document
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
WIDTHS = {"desktop": (1280, 900), "tablet": (768, 1024)}


def comments_world():
    """The election article: ana (annotator) has two highlights; rev reviews; ben annotates too."""
    world = make_world(text=demo.ELECTION, username="ana")
    rev, ben = UserFactory(username="rev"), UserFactory(username="ben")
    MembershipFactory(project=world.project, user=rev, role="reviewer")
    MembershipFactory(project=world.project, user=ben, role="annotator")
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    text = world.document.text
    spans = {}
    for label, words in [("PER", "Aïssata Coulibaly"), ("ORG", "regional electoral commission")]:
        start = text.index(words)
        spans[words], _ = span_create(
            annotation=annotation,
            label=world.labels[label].pk,
            start=start,
            end=start + len(words),
            actor=world.user,
        )
    return world, rev, ben, annotation, spans


def submit(annotation: Annotation, user) -> None:
    annotation.refresh_from_db()
    annotation_set_status(
        annotation=annotation, status="submitted", version=annotation.version, actor=user
    )


def panel(page: Page):
    return page.locator("#comments-panel")


def test_annotator_asks_on_a_span_and_the_reviewer_resolves_it_from_the_review_page(
    live_server, sign_in, csp_violations
):
    world, rev, _ben, annotation, spans = comments_world()
    span = spans["Aïssata Coulibaly"]
    page = open_document(sign_in(world.user), live_server, world.document)

    # Select the highlight, open its thread with m, mention the reviewer from the suggestions.
    highlight(page, "PER", span.start).click()
    page.keyboard.press("m")
    expect(panel(page).locator("#comments-scope")).to_have_text(
        f"Thread of PER · characters {span.start}–{span.end}"
    )
    expect(page.locator("#comment-body")).to_be_focused()
    page.keyboard.type("Is she the right person, @r")
    suggestions = page.locator("#mention-suggestions")
    expect(suggestions).to_be_visible()
    expect(suggestions.locator("li")).to_have_text(["@rev"])
    page.keyboard.press("Enter")
    page.keyboard.type("? <b>not bold</b>")
    page.keyboard.press("Control+Enter")

    shown = panel(page).locator(".comment")
    expect(shown).to_have_count(1)
    expect(shown.locator(".comment-body")).to_have_text(
        "Is she the right person, @rev ? <b>not bold</b>"
    )
    expect(shown.locator(".comment-body b")).to_have_count(0)
    # The page's own keys did not act while typing: no new highlight, nothing submitted.
    annotation.refresh_from_db()
    assert annotation.status == "in_progress" and annotation.spans.count() == 2
    stored = Comment.objects.get()
    assert (stored.span_id, stored.annotation_id, stored.author) == (
        span.pk,
        annotation.pk,
        world.user,
    )
    assert stored.body == "Is she the right person, @rev ? <b>not bold</b>"
    assert [user.username for user in stored.mentions.all()] == ["rev"]
    assert stored.target_caption == "PER “Aïssata Coulibaly”"
    submit(annotation, world.user)

    # The reviewer: the queue counts the open comment and its filter keeps the document.
    reviewer_page = sign_in(rev)
    reviewer_page.goto(f"{live_server.url}/projects/{world.project.pk}/review/?comments=open")
    row = reviewer_page.locator(f'#review-queue tr[data-document-id="{world.document.pk}"]')
    expect(row.locator(".open-comments")).to_have_text("1")
    row.locator("a").first.click()
    expect(reviewer_page.locator("#reviewer.ready")).to_be_attached()

    # The review page lists it with what it is about, and resolves it.
    comment = panel(reviewer_page).locator(f'.comment[data-comment-id="{stored.pk}"]')
    expect(comment.locator(".comment-target")).to_have_text("on PER “Aïssata Coulibaly”")
    expect(panel(reviewer_page).locator("#comments-open-count")).to_have_text("1 open")
    comment.locator('[data-action="resolve"]').click()
    expect(panel(reviewer_page).locator("#comments-open-count")).to_have_text("")
    expect(panel(reviewer_page).locator(".comment")).to_have_count(0)
    stored.refresh_from_db()
    assert stored.resolved_by == rev and stored.resolved_at is not None

    # Shown again with "Show resolved", and gone from the queue's filter.
    reviewer_page.check("#comments-show-resolved")
    expect(comment.locator(".state-done")).to_have_text("✓ resolved by rev")
    reviewer_page.goto(f"{live_server.url}/projects/{world.project.pk}/review/?comments=open")
    expect(reviewer_page.locator("#review-queue")).to_have_count(0)
    assert csp_violations == []


def test_another_annotator_sees_the_reviewers_note_but_not_comments_on_anas_work(
    live_server, sign_in
):
    world, rev, ben, annotation, spans = comments_world()
    span = spans["regional electoral commission"]
    comment_create(
        document=world.document, actor=world.user, role="annotator", body="Mine", span_id=span.pk
    )
    comment_create(document=world.document, actor=rev, role="reviewer", body="Note for all")
    annotation_get_or_create(document=world.document, author=ben)

    page = open_document(sign_in(ben), live_server, world.document)

    expect(panel(page).locator(".comment-body")).to_have_text(["Note for all"])
    page.fill("#comment-body", "Is the date right? @ana")
    page.click("#comment-submit")
    expect(page.locator("#comment-error")).to_contain_text("@ana cannot read this comment")
    assert Comment.objects.filter(author=ben).count() == 0
    page.fill("#comment-body", "Is the date right? @rev")
    page.click("#comment-submit")
    expect(panel(page).locator(".comment-body")).to_have_text(
        ["Note for all", "Is the date right? @rev"]
    )
    mine = Comment.objects.get(author=ben)
    assert mine.annotation.author == ben and mine.span is None


@pytest.mark.parametrize("width", WIDTHS)
def test_screenshots_of_the_comments_panel_and_the_queue(live_server, sign_in, width):
    world, rev, _ben, annotation, spans = comments_world()
    span = spans["Aïssata Coulibaly"]
    comment_create(
        document=world.document,
        actor=world.user,
        role="annotator",
        body="Is she the party's candidate or its spokesperson? @rev",
        span_id=span.pk,
    )
    comment_create(
        document=world.document,
        actor=rev,
        role="reviewer",
        body="@ana the turnout figure is a CLAIM: link it to the commission as claimant.",
    )
    submit(annotation, world.user)
    page = sign_in(rev)
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    SCREENSHOTS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/documents/{world.document.pk}/review/")
    expect(page.locator("#reviewer.ready")).to_be_attached()
    expect(panel(page).locator(".comment")).to_have_count(2)
    # The side column scrolls on its own: a picture of the window shows what a reviewer sees.
    panel(page).scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / f"comments-review-{width}.png")
    page.goto(f"{live_server.url}/projects/{world.project.pk}/review/")
    page.screenshot(path=SCREENSHOTS / f"comments-queue-{width}.png", full_page=True)

    ana = sign_in(world.user)
    ana.goto(f"{live_server.url}/")
    expect(ana.locator("#mentions")).to_contain_text("1 open comment mentions you")
    ana.screenshot(path=SCREENSHOTS / f"comments-home-{width}.png", full_page=True)
    open_document(ana, live_server, world.document)
    highlight(ana, "PER", span.start).click()
    ana.keyboard.press("m")
    ana.keyboard.type("Thanks @")
    expect(ana.locator("#mention-suggestions li")).to_have_count(3)
    ana.screenshot(path=SCREENSHOTS / f"comments-annotate-{width}.png")
    scroll = ana.evaluate("document.documentElement.scrollWidth")
    assert scroll <= WIDTHS[width][0]


def test_reviewer_comments_on_a_highlight_in_an_annotators_lane_and_counts_are_exposed(
    live_server, sign_in
):
    world, rev, _ben, annotation, spans = comments_world()
    span = spans["regional electoral commission"]
    submit(annotation, world.user)
    page = sign_in(rev)
    page.goto(f"{live_server.url}/documents/{world.document.pk}/review/")
    expect(page.locator("#reviewer.ready")).to_be_attached()
    changes = page.evaluate_handle(
        """() => {
            const seen = [];
            document.addEventListener("workbench:comments", (event) =>
                seen.push([...event.detail.counts.entries()]));
            return seen;
        }"""
    )

    page.keyboard.press(".")  # ana's lane
    page.locator(f'#document-text [data-span-id="{span.pk}"]').first.click()
    page.keyboard.press("m")
    page.keyboard.type("@ana the commission is an ORG, fine; add its claim too.")
    page.keyboard.press("Control+Enter")

    expect(page.locator("#comments-panel .comment")).to_have_count(1)
    stored = Comment.objects.get()
    assert (stored.span_id, stored.annotation_id, stored.author) == (span.pk, annotation.pk, rev)
    assert [user.username for user in stored.mentions.all()] == ["ana"]
    # What the annotation list (annolist.js) reads: open comments per item.
    counts = page.evaluate(
        f"""async () => {{
            const module = await import("/static/annotations/comments.js");
            return [...module.commentCounts({world.document.pk}).entries()];
        }}"""
    )
    assert counts == [[f"span-{span.pk}", 1]]
    assert changes.json_value()[-1] == [[f"span-{span.pk}", 1]]
    # Gold was not touched by the keys typed into the comment box.
    assert not Annotation.objects.filter(document=world.document, kind="gold").exists()


def test_annotator_opens_the_thread_of_a_stance_with_its_target_key_then_m(live_server, sign_in):
    world, _rev, _ben, annotation, _spans = comments_world()
    stance = stance_create(
        annotation=annotation,
        target=world.targets[0].pk,
        label=world.labels["FAVOR"].pk,
        actor=world.user,
    )
    page = open_document(sign_in(world.user), live_server, world.document)

    page.keyboard.press("1")  # activates the first target's stance
    page.keyboard.press("m")
    expect(panel(page).locator("#comments-scope")).to_have_text(
        "Thread of stance · the French intervention"
    )
    page.keyboard.type("Held by the article itself?")
    page.keyboard.press("Control+Enter")

    expect(panel(page).locator(".comment-body")).to_have_text(["Held by the article itself?"])
    stored = Comment.objects.get()
    assert (stored.stance_id, stored.span_id) == (stance.pk, None)
    assert stored.target_caption == "“the French intervention”: FAVOR"
    # Edit it: the server keeps the new text and when it changed.
    panel(page).locator('[data-action="edit"]').click()
    editor = panel(page).locator(".comment-edit")
    expect(editor).to_be_focused()
    editor.fill("Held by the article itself? 🇲🇱")
    editor.press("Control+Enter")
    expect(panel(page).locator(".comment-body")).to_have_text(["Held by the article itself? 🇲🇱"])
    expect(panel(page).locator(".comment-head")).to_contain_text("edited")
    stored.refresh_from_db()
    assert stored.body == "Held by the article itself? 🇲🇱" and stored.edited_at is not None
    # Back to every comment: the stance's comment is listed with what it is about.
    page.click("#comments-all")
    expect(panel(page).locator(".comment-target")).to_have_text(
        "on “the French intervention”: FAVOR"
    )
