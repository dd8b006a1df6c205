"""The claim clusters page in Chromium: the review queue of suggested matches, by keyboard."""

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation, ClaimCluster, ClaimLink, ClaimRecord, Span
from annotations.services import matching
from tests.browser.annotating import make_world, open_document
from tests.browser.test_screenshots import SCREENSHOTS, WIDTHS
from tests.factories import LabelFactory, MembershipFactory, ProjectFactory, UserFactory
from tests.services.matching_fixtures import claim_in_new_document

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queue():
    project = ProjectFactory(name="Sahel fact-checks")
    label = LabelFactory(project=project, kind="claim", name="CLAIM")
    reviewer = UserFactory(username="rita")
    MembershipFactory(project=project, user=reviewer, role="reviewer")
    texts = [
        "Mali left the G5 Sahel in May.",
        "In May Bamako quit the G5 Sahel force.",
        "About 1,500 troops are involved.",
        "Roughly fifteen hundred soldiers take part.",
        "The <b>junta</b> postponed the vote.",
        "The junta banned parties.",
    ]
    spans = [claim_in_new_document(project, label, text) for text in texts]
    pairs = [(spans[0], spans[1], 0.66), (spans[2], spans[3], 0.55), (spans[4], spans[5], 0.52)]
    matching.claim_links_suggest(project=project, matches=[(a.pk, b.pk, s) for a, b, s in pairs])
    return project, reviewer, spans


