"""Document labels in the browser: chips above the text toggled by their keys (a single-choice
group replaces), saved, undone, listed; submit refused while a required group is empty; and
on the review page each annotator's labels in their lane and side by side, accepted into gold."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Annotation, DocumentLabel, Label, LabelGroup
from annotations.services.agreement import document_agreement_refresh
from annotations.services.annotating import annotation_get_or_create
from tests.browser.annotating import World, make_world, open_document, wait_saved
from tests.browser.test_review import gold_of, open_review, review_world
from tests.factories import LabelFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
WIDTHS = {"desktop": (1280, 900), "tablet": (768, 1024)}
# services/annotating/messages.py says this when submit is refused.
REQUIRED_EMPTY = "Label group 'Topic' needs a label before the annotation is submitted."


def add_scheme(world: World) -> dict[str, Label]:
    """Topic (one label, required): politics w, economy x; Tags (any number): breaking b,
    opinion v."""
    topic = LabelGroup.objects.create(project=world.project, name="Topic", required=True)
    tags = LabelGroup.objects.create(project=world.project, name="Tags", multiple=True, position=1)
    specs = [
        ("politics", topic, "w", "#0072b2"),
        ("economy", topic, "z", "#d55e00"),
        ("breaking", tags, "b", "#009e73"),
        ("opinion", tags, "v", "#cc79a7"),
    ]
    return {
        name: LabelFactory(
            project=world.project,
            name=name,
            kind="document",
            group=group,
            shortcut=key,
            color=color,
        )
        for name, group, key, color in specs
    }


def server_labels(page: Page, live_server, annotation: Annotation) -> set[str]:
    """The annotation's document labels as the REST API gives them, by name."""
    answer = page.request.get(f"{live_server.url}/api/annotations/{annotation.pk}/document-labels/")
    assert answer.ok, answer.text()
    ids = answer.json()["labels"]
    return set(Label.objects.filter(pk__in=ids).values_list("name", flat=True))


def classes(name: str, marks: str) -> str:
    """A chip's classes: its label's colour class and the review marks."""
    return f"doc-label lbl-{Label.objects.get(name=name).pk} {marks}"


def chip(page: Page, name: str):
    return page.locator(f'#document-labels .doc-label[data-label="{name}"]')


def test_a_project_without_document_labels_shows_no_empty_bar_above_the_text(live_server, sign_in):
    # The bar is hidden, not drawn as an empty box (its display rule once overrode `hidden`).
    world = make_world()
    page = open_document(sign_in(world.user), live_server, world.document)
    expect(page.locator("#document-text")).to_be_visible()
    expect(page.locator("#document-labels")).to_be_hidden()
    assert page.locator("#document-labels").bounding_box() is None


