"""Take the README's fact-checking screenshots: the claim record panel, the Matches panel and
the claim clusters page, at 1280 px, into docs/img/.

    .venv/bin/python docs/screenshots_fact_checking.py

Builds a throwaway SQLite database (removed afterwards), loads the demo (``load_demo``), adds
a few claims with claim records (verdicts, a passage of another document, a source), one
confirmed cluster and one suggested match, indexes the claims (nothing is downloaded), serves
the app in this process and drives Debian's Chromium (``CHROMIUM_PATH`` to use another).
Prints each file written with its size.
"""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "img"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
WIDTH = 1280

# (document external id, claim text, verdict, normalised text): gold claims of the demo.
GOLD_CLAIMS = [
    (
        "demo-trade-signed",
        "the number of checkpoints on the 260-kilometre route would fall from eleven to four",
        "SUPPORTS",
        "The Tillabéri–Dori corridor cuts checkpoints on the route from eleven to four.",
    ),
    (
        "demo-trade-signed",
        "signed a trade corridor agreement on Monday",
        "SUPPORTS",
        "Tillabéri and Dori chambers signed a trade corridor agreement.",
    ),
    (
        "demo-trade-signed",
        "merges their customs checks into a single post at the border town of Téra",
        "SUPPORTS",
        "The corridor agreement merges customs checks into a single post at Téra.",
    ),
    (
        "demo-measles-rumours",
        "the vaccine caused infertility",
        "REFUTES",
        "The measles vaccine causes infertility.",
    ),
]
# annotator1's claim, in progress: the one whose record and matches are shown.
OWN_DOCUMENT = "demo-trade-gao"
OWN_CLAIM = "informal payments at checkpoints cost him around 15,000 CFA francs per animal"
CLUSTER_CLAIM = "cross-border trade corridor agreement signed this week"
SUGGESTED_CLAIM = "the single customs post at Téra would favour large transport companies"


def configure() -> Path:
    database = Path(tempfile.mkdtemp(prefix="workbench-screens-")) / "screens.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "workbench.settings"
    os.environ["DEBUG"] = "1"
    # Playwright's sync API runs an event loop in this thread; the ORM calls are fine.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    return database


