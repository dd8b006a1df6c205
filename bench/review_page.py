"""Benchmark: the review page side by side, 4 annotators x 500 spans on a 20,000-character text.

    .venv/bin/python bench/review_page.py [--characters 20000] [--spans 500] [--annotators 4]
                                          [--loads 5] [--trials 30] [--lane-trials 12]
                                          [--traced 6] [--bursts 5] [--burst-size 15]
                                          [--only-bursts] [--database-url ...]

Builds a fresh database (SQLite in a temporary file unless --database-url names another): one
document of about 20,000 characters (as bench/ui.py writes it), and for each annotator a
submitted annotation of 500 spans (entities, one claim in ten over a run of words) drawn
from a shared pool, so that some items every annotator has, some a few, some only one; a
few differ in label or check-worthiness, and each annotator holds a stance. Serves the app in
this process and drives Debian's Chromium (headless) with Playwright, as a reviewer:

- ready: from the navigation's start to ``#reviewer`` marked ready (side by side is the
  default with two annotators or more), then the first frame drawn after it; ``--loads``
  fresh loads;
- key press to paint, side by side, from the key event's own timestamp to the first frame
  drawn after its handler: → (next item), ↓ (next unit), } (next disputed item);
- Enter (accept the focused item): to the item marked as going into gold (painted before
  the request is answered), and to the item marked "in gold" and painted (a request to the
  server and the redraw of the blocks in view);
- the lanes: "." from side by side (show the next lane: the text with another annotator's 500
  highlights, those in the window in the frame the key paints), ``--lane-trials`` times, each
  after going back to side by side (by way of the gold lane after the last annotator's).

Each press is timed from the key event's timestamp to the end of the frame that paints its
effect: the frame is asked for in the key's own task (a listener ahead of the page's), looked at
before it is drawn, and a message posted from it runs once it is painted.

``--bursts N`` (with ``--burst-size``, 15 unless told) then presses Enter on ``--burst-size``
items one after the other, as fast as the keys go, N times on a fresh page: the accepts are
queued (goldqueue.js) and sent one at a time. Each burst is timed from its first Enter (and from
its last) to the frame painted once every accept is answered and gold is drawn, and the server
is asked how many gold spans it gained (each burst's items are spans gold lacks, overlapping
neither gold nor each other, so all landed means exactly ``--burst-size`` more).
``--only-bursts`` measures the bursts alone.

Then ``--traced`` more presses each of Enter (to the item marked) and "." are recorded in a
Chromium trace of their own, and the main thread's CPU time for each, from the key's task to
that painted frame, is printed (bench/maintrace.py): a figure that moves much less with the
machine's load than the wall clock.

Goal (issue 15, item 2): a key press painted in under 50 ms. Prints the load average
(``uptime``) before and after.
"""

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import maintrace
import ui

# Before the page's scripts: times the ready marker against the navigation's clock.
READY = """
window.__ready = new Promise((resolve) => {
  const check = () => {
    const root = document.getElementById("reviewer");
    if (!root || !root.classList.contains("ready")) return false;
    const ready = performance.now();
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve({ ready, painted: performance.now() });
      channel.port2.postMessage(null);
    });
    return true;
  };
  const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
  observer.observe(document, { attributes: true, subtree: true, attributeFilter: ["class"] });
});
"""

# Also before the page's scripts: the review's own key listener (window, capture) stops each key
# it takes, so the press is timed by a listener registered ahead of it. That listener also
# asks for the next frame, before the page's handler runs: a frame asked for later (from a
# timer polling for the change, as this bench did first) can only be the frame after the one
# that paints the change, since Chromium begins that one as soon as the key's task ends.
PRESSES = """
window.addEventListener("keydown", (event) => {
  window.__pressed = event.timeStamp;
  if (window.__onKey) window.__onKey(event);
  const watch = window.__onPress;
  window.__onPress = null;
  if (watch) watch(event.timeStamp);
}, true);
"""

