"""The settings pages in Chromium: create a project, give it labels (a key the annotate page
uses is refused, saying what it does), and try to forbid overlap while spans overlap."""

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Label, Project
from tests.browser.test_screenshots import SCREENSHOTS, WIDTHS
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    SpanFactory,
    StanceTargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _add_label(page: Page, name: str, kind: str, key: str) -> None:
    page.fill("#id_label-name", name)
    page.select_option("#id_label-kind", kind)
    page.fill("#id_label-shortcut", key)
    page.click("#labels button:has-text('Add label')")


def test_a_user_creates_a_project_and_sets_its_labels(live_server, sign_in, csp_violations):
    user = UserFactory(username="nadia")
    page = sign_in(user)
    page.goto(f"{live_server.url}/")
    page.click("a:has-text('New project')")
    page.fill("#id_name", "Elections 2026")
    page.fill("#id_guidelines", "# Claims\n\nMark **checkable** facts.")
    page.click("button:has-text('Create project')")
    expect(page.locator(".messages")).to_contain_text("Project Elections 2026 created")
    project = Project.objects.get(name="Elections 2026")
    assert project.memberships.get().user == user

    page.click("button:has-text('Preview guidelines')")
    expect(page.locator("#guidelines-preview h1")).to_have_text("Claims")
    expect(page.locator("#guidelines-preview strong")).to_have_text("checkable")

    _add_label(page, "PER", "entity", "p")
    expect(page.locator('#labels li[data-label="PER"]')).to_be_visible()
    _add_label(page, "KEY", "entity", "k")
    expect(page.locator("#labels .field-errors")).to_contain_text(
        "'k' is already a key of the annotate and review pages (pick the claimant)"
    )
    _add_label(page, "PLACE", "entity", "P")
    expect(page.locator("#labels .field-errors")).to_contain_text(
        "Shortcut 'P' is already used by label PER."
    )
    _add_label(page, "NEUTRAL", "stance", "n")
    expect(page.locator("#labels .field-errors")).to_contain_text("(check-worthy: no)")
    _add_label(page, "NEUTRAL", "stance", "t")
    expect(page.locator('#labels li[data-label="NEUTRAL"]')).to_be_visible()
    assert sorted(Label.objects.values_list("name", "shortcut")) == [("NEUTRAL", "t"), ("PER", "p")]

    page.fill("#id_target-name", "the vote")
    page.click("#targets button:has-text('Add target')")
    expect(page.locator('#targets li[data-target="the vote"]')).to_be_visible()
    assert [m for m in csp_violations if "status of 400" not in m] == []


def test_forbidding_overlap_while_spans_overlap_lists_the_documents(
    live_server, sign_in, csp_violations
):
    manager = UserFactory(username="meg")
    page = sign_in(manager)
    page.goto(f"{live_server.url}/projects/new/")
    page.fill("#id_name", "Sahel")
    page.select_option("#id_allow_overlap", "yes")
    page.click("button:has-text('Create project')")
    project = Project.objects.get(name="Sahel")
    per = LabelFactory(project=project, name="PER", kind="entity", shortcut="p")
    document = DocumentFactory(project=project, text="Keita met Macron.", external_id="art-7")
    annotation = AnnotationFactory(document=document)
    SpanFactory(annotation=annotation, label=per, start=0, end=9)
    SpanFactory(annotation=annotation, label=per, start=6, end=16)

    page.reload()
    page.select_option("#id_allow_overlap", "no")
    page.click("button:has-text('Save settings')")

    errors = page.locator("#project .field-errors")
    expect(errors).to_contain_text("1 document(s) hold overlapping spans")
    expect(errors).to_contain_text(f"Documents: {document.pk} (art-7).")
    project.refresh_from_db()
    assert project.allow_overlap is True
    assert [m for m in csp_violations if "status of 400" not in m] == []


@pytest.mark.parametrize("width", WIDTHS)
def test_screenshots_of_the_settings_pages(live_server, sign_in, width, csp_violations):
    SCREENSHOTS.mkdir(exist_ok=True)
    manager = UserFactory(username="meg")
    page = sign_in(manager)
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    page.goto(f"{live_server.url}/projects/new/")
    page.screenshot(path=SCREENSHOTS / f"project-new-{width}.png", full_page=True)
    page.fill("#id_name", "Sahel news")
    page.fill("#id_guidelines", "# Entities\n\n- **PER**: a named person\n- **LOC**: a place")
    page.click("button:has-text('Create project')")
    project = Project.objects.get(name="Sahel news")
    for name, kind, key in (
        ("PER", "entity", "p"),
        ("CLAIM", "claim", "c"),
        ("FAVOR", "stance", "f"),
    ):
        LabelFactory(project=project, name=name, kind=kind, shortcut=key)
    LabelFactory(
        project=project, name="located_in", kind="relation", source_kind="entity", target_kind=""
    )
    StanceTargetFactory(project=project, name="Trade corridor agreement")
    page.reload()
    _add_label(page, "KEY", "entity", "k")
    expect(page.locator("#labels .field-errors")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / f"settings-{width}.png", full_page=True)
    page.click("button:has-text('Preview guidelines')")
    expect(page.locator("#guidelines-preview li")).to_have_count(2)
    page.locator("#project").screenshot(path=SCREENSHOTS / f"settings-preview-{width}.png")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the settings page scrolls sideways at {width}"
    assert [m for m in csp_violations if "status of 400" not in m] == []


def test_a_relation_labels_end_kinds_show_for_relation_labels_only(
    live_server, sign_in, csp_violations
):
    manager = UserFactory(username="meg")
    page = sign_in(manager)
    page.goto(f"{live_server.url}/projects/new/")
    page.fill("#id_name", "Sahel")
    page.click("button:has-text('Create project')")
    project = Project.objects.get(name="Sahel")
    per = LabelFactory(project=project, name="PER", kind="entity", shortcut="p")
    page.reload()

    starts = page.locator("#id_label-source_kind")
    expect(starts).to_be_hidden()
    expect(page.locator(f"#id_label-{per.pk}-source_kind")).to_be_hidden()
    page.fill("#id_label-name", "located_in")
    page.select_option("#id_label-kind", "relation")
    expect(starts).to_be_visible()
    page.select_option("#id_label-source_kind", "entity")
    page.select_option("#id_label-target_kind", "claim")
    page.click("#labels button:has-text('Add label')")
    row = page.locator('#labels li[data-label="located_in"]')
    expect(row.locator("select[name$='-source_kind']")).to_have_value("entity")
    located = Label.objects.get(name="located_in")
    assert (located.source_kind, located.target_kind) == ("entity", "claim")

    # Back to entity: the end kinds hide and are not sent, so the change is accepted.
    row.locator("select[name$='-kind'][data-kind-select]").select_option("entity")
    expect(row.locator("select[name$='-target_kind']")).to_be_hidden()
    row.locator("button:has-text('Save')").click()
    expect(page.locator(".messages")).to_contain_text("located_in saved.")
    located.refresh_from_db()
    assert (located.kind, located.source_kind, located.target_kind) == ("entity", "", "")
    assert csp_violations == []
