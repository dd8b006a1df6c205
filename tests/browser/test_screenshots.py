"""Screenshots of the pages at desktop and tablet width, for people to look at.

Written to ``screenshots/`` (git-ignored) beside the project. The test asserts only that the
page lays out without horizontal scrolling; the pictures are for eyes.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotations import demo
from annotations.models import Annotation
from annotations.services.annotating import (
    annotation_get_or_create,
    span_create,
    span_update,
    stance_create,
)
from tests.browser.annotating import highlight, make_world, open_document
from tests.factories import AnnotationFactory, DocumentFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
WIDTHS = {"desktop": (1280, 900), "tablet": (768, 1024)}


def _annotated_world():
    world = make_world(text=demo.ELECTION)
    world.project.guidelines = demo.GUIDELINES
    world.project.description = demo.PROJECT["description"]
    world.project.save()
    for _ in range(3):
        AnnotationFactory(document=DocumentFactory(project=world.project), author=world.user)
    Annotation.objects.filter(author=world.user).update(status="submitted")
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    text = world.document.text

    def add(label: str, words: str, **fields):
        start = text.index(words)
        span, _ = span_create(
            annotation=annotation,
            label=world.labels[label].pk,
            start=start,
            end=start + len(words),
            actor=None,
            **fields,
        )
        return span

    add("LOC", "Ségou")
    add("LOC", "Niger River")
    add("LOC", "Markala")
    coulibaly = add("PER", "Aïssata Coulibaly")
    add("PER", "Bakary Dembélé")
    add("ORG", "Rassemblement pour le Delta")
    add("ORG", "Union des Travailleurs Ruraux")
    commission = add("ORG", "regional electoral commission")
    claim = add("CLAIM", "put turnout at 41 per cent, up from 29 per cent", checkworthy="yes")
    span_update(span=claim, actor=None, claimant=commission.pk)
    add("CLAIM", "the first such vote since the boundaries were redrawn two years ago")
    stance_create(
        annotation=annotation,
        target=world.targets[0].pk,
        label=world.labels["FAVOR"].pk,
        holder=coulibaly.pk,
        actor=None,
    )
    return world, text.index("put turnout")


@pytest.mark.parametrize("width", WIDTHS)
def test_annotate_page_screenshots(live_server, page, sign_in, width, csp_violations):
    SCREENSHOTS.mkdir(exist_ok=True)
    world, claim_start = _annotated_world()
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.screenshot(path=SCREENSHOTS / f"login-{width}.png")
    sign_in(world.user)
    open_document(page, live_server, world.document)
    highlight(page, "CLAIM", claim_start).click()
    expect(page.locator("#claim-panel")).to_be_visible()
    page.keyboard.press("1")
    page.mouse.move(0, 0)
    page.screenshot(path=SCREENSHOTS / f"annotate-{width}.png")
    page.keyboard.press("?")
    page.screenshot(path=SCREENSHOTS / f"help-{width}.png")
    page.keyboard.press("Escape")

    page.goto(f"{live_server.url}/")
    page.screenshot(path=SCREENSHOTS / f"home-{width}.png", full_page=True)
    page.goto(f"{live_server.url}/projects/{world.project.pk}/")
    page.screenshot(path=SCREENSHOTS / f"project-{width}.png", full_page=True)
    for url in ("/", f"/documents/{world.document.pk}/annotate/"):
        page.goto(f"{live_server.url}{url}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} scrolls sideways at {width} width"
    assert csp_violations == []
