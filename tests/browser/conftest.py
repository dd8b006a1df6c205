"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")



def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _allow_database_access_beside_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in the test thread; the test still reads the
    # database synchronously between steps, which Django allows once told so. Only here:
    # the variable must not leak into other tests (`check --deploy` rightly refuses it).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
    return messages
