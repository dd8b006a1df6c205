"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

import os
import shutil

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# Playwright's sync API keeps an event loop running in the main thread from the first browser
# test to the end of the session; tests still use the database synchronously, which Django
# allows once told so. (tests/test_settings.py keeps this out of the processes it starts.)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}. Install Debian's package: "
            "`apt-get update && apt-get install -y chromium` (or set CHROMIUM_PATH)."
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def csp_violations(page):
    """Collect Content-Security-Policy violations and console errors the page reports."""
    messages: list[str] = []
    page.on(
        "console",
        lambda message: messages.append(message.text) if message.type == "error" else None,
    )
    # Uncaught exceptions in the page's own scripts count too.
    page.on("pageerror", lambda error: messages.append(f"uncaught: {error}"))
    return messages


@pytest.fixture
def sign_in(live_server, page, client):
    """Sign ``user`` in with a session cookie (the log-in form has tests of its own)."""

    def sign_in(user):
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )
        return page

    return sign_in


@pytest.fixture
def dialogs(page):
    """Every JavaScript dialog (alert, confirm, prompt) the page opens; each is dismissed."""
    opened: list[str] = []

    def record(dialog):
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return opened
