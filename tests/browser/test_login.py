"""Logging in through the browser, under the strict Content-Security-Policy."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, MembershipFactory


@pytest.mark.django_db(transaction=True)
def test_annotator_logs_in_and_sees_their_projects(live_server, page, csp_violations):
    membership = MembershipFactory(project__name="Sahel <b>news</b>", user__username="ana")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="My projects")).to_be_visible()
    # The project name is shown as text, never as markup.
    expect(page.get_by_text(membership.project.name)).to_be_visible()
    assert page.locator("main b").count() == 0
    assert csp_violations == []


@pytest.mark.django_db(transaction=True)
def test_wrong_password_is_refused_with_a_message(live_server, page):
    MembershipFactory(user__username="ana")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator(".errorlist")).to_contain_text("correct username and password")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
