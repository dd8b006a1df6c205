"""The quality page as a reviewer uses it: adjudicate, then see each annotator against gold."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation, Span
from tests.browser.test_review import open_review, review_world
from tests.factories import AnnotationFactory, DocumentFactory, SpanFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
WIDTHS = {"desktop": (1280, 900), "tablet": (768, 1024)}


def spans_of(annotation: Annotation) -> set[tuple[int, int, str]]:
    return {
        (start, end, label)
        for start, end, label in Span.objects.filter(annotation=annotation).values_list(
            "start", "end", "label__name"
        )
    }


def reviewed_by_majority(page, live_server, world) -> Annotation:
    """Build gold by majority on the review page and mark it reviewed, as a reviewer does."""
    open_review(page, live_server, world)
    page.click("#build-majority")
    expect(page.locator("#gold-status")).to_have_text("Gold in review")
    page.click("#reviewed-button")
    expect(page.locator("#gold-status")).to_have_text("Gold reviewed ✓")
    gold = Annotation.objects.get(document=world.document, kind="gold")
    assert gold.status == "submitted"
    return gold


def test_reviewer_adjudicates_then_reads_each_annotator_against_gold(
    live_server, sign_in, csp_violations
):
    world, ana, ben = review_world()
    page = sign_in(world.user)
    gold = reviewed_by_majority(page, live_server, world)

    page.goto(f"{live_server.url}/projects/{world.project.pk}/dashboard/")
    page.click(".project-actions a:has-text('Quality')")
    expect(page.locator("h1")).to_have_text("Quality")
    expect(page.locator("#gold-scope")).to_contain_text("Compared on 1 document")

    # Each annotator's precision and recall against the gold the server holds.
    golden = spans_of(gold)
    for annotation in (ana, ben):
        theirs = spans_of(annotation)
        right = len(theirs & golden)
        row = page.locator(f'#gold-table tr[data-annotator="{annotation.author.username}"]')
        expect(row.locator('[data-figure="precision"]')).to_have_text(f"{right / len(theirs):.2f}")
        expect(row.locator('[data-figure="recall"]')).to_have_text(f"{right / len(golden):.2f}")
        expect(row.locator('[data-figure="documents"]')).to_have_text("1")
    # Stances tied (FAVOR against AGAINST), so gold has none: each annotator 0 of 1.
    expect(
        page.locator('#gold-table tr[data-annotator="ana"] [data-figure="stance"]')
    ).to_have_text("0.00 (0/1)")

    # What ana did otherwise than gold, with a link to fix it.
    ana_detail = page.locator('section.annotator-detail[data-annotator="ana"]')
    expect(ana_detail).to_contain_text("marks “Bakary Dembélé” PER; gold has nothing there")
    expect(ana_detail).to_contain_text(
        "gives FAVOR on “the French intervention” where gold has none"
    )

    # Alpha per label is the project's figure from the API.
    figures = page.request.get(f"{live_server.url}/api/projects/{world.project.pk}/agreement/")
    loc_alpha = figures.json()["label_tokens"]["LOC"]["alpha"]
    expect(
        page.locator('#label-agreement-table tr[data-label="LOC"] [data-figure="alpha"]')
    ).to_have_text(f"{loc_alpha:.2f}")

    # The same name labelled PER by ana and LOC by ben: listed, and its link opens the review page.
    row = page.locator('#consistency-table tr[data-text="Bakary Dembélé"]')
    expect(row.locator('li[data-label="PER"] [data-source="ana"]')).to_have_text("ana 1")
    expect(row.locator('li[data-label="LOC"] [data-source="ben"]')).to_have_text("ben 1")
    expect(row.locator('li[data-label="LOC"] [data-source]')).to_have_count(1)
    row.locator('li[data-label="LOC"] a').first.click()
    expect(page.locator("#reviewer.ready")).to_be_attached()
    assert page.url.endswith(f"/documents/{world.document.pk}/review/")
    assert csp_violations == []


def test_annotators_are_refused_the_quality_page(live_server, sign_in):
    world, ana, _ = review_world()
    page = sign_in(ana.author)
    response = page.goto(f"{live_server.url}/projects/{world.project.pk}/quality/")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("Not allowed")
    expect(page.locator("main")).to_contain_text("Only reviewers and managers")
    expect(page.locator("#gold-table")).to_have_count(0)


def _more_gold(world) -> None:
    """More reviewed documents, so the page's tables and charts have rows to show."""
    ana, ben = UserFactory(username="ana"), UserFactory(username="ben")
    for number, (first, second) in enumerate([("PER", "PER"), ("PER", "LOC"), ("ORG", "LOC")]):
        document = DocumentFactory(
            project=world.project,
            text=f"Coulibaly met Dembélé in Ségou, report number {number}.",
            external_id=f"segou-{number}",
        )
        gold = AnnotationFactory(document=document, author=None, kind="gold", status="submitted")
        SpanFactory(annotation=gold, label=world.labels["PER"], start=0, end=9)
        SpanFactory(annotation=gold, label=world.labels["LOC"], start=25, end=30)
        for user, label in ((ana, first), (ben, second)):
            annotation = AnnotationFactory(document=document, author=user, status="submitted")
            SpanFactory(annotation=annotation, label=world.labels[label], start=0, end=9)
            SpanFactory(annotation=annotation, label=world.labels["LOC"], start=25, end=30)
            annotation.events.create(action="status_changed", version=2)


@pytest.mark.parametrize("width", WIDTHS)
def test_quality_page_screenshots(live_server, page, sign_in, width, csp_violations):
    """Pictures for people to look at; asserts that nothing scrolls sideways."""
    SCREENSHOTS.mkdir(exist_ok=True)
    world, _, _ = review_world()
    _more_gold(world)
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    sign_in(world.user)
    reviewed_by_majority(page, live_server, world)
    page.goto(f"{live_server.url}/projects/{world.project.pk}/quality/")
    expect(page.locator("#gold-table tbody tr")).to_have_count(2)
    page.screenshot(path=SCREENSHOTS / f"quality-{width}.png", full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the quality page scrolls sideways at {width} width"
    assert csp_violations == []
