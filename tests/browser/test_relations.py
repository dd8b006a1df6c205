"""Relations in the browser (relations.js): drawn from a highlight with a relation label's key
and the keyboard or the mouse, drawn as arcs that follow the text's reflow, listed, deleted,
undone and redone, refused on the page when the label's kinds do not fit; and on the review
page, shown per lane and accepted into gold side by side. The server's rows are checked after
every change."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from annotations.models import LabelAttribute, Relation, Span
from annotations.services.annotating import annotation_get_or_create, span_create
from tests.browser.annotating import World, highlight, make_world, open_document, wait_saved
from tests.browser.test_curation import chip, open_side_by_side, row, unit_of
from tests.browser.test_review import gold_of, review_world
from tests.browser.test_savequeue import write_elsewhere
from tests.factories import LabelFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"

TEXT = (
    "Keita met Macron in Bamako on Monday, and the two presidents spoke for an hour about the "
    "security of the roads between the capital and the northern town of Gao.\n\n"
    "The ministry said that about 1,500 troops are involved in the operation."
)
MARKS = [
    ("PER", "Keita"),
    ("LOC", "Bamako"),
    ("LOC", "Gao"),
    ("ORG", "The ministry"),
    ("CLAIM", "about 1,500 troops are involved"),
]


def relation_world() -> tuple[World, dict[str, Span]]:
    """The annotate world with two relation labels and ana's annotation with five highlights.

    located_in (key i) links an entity to an entity; says (key s) an entity to a claim.
    """
    world = make_world(text=TEXT)
    for name, key, source, target, colour in [
        ("located_in", "q", "entity", "entity", "#e15759"),
        ("says", "w", "entity", "claim", "#76b7b2"),
    ]:
        world.labels[name] = LabelFactory(
            project=world.project,
            name=name,
            kind="relation",
            shortcut=key,
            color=colour,
            source_kind=source,
            target_kind=target,
        )
    annotation, _ = annotation_get_or_create(document=world.document, author=world.user)
    spans = {}
    for label, words in MARKS:
        start = TEXT.index(words)
        spans[words], _ = span_create(
            annotation=annotation,
            label=world.labels[label].pk,
            start=start,
            end=start + len(words),
            actor=world.user,
        )
    return world, spans


def relations(world: World) -> list[tuple[str, str, str]]:
    """The server's relations of ana's annotation: (label, source text, target text)."""
    rows = Relation.objects.filter(annotation__document=world.document, annotation__kind="manual")
    rows = rows.select_related("label", "source", "target").order_by("id")
    return [(r.label.name, r.source.text, r.target.text) for r in rows]


def piece(page: Page, words: str):
    return highlight(page, dict((w, label) for label, w in MARKS)[words], TEXT.index(words))


def arc(page: Page, label: str):
    return page.locator(f'svg.relation-arcs .relation-arc[data-label="{label}"]')


# Each arc's arrowhead against its target's first piece, and its start dot against its source's.
ARC_ENDS = """() => [...document.querySelectorAll('svg.relation-arcs .relation-arc')].map((g) => {
  const first = (key) => document.querySelector(
    `#document-text [data-key="${CSS.escape(key)}"]`).getClientRects()[0];
  const arrow = g.querySelector('.relation-arrow').getBoundingClientRect();
  const dot = g.querySelector('.relation-start').getBoundingClientRect();
  const target = first(g.dataset.target);
  const source = first(g.dataset.source);
  const tip = arrow.left + arrow.width / 2;
  const from = dot.left + dot.width / 2;
  return {
    label: g.dataset.label,
    tipOnTarget: Math.abs(arrow.bottom - target.top) <= 3
      && tip >= target.left && tip <= target.right,
    dotOnSource: Math.abs(dot.top + dot.height / 2 - source.top) <= 4
      && from >= source.left && from <= source.right,
    target: [Math.round(target.left), Math.round(target.top)],
  };
})"""


def test_a_relation_is_drawn_with_its_key_and_the_keyboard_and_saved(
    live_server, sign_in, csp_violations
):
    world, spans = relation_world()
    page = open_document(sign_in(world.user), live_server, world.document)
    # The label bar shows the relation labels with their keys.
    button = page.locator('.label-bar .relation-button[data-label="located_in"]')
    expect(button).to_contain_text("located_in")
    expect(button.locator("kbd")).to_have_text("q")

    piece(page, "Keita").click()
    page.keyboard.press("q")
    expect(page.locator("#message")).to_contain_text("located_in from “Keita”: click the highlight")
    expect(piece(page, "Keita")).to_have_class(re.compile(r"\brelation-source\b"))
    # ] visits only the highlights located_in may end at: Bamako, then Gao (never the claim).
    page.keyboard.press("]")
    expect(piece(page, "Bamako")).to_have_class(re.compile(r"\brelation-candidate\b"))
    page.keyboard.press("]")
    expect(piece(page, "Gao")).to_have_class(re.compile(r"\brelation-candidate\b"))
    page.keyboard.press("Enter")
    wait_saved(page)

    assert relations(world) == [("located_in", "Keita", "Gao")]
    saved = Relation.objects.get()
    drawn = arc(page, "located_in")
    expect(drawn).to_have_attribute("data-relation-id", str(saved.pk))
    expect(drawn.locator("text")).to_have_text("located_in")
    ends = page.evaluate(ARC_ENDS)
    assert [(e["tipOnTarget"], e["dotOnSource"]) for e in ends] == [(True, True)], ends
    # Listed under its label, selected, its panel open.
    entry = page.locator(
        '.annolist-group[data-label="located_in"] .annolist-item[data-kind="relation"]'
    )
    expect(entry).to_have_text("“Keita” → “Gao”")
    expect(entry).to_have_attribute("aria-current", "true")
    expect(page.locator("#relation-summary")).to_have_text("located_in “Keita” → “Gao”")
    assert csp_violations == []


def test_a_relation_is_drawn_with_the_mouse(live_server, sign_in, csp_violations):
    world, spans = relation_world()
    page = open_document(sign_in(world.user), live_server, world.document)
    piece(page, "The ministry").click()
    page.locator('.label-bar .relation-button[data-label="says"]').click()
    piece(page, "about 1,500 troops are involved").click()
    wait_saved(page)
    assert relations(world) == [("says", "The ministry", "about 1,500 troops are involved")]
    expect(arc(page, "says")).to_have_count(1)
    expect(page.locator("#message")).to_contain_text(
        "says: “The ministry” → “about 1,500 troops are involv…”."
    )
    assert csp_violations == []


def test_a_relation_whose_kinds_do_not_fit_is_refused_on_the_page(
    live_server, sign_in, csp_violations
):
    world, spans = relation_world()
    page = open_document(sign_in(world.user), live_server, world.document)
    message = page.locator("#message")

    # located_in starts at an entity: not at the claim.
    piece(page, "about 1,500 troops are involved").click()
    page.keyboard.press("q")
    expect(message).to_contain_text(
        "located_in starts at an entity highlight; “about 1,500 troops are involv…” is a claim."
    )
    expect(page.locator("#annotator")).not_to_have_class(re.compile(r"\brelating\b"))

    # says ends at a claim: not at Bamako, nor at its own start; Esc leaves nothing drawn.
    piece(page, "Keita").click()
    page.keyboard.press("w")
    piece(page, "Bamako").click()
    expect(message).to_contain_text("says ends at a claim highlight; “Bamako” is an entity.")
    piece(page, "Keita").click()
    expect(message).to_contain_text("A relation cannot go from a highlight to itself")
    page.keyboard.press("Escape")
    expect(message).to_contain_text("No relation drawn.")
    page.wait_for_timeout(300)
    expect(page.locator("#save-status")).to_have_text("Saved")
    assert relations(world) == []
    expect(page.locator("svg.relation-arcs .relation-arc")).to_have_count(0)
    assert csp_violations == []


def test_a_relation_is_deleted_with_the_key_and_the_button_and_undo_redo_cover_both(
    live_server, sign_in, csp_violations
):
    world, spans = relation_world()
    annotation = spans["Keita"].annotation
    Relation.objects.create(
        annotation=annotation,
        label=world.labels["located_in"],
        source=spans["Keita"],
        target=spans["Bamako"],
    )
    page = open_document(sign_in(world.user), live_server, world.document)
    expect(arc(page, "located_in")).to_have_count(1)

    # Chosen in the list, deleted with the Delete key.
    page.locator('.annolist-item[data-kind="relation"]').click()
    expect(page.locator("#relation-panel")).to_be_visible()
    page.keyboard.press("Delete")
    wait_saved(page)
    assert relations(world) == []
    expect(arc(page, "located_in")).to_have_count(0)
    expect(page.locator('.annolist-item[data-kind="relation"]')).to_have_count(0)

    # Undo brings it back on the server; redo deletes it again.
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert relations(world) == [("located_in", "Keita", "Bamako")]
    expect(arc(page, "located_in")).to_have_attribute(
        "data-relation-id", str(Relation.objects.get().pk)
    )
    page.keyboard.press("Control+Shift+z")
    wait_saved(page)
    assert relations(world) == []
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert relations(world) == [("located_in", "Keita", "Bamako")]

    # Chosen by its name on the arc, deleted with the panel's button.
    arc(page, "located_in").locator(".relation-name").click()
    expect(page.locator("#relation-summary")).to_have_text("located_in “Keita” → “Bamako”")
    expect(piece(page, "Bamako")).to_have_class(re.compile(r"\blinked\b"))
    page.locator("#relation-delete").click()
    wait_saved(page)
    assert relations(world) == []
    expect(page.locator("#relation-panel")).to_be_hidden()
    assert csp_violations == []


def test_deleting_a_highlight_deletes_its_relations_and_one_undo_brings_all_back(
    live_server, sign_in, csp_violations
):
    world, spans = relation_world()
    annotation = spans["Keita"].annotation
    for target in ("Bamako", "Gao"):
        Relation.objects.create(
            annotation=annotation,
            label=world.labels["located_in"],
            source=spans["Keita"],
            target=spans[target],
        )
    page = open_document(sign_in(world.user), live_server, world.document)
    expect(page.locator("svg.relation-arcs .relation-arc")).to_have_count(2)
    piece(page, "Keita").click()
    page.keyboard.press("Delete")
    wait_saved(page)
    assert not Span.objects.filter(annotation=annotation, text="Keita").exists()
    assert relations(world) == []
    expect(page.locator("svg.relation-arcs .relation-arc")).to_have_count(0)

    page.keyboard.press("Control+z")
    wait_saved(page)
    assert sorted(relations(world)) == [
        ("located_in", "Keita", "Bamako"),
        ("located_in", "Keita", "Gao"),
    ]
    expect(page.locator("svg.relation-arcs .relation-arc")).to_have_count(2)
    assert csp_violations == []


def test_a_relation_drawn_offline_is_kept_across_a_reload_and_saved_once(live_server, sign_in):
    world, spans = relation_world()
    page = open_document(sign_in(world.user), live_server, world.document)
    # The server cannot be reached for relations: the change waits in the tab's slot.
    page.route("**/api/annotations/*/relations/", lambda route: route.abort())
    piece(page, "Keita").click()
    page.keyboard.press("q")
    piece(page, "Bamako").click()
    expect(page.locator("#save-status")).not_to_have_text("Saved")
    expect(arc(page, "located_in")).to_have_class(re.compile(r"\bpending\b"))
    page.reload()
    expect(page.locator("#annotator.ready")).to_be_attached()
    expect(page.locator("#message")).to_contain_text("Restored 1 unsaved change")
    page.unroute("**/api/annotations/*/relations/")
    page.evaluate("window.dispatchEvent(new Event('online'))")  # wake the queue's retry
    wait_saved(page)
    assert relations(world) == [("located_in", "Keita", "Bamako")]
    expect(arc(page, "located_in")).to_have_attribute(
        "data-relation-id", str(Relation.objects.get().pk)
    )


def test_a_relation_drawn_on_a_stale_version_goes_on_top_of_the_change_made_elsewhere(
    live_server, sign_in
):
    world, spans = relation_world()
    page = open_document(sign_in(world.user), live_server, world.document)
    annotation = spans["Keita"].annotation
    start = TEXT.index("Macron")
    write_elsewhere(
        world.user,
        "post",
        f"/api/annotations/{annotation.pk}/spans/",
        {"label": world.labels["PER"].pk, "start": start, "end": start + len("Macron")},
    )
    piece(page, "Keita").click()
    page.keyboard.press("q")
    piece(page, "Gao").click()
    wait_saved(page)
    assert relations(world) == [("located_in", "Keita", "Gao")]
    expect(page.locator("#message")).to_contain_text("changed elsewhere")
    expect(highlight(page, "PER", start)).to_be_visible()
    expect(arc(page, "located_in")).to_have_count(1)


def test_undo_after_a_reload_takes_back_a_relation(live_server, sign_in, csp_violations):
    world, spans = relation_world()
    page = open_document(sign_in(world.user), live_server, world.document)
    piece(page, "Keita").click()
    page.keyboard.press("q")
    piece(page, "Bamako").click()
    wait_saved(page)
    assert relations(world) == [("located_in", "Keita", "Bamako")]
    page.reload()
    expect(page.locator("#annotator.ready")).to_be_attached()
    expect(arc(page, "located_in")).to_have_count(1)
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert relations(world) == []
    expect(arc(page, "located_in")).to_have_count(0)
    assert csp_violations == []


@pytest.mark.parametrize("width", [1280, 768])
def test_arcs_join_their_highlights_at_every_width(live_server, sign_in, width, csp_violations):
    world, spans = relation_world()
    annotation = spans["Keita"].annotation
    Relation.objects.create(
        annotation=annotation,
        label=world.labels["located_in"],
        source=spans["Keita"],
        target=spans["Gao"],
    )
    Relation.objects.create(
        annotation=annotation,
        label=world.labels["says"],
        source=spans["The ministry"],
        target=spans["about 1,500 troops are involved"],
    )
    page = sign_in(world.user)
    other = 768 if width == 1280 else 1280
    page.set_viewport_size({"width": other, "height": 900})
    open_document(page, live_server, world.document)
    expect(page.locator("svg.relation-arcs .relation-arc")).to_have_count(2)
    before = page.evaluate(ARC_ENDS)
    # The window narrows (or widens): the text reflows, and the arcs follow it.
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(300)  # the reflow, then a frame for the resize observer's redraw
    after = page.evaluate(ARC_ENDS)
    assert [e["target"] for e in after] != [e["target"] for e in before], "the text did not reflow"
    assert [(e["label"], e["tipOnTarget"], e["dotOnSource"]) for e in after] == [
        ("located_in", True, True),
        ("says", True, True),
    ], after
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("#annotator .workspace").screenshot(path=SCREENSHOTS / f"relations-{width}.png")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert csp_violations == []


def test_the_help_lists_relation_keys(live_server, sign_in):
    world, _ = relation_world()
    page = open_document(sign_in(world.user), live_server, world.document)
    page.keyboard.press("?")
    help_dialog = page.locator("#help")
    expect(help_dialog).to_contain_text("located_in: draw a relation from the selected highlight")
    expect(help_dialog).to_contain_text("Drawing a relation: end it at that highlight")


def review_relations_world():
    """review_world with located_in: ana and ben both link Aïssata Coulibaly to the Niger River;
    only ben links Bakary Dembélé to it."""
    world, ana, ben = review_world()
    world.labels["located_in"] = LabelFactory(
        project=world.project, name="located_in", kind="relation", shortcut="q", color="#e15759"
    )
    for annotation, pairs in [
        (ana, [("Aïssata Coulibaly", "Niger River")]),
        (ben, [("Aïssata Coulibaly", "Niger River"), ("Bakary Dembélé", "Niger River")]),
    ]:
        for source, target in pairs:
            Relation.objects.create(
                annotation=annotation,
                label=world.labels["located_in"],
                source=Span.objects.get(annotation=annotation, text=source),
                target=Span.objects.get(annotation=annotation, text=target),
            )
    return world, ana, ben


def gold_relations(world: World) -> list[tuple[str, str, str]]:
    rows = Relation.objects.filter(annotation=gold_of(world)).select_related(
        "label", "source", "target"
    )
    return [(r.label.name, r.source.text, r.target.text) for r in rows.order_by("id")]


def test_side_by_side_marks_relations_and_accepts_one_into_gold(
    live_server, sign_in, csp_violations
):
    world, ana, ben = review_relations_world()
    page = open_side_by_side(sign_in(world.user), live_server, world)
    text = world.document.text
    unit = unit_of(page, text, "Aïssata Coulibaly")
    shared = chip(unit, ana.pk, "located_in", "Aïssata Coulibaly")
    expect(shared).to_contain_text("“Aïssata Coulibaly” → “Niger River”")
    expect(shared).to_have_attribute("data-agreement", "all")
    expect(shared.locator(".cur-mark")).to_have_text("= all")
    lone = chip(unit, ben.pk, "located_in", "Bakary Dembélé")
    expect(lone).to_have_attribute("data-agreement", "one")
    expect(lone.locator(".cur-mark")).to_have_text("≠ only one")

    lone.click()
    expect(page.locator("#message")).to_contain_text(
        "Accepted the relation located_in “Bakary Dembélé” → “Niger River” into gold."
    )
    assert gold_relations(world) == [("located_in", "Bakary Dembélé", "Niger River")]
    gold = row(unit, "gold").locator('.cur-item[data-label="located_in"]')
    expect(gold).to_contain_text("“Bakary Dembélé” → “Niger River”")
    expect(chip(unit, ben.pk, "located_in", "Bakary Dembélé")).to_contain_text("✓ gold")
    SCREENSHOTS.mkdir(exist_ok=True)
    unit.screenshot(path=SCREENSHOTS / "relations-review-side.png")
    assert csp_violations == []


def test_a_lane_draws_its_relations_and_accepts_one_from_its_panel(
    live_server, sign_in, csp_violations
):
    world, ana, ben = review_relations_world()
    page = sign_in(world.user)
    page.goto(f"{live_server.url}/documents/{world.document.pk}/review/?view=lanes")
    expect(page.locator("#reviewer.ready")).to_be_attached()
    page.locator(f'#lanes [data-lane="{ben.pk}"]').click()
    expect(page.locator("svg.relation-arcs .relation-arc")).to_have_count(2)
    ends = page.evaluate(ARC_ENDS)
    assert all(e["tipOnTarget"] and e["dotOnSource"] for e in ends), ends
    shared = Relation.objects.get(annotation=ben, source__text="Aïssata Coulibaly")
    page.locator(f"#accept-relation-{shared.pk}").click()
    expect(page.locator("#message")).to_contain_text("Accepted the relation located_in")
    assert gold_relations(world) == [("located_in", "Aïssata Coulibaly", "Niger River")]
    expect(page.locator(f"#accept-relation-{shared.pk}")).to_have_text("✓ In gold")
    # The Gold lane draws the gold's relation.
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("#reviewer").screenshot(path=SCREENSHOTS / "relations-review-lane.png")
    page.locator("#lane-gold").click()
    expect(page.locator("svg.relation-arcs .relation-arc")).to_have_count(1)
    # The gold's history names the relation by its ends.
    expect(page.locator("#history-list")).to_contain_text(
        "added a relation— → located_in “Aïssata Coulibaly” → “Niger River”"
    )
    assert csp_violations == []


def test_the_gold_lane_draws_a_relation_with_the_annotate_keys(
    live_server, sign_in, csp_violations
):
    world, ana, ben = review_relations_world()
    page = sign_in(world.user)
    page.goto(f"{live_server.url}/documents/{world.document.pk}/review/?view=lanes")
    expect(page.locator("#reviewer.ready")).to_be_attached()
    # Gold starts with ana's two shared highlights, accepted from her lane.
    page.locator(f'#lanes [data-lane="{ana.pk}"]').click()
    for words in ("Aïssata Coulibaly", "Niger River"):
        page.locator("#document-text [data-span-id]", has_text=words).first.click()
        page.keyboard.press("Enter")
        expect(page.locator("#message")).to_contain_text("into gold")
    page.locator("#lane-gold").click()
    text = world.document.text
    page.locator(f'#document-text [data-start="{text.index("Aïssata Coulibaly")}"]').first.click()
    page.keyboard.press("q")
    page.locator(f'#document-text [data-start="{text.index("Niger River")}"]').first.click()
    wait_saved(page)
    assert gold_relations(world) == [("located_in", "Aïssata Coulibaly", "Niger River")]
    expect(page.locator("svg.relation-arcs .relation-arc")).to_have_count(1)
    assert csp_violations == []


def test_a_relations_attributes_are_edited_in_the_side_panel_saved_listed_and_undone(
    live_server, sign_in, csp_violations
):
    world, spans = relation_world()
    located = world.labels["located_in"]
    LabelAttribute.objects.create(
        label=located, name="certainty", type="choice", choices=["sure", "likely"], position=0
    )
    LabelAttribute.objects.create(label=located, name="note", type="text", position=1)
    annotation = spans["Keita"].annotation
    relation = Relation.objects.create(
        annotation=annotation, label=located, source=spans["Keita"], target=spans["Bamako"]
    )
    page = open_document(sign_in(world.user), live_server, world.document)
    panel = page.locator("#attributes-panel")
    expect(panel).to_be_hidden()

    arc(page, "located_in").locator(".relation-name").click()
    expect(panel).to_be_visible()
    expect(page.locator("#attributes-of")).to_have_text("located_in · “Keita” → “Bamako”")
    page.select_option("#attribute-certainty", "likely")
    page.fill("#attribute-note", "  met there  ")
    page.keyboard.press("Enter")
    wait_saved(page)
    relation.refresh_from_db()
    assert relation.attributes == {"certainty": "likely", "note": "met there"}
    entry = page.locator('.annolist-item[data-kind="relation"]')
    expect(entry).to_contain_text("certainty: likely · note: met there")

    page.locator("#document-text").click(position={"x": 2, "y": 2})
    page.keyboard.press("Control+z")  # the note
    wait_saved(page)
    relation.refresh_from_db()
    assert relation.attributes == {"certainty": "likely"}
    expect(entry).not_to_contain_text("note:")

    # A span's own attributes panel is not the relation's: selecting a highlight without
    # attributes hides it; choosing the relation in the list brings it back, as saved.
    piece(page, "Gao").click()
    expect(panel).to_be_hidden()
    entry.click()
    expect(page.locator("#attribute-certainty")).to_have_value("likely")
    expect(page.locator("#attribute-note")).to_have_value("")

    # Undoing its delete brings the relation back with its values.
    page.locator("#relation-delete").click()
    wait_saved(page)
    assert relations(world) == []
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert list(Relation.objects.values_list("attributes", flat=True)) == [{"certainty": "likely"}]
    assert csp_violations == []


def test_a_relations_value_changed_elsewhere_is_put_to_the_user(live_server, sign_in):
    world, spans = relation_world()
    located = world.labels["located_in"]
    LabelAttribute.objects.create(
        label=located, name="certainty", type="choice", choices=["sure", "likely"], position=0
    )
    annotation = spans["Keita"].annotation
    relation = Relation.objects.create(
        annotation=annotation, label=located, source=spans["Keita"], target=spans["Bamako"]
    )
    page = open_document(sign_in(world.user), live_server, world.document)
    write_elsewhere(
        world.user,
        "patch",
        f"/api/annotations/{annotation.pk}/relations/{relation.pk}/",
        {"attributes": {"certainty": "sure"}},
    )
    page.locator('.annolist-item[data-kind="relation"]').click()
    page.select_option("#attribute-certainty", "likely")

    dialog = page.locator("#conflict-dialog")
    expect(dialog.locator(".conflict-text")).to_have_text(
        'Your change to relation located_in: you set attributes to {"certainty":"likely"}, '
        'but it was changed elsewhere to {"certainty":"sure"}.'
    )
    dialog.locator("#conflict-mine").click()
    wait_saved(page)
    relation.refresh_from_db()
    assert relation.attributes == {"certainty": "likely"}
    expect(page.locator('.annolist-item[data-kind="relation"]')).to_contain_text(
        "certainty: likely"
    )