def seed() -> int:
    """Load the demo and the fact-checking rows; return the annotator's claim span id."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115

    from django.contrib.auth.models import User

    from annotations.models import Annotation, Document, Label, Project, Span
    from annotations.services import matching
    from annotations.services.annotating import annotation_get_or_create, span_create
    from annotations.services.claims import claim_record_put

    project = Project.objects.get(name__icontains="Sahel")
    label = Label.objects.get(project=project, kind="claim")
    documents = {d.external_id: d for d in Document.objects.filter(project=project)}
    gold_spans = {}
    for external_id, claim, verdict, normalized in GOLD_CLAIMS:
        document = documents[external_id]
        gold, _ = Annotation.objects.get_or_create(
            document=document, kind="gold", defaults={"status": "in_progress"}
        )
        start = document.text.index(claim)
        span, _ = span_create(
            annotation=gold, label=label, start=start, end=start + len(claim), actor=None
        )
        claim_record_put(
            span=span,
            actor=None,
            normalized_text=normalized,
            verdict=verdict,
            claim_date="2024-03-04",
            justification="Checked against the chambers' and the health directorate's statements.",
        )
        gold_spans[claim] = span
    Annotation.objects.filter(kind="gold").update(status="submitted")

    annotator = User.objects.get(username="annotator1")
    own_document = documents[OWN_DOCUMENT]
    own, _ = annotation_get_or_create(document=own_document, author=annotator)
    start = own_document.text.index(OWN_CLAIM)
    own_claim, _ = span_create(
        annotation=own, label=label, start=start, end=start + len(OWN_CLAIM), actor=annotator
    )
    signed = documents["demo-trade-signed"]
    passage = "A lorry of onions loses a day and a fifth of its value at the roadblocks."
    at = signed.text.index(passage)
    claim_record_put(
        span=own_claim,
        actor=annotator,
        normalized_text="Informal checkpoint payments cost Gao cattle dealers about "
        "15,000 CFA francs per animal on the road to Niamey.",
        claim_date="2024-03-06",
        claim_type="numerical",
        verdict="NOT ENOUGH INFO",
        justification="Only the dealer's own estimate; no survey of checkpoint payments found.",
        evidence=[
            {"document": signed.pk, "start": at, "end": at + len(passage)},
            {
                "url": "https://example.org/liptako-transport-survey",
                "title": "Liptako corridor transport costs (survey)",
                "published": "2023-11-20",
            },
        ],
    )

    # A confirmed cluster (two accounts of the same signing) and one suggested match.
    gao_gold, _ = Annotation.objects.get_or_create(
        document=own_document, kind="gold", defaults={"status": "submitted"}
    )
    gao = {}
    for claim in (CLUSTER_CLAIM, SUGGESTED_CLAIM):
        start = own_document.text.index(claim)
        gao[claim] = Span.objects.create(
            annotation=gao_gold, label=label, start=start, end=start + len(claim), text=claim
        )
    same = gao[CLUSTER_CLAIM]
    reviewer = User.objects.get(username="reviewer")
    signing = gold_spans["signed a trade corridor agreement on Monday"]
    matching.claim_link_set(
        project=project, first=signing.pk, second=same.pk, status="confirmed", actor=reviewer
    )
    customs = gold_spans[GOLD_CLAIMS[2][1]]
    suggested = gao[SUGGESTED_CLAIM]
    matching.claim_links_suggest(project=project, matches=[(customs.pk, suggested.pk, 0.52)])
    matching.claim_index_sync(project_id=project.pk, full=True)
    return own_claim.pk


def serve():
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    thread = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    return f"http://127.0.0.1:{thread.port}", thread


def sign_in(context, url: str, username: str):
    page = context.new_page()
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"{username}-demo")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state()
    return page


def shoot(page, name: str, clip_to: str | None = None) -> None:
    target = OUT / name
    if clip_to:
        page.locator(clip_to).screenshot(path=str(target))
    else:
        page.screenshot(path=str(target))
    print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KB")


def main() -> None:
    database = configure()
    try:
        own_claim = seed()
        url, thread = serve()
        from annotations.models import Project, Span

        span = Span.objects.select_related("annotation").get(pk=own_claim)
        project = Project.objects.get(name__icontains="Sahel")
        OUT.mkdir(parents=True, exist_ok=True)
        from playwright.sync_api import expect, sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            # Tall enough for the whole record panel.
            annotator = browser.new_context(viewport={"width": WIDTH, "height": 1100})
            page = sign_in(annotator, url, "annotator1")
            page.goto(f"{url}/documents/{span.annotation.document_id}/annotate/")
            expect(page.locator("#annotator.ready")).to_be_attached()
            page.locator(f'#document-text [data-span-id="{own_claim}"]').first.click()
            page.keyboard.press("r")
            expect(page.locator("#claim-record-panel")).to_be_visible()
            page.locator("#record-evidence").scroll_into_view_if_needed()
            shoot(page, "fact-checking-record-1280.png")

            page.locator(f'#document-text [data-span-id="{own_claim}"]').first.click()
            page.keyboard.press("i")
            expect(page.locator("#matches-list .match").first).to_be_visible()
            page.locator("#matches-panel").scroll_into_view_if_needed()
            shoot(page, "fact-checking-matches-1280.png")

            reviewer = browser.new_context(viewport={"width": WIDTH, "height": 800})
            page = sign_in(reviewer, url, "reviewer")
            page.goto(f"{url}/projects/{project.pk}/claims/clusters/")
            page.wait_for_load_state("networkidle")
            shoot(page, "fact-checking-clusters-1280.png")
            browser.close()
        thread.terminate()
    finally:
        for leftover in database.parent.glob("*"):
            leftover.unlink()
        database.parent.rmdir()


if __name__ == "__main__":
    main()