def test_keys_toggle_document_labels_a_single_choice_group_replaces_and_the_server_follows(
    live_server, sign_in, csp_violations
):
    world = make_world()
    add_scheme(world)
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    page = open_document(sign_in(world.user), live_server, world.document)
    bar = page.locator("#document-labels")
    expect(bar).to_be_visible()
    expect(bar.locator(".doclabel-group-name")).to_have_text(["Topic", "Tags"])
    expect(bar.locator('[data-group="Topic"]')).to_have_class("doclabel-group missing")
    expect(chip(page, "politics")).to_have_text("politicsw")

    page.keyboard.press("w")
    expect(chip(page, "politics")).to_have_attribute("aria-pressed", "true")
    wait_saved(page)
    assert server_labels(page, live_server, annotation) == {"politics"}
    expect(bar.locator('[data-group="Topic"]')).to_have_class("doclabel-group")

    page.keyboard.press("z")  # economy replaces politics: Topic takes one label
    expect(chip(page, "politics")).to_have_attribute("aria-pressed", "false")
    expect(chip(page, "economy")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("b")
    page.keyboard.press("v")  # Tags takes any number
    wait_saved(page)
    assert server_labels(page, live_server, annotation) == {"economy", "breaking", "opinion"}

    page.keyboard.press("v")  # toggled off
    wait_saved(page)
    assert server_labels(page, live_server, annotation) == {"economy", "breaking"}
    page.keyboard.press("Control+z")
    wait_saved(page)
    expect(page.locator("#message")).to_contain_text("Undone.")
    assert server_labels(page, live_server, annotation) == {"economy", "breaking", "opinion"}

    # Listed with the rest of the annotation, as labels of the whole document.
    entries = page.locator("#annotation-list .annolist-group", has_text="economy")
    expect(entries).to_contain_text("Whole document")

    chip(page, "politics").click()  # a click does what the key does
    wait_saved(page)
    assert server_labels(page, live_server, annotation) == {"politics", "breaking", "opinion"}

    # The help lists each document label's key for what it does.
    page.keyboard.press("?")
    expect(page.locator("#help")).to_contain_text(
        "politics: give the whole document this label (again: take it off)"
    )
    assert csp_violations == []


def test_submit_is_refused_while_a_required_group_is_empty(live_server, sign_in, csp_violations):
    world = make_world()
    add_scheme(world)
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    page = open_document(sign_in(world.user), live_server, world.document)
    page.keyboard.press("b")
    wait_saved(page)

    page.keyboard.press("Control+Enter")
    expect(page.locator("#message")).to_contain_text(REQUIRED_EMPTY)
    annotation.refresh_from_db()
    assert annotation.status == "in_progress"

    page.keyboard.press("w")
    wait_saved(page)
    page.keyboard.press("Control+Enter")
    expect(page).not_to_have_url(f"{live_server.url}/documents/{world.document.pk}/annotate/")
    annotation.refresh_from_db()
    assert annotation.status == "submitted"
    assert server_labels(page, live_server, annotation) == {"politics", "breaking"}


def _review_with_labels():
    world, ana, ben = review_world()
    labels = add_scheme(world)
    for annotation, names in ((ana, ["politics", "breaking"]), (ben, ["economy", "breaking"])):
        for name in names:
            DocumentLabel.objects.create(annotation=annotation, label=labels[name])
    return world, ana, ben


def test_a_lane_shows_its_annotators_labels_and_a_click_accepts_one_into_gold(
    live_server, sign_in, csp_violations
):
    world, ana, ben = _review_with_labels()
    page = open_review(sign_in(world.user), live_server, world)
    page.click(f"#lane-{ana.pk}")
    expect(chip(page, "politics")).to_have_attribute("aria-pressed", "true")
    expect(chip(page, "economy")).to_have_attribute("aria-pressed", "false")
    # ben gave economy, not politics: marked as not every annotator's; breaking is agreed.
    expect(chip(page, "politics")).to_have_class(classes("politics", "disagree"))
    expect(chip(page, "breaking")).to_have_class(classes("breaking", "agreed"))

    chip(page, "politics").click()
    expect(page.locator("#message")).to_contain_text(
        "Accepted the document label politics into gold."
    )
    assert {row.label.name for row in DocumentLabel.objects.filter(annotation=gold_of(world))} == {
        "politics"
    }
    expect(chip(page, "politics")).to_have_class(classes("politics", "disagree in-gold"))

    page.click(f"#lane-{ben.pk}")
    chip(page, "economy").click()  # Topic takes one label: economy replaces politics in gold
    expect(page.locator("#message")).to_contain_text(
        "Accepted the document label economy into gold."
    )
    page.click("#lane-gold")
    expect(chip(page, "economy")).to_have_attribute("aria-pressed", "true")
    expect(chip(page, "politics")).to_have_attribute("aria-pressed", "false")
    assert {row.label.name for row in DocumentLabel.objects.filter(annotation=gold_of(world))} == {
        "economy"
    }
    assert csp_violations == []


def test_side_by_side_has_a_document_row_and_enter_accepts_a_label(
    live_server, sign_in, csp_violations
):
    world, ana, ben = _review_with_labels()
    page = sign_in(world.user)
    page.goto(f"{live_server.url}/documents/{world.document.pk}/review/")
    expect(page.locator("#reviewer.ready")).to_be_attached()
    block = page.locator("#curation .cur-document")
    expect(block.locator(".cur-unit-name")).to_have_text("Document labels (whole document)")
    ana_row = block.locator(f'.cur-row[data-lane="{ana.pk}"]')
    expect(ana_row.locator(".cur-item")).to_have_count(2)
    breaking = ana_row.locator('.cur-item[data-label="breaking"]')
    expect(breaking).to_have_attribute("data-agreement", "all")
    politics = ana_row.locator('.cur-item[data-label="politics"]')
    expect(politics).to_have_attribute("data-agreement", "one")
    expect(politics).to_contain_text("Topic")

    politics.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text(
        "Accepted the document label politics into gold."
    )
    gold_row = block.locator('.cur-row[data-lane="gold"]')
    expect(gold_row.locator('.cur-item[data-label="politics"]')).to_be_visible()
    expect(politics).to_have_attribute("data-in-gold", "true")

    block.locator(f'.cur-row[data-lane="{ben.pk}"] .cur-item[data-label="breaking"]').click()
    expect(gold_row.locator(".cur-item")).to_have_count(2)
    assert {row.label.name for row in DocumentLabel.objects.filter(annotation=gold_of(world))} == {
        "politics",
        "breaking",
    }
    assert csp_violations == []


@pytest.mark.parametrize("width", WIDTHS)
def test_document_label_screenshots(live_server, page, sign_in, width, csp_violations):
    world = make_world()
    labels = add_scheme(world)
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    DocumentLabel.objects.create(annotation=annotation, label=labels["economy"])
    DocumentLabel.objects.create(annotation=annotation, label=labels["breaking"])
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    open_document(sign_in(world.user), live_server, world.document)
    expect(chip(page, "economy")).to_have_attribute("aria-pressed", "true")
    # No horizontal scrolling: the chips wrap.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"document-labels-{width}.png"), full_page=False)

    # The settings page's groups, for a manager.
    world.project.memberships.filter(user=world.user).update(role="manager")
    page.goto(f"{live_server.url}/projects/{world.project.pk}/settings/#label-groups")
    groups = page.locator("#label-groups")
    expect(groups.locator("li[data-group]")).to_have_count(2)
    groups.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"document-label-groups-{width}.png"), full_page=False)
    assert csp_violations == []