# Resolves with the milliseconds from the next key press to the end of the frame that paints
# `done`: "focus" another item focused, "gold" the focused item in gold, "accepting" it marked
# as going into gold, "lane" an annotator's lane drawn. The first frame after the press is
# looked at (in requestAnimationFrame, before its style, layout and paint): if `done` holds, a
# message is posted, which runs once that frame is painted; if not, `done` is polled for and
# the message posted from the frame after it. (Named, not passed as code: the page's CSP
# forbids eval.)
INSTRUMENT = """
(done) => { window.__bench = new Promise((resolve) => {
  const before = document.activeElement?.dataset?.key;
  const tests = {
    focus: () => {
      const key = document.activeElement?.dataset?.key;
      return key && key !== before;
    },
    gold: () => document.activeElement?.dataset?.inGold === "true",
    accepting: () => document.activeElement?.dataset?.accepting === "true"
      || document.activeElement?.dataset?.inGold === "true",
    lane: () => document.querySelector('#lanes [aria-selected="true"]').dataset.lane !== "gold"
      && document.querySelector("#document-text [data-span-id]") !== null,
  };
  window.__onPress = (pressed) => {
    const painted = () => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        performance.mark("bench-painted");
        resolve(performance.now() - pressed);
      };
      channel.port2.postMessage(null);
    };
    // Not in the first frame (gold after the server's answer): looked for every millisecond,
    // then the next frame (no frame is asked for meanwhile, which would slow the page).
    const poll = () => {
      if (!tests[done]()) setTimeout(poll, 1);
      else requestAnimationFrame(painted);
    };
    requestAnimationFrame(() => (tests[done]() ? painted() : poll()));
  };
}); }
"""


# Resolves when the browser is next idle (within 2 s), after a frame.
IDLE = """
() => new Promise((resolve) =>
  requestAnimationFrame(() => requestIdleCallback(() => resolve(), { timeout: 2000 })))
"""


# The items of one burst: annotator spans gold lacks, overlapping neither gold nor each other
# (each accept then adds exactly one gold span), in reading order.
PICK = """
(count) => {
  const review = window.workbenchReview;
  const curation = review.curation;
  const gold = review.annotator ? [...review.annotator.store.spans.values()] : [];
  const taken = gold.map((span) => [span.start, span.end]);
  const overlaps = (span) => taken.some(([start, end]) => span.start < end && start < span.end);
  const picked = [];
  for (const key of curation.order) {
    const entry = curation.entries.get(key);
    if (entry.kind !== "span" || entry.source.claimant !== null || overlaps(entry.source)) continue;
    picked.push(key);
    taken.push([entry.source.start, entry.source.end]);
    if (picked.length === count) break;
  }
  return picked;
}
"""

