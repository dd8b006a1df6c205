"""The review page as a reviewer uses it: compare two annotators, adjudicate into gold."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from annotations import demo
from annotations.models import Annotation, AnnotationEvent, Span, Stance
from annotations.services.annotating import (
    annotation_get_or_create,
    annotation_set_status,
    span_create,
    stance_create,
)
from tests.browser.annotating import World, make_world, select_words, wait_saved
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    MembershipFactory,
    SpanFactory,
    UserFactory,
)


def lambda_re(name: str):
    """A class-list matcher: the element has class ``name`` among others."""
    return re.compile(rf"(^|\s){name}(\s|$)")


pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
WIDTHS = {"desktop": (1280, 900), "tablet": (768, 1024)}


def _annotate(world: World, user, marks: list[tuple[str, str]], stance: str | None = None):
    """Submit ``user``'s annotation of the world's document with ``(label, words)`` spans."""
    MembershipFactory(project=world.project, user=user, role="annotator")
    annotation, _ = annotation_get_or_create(document=world.document, author=user)
    text = world.document.text
    spans = {}
    for label, words in marks:
        start = text.index(words)
        spans[words], _ = span_create(
            annotation=annotation,
            label=world.labels[label].pk,
            start=start,
            end=start + len(words),
            actor=user,
        )
    if stance is not None:
        stance_create(
            annotation=annotation,
            target=world.targets[0].pk,
            label=world.labels[stance].pk,
            actor=user,
        )
    annotation.refresh_from_db()
    annotation_set_status(
        annotation=annotation, status="submitted", version=annotation.version, actor=user
    )
    return annotation


def review_world():
    """The election article, annotated by ana and ben, who agree on some spans and not others."""
    world = make_world(text=demo.ELECTION, username="rev")
    world.project.memberships.filter(user=world.user).update(role="reviewer")
    ana, ben = UserFactory(username="ana"), UserFactory(username="ben")
    shared = [("LOC", "Ségou"), ("PER", "Aïssata Coulibaly"), ("LOC", "Niger River")]
    first = _annotate(
        world,
        ana,
        [*shared, ("ORG", "regional electoral commission"), ("PER", "Bakary Dembélé")],
        stance="FAVOR",
    )
    second = _annotate(
        world,
        ben,
        [*shared, ("ORG", "Union des Travailleurs Ruraux"), ("LOC", "Bakary Dembélé")],
        stance="AGAINST",
    )
    return world, first, second


def open_review(page: Page, live_server, world: World) -> Page:
    """The review page, one lane at a time (tests/browser/test_curation.py: side by side)."""
    page.goto(f"{live_server.url}/documents/{world.document.pk}/review/?view=lanes")
    expect(page.locator("#reviewer.ready")).to_be_attached()
    return page


def gold_of(world: World) -> Annotation | None:
    return Annotation.objects.filter(document=world.document, kind="gold").first()


def gold_rows(world: World) -> list[tuple[str, str]]:
    gold = gold_of(world)
    spans = Span.objects.filter(annotation=gold).select_related("label").order_by("start")
    return [(span.label.name, span.text) for span in spans]


def test_reviewer_adjudicates_two_annotators_into_reviewed_gold(
    live_server, sign_in, csp_violations
):
    world, ana, ben = review_world()
    page = open_review(sign_in(world.user), live_server, world)
    text = world.document.text
    expect(page.locator("#gold-status")).to_have_text("No gold yet")

    # ana's lane: her spans, the disputed ones marked (a class and a visible ≠), not colour alone.
    page.keyboard.press(".")
    expect(page.locator(f'#lanes [data-lane="{ana.pk}"]')).to_have_attribute(
        "aria-selected", "true"
    )
    lane = page.locator("#document-text")
    expect(lane.locator("[data-span-id]")).to_have_count(5)
    commission = lane.locator('[data-label="ORG"]')
    expect(commission).to_have_class(lambda_re("disagree"))
    expect(lane.locator('[data-label="LOC"][data-start="0"]')).to_have_class(lambda_re("agreed"))
    marker = page.evaluate(
        """() => getComputedStyle(
            document.querySelector('#document-text .ann.disagree.first'), '::before').content"""
    )
    assert "≠" in marker
    expect(page.locator("#disagreement-summary")).to_contain_text("6 items not shared")

    # The first disagreement, accepted with one key: gold starts with it.
    page.keyboard.press("}")
    expect(page.locator("#lane-panel blockquote")).to_have_text("regional electoral commission")
    page.keyboard.press("Enter")
    expect(page.locator("#gold-status")).to_have_text("Gold in review")
    wait_saved(page)
    assert gold_rows(world) == [("ORG", "regional electoral commission")]
    expect(commission).to_have_class(lambda_re("in-gold"))

    # Everything both agree on, in one click.
    page.click("#accept-agreed")
    expect(page.locator("#message")).to_contain_text("Added 3 agreed spans and 0 stances")
    assert [row[1] for row in gold_rows(world)] == [
        "Ségou",
        "regional electoral commission",
        "Aïssata Coulibaly",
        "Niger River",
    ]

    # Back to gold: edited with the annotate page's keys.
    page.keyboard.press(",")
    expect(page.locator("#lane-gold")).to_have_attribute("aria-selected", "true")
    expect(lane.locator("[data-span-id]")).to_have_count(4)
    expect(lane.locator('[data-label="ORG"]')).to_have_class(lambda_re("disagree"))
    page.locator("#document-text").focus()
    select_words(page, text, "Bakary Dembélé")
    page.keyboard.press("p")
    wait_saved(page)
    assert ("PER", "Bakary Dembélé") in gold_rows(world)

    # The history shows the change; reverting it takes the span out again.
    newest = page.locator("#history-list .event").first
    expect(newest).to_have_attribute("data-action", "span_created")
    expect(newest).to_contain_text("rev")
    expect(newest.locator(".after")).to_contain_text("PER “Bakary Dembélé”")
    newest.locator("button.revert").click()
    # Newest first: the revert, the removal it made, and the change it undid, so marked.
    events = page.locator("#history-list .event")
    expect(events.first).to_have_attribute("data-action", "reverted")
    expect(events.nth(1)).to_have_attribute("data-action", "span_deleted")
    expect(events.nth(2)).to_contain_text("reverted (#")
    assert ("PER", "Bakary Dembélé") not in gold_rows(world)
    expect(
        lane.locator('[data-label="PER"][data-start="{}"]'.format(text.index("Bakary")))
    ).to_have_count(0)

    # ben's stance into gold, with a click.
    page.click(f'#lanes [data-lane="{ben.pk}"]')
    stance = Stance.objects.get(annotation=ben)
    page.click(f"#accept-stance-{stance.pk}")
    expect(page.locator("#message")).to_contain_text("Accepted the stance")
    assert Stance.objects.get(annotation=gold_of(world)).label.name == "AGAINST"

    # Marked reviewed: gold is read-only until reopened.
    page.keyboard.press("Control+Enter")
    expect(page.locator("#gold-status")).to_have_text("Gold reviewed ✓")
    assert gold_of(world).status == "submitted"
    expect(page.locator("#reviewed-button")).to_contain_text("Reopen gold")
    page.click("#reviewed-button")
    expect(page.locator("#gold-status")).to_have_text("Gold in review")
    assert gold_of(world).status == "in_progress"
    actions = list(
        AnnotationEvent.objects.filter(annotation=gold_of(world)).values_list("action", flat=True)
    )
    assert actions.count("status_changed") == 2
    assert csp_violations == []


def test_building_by_majority_lists_what_was_left_out_and_accepts_from_it(
    live_server, sign_in, csp_violations
):
    world, ana, _ben = review_world()
    page = open_review(sign_in(world.user), live_server, world)
    # The lanes are a tab list: arrow keys move between them too.
    page.focus("#lane-gold")
    page.keyboard.press("ArrowRight")
    expect(page.locator(f'#lanes [data-lane="{ana.pk}"]')).to_have_attribute(
        "aria-selected", "true"
    )
    expect(page.locator(f'#lanes [data-lane="{ana.pk}"]')).to_be_focused()
    page.click("#build-majority")
    expect(page.locator("#message")).to_contain_text("Gold built by majority: 3 spans")
    conflicts = page.locator("#conflict-list .conflict")
    # Two of ana's and two of ben's spans, each one of two, a tie; and the stance both hold
    # on the target with another value: one place, its value disputed (was: two stances,
    # two ties, six conflicts; a stance's place is its target and holder).
    expect(conflicts).to_have_count(5)
    expect(page.locator('#conflict-list .conflict[data-attribute="label"]')).to_contain_text(
        "the stance is not in gold"
    )
    expect(page.locator("#conflict-list")).to_contain_text("a tie (1 of 2): ana")
    commission = conflicts.filter(has_text="regional electoral commission")
    commission.get_by_role("button").click()
    expect(page.locator("#message")).to_contain_text("Accepted ana's ORG")
    assert ("ORG", "regional electoral commission") in gold_rows(world)
    assert csp_violations == []


def test_the_gold_lane_is_read_only_for_a_reviewed_gold(live_server, sign_in):
    world, ana, _ben = review_world()
    page = open_review(sign_in(world.user), live_server, world)
    page.click("#accept-agreed")
    expect(page.locator("#gold-status")).to_have_text("Gold in review")
    page.click("#reviewed-button")
    expect(page.locator("#gold-status")).to_have_text("Gold reviewed ✓")
    select_words(page, world.document.text, "Bakary Dembélé")
    page.keyboard.press("p")
    expect(page.locator("#message")).to_contain_text("read-only")
    expect(page.locator(".label-button").first).to_be_disabled()
    expect(page.locator("#build-majority")).to_be_disabled()
    assert ("PER", "Bakary Dembélé") not in gold_rows(world)


def test_dashboard_renders_its_plot_and_manages_members_and_labels(
    live_server, sign_in, csp_violations
):
    world, _ana, _ben = review_world()
    world.project.memberships.filter(user=world.user).update(role="manager")
    UserFactory(username="newcomer")
    page = sign_in(world.user)
    page.goto(f"{live_server.url}/projects/{world.project.pk}/dashboard/")
    chart = page.locator("svg.agreement-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("text.name", has_text="LOC")).to_be_visible()
    expect(chart.locator("rect.bar.exact")).not_to_have_count(0)
    expect(page.locator('#progress-table tr[data-username="ana"]')).to_contain_text("1")

    page.fill("#id_member-username", "newcomer")
    page.select_option("#id_member-role", "reviewer")
    page.click("#members button:has-text('Add member')")
    expect(page.locator(".messages")).to_contain_text("newcomer is now a reviewer")
    page.fill("#id_member-username", "nobody")
    page.click("#members button:has-text('Add member')")
    expect(page.locator("#members .field-errors")).to_contain_text("No user is named 'nobody'")

    page.click("#labels a:has-text('Edit labels, keys and colours')")
    page.fill("#id_label-name", "DATE")
    page.select_option("#id_label-kind", "entity")
    page.fill("#id_label-shortcut", "p")
    page.click("#labels button:has-text('Add label')")
    expect(page.locator("#labels .field-errors")).to_contain_text("already used by label PER")
    page.fill("#id_label-shortcut", "d")
    page.click("#labels button:has-text('Add label')")
    expect(page.locator('#labels li[data-label="DATE"]')).to_be_visible()
    # The refused forms answered 400, which Chromium logs; nothing else may be there.
    assert [m for m in csp_violations if "status of 400" not in m] == []


def _more_documents(world: World) -> None:
    """A few more documents, agreed on more or less, so the queue has something to sort."""
    ana, ben = UserFactory(username="ana"), UserFactory(username="ben")
    for number, (first, second) in enumerate(
        [("PER", "PER"), ("PER", "LOC"), ("ORG", "ORG"), ("LOC", "LOC")]
    ):
        document = DocumentFactory(
            project=world.project,
            text=f"Coulibaly met Dembélé in Ségou, report number {number}.",
            external_id=f"segou-{number}",
        )
        for user, label in ((ana, first), (ben, second)):
            annotation = AnnotationFactory(document=document, author=user, status="submitted")
            SpanFactory(annotation=annotation, label=world.labels[label], start=0, end=9)
            SpanFactory(annotation=annotation, label=world.labels["PER"], start=14, end=21)
        if number == 3:
            AnnotationFactory(document=document, author=None, kind="gold", status="submitted")


@pytest.mark.parametrize("width", WIDTHS)
def test_review_and_dashboard_screenshots(live_server, page, sign_in, width, csp_violations):
    """Pictures for people to look at; asserts only that nothing scrolls sideways."""
    SCREENSHOTS.mkdir(exist_ok=True)
    world, first, _ = review_world()
    world.project.memberships.filter(user=world.user).update(role="manager")
    _more_documents(world)
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    sign_in(world.user)
    open_review(page, live_server, world)
    page.click("#build-majority")
    expect(page.locator("#gold-status")).to_have_text("Gold in review")
    page.click(f'#lanes [data-lane="{first.pk}"]')
    page.keyboard.press("}")
    page.mouse.move(0, 0)
    page.screenshot(path=SCREENSHOTS / f"review-{width}.png")
    page.locator(".review-columns").screenshot(path=SCREENSHOTS / f"review-lists-{width}.png")
    page.goto(f"{live_server.url}/projects/{world.project.pk}/review/")
    page.screenshot(path=SCREENSHOTS / f"review-queue-{width}.png", full_page=True)
    page.goto(f"{live_server.url}/projects/{world.project.pk}/dashboard/")
    page.screenshot(path=SCREENSHOTS / f"dashboard-{width}.png", full_page=True)
    for url in (
        f"/documents/{world.document.pk}/review/",
        f"/projects/{world.project.pk}/review/",
        f"/projects/{world.project.pk}/dashboard/",
    ):
        page.goto(f"{live_server.url}{url}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} scrolls sideways at {width} width"
    assert csp_violations == []


def test_a_claim_both_marked_with_another_claimant_and_checkworthiness_is_shown_as_such(
    live_server, sign_in, csp_violations
):
    # annotations.items / items.js: same place, other attributes -> a disagreement that
    # names them, not a claim one annotator simply lacks.
    world, ana, ben = review_world()
    text = world.document.text
    start = text.index("put turnout at 41 per cent")
    end = start + len("put turnout at 41 per cent")
    commission = Span.objects.get(annotation=ana, label__name="ORG")
    for annotation, extra in [
        (ana, {"claimant": commission, "checkworthy": "yes"}),
        (ben, {"checkworthy": "no"}),
    ]:
        SpanFactory(
            annotation=annotation, label=world.labels["CLAIM"], start=start, end=end, **extra
        )
    page = open_review(sign_in(world.user), live_server, world)

    # Before, two claims at one place were one item everybody had; now they are two.
    expect(page.locator("#disagreement-summary")).to_contain_text("8 items not shared")
    claims = page.locator("#disagreement-list .disagreement").filter(has_text="put turnout")
    expect(claims).to_have_count(2)
    expect(claims.first.locator(".differs")).to_have_text(
        re.compile(r"≠ (ana|ben) \(claimant, check-worthiness\)")
    )
    page.click(f'#lanes [data-lane="{ana.pk}"]')
    expect(
        page.locator(f'#document-text [data-label="CLAIM"][data-start="{start}"]').first
    ).to_have_class(lambda_re("disagree"))
    assert csp_violations == []


def _claim_both_marked(world: World, ana, ben) -> tuple[int, int]:
    """ana: the claim with the commission as claimant, check-worthy; ben: "AFP", not."""
    text = world.document.text
    start = text.index("put turnout at 41 per cent")
    end = start + len("put turnout at 41 per cent")
    commission = Span.objects.get(annotation=ana, label__name="ORG")
    for annotation, extra in [
        (ana, {"claimant": commission, "checkworthy": "yes"}),
        (ben, {"claimant_text": "AFP", "checkworthy": "no"}),
    ]:
        SpanFactory(
            annotation=annotation, label=world.labels["CLAIM"], start=start, end=end, **extra
        )
    return start, end


def test_a_claim_both_marked_goes_into_gold_with_its_attributes_to_resolve(
    live_server, sign_in, csp_violations
):
    world, ana, ben = review_world()
    start, _end = _claim_both_marked(world, ana, ben)
    page = open_review(sign_in(world.user), live_server, world)

    page.click("#build-majority")
    expect(page.locator("#message")).to_contain_text("Gold built by majority")
    # The claim is in gold, its claimant and check-worthiness left empty...
    lane = page.locator("#document-text")
    expect(lane.locator(f'[data-label="CLAIM"][data-start="{start}"]')).to_have_count(1)
    claim = Span.objects.get(annotation=gold_of(world), label__name="CLAIM")
    assert (claim.claimant_id, claim.claimant_text, claim.checkworthy) == (None, "", "")
    # ...and each is listed with the values and who gave them.
    claimant = page.locator('#conflict-list .conflict[data-attribute="claimant"]')
    expect(claimant).to_contain_text("claimant differs: gold has none")
    expect(claimant).to_contain_text("ana: “regional electoral commission”")
    expect(claimant).to_contain_text("ben: AFP (not in the text)")
    checkworthy = page.locator('#conflict-list .conflict[data-attribute="checkworthy"]')
    expect(checkworthy).to_contain_text("ana: yes; ben: no")
    # The disagreement panel lists both versions, and says gold has the place.
    claims = page.locator("#disagreement-list .disagreement").filter(has_text="put turnout")
    expect(claims).to_have_count(2)
    expect(claims.first).to_contain_text(
        "Gold has it here with another claimant and check-worthiness."
    )

    # ben's version settles both.
    checkworthy.get_by_role("button", name="Accept ben’s").click()
    expect(page.locator("#message")).to_contain_text("Accepted ben's CLAIM")
    claim = Span.objects.get(annotation=gold_of(world), label__name="CLAIM")
    assert (claim.claimant_text, claim.checkworthy) == ("AFP", "no")
    expect(claims.filter(has_text="✓ In gold")).to_have_count(1)

    # "Accept all agreed" no longer says every item went in: it names what is disputed.
    page.click("#accept-agreed")
    expect(page.locator("#message")).to_contain_text("to resolve")
    expect(page.locator("#conflict-list")).not_to_contain_text("every item went in")
    expect(claimant).to_contain_text("claimant differs: gold has AFP (not in the text)")
    assert csp_violations == []


def test_rebuilding_over_the_reviewers_accepts_asks_first(live_server, sign_in, csp_violations):
    world, ana, _ben = review_world()
    page = open_review(sign_in(world.user), live_server, world)
    questions: list[str] = []
    answers = iter([False, True])

    def answer(dialog):
        questions.append(dialog.message)
        if next(answers):
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", answer)
    page.click("#build-majority")
    expect(page.locator("#message")).to_contain_text("Gold built by majority: 3 spans")
    commission = page.locator("#conflict-list .conflict").filter(
        has_text="regional electoral commission"
    )
    commission.get_by_role("button").click()
    expect(page.locator("#message")).to_contain_text("Accepted ana's ORG")
    assert questions == []

    # Building again would take the accepted span out: the page asks; "no" keeps gold.
    page.click("#build-majority")
    expect(page.locator("#message")).to_contain_text("Gold kept as it is")
    assert len(questions) == 1
    assert "ORG “regional electoral commission”" in questions[0]
    assert ("ORG", "regional electoral commission") in gold_rows(world)

    # "Yes" replaces it, and says so.
    page.click("#build-majority")
    expect(page.locator("#message")).to_contain_text("Gold built by majority: 3 spans")
    assert len(questions) == 2
    assert ("ORG", "regional electoral commission") not in gold_rows(world)
    # The two 409s that asked are logged by Chromium; nothing else may be there.
    assert [m for m in csp_violations if "status of 409" not in m] == []