def test_accept_all_agreed_adds_the_labels_everyone_gave(live_server, sign_in, csp_violations):
    world, ana, ben = _review_with_labels()
    page = open_review(sign_in(world.user), live_server, world)
    page.click("#accept-agreed")
    expect(page.locator("#message")).to_contain_text(
        "Added 3 agreed spans, 0 stances and 1 document label to gold."
    )
    page.click("#lane-gold")
    expect(chip(page, "breaking")).to_have_attribute("aria-pressed", "true")
    assert {row.label.name for row in DocumentLabel.objects.filter(annotation=gold_of(world))} == {
        "breaking"
    }
    assert csp_violations == []


def test_the_review_queue_counts_document_labels_chosen_differently(
    live_server, sign_in, csp_violations
):
    world, _ana, _ben = _review_with_labels()
    # The labels were given after submitting, behind the services' back: store the figures again.
    document_agreement_refresh(document_id=world.document.pk)
    page = sign_in(world.user)
    page.goto(f"{live_server.url}/projects/{world.project.pk}/review/")
    row = page.locator(f'#review-queue tr[data-document-id="{world.document.pk}"]')
    # Four spans and two stances only one of them has, and politics / economy in Topic;
    # breaking, which both gave, is shared.
    expect(row.locator("td.num").first).to_have_text("8")
    page.select_option("#id_label", "economy")
    page.click("button:has-text('Filter')")
    expect(row).to_be_visible()
    assert csp_violations == []
