"""Benchmark: the annotate page, key press to span painted and to save confirmed.

    .venv/bin/python bench/ui.py [--characters 20000] [--spans 500] [--trials 40]
                                 [--database-url sqlite:////tmp/x.sqlite3]

Builds a fresh database (SQLite in a temporary file unless --database-url names another),
one document of about 20,000 characters whose annotation already has 500 spans (entities,
and claims that nest over them), serves the app on a local port in this process, and drives
Debian's Chromium with Playwright: for each trial it selects an unlabelled word and presses a
label's key. Inside the page it times, from the key event's own timestamp,

- painted: the span's element is in the DOM and a frame has been drawn with it
  (requestAnimationFrame, then a task after it);
- confirmed: #save-status reads "Saved" again (the server acknowledged the POST).

It prints the median, 95th percentile and worst of each, and the page's load time. Goals:
under 50 ms to paint and under 150 ms to confirm.
"""

import argparse
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = (
    "the army said on Thursday that troops had reached the northern town after a week of "
    "fighting near the border while officials in the capital promised talks and aid agencies "
    "warned of shortages of food water and medicine for families displaced by the clashes"
).split()
NAMES = ["Keïta", "Traoré", "Déby", "Touré", "Maïga", "Dicko", "Coulibaly", "Dembélé"]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# Runs in the page before each key press: resolves with the two timings of the next span.
INSTRUMENT = """
() => { window.__bench = new Promise((resolve) => {
  const text = document.getElementById("document-text");
  const status = document.getElementById("save-status");
  const result = {};
  let pressed = null;
  document.addEventListener("keydown", (event) => { pressed = event.timeStamp; },
                            { capture: true, once: true });
  const painted = new MutationObserver(() => {
    if (!text.querySelector('[data-span-id=""]')) return;
    painted.disconnect();
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { result.paint = performance.now() - pressed; };
      channel.port2.postMessage(null);
    });
  });
  painted.observe(text, { childList: true, subtree: true });
  let saving = false;
  const saved = new MutationObserver(() => {
    if (status.textContent !== "Saved") { saving = true; return; }
    if (!saving || text.querySelector('[data-span-id=""]')) return;
    saved.disconnect();
    result.confirm = performance.now() - pressed;
    const wait = () => (result.paint === undefined ? setTimeout(wait, 5) : resolve(result));
    wait();
  });
  saved.observe(status, { childList: true, characterData: true, subtree: true });
}); }
"""

SELECT = """
([start, end]) => {
  const root = document.getElementById("document-text");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let seen = 0, node, startSet = false;
  while ((node = walker.nextNode())) {
    const length = node.data.length;
    if (!startSet && start <= seen + length) {
      range.setStart(node, start - seen);
      startSet = true;
    }
    if (startSet && end <= seen + length) { range.setEnd(node, end - seen); break; }
    seen += length;
  }
  getSelection().removeAllRanges();
  getSelection().addRange(range);
}
"""


def build_text(rng: random.Random, characters: int) -> str:
    paragraphs: list[str] = []
    size = 0
    while size < characters:
        words = rng.choices(WORDS, k=rng.randint(40, 70))
        for _ in range(4):
            words.insert(rng.randrange(len(words)), rng.choice(NAMES))
        paragraph = " ".join(words).capitalize() + "."
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:characters].rstrip() + "."


def word_ranges(text: str) -> list[tuple[int, int]]:
    ranges = []
    start = None
    for index, char in enumerate(text + " "):
        if char.isalpha():
            if start is None:
                start = index
        elif start is not None:
            ranges.append((start, index))
            start = None
    return ranges