# Resolves once `count` Enter presses were made and every accept they queued is answered and
# drawn (the gold queue empty, no item marked as going into gold, "Saved"): the milliseconds
# from the first Enter and from the last to the end of the frame painted then.
BURST = """
(count) => { window.__burst = new Promise((resolve) => {
  performance.setResourceTimingBufferSize(100000);
  let first = null;
  let last = null;
  let presses = 0;
  const onKey = (event) => {
    if (event.key !== "Enter") return;
    presses += 1;
    if (first === null) first = event.timeStamp;
    last = event.timeStamp;
  };
  // Told by the listener ahead of the page's (PRESSES): the page's own stops each key it takes.
  window.__onKey = onKey;
  const review = window.workbenchReview;
  const done = () => presses >= count && review.goldQueue.idle
    && !document.querySelector('[data-accepting="true"]')
    && document.getElementById("save-status").textContent === "Saved";
  const poll = () => {
    if (!done()) {
      setTimeout(poll, 1);
      return;
    }
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        window.__onKey = null;
        const now = performance.now();
        // The accepts' requests, sent to answered (the browser's resource timing).
        const requests = performance.getEntriesByType("resource")
          .filter((entry) => entry.name.includes("/gold/accept/") && entry.startTime >= first);
        const took = (entry) => entry.responseEnd - entry.startTime;
        const server = requests.reduce((sum, entry) => sum + took(entry), 0);
        resolve({ fromFirst: now - first, fromLast: now - last, typing: last - first,
                  server, requests: requests.length });
      };
      channel.port2.postMessage(null);
    });
  };
  poll();
}); }
"""


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def setup(args: argparse.Namespace):
    """The project, the document and each annotator's submitted work; returns the reviewer."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)

    import hashlib

    from django.contrib.auth import get_user_model

    from annotations.models import Annotation, Document, Label, Membership, Project, StanceTarget
    from annotations.services.annotating import (
        annotation_get_or_create,
        annotation_replace_content,
    )

    rng = random.Random(20261203)
    users = get_user_model().objects
    reviewer = users.create_user("reviewer")
    project = Project.objects.create(name="Review bench", annotators_per_document=args.annotators)
    Membership.objects.create(project=project, user=reviewer, role="reviewer")
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
    text = ui.build_text(rng, args.characters)
    document = Document.objects.create(
        project=project, text=text, content_hash=hashlib.sha256(text.encode()).hexdigest()
    )
    words = ui.word_ranges(text)
    claims = args.spans // 10
    entities = args.spans - claims
    # A pool a little larger than each annotator's share: each takes most of it, not all.
    pool = [w for i, w in enumerate(words) if i % 4 == 0][: int(entities * 1.25)]
    labels = {w: rng.choice(["PER", "ORG", "LOC"]) for w in pool}
    claim_pool = []
    step = len(words) // int(claims * 1.25)
    for i in range(int(claims * 1.25)):
        first = i * step + 1
        claim_pool.append((words[first][0], words[min(first + 5, len(words) - 1)][1]))
    for number in range(args.annotators):
        user = users.create_user(f"annotator{number + 1}")
        Membership.objects.create(project=project, user=user, role="annotator")
        annotation, _ = annotation_get_or_create(document=document, author=user)
        spans = [
            {
                "label": labels[w] if rng.random() > 0.05 else rng.choice(["PER", "ORG", "LOC"]),
                "start": w[0],
                "end": w[1],
            }
            for w in sorted(rng.sample(pool, entities))
        ]
        for start, end in sorted(rng.sample(claim_pool, claims)):
            spans.append(
                {
                    "label": "CLAIM",
                    "start": start,
                    "end": end,
                    "checkworthy": rng.choice(["yes", "yes", "no"]),
                }
            )
        stances = [{"target": "the intervention", "label": rng.choice(["FAVOR", "AGAINST"])}]
        annotation_replace_content(annotation=annotation, spans=spans, stances=stances, actor=user)
    Annotation.objects.filter(document=document).update(status="submitted")
    print(
        f"document: {len(text)} characters; {args.annotators} annotators x {args.spans} spans "
        f"({entities} entities from a pool of {len(pool)}, {claims} claims from {len(claim_pool)})"
    )
    return reviewer, document


def gold_spans(document) -> int:
    from annotations.models import Span

    return Span.objects.filter(annotation__document=document, annotation__kind="gold").count()


def bursts(context, address: str, document, args, errors: list[str]) -> list[dict]:
    """``--bursts`` bursts of ``--burst-size`` Enter presses on a fresh page, each timed."""
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(address, wait_until="commit")
    page.evaluate("window.__ready")
    results = []
    for _ in range(args.bursts):
        keys = page.evaluate(PICK, args.burst_size)
        if len(keys) < args.burst_size:
            raise SystemExit(f"only {len(keys)} items left for a burst of {args.burst_size}")
        before = gold_spans(document)
        page.evaluate(BURST, args.burst_size)
        for key in keys:
            # Focused as → would (no key: the presses of one burst stay close together).
            page.evaluate("(key) => window.workbenchReview.curation.focus(key)", key)
            page.keyboard.press("Enter")
        result = page.evaluate("window.__burst")
        result["landed"] = gold_spans(document) - before
        results.append(result)
        # The next burst once the page is idle (the history reload, the blocks' redraws).
        page.wait_for_timeout(300)
        page.evaluate(IDLE)
    page.close()
    return results


def burst_summary(results: list[dict], size: int) -> str:
    def spread(name: str) -> str:
        values = sorted(result[name] for result in results)
        return f"median {statistics.median(values):6.1f} ms ({values[0]:.1f}-{values[-1]:.1f})"

    landed = [result["landed"] for result in results]
    verdict = "all landed" if all(count == size for count in landed) else "NOT ALL LANDED"
    return (
        f"{len(results)} bursts of {size} Enter presses; gold spans gained per burst: "
        f"{', '.join(map(str, landed))} ({verdict})\n"
        f"  first Enter to all landed and drawn: {spread('fromFirst')}\n"
        f"  last Enter to all landed and drawn:  {spread('fromLast')}\n"
        f"  the presses themselves (first to last Enter): {spread('typing')}\n"
        f"  of which the accept requests, sent to answered, summed: {spread('server')} "
        f"({', '.join(str(result['requests']) for result in results)} requests)"
    )


def press(page, key: str, done: str, trials: int, before=None) -> list[float]:
    times = []
    for _ in range(trials):
        if before:
            before()
        page.evaluate(INSTRUMENT, done)
        page.keyboard.press(key)
        times.append(page.evaluate("window.__bench"))
    return times


def traced(
    browser, page, key: str, done: str, trials: int, before=None
) -> list[maintrace.PressCost]:
    """As press, each press in a Chromium trace of its own: the main thread's time for it."""
    costs = []
    for _ in range(trials):
        if before:
            before()
        page.evaluate(INSTRUMENT, done)
        browser.start_tracing(page=page, categories=maintrace.CATEGORIES)
        page.keyboard.press(key)
        page.evaluate("window.__bench")
        costs.append(maintrace.press_cost(browser.stop_tracing()))
    return costs


