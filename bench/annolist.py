"""Benchmark: the annotation list and the undo history on a large annotation.

    .venv/bin/python bench/annolist.py [--characters 2000000] [--spans 5000] [--trials 20]
                                       [--database-url sqlite:////tmp/x.sqlite3]

Builds the document and its spans as bench/ui.py does (a fresh SQLite database in a temporary
file unless --database-url names another), serves the app in this process and drives Debian's
Chromium (headless) with Playwright. Inside the annotate page it times, on the main thread:

- the list drawn from nothing (the page's first draw: every group, 200 entries each at most);
- the list redrawn after a change (what every key press pays: the entries compared, the
  changed ones rebuilt);
- the selection marked in the list (a click on a highlight, ] and [);
- a click on a list entry: selecting it and scrolling the text to it (script only; 0.7 s
  between clicks, as a person reads what was chosen);
- undo and redo of a span: the change, the redraw of text, panels and list;
- the undo history kept for a reload: the content's print and the localStorage write (100
  steps each way);

then, from the key event to the frame drawn, a key press labelling a word (as bench/ui.py times
it; alternately with the list and without it, on the same page, so both see the same load) and
Ctrl+Z undoing it. Goals: a list redraw under 10 ms, a key press or an undo painted
under 50 ms (at p95). It prints the machine's load average (``uptime``) before and after.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bigpage
import ui

# Each runs in the page and resolves to a list of milliseconds (main-thread time).
TIMINGS = {
    "list drawn from nothing": """(n) => {
  const a = window.workbenchAnnotator, times = [];
  for (let i = 0; i < n; i++) {
    for (const group of a.list.groups.values()) group.section.remove();
    a.list.groups.clear();
    const t = performance.now();
    a.showList();
    times.push(performance.now() - t);
  }
  return times;
}""",
    "list redrawn after a change": """(n) => {
  const a = window.workbenchAnnotator, times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    a.showList();
    times.push(performance.now() - t);
  }
  return times;
}""",
    "selection marked in the list": """(n) => {
  const a = window.workbenchAnnotator, times = [];
  const keys = a.store.sortedSpans().map((span) => span.key);
  for (let i = 0; i < n; i++) {
    a.selected = keys[(i * 37) % keys.length];
    const t = performance.now();
    a.markListed();
    times.push(performance.now() - t);
  }
  a.selected = null;
  a.markListed();
  return times;
}""",
    "list entry chosen (select, scroll)": """async (n) => {
  const a = window.workbenchAnnotator, times = [];
  const entries = a.listEntries();
  for (let i = 0; i < n; i++) {
    const entry = entries[(i * 211) % entries.length];
    const t = performance.now();
    a.chooseListed(entry);
    times.push(performance.now() - t);
    // A person reads what was chosen before choosing again: the jump settles meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 700));
  }
  return times;
}""",
    "history kept (print + write)": """async (n) => {
  const a = window.workbenchAnnotator, times = [];
  const spans = a.store.sortedSpans();
  const undo = spans.slice(0, 100).map((span) => [{ type: "span.delete", key: span.key }]);
  const redo = spans.slice(100, 200).map((span) =>
    [{ type: "span.update", key: span.key, changes: { label: span.label } }]);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    a.history.save(a.queue.slots.tab, undo, redo);
    times.push(performance.now() - t);
  }
  a.history.save(a.queue.slots.tab, [], []);
  return times;
}""",
}

UNDO_REDO = """(n) => {
  const a = window.workbenchAnnotator, undo = [], redo = [];
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    a.undo();
    undo.push(performance.now() - t);
    t = performance.now();
    a.redo();
    redo.push(performance.now() - t);
  }
  return [undo, redo];
}"""

# Resolves with the time from Ctrl+Z's key event to the frame drawn without the span.
# Resolves with the time from Ctrl+Z's key event to the next frame drawn (the undo runs in the
# key's own task: the change, the text, the panels and the list redrawn).
INSTRUMENT_UNDO = """() => { window.__undo = new Promise((resolve) => {
  document.addEventListener("keydown", (event) => {
    const pressed = event.timeStamp;
    setTimeout(() => requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve(performance.now() - pressed);
      channel.port2.postMessage(null);
    }), 0);
  }, { capture: true, once: true });
}); }"""

# Takes the list away from the Annotator, or gives it back: the same page, with and without.
LIST_OFF = (
    "() => { const a = window.workbenchAnnotator; "
    "a.keptList = a.keptList || a.list; a.list = null; }"
)
LIST_ON = (
    "() => { const a = window.workbenchAnnotator; a.list = a.keptList || a.list; a.showList(); }"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--characters", type=int, default=2_000_000)
    parser.add_argument("--spans", type=int, default=5000)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    database = ui.configure(args, "bench-annolist.sqlite3")
    print(f"before: {bigpage.uptime()}")
    user, document, trials = ui.setup(args)
    url, server = ui.serve()

    from django.conf import settings
    from django.test import Client
    from playwright.sync_api import sync_playwright

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    text = document.text
    address = f"{url}/documents/{document.pk}/annotate/"
    results: dict[str, list[float]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=ui.CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": url}])
        page = context.new_page()
        page.goto(address)
        page.wait_for_selector("#annotator.ready", state="attached", timeout=120_000)
        groups = page.eval_on_selector_all(
            "#annotation-list .annolist-group",
            "gs => gs.map((g) => g.dataset.label + ' ' + g.querySelector('.count').textContent)",
        )
        drawn = page.locator("#annotation-list .annolist-item").count()
        print(f"list: {', '.join(groups)}; {drawn} entries drawn")
        for name, script in TIMINGS.items():
            print(f"timing: {name}", flush=True)
            results[name] = page.evaluate(script, args.trials)

        # A key press, then undo and redo of what it made, as the page runs them.
        print("timing: key presses", flush=True)
        # A fresh page, as bench/bigpage.py times it (nothing selected, nothing scrolled).
        page.reload()
        page.wait_for_selector("#annotator.ready", state="attached", timeout=120_000)
        # Alternately without the list and with it, so both see the same load.
        paint, bare = [], []
        for at, trial in enumerate(trials[: args.trials * 2]):
            page.evaluate(LIST_ON if at % 2 else LIST_OFF)
            (paint if at % 2 else bare).extend(bigpage.key_presses(page, text, [trial]))
        page.evaluate(LIST_ON)
        print("timing: undo and redo", flush=True)
        page.locator("#save-status").filter(has_text="Saved").wait_for()
        results["undo (script)"], results["redo (script)"] = page.evaluate(UNDO_REDO, args.trials)
        page.locator("#save-status").filter(has_text="Saved").wait_for()
        undo_paint = []
        for _ in range(min(args.trials, len(paint))):
            page.evaluate(INSTRUMENT_UNDO)
            page.keyboard.press("Control+z")
            undo_paint.append(page.evaluate("window.__undo"))
        page.locator("#save-status").filter(has_text="Saved").wait_for(timeout=120_000)
        browser.close()
    server.terminate()
    for name, values in results.items():
        print(
            f"{name:>36}: median {statistics.median(values):6.1f} ms   "
            f"worst {max(values):6.1f} ms   ({len(values)} runs)"
        )
    print(f"{len(paint)} key presses and {len(undo_paint)} undos, key event to frame drawn:")
    print(ui.summary("key press", paint, 50))
    print(ui.summary("no list", bare, 50) + "  (the same page, the list taken away)")
    print(ui.summary("Ctrl+Z", undo_paint, 50))
    print(f"after: {bigpage.uptime()}")
    ui.remove(database)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"wall clock: {time.perf_counter() - started:.0f} s")
