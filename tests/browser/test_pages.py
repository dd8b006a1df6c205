"""From log-in to the annotate page and out again, under the strict Content-Security-Policy."""

import re

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation
from tests.browser.annotating import make_world
from tests.factories import PASSWORD, AnnotationFactory, DocumentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_log_in_see_progress_read_guidelines_start_annotating_and_log_out(
    live_server, page, csp_violations, dialogs
):
    world = make_world()
    world.project.guidelines = "# Rules\n\nMark **people**.\n\n<script>alert('guidelines')</script>"
    world.project.save()
    done = AnnotationFactory(document=DocumentFactory(project=world.project), author=world.user)
    Annotation.objects.filter(pk=done.pk).update(status="submitted")

    page.goto(f"{live_server.url}/")
    page.fill("#id_username", world.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    card = page.locator(".project-card")
    expect(card.locator("progress")).to_have_attribute("value", "1")
    expect(card.locator("progress")).to_have_attribute("max", "2")
    expect(card.locator(".progress-text")).to_have_text("1 of 2 done")

    card.get_by_role("link", name="Sahel news").click()
    expect(page.get_by_role("heading", name="Rules")).to_be_visible()
    expect(page.locator(".prose strong")).to_have_text("people")
    for name, key in (("PER", "p"), ("CLAIM", "c"), ("FAVOR", "f")):
        row = page.locator("table.labels tr", has=page.locator(f'[data-label="{name}"]'))
        expect(row.locator("kbd")).to_have_text(key)

    page.get_by_role("button", name="Start annotating").click()
    expect(page).to_have_url(re.compile(rf"/documents/{world.document.pk}/annotate/$"))
    expect(page.locator("#annotator.ready")).to_be_attached()
    expect(page.locator("#save-status")).to_have_text("Saved")
    for name, key in (("PER", "p"), ("ORG", "o"), ("LOC", "l"), ("CLAIM", "c")):
        button = page.locator(f'.label-button[data-label="{name}"]')
        expect(button).to_contain_text(name)
        expect(button.locator("kbd")).to_have_text(key)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    assert dialogs == []
    assert csp_violations == []


def test_all_done_when_the_queue_is_empty(live_server, sign_in, csp_violations):
    world = make_world()
    Annotation.objects.create(document=world.document, author=world.user, status="submitted")
    page = sign_in(world.user)
    page.goto(f"{live_server.url}/projects/{world.project.pk}/annotate/")
    expect(page.get_by_role("heading", name="All done")).to_be_visible()
    expect(page.locator(".progress-text")).to_have_text("1 of 1 done")
    assert csp_violations == []


def test_a_non_member_sees_not_found(live_server, sign_in):
    world = make_world()
    stranger = make_world(username="bob")
    page = sign_in(stranger.user)
    response = page.goto(f"{live_server.url}/documents/{world.document.pk}/annotate/")
    assert response.status == 404
    response = page.goto(f"{live_server.url}/projects/{world.project.pk}/")
    assert response.status == 404