def cpu_summary(name: str, costs: list[maintrace.PressCost]) -> str:
    def median(values) -> str:
        return f"{statistics.median(values):5.1f}"

    totals = sorted(cost.total for cost in costs)
    steps = sorted({step for cost in costs for step in cost.steps})
    return (
        f"{name:>10}: median {median(totals)} ms ({totals[0]:.1f}-{totals[-1]:.1f}) = key task "
        f"{median([c.key for c in costs])} + frames {median([c.frames for c in costs])} + other "
        f"{median([c.other for c in costs])}; wall in the trace "
        f"{median([c.wall for c in costs])} ms"
        "\n              steps (wall, medians): "
        + ", ".join(f"{step} {median([c.steps.get(step, 0.0) for c in costs])}" for step in steps)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--characters", type=int, default=20000)
    parser.add_argument("--spans", type=int, default=500)
    parser.add_argument("--annotators", type=int, default=4)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--lane-trials", type=int, default=12)
    parser.add_argument("--traced", type=int, default=6)
    parser.add_argument("--bursts", type=int, default=0)
    parser.add_argument("--burst-size", type=int, default=15)
    parser.add_argument("--only-bursts", action="store_true")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    database = ui.configure(args, "bench-review.sqlite3")
    print(f"before: {uptime()}")
    reviewer, document = setup(args)
    url, server = ui.serve()

    from django.conf import settings
    from django.test import Client
    from playwright.sync_api import sync_playwright

    client = Client()
    client.force_login(reviewer)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    address = f"{url}/documents/{document.pk}/review/"
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=ui.CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": url}])
        context.add_init_script(READY)
        context.add_init_script(PRESSES)
        html = context.request.get(address).body()
        print(f"page HTML: {len(html) / 1e6:.2f} MB")
        if args.only_bursts:
            results = bursts(context, address, document, args, errors)
            browser.close()
            server.terminate()
            if errors:
                print("page errors:", *errors, sep="\n  ")
            print(burst_summary(results, args.burst_size))
            print(f"after: {uptime()}")
            ui.remove(database)
            return
        loads = []
        started = time.perf_counter()
        for _ in range(args.loads):
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(address, wait_until="commit")
            loads.append(page.evaluate("window.__ready"))
            page.close()
        print(f"{args.loads} loads in {time.perf_counter() - started:.1f} s (wall clock)")

        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(address, wait_until="commit")
        page.evaluate("window.__ready")
        counts = page.evaluate(
            """() => ({ blocks: document.querySelectorAll("#curation .cur-unit").length,
                        filled: document.querySelectorAll("#curation .cur-unit.filled").length,
                        chips: document.querySelectorAll("#curation .cur-item").length })"""
        )
        print(
            f"side by side at ready: {counts['blocks']} blocks, {counts['filled']} filled, "
            f"{counts['chips']} items drawn (of {args.annotators * args.spans + args.annotators})"
        )
        right = press(page, "ArrowRight", "focus", args.trials)
        down = press(page, "ArrowDown", "focus", args.trials)
        disputed = press(page, "}", "focus", args.trials)

        # Accept: move to a disputed item gold does not have yet, then Enter.
        def to_item_not_in_gold() -> None:
            for _ in range(50):
                page.keyboard.press("}")
                if page.evaluate("document.activeElement?.dataset?.inGold === 'false'"):
                    return

        accept = press(page, "Enter", "gold", max(5, args.trials // 3), before=to_item_not_in_gold)

        # The same key, to its first feedback: the item marked as going into gold.
        def settled_then_next() -> None:
            page.wait_for_function("() => !document.querySelector('[data-accepting=\"true\"]')")
            to_item_not_in_gold()
            # As for the other keys: pressed once the page is idle (the previous accept's
            # history reload and the moves' redraws done), not while they still run.
            page.wait_for_timeout(300)

        marked = press(
            page, "Enter", "accepting", max(5, args.trials // 3), before=settled_then_next
        )
        marked_cpu = traced(
            browser, page, "Enter", "accepting", args.traced, before=settled_then_next
        )
        # Of which the request: sent to answered, as the browser's resource timing has it.
        answered = page.evaluate(
            """() => performance.getEntriesByType("resource")
                 .filter((entry) => entry.name.includes("/gold/accept/"))
                 .map((entry) => entry.responseEnd - entry.startTime)"""
        )

        def back_to_side() -> None:
            # "." from the last annotator's lane would show gold, which the test above does
            # not wait for: go round by the gold lane.
            last = page.evaluate(
                "() => { const r = window.workbenchReview; return r.lane === r.lanes.at(-1).id; }"
            )
            if last:
                page.click("#lane-gold")
            page.click("#view-side")
            # As for the other keys: pressed once the page is idle (side by side redrawn).
            page.wait_for_timeout(300)
            page.evaluate(IDLE)

        lanes = press(page, ".", "lane", args.lane_trials, before=back_to_side)
        lanes_cpu = traced(browser, page, ".", "lane", args.traced, before=back_to_side)
        burst_results = bursts(context, address, document, args, errors) if args.bursts else []
        browser.close()
    server.terminate()
    if errors:
        print("page errors:", *errors, sep="\n  ")
    ready = [load["ready"] for load in loads]
    painted = [load["painted"] for load in loads]
    print(
        f"ready: median {statistics.median(ready):.0f} ms (first frame after it "
        f"{statistics.median(painted):.0f} ms), runs " + ", ".join(f"{r:.0f}" for r in ready)
    )
    print("key press to the next frame painted:")
    print(ui.summary("→ item", right, 50))
    print(ui.summary("↓ unit", down, 50))
    print(ui.summary("} dispute", disputed, 50))
    print(ui.summary("Enter", marked, 50) + "  [the item marked as going into gold]")
    print(ui.summary("Enter", accept, 50) + "  [to ✓ gold: includes the server's answer]")
    print(ui.summary("of which", answered, 50) + "  [the accept request, sent to answered]")
    print(ui.summary(". lane", lanes, 50) + "  [side by side to the lanes: another annotator's]")
    print(
        f"main-thread time (CPU) from the key's task to the frame painted, {args.traced} traced "
        "presses each:"
    )
    print(cpu_summary("Enter", marked_cpu) + "  [the item marked as going into gold]")
    print(cpu_summary(". lane", lanes_cpu))
    if burst_results:
        print(burst_summary(burst_results, args.burst_size))
    print(f"after: {uptime()}")
    ui.remove(database)


if __name__ == "__main__":
    main()
