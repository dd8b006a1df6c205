"""Sentence units on the annotate page: five sentences labelled with keys only, each saved;
submit refused while one has no label, then accepted; undo and redo; the keys' mirror."""

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Annotation, Label, Membership, Span
from annotations.services import annotating
from annotations.services.annotating import annotation_get_or_create
from tests.browser.annotating import open_document, wait_saved
from tests.factories import (
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Five sentences: an abbreviation, a headline on its own line, an emoji (two UTF-16 units).
TEXT = (
    "Troops leave Gao\n"
    "Dr. Keita met Macron in Bamako. "
    "The ministry said 1,500 troops are involved. "
    "Fans waved 🇫🇷 flags. "
    "It ends here."
)
SENTENCES = [
    "Troops leave Gao",
    "Dr. Keita met Macron in Bamako.",
    "The ministry said 1,500 troops are involved.",
    "Fans waved 🇫🇷 flags.",
    "It ends here.",
]


def make_units_world():
    project = ProjectFactory(name="Check-worthiness", sentence_units=True)
    user = UserFactory(username="ana")
    MembershipFactory(project=project, user=user, role="annotator")
    for name, key, color in (
        ("CFS", "c", "#e15759"),
        ("UFS", "f", "#f28e2b"),
        ("NFS", "x", "#bab0ac"),
    ):
        LabelFactory(project=project, name=name, kind="sentence", shortcut=key, color=color)
    LabelFactory(project=project, name="PER", kind="entity", shortcut="p")
    document = DocumentFactory(project=project, text=TEXT, external_id="doc-1")
    annotation, _ = annotation_get_or_create(document=document, author=user)
    return user, document, annotation


def server_units(page: Page, live_server, annotation: Annotation) -> list[tuple[int, str, str]]:
    """The unit spans as the REST API gives them: (unit, label, text), in unit order."""
    answer = page.request.get(f"{live_server.url}/api/annotations/{annotation.pk}/")
    assert answer.ok, answer.text()
    spans = answer.json()["spans"]
    return sorted((s["unit"], s["label_name"], s["text"]) for s in spans if s["unit"] is not None)


def unit(page: Page, n: int):
    return page.locator(f'#unit-list [data-unit="{n}"]')


def expect_focused(page: Page, n: int) -> None:
    """Unit ``n`` is the one focused (and the only one)."""
    expect(page.locator('#unit-list [aria-current="true"]')).to_have_attribute("data-unit", str(n))


def test_five_sentences_labelled_with_keys_only_then_submitted(
    live_server, sign_in, csp_violations
):
    user, document, annotation = make_units_world()
    page = open_document(sign_in(user), live_server, document)
    progress = page.locator("#units-progress")
    expect(progress).to_have_text("0 of 5 sentences")
    # Every sentence is listed as text, split by the export's tokenizer ("Dr." kept whole).
    expect(page.locator("#unit-list .unit-text")).to_have_text(SENTENCES)
    expect_focused(page, 0)

    page.keyboard.press("?")  # the help names what a sentence label's key does
    expect(page.locator("#help")).to_contain_text("CFS: label the focused sentence")
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()
    page.keyboard.press("x")  # unit 0: NFS, then the focus moves on
    expect_focused(page, 1)
    page.keyboard.press("c")  # unit 1: CFS
    page.keyboard.press("j")  # leave unit 2 for later
    page.keyboard.press("f")  # unit 3: UFS
    page.keyboard.press("x")  # unit 4: NFS; the next without a label is unit 2 again
    expect_focused(page, 2)
    expect(progress).to_have_text("4 of 5 sentences")
    expect(unit(page, 3)).to_have_attribute("data-label", "UFS")
    wait_saved(page)
    assert server_units(page, live_server, annotation) == [
        (0, "NFS", SENTENCES[0]),
        (1, "CFS", SENTENCES[1]),
        (3, "UFS", SENTENCES[3]),
        (4, "NFS", SENTENCES[4]),
    ]

    page.keyboard.press("Control+Enter")  # refused: sentence 3 has no label
    expect(page.locator("#message")).to_contain_text(
        "1 of 5 sentences have no label yet; the first is sentence 3"
    )
    wait_saved(page)
    annotation.refresh_from_db()
    assert annotation.status == "in_progress"

    page.keyboard.press("k")  # the focus moves with k and j as well as the arrows
    expect_focused(page, 1)
    page.keyboard.press("ArrowDown")
    expect_focused(page, 2)
    page.keyboard.press("c")
    expect(progress).to_have_text("5 of 5 sentences")
    page.keyboard.press("Control+z")  # undo takes the label back, on the server too
    expect(progress).to_have_text("4 of 5 sentences")
    wait_saved(page)
    assert len(server_units(page, live_server, annotation)) == 4
    page.keyboard.press("Control+Shift+z")
    expect(progress).to_have_text("5 of 5 sentences")
    # The labels are highlights of the text too, with the sentence's code-point offsets.
    emoji = TEXT.index("Fans")
    expect(page.locator(f'#document-text [data-label="UFS"][data-start="{emoji}"]')).to_have_count(
        1
    )
    wait_saved(page)
    assert [label for _, label, _ in server_units(page, live_server, annotation)] == [
        "NFS",
        "CFS",
        "CFS",
        "UFS",
        "NFS",
    ]

    page.keyboard.press("Control+Enter")
    page.wait_for_url(lambda url: f"/documents/{document.pk}/annotate/" not in url)
    annotation.refresh_from_db()
    assert annotation.status == "submitted"
    assert Span.objects.filter(annotation=annotation, unit__isnull=False).count() == 5
    # The refused submit is the only error the browser reports (its 400 answer).
    assert [m for m in csp_violations if "status of 400" not in m] == []


def test_a_sentence_is_relabelled_by_focusing_it_and_pressing_another_key(live_server, sign_in):
    user, document, annotation = make_units_world()
    annotating.unit_label(
        annotation=annotation, unit=1, label=Label.objects.get(name="CFS"), actor=user
    )
    page = open_document(sign_in(user), live_server, document)
    expect(page.locator("#units-progress")).to_have_text("1 of 5 sentences")
    expect_focused(page, 0)  # the first without a label
    unit(page, 1).click()
    page.keyboard.press("f")
    expect(unit(page, 1)).to_have_attribute("data-label", "UFS")
    wait_saved(page)
    assert server_units(page, live_server, annotation) == [(1, "UFS", SENTENCES[1])]


def test_rules_js_says_what_goes_on_a_unit_as_rules_py_does(live_server, page):
    from annotations import rules

    page.goto(f"{live_server.url}/accounts/login/")
    kinds = ["entity", "claim", "stance", "sentence", "relation", "document", "", None]
    answers = page.evaluate(
        """async (kinds) => {
            const m = await import('/static/annotations/rules.js');
            return {
              goesOnUnit: kinds.map((k) => m.goesOnUnit(k)),
              goesOnSpan: kinds.map((k) => m.goesOnSpan(k)),
              kinds: m.SENTENCE_LABEL_KINDS,
              broken: m.spanFieldsBroken({kind: "sentence", hasClaimant: false,
                claimantText: "", checkworthy: "yes"}).map(({ rule, field }) => [rule, field]),
            };
        }""",
        kinds,
    )
    assert answers["goesOnUnit"] == [rules.goes_on_unit(kind) for kind in kinds]
    assert answers["goesOnSpan"] == [rules.goes_on_span(kind) for kind in kinds]
    assert answers["kinds"] == list(rules.SENTENCE_LABEL_KINDS)
    assert answers["broken"] == [["claim_only", "checkworthy"]]


def test_the_review_page_shows_each_sentence_as_one_row_per_annotator(
    live_server, sign_in, csp_violations
):
    from annotations.sentences import sentence_ranges
    from tests.browser.test_curation import chip, open_side_by_side, row

    user, document, _ = make_units_world()
    Membership.objects.filter(user=user).update(role="reviewer")
    labels = {label.name: label for label in Label.objects.filter(kind="sentence")}
    people = {}
    for name, given in (("bea", "NFS CFS CFS UFS NFS"), ("cy", "NFS UFS CFS UFS NFS")):
        person = UserFactory(username=name)
        MembershipFactory(project=document.project, user=person, role="annotator")
        work, _ = annotation_get_or_create(document=document, author=person)
        for unit_number, label in enumerate(given.split()):
            annotating.unit_label(
                annotation=work, unit=unit_number, label=labels[label], actor=person
            )
        work.refresh_from_db()
        annotating.annotation_set_status(
            annotation=work, status="submitted", version=work.version, actor=person
        )
        people[name] = work

    class Shown:  # what open_side_by_side reads of a world
        pass

    shown = Shown()
    shown.document = document
    page = open_side_by_side(sign_in(user), live_server, shown)
    ranges = sentence_ranges(TEXT)
    blocks = page.locator("#curation .cur-unit")
    expect(blocks).to_have_count(len(ranges))
    for n, (start, end) in enumerate(ranges):
        expect(blocks.nth(n)).to_have_attribute("data-start", str(start))
        expect(blocks.nth(n)).to_have_attribute("data-end", str(end))
    second = page.locator(f'#curation .cur-unit[data-start="{ranges[1][0]}"]')
    # Sentence 2: CFS for bea, UFS for cy, each "only one"; sentence 3 CFS for both: "all".
    expect(chip(second, people["bea"].pk, "CFS", "Dr. Keita")).to_have_attribute(
        "data-agreement", "one"
    )
    expect(chip(second, people["cy"].pk, "UFS", "Dr. Keita")).to_be_visible()
    third = page.locator(f'#curation .cur-unit[data-start="{ranges[2][0]}"]')
    expect(chip(third, people["cy"].pk, "CFS", "The ministry")).to_have_attribute(
        "data-agreement", "all"
    )
    expect(row(third, "gold")).to_be_visible()
    chip(second, people["bea"].pk, "CFS", "Dr. Keita").click()  # into gold
    expect(chip(second, "gold", "CFS", "Dr. Keita")).to_be_visible()
    wait_saved(page)
    gold = Annotation.objects.get(document=document, kind="gold")
    assert list(gold.spans.values_list("unit", "label__name")) == [(1, "CFS")]
    assert csp_violations == []