def setup(args: argparse.Namespace):
    """Create the database rows; return (user, document, free word ranges, UTF-16 text)."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)

    from django.contrib.auth import get_user_model

    from annotations.models import Document, Label, Membership, Project, StanceTarget
    from annotations.services.annotating import (
        annotation_get_or_create,
        annotation_replace_content,
    )

    rng = random.Random(20261121)
    # No password: the browser gets a session cookie directly.
    user = get_user_model().objects.create_user("bench")
    project = Project.objects.create(name="UI bench")
    Membership.objects.create(project=project, user=user, role="annotator")
    for name, kind, key, color in (
        ("PER", "entity", "p", "#4e79a7"),
        ("ORG", "entity", "o", "#f28e2b"),
        ("LOC", "entity", "l", "#59a14f"),
        ("CLAIM", "claim", "c", "#b07aa1"),
        ("FAVOR", "stance", "f", "#009e73"),
        ("AGAINST", "stance", "a", "#d55e00"),
    ):
        Label.objects.create(project=project, name=name, kind=kind, shortcut=key, color=color)
    StanceTarget.objects.create(project=project, name="the intervention")
    text = build_text(rng, args.characters)
    document = Document.objects.create(
        project=project, text=text, content_hash=hashlib.sha256(text.encode()).hexdigest()
    )
    annotation, _ = annotation_get_or_create(document=document, author=user)

    words = word_ranges(text)
    claims = args.spans // 10
    entities = args.spans - claims
    # Entities on every few words; claims over runs of words (nesting over entities).
    step = max(2, len(words) // (entities + args.trials * 2))
    entity_words = set(range(0, len(words), step)[:entities])
    spans = [
        {"label": rng.choice(["PER", "ORG", "LOC"]), "start": s, "end": e}
        for i, (s, e) in enumerate(words)
        if i in entity_words
    ]
    claim_step = len(words) // claims
    for i in range(claims):
        first = i * claim_step + 1
        last = min(first + 5, len(words) - 1)
        spans.append({"label": "CLAIM", "start": words[first][0], "end": words[last][1]})
    annotation_replace_content(annotation=annotation, spans=spans, stances=[], actor=None)
    free = [w for i, w in enumerate(words) if i not in entity_words and w[1] - w[0] > 3]
    rng.shuffle(free)
    print(
        f"document: {len(text)} characters, {len(spans)} spans "
        f"({len(spans) - claims} entities, {claims} claims)"
    )
    return user, document, free[: args.trials]


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


def configure(args: argparse.Namespace, name: str) -> Path | None:
    """Point Django at --database-url, or at a new SQLite file `name` (returned, to remove)."""
    database = None
    if not args.database_url:
        database = Path(tempfile.mkdtemp()) / name
        args.database_url = f"sqlite:///{database}"
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    os.environ.setdefault("DEBUG", "1")
    # Playwright's sync API runs an event loop in this thread; the ORM calls below are fine.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return database


def remove(database: Path | None) -> None:
    """Remove the temporary SQLite database `configure` made, with its folder."""
    if database is not None:
        for leftover in database.parent.glob("*"):
            leftover.unlink()
        database.parent.rmdir()


def summary(name: str, values: list[float], goal: float) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    verdict = "meets" if p95 < goal else "MISSES"
    return (
        f"{name:>10}: median {statistics.median(values):6.1f} ms   p95 {p95:6.1f} ms   "
        f"worst {values[-1]:6.1f} ms   ({verdict} the {goal:.0f} ms goal at p95)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--characters", type=int, default=20000)
    parser.add_argument("--spans", type=int, default=500)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    database = configure(args, "bench-ui.sqlite3")

    user, document, trials = setup(args)
    url, server = serve()

    from django.conf import settings
    from django.test import Client
    from playwright.sync_api import sync_playwright

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    paint: list[float] = []
    confirm: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": url}])
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        started = time.perf_counter()
        page.goto(f"{url}/documents/{document.pk}/annotate/")
        page.wait_for_selector("#annotator.ready", state="attached")
        load = (time.perf_counter() - started) * 1000
        text = document.text
        for start, end in trials:
            before = len(text[:start].encode("utf-16-le")) // 2
            units = (before, before + len(text[start:end].encode("utf-16-le")) // 2)
            page.evaluate(INSTRUMENT)
            page.evaluate(SELECT, list(units))
            page.keyboard.press("p")
            result = page.evaluate("window.__bench")
            paint.append(result["paint"])
            confirm.append(result["confirm"])
        spans = page.locator("#document-text [data-span-id]").evaluate_all(
            "els => new Set(els.map(e => e.dataset.spanId)).size"
        )
        browser.close()
    server.terminate()
    if errors:
        print("page errors:", *errors, sep="\n  ")
    print(f"page load to ready: {load:.0f} ms; spans on the page at the end: {spans}")
    print(f"{len(paint)} trials (select a word, press a label key):")
    print(summary("painted", paint, 50))
    print(summary("confirmed", confirm, 150))
    remove(database)


if __name__ == "__main__":
    main()