def test_a_reviewer_confirms_and_rejects_suggested_matches_with_the_keyboard(
    live_server, sign_in, queue, csp_violations
):
    project, reviewer, spans = queue
    page = sign_in(reviewer)
    page.goto(f"{live_server.url}/projects/{project.pk}/claims/clusters/")
    rows = page.locator(".link-row")
    expect(rows).to_have_count(3)
    # Best score first; the first row starts selected. Text is shown as text, never HTML.
    expect(rows.nth(0)).to_have_attribute("aria-selected", "true")
    expect(rows.nth(2).locator(".claim-text").first).to_have_text(
        "The <b>junta</b> postponed the vote."
    )
    page.keyboard.press("y")
    expect(rows.nth(0)).to_have_attribute("data-status", "confirmed")
    expect(rows.nth(0).locator("[data-decision]")).to_have_text("Same claim")
    # The selection moved on to the next undecided match; n rejects it.
    expect(rows.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("n")
    expect(rows.nth(1)).to_have_attribute("data-status", "rejected")
    # k goes back up, j down: the third stays undecided.
    page.keyboard.press("k")
    expect(rows.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("j")
    expect(rows.nth(2)).to_have_attribute("aria-selected", "true")
    expect(page.locator("#queue-count")).to_have_text("1")
    statuses = dict(ClaimLink.objects.values_list("first_id", "status"))
    assert statuses == {
        spans[0].pk: "confirmed",
        spans[2].pk: "rejected",
        spans[4].pk: "suggested",
    }
    cluster = ClaimCluster.objects.get()
    # The cluster shows on a fresh page, and its own page lists both appearances.
    page.reload()
    page.locator(f'tr[data-cluster-id="{cluster.pk}"] a').click()
    expect(page.locator(".appearances tbody tr")).to_have_count(2)
    expect(page.locator("#cluster-claim")).to_have_text("Mali left the G5 Sahel in May.")
    assert csp_violations == []


def test_claim_cluster_pages_screenshots(live_server, sign_in, queue):
    project, reviewer, spans = queue
    matching.claim_link_set(
        project=project, first=spans[0].pk, second=spans[1].pk, status="confirmed", actor=None
    )
    page = sign_in(reviewer)
    SCREENSHOTS.mkdir(exist_ok=True)
    cluster = ClaimCluster.objects.get()
    pages = {
        "claim-clusters": f"/projects/{project.pk}/claims/clusters/",
        "claim-cluster": f"/projects/{project.pk}/claims/clusters/{cluster.pk}/",
    }
    for name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for stem, path in pages.items():
            page.goto(f"{live_server.url}{path}")
            expect(page.locator("h1")).to_be_visible()
            target = SCREENSHOTS / f"{stem}-{name}.png"
            page.screenshot(path=str(target), full_page=True)
            assert target.stat().st_size > 0


def test_i_shows_the_selected_claims_matches_in_the_annotate_page(live_server, sign_in):
    world = make_world()
    document = world.document
    start = document.text.index("about 1,500")
    end = len(document.text) - 1
    annotation = Annotation.objects.create(document=document, author=world.user, kind="manual")
    claim = Span.objects.create(
        annotation=annotation,
        label=world.labels["CLAIM"],
        start=start,
        end=end,
        text=document.text[start:end],
    )
    gold = claim_in_new_document(
        world.project, world.labels["CLAIM"], "Roughly fifteen hundred soldiers take part."
    )
    ClaimRecord.objects.create(span=gold, verdict="SUPPORTS")
    # Shares a word with the claim, so it is a match too (a claim with neither a shared word
    # nor a close meaning is not listed at all).
    claim_in_new_document(
        world.project, world.labels["CLAIM"], "The <i>operation</i> in Kayes ended."
    )
    matching.claim_index_sync(project_id=world.project.pk)
    page = open_document(sign_in(world.user), live_server, document)
    page.keyboard.press("i")
    expect(page.locator("#matches-status")).to_have_text("Select a claim highlight first.")
    page.locator(f'#document-text [data-span-id="{claim.pk}"]').first.click()
    page.keyboard.press("i")
    matches = page.locator("#matches-list .match")
    expect(matches.first).to_have_attribute("data-span-id", str(gold.pk))
    expect(matches.first.locator(".quote")).to_have_text(
        "Roughly fifteen hundred soldiers take part."
    )
    expect(matches.first.locator(".verdict")).to_have_text("Verdict: SUPPORTS")
    # Text, never markup.
    expect(page.locator("#matches-list")).to_contain_text("The <i>operation</i> in Kayes ended.")


def test_same_claim_on_a_match_stores_a_confirmed_link_and_shows_the_cluster(live_server, sign_in):
    world = make_world()
    document = world.document
    start = document.text.index("about 1,500")
    end = len(document.text) - 1
    annotation = Annotation.objects.create(document=document, author=world.user, kind="manual")
    claim = Span.objects.create(
        annotation=annotation,
        label=world.labels["CLAIM"],
        start=start,
        end=end,
        text=document.text[start:end],
    )
    gold = claim_in_new_document(
        world.project, world.labels["CLAIM"], "Roughly fifteen hundred soldiers take part."
    )
    matching.claim_index_sync(project_id=world.project.pk)
    page = open_document(sign_in(world.user), live_server, document)
    page.locator(f'#document-text [data-span-id="{claim.pk}"]').first.click()
    page.keyboard.press("i")
    match = page.locator(f'#matches-list .match[data-span-id="{gold.pk}"]')
    expect(match.locator(".quote")).to_have_text("Roughly fifteen hundred soldiers take part.")
    expect(match.locator(".cluster")).to_have_count(0)
    match.locator(".same-claim").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#matches-status")).to_have_text(
        "Linked as the same claim: both are in one cluster now."
    )
    expect(match.locator(".cluster")).to_have_text("in a cluster")
    SCREENSHOTS.mkdir(exist_ok=True)
    for name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        target = SCREENSHOTS / f"matches-linked-{name}.png"
        page.locator("#matches-panel").screenshot(path=str(target))
        assert target.stat().st_size > 0
    # What the server stored, read back through the API as a reviewer would.
    reviewer = UserFactory(username="rhea")
    MembershipFactory(project=world.project, user=reviewer, role="reviewer")
    api = sign_in(reviewer)
    answer = api.request.get(f"{live_server.url}/api/projects/{world.project.pk}/claim-links/")
    assert answer.status == 200
    links = answer.json()["results"]
    assert [(link["status"], {link["first"], link["second"]}) for link in links] == [
        ("confirmed", {claim.pk, gold.pk})
    ]
    record = ClaimRecord.objects.get(span=gold)
    assert ClaimRecord.objects.get(span=claim).cluster_id == record.cluster_id is not None
