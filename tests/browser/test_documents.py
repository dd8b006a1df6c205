"""The document browser in Chromium: finding documents, starting one, a manager assigning."""

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation, AnnotationEvent
from tests.browser.test_screenshots import SCREENSHOTS, WIDTHS
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    ProjectFactory,
    members_of,
)

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = {
    "bamako-1": "Keita met Macron in Bamako on Monday.",
    "gao-2": "The convoy left Gao at dawn.",
    "kidal-3": "Talks in Kidal stalled again.",
    "mopti-4": "Floods closed the Mopti road.",
}


@pytest.fixture
def team():
    project = ProjectFactory(name="Sahel news", max_open_per_annotator=2)
    people = members_of(project, ana="annotator", zeb="annotator", meg="manager")
    documents = {
        key: DocumentFactory(project=project, external_id=key, text=text)
        for key, text in TEXTS.items()
    }
    AnnotationFactory(document=documents["mopti-4"], author=people["zeb"], status="submitted")
    return project, people, documents


def _open(page, live_server, project, query=""):
    page.goto(f"{live_server.url}/projects/{project.pk}/documents/{query}")


def _row(page, document):
    return page.locator(f'#documents tr[data-document-id="{document.pk}"]')


def test_a_manager_assigns_ticked_documents_and_is_told_what_the_limit_refused(
    live_server, sign_in, team, csp_violations
):
    project, people, documents = team
    page = sign_in(people["meg"])
    _open(page, live_server, project)
    expect(_row(page, documents["mopti-4"]).locator(".annotators")).to_have_text("zeb (submitted)")

    # Tick the whole page, then untick the one document not to hand over.
    page.get_by_label("Choose every document of this page").check()
    _row(page, documents["mopti-4"]).get_by_role("checkbox").uncheck()
    expect(page.get_by_label("Choose every document of this page")).not_to_be_checked()
    page.get_by_label("Assign to").select_option("ana")
    page.get_by_role("button", name="Assign ticked documents").click()

    messages = page.locator(".messages")
    first, second, third = (documents[key].pk for key in ("bamako-1", "gao-2", "kidal-3"))
    expect(messages).to_contain_text(f"Assigned to ana: #{first}, #{second}.")
    expect(messages).to_contain_text(f"unfinished documents (the project's limit): #{third}.")
    expect(_row(page, documents["bamako-1"]).locator(".annotators")).to_have_text(
        "ana (in progress)"
    )
    held = Annotation.objects.filter(author=people["ana"], status="in_progress")
    assert sorted(held.values_list("document_id", flat=True)) == [first, second]
    created = AnnotationEvent.objects.filter(annotation__in=held)
    assert {event.actor for event in created} == {people["meg"]}
    assert csp_violations == []


def test_an_annotator_finds_opens_read_only_then_starts_a_document(
    live_server, sign_in, team, csp_violations
):
    project, people, documents = team
    page = sign_in(people["ana"])
    _open(page, live_server, project)
    # Blind: zeb's submitted work is nowhere, and there is no filter on other people's work.
    expect(page.locator("#documents")).not_to_contain_text("zeb")
    expect(page.get_by_label("Assigned to")).to_have_count(0)

    page.get_by_label("Text or external id contains").fill("convoy")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#documents tbody tr")).to_have_count(1)
    row = _row(page, documents["gao-2"])
    expect(row.locator(".my-status")).to_have_text("new")

    row.get_by_role("link", name="Open").click()
    expect(page.locator("#document-text")).to_have_text(TEXTS["gao-2"])
    assert not Annotation.objects.filter(author=people["ana"]).exists()  # reading wrote nothing

    page.go_back()
    _row(page, documents["gao-2"]).get_by_role("button", name="Start annotating").click()
    expect(page.locator("#document-text")).to_have_text(TEXTS["gao-2"])
    mine = Annotation.objects.get(author=people["ana"])
    assert (mine.document_id, mine.status) == (documents["gao-2"].pk, "in_progress")

    _open(page, live_server, project, "?status=in_progress")
    expect(page.locator("#documents tbody tr")).to_have_count(1)
    expect(_row(page, documents["gao-2"]).get_by_role("link", name="Continue")).to_be_visible()
    assert csp_violations == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("who", ["meg", "ana"])
def test_document_browser_screenshots(live_server, sign_in, team, width, who, csp_violations):
    SCREENSHOTS.mkdir(exist_ok=True)
    project, people, documents = team
    AnnotationFactory(document=documents["bamako-1"], author=people["ana"])
    page = sign_in(people[who])
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    _open(page, live_server, project)
    expect(page.locator("#documents tbody tr")).to_have_count(len(TEXTS))

    page.screenshot(path=SCREENSHOTS / f"documents-{who}-{width}.png", full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert csp_violations == []
