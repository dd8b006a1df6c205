"""Swagger UI at /api/docs/ renders its operations under the strict CSP (Chromium)."""

import pytest
from playwright.sync_api import expect

from tests.browser import conftest as browser
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The browser tests' fixtures (Debian's Chromium, console errors, a signed-in page), used here.
browser_type_launch_args = browser.browser_type_launch_args
csp_violations = browser.csp_violations
sign_in = browser.sign_in

# Chromium fires this for every resource or inline code the policy blocks; recorded from
# before the page's first script runs (an init script is Playwright's, outside the policy).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def test_swagger_ui_renders_the_operations_with_no_csp_violation(
    live_server, sign_in, csp_violations
):
    page = sign_in(UserFactory(username="ada"))
    page.add_init_script(RECORD_VIOLATIONS)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{live_server.url}/api/docs/")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible(timeout=15_000)
    assert operations.count() > 20
    expect(page.locator(".opblock-summary-path", has_text="/api/projects/").first).to_be_visible()
    expect(
        page.locator(".opblock-delete .opblock-summary-path[data-path='/api/auth/token/']")
    ).to_be_visible()

    assert page.evaluate("window.__cspViolations") == []
    assert csp_violations == []
    # Everything from our own origin: no CDN, no validator badge.
    assert [url for url in requested if not url.startswith(live_server.url)] == []
