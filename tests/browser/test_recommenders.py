"""The recommenders page in Chromium: a manager trains a dictionary and reads its figures."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotations.models import Membership, ModelVersion
from tests.factories import UserFactory
from tests.recommending import document, gold_document, labelled_project, sentence
from tests.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
WIDTHS = {"desktop": (1280, 900), "tablet": (768, 1024)}


@pytest.mark.parametrize("width", WIDTHS)
def test_manager_adds_trains_and_reads_a_recommender(
    live_server, page, sign_in, width, csp_violations
):
    SCREENSHOTS.mkdir(exist_ok=True)
    project = labelled_project(retrain_every=0)
    manager = UserFactory(username=f"rec-manager-{width}")
    Membership.objects.create(project=project, user=manager, role="manager")
    for index in range(3):
        gold_document(project, *sentence(index))
    document(project, "Amadou Keita arrived in Kidal.")
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    sign_in(manager)

    page.goto(f"{live_server.url}/projects/{project.pk}/recommenders/")
    page.fill("#id_name", "Gold strings")
    page.select_option("#id_kind", "dictionary")
    page.click("#add-recommender button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Recommender Gold strings added.")
    card = page.locator('[data-recommender="Gold strings"]')
    card.get_by_role("button", name="Train now").click()
    expect(page.locator(".messages")).to_contain_text("Version 1 of Gold strings is queued")
    run_worker()
    page.reload()

    row = page.locator('[data-recommender="Gold strings"] tr[data-version="1"]')
    expect(row).to_have_attribute("data-status", "ready")
    f1 = ModelVersion.objects.get().metrics["overall"]["f1"]
    expect(row.locator("td.num").nth(1)).to_have_text(f"{f1:.2f}")
    expect(page.locator("svg.f1-chart circle.dot")).to_have_count(1)
    page.screenshot(path=SCREENSHOTS / f"recommenders-{width}.png", full_page=True)

    # Turned off: said so, marked disabled, nothing to train; on again, as it was.
    card.get_by_role("button", name="Turn off").click()
    expect(page.locator(".messages")).to_contain_text("Gold strings is off")
    expect(card.locator(".recommender-head")).to_contain_text("disabled")
    expect(card.get_by_role("button", name="Train now")).to_have_count(0)
    page.screenshot(path=SCREENSHOTS / f"recommenders-off-{width}.png", full_page=False)
    card.get_by_role("button", name="Turn on").click()
    expect(page.locator(".messages")).to_contain_text("Gold strings is on again")
    expect(card.get_by_role("button", name="Train now")).to_be_visible()
    expect(row).to_have_attribute("data-status", "ready")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert csp_violations == []
