"""Benchmark: the annotate page of a large document, its size, time to ready and key press to paint.

    .venv/bin/python bench/bigpage.py [--characters 2000000] [--spans 5000] [--loads 5]
                                      [--trials 20] [--database-url sqlite:////tmp/x.sqlite3]

Builds the document and its spans as bench/ui.py does (a fresh SQLite database in a temporary
file unless --database-url names another), serves the app in this process and drives Debian's
Chromium (headless) with Playwright. It prints

- the page's HTML and the text's own response: their sizes, and how many times the
  document's text is in each;
- ready: from the start of the navigation to the page marking itself interactive
  (``#annotator`` gets the class ``ready``: the text and highlights drawn, handlers bound, the
  unsaved changes of earlier pages restored), timed inside the page against the navigation's
  own clock, then the first frame drawn after it; ``--loads`` fresh loads;
- a key press: select a free word in view and press a label key, to the span painted (as
  bench/ui.py times it).

Goals (issue 14, item 5): ready under 500 ms, paint under 50 ms (at p95).
Each run prints the machine's load average (``uptime``) before and after.
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ui

# Runs before the page's own scripts: times the ready marker against the navigation's clock.
READY = """
window.__ready = new Promise((resolve) => {
  const check = () => {
    const root = document.getElementById("annotator");
    if (!root || !root.classList.contains("ready")) return false;
    const ready = performance.now();
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        const timing = performance.getEntriesByType("navigation")[0];
        const text = performance.getEntriesByType("resource")
          .find((entry) => entry.name.endsWith("/text/"));
        resolve({ ready, painted: performance.now(), firstByte: timing.responseStart,
                  html: timing.responseEnd, parsed: timing.domInteractive,
                  text: text ? text.responseEnd : null });
      };
      channel.port2.postMessage(null);
    });
    return true;
  };
  const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
  observer.observe(document, { attributes: true, subtree: true, attributeFilter: ["class"] });
});
"""

# Scroll the current selection to the middle of the window, as the user looking at it sees it.
SHOW_SELECTION = """
() => {
  const node = getSelection().getRangeAt(0).startContainer;
  (node.nodeType === Node.TEXT_NODE ? node.parentElement : node)
    .scrollIntoView({ block: "center" });
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50)));
}
"""


STAGES = (
    ("first byte of the page", "firstByte"),
    ("whole page received", "html"),
    ("page parsed (domInteractive)", "parsed"),
    ("text received (its own response)", "text"),
    ("ready", "ready"),
    ("first frame drawn after ready", "painted"),
)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def load_times(context, address: str, loads: int) -> list[dict]:
    times = []
    errors: list[str] = []
    for _ in range(loads):
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(address, wait_until="commit")
        times.append(page.evaluate("window.__ready"))
        page.close()
    if errors:
        print("page errors:", *errors, sep="\n  ")
    return times


def key_presses(page, text: str, trials: list[tuple[int, int]]) -> list[float]:
    paint = []
    for start, end in trials:
        before = len(text[:start].encode("utf-16-le")) // 2
        units = [before, before + len(text[start:end].encode("utf-16-le")) // 2]
        page.evaluate(ui.SELECT, units)
        page.evaluate(SHOW_SELECTION)
        page.evaluate(ui.INSTRUMENT)
        page.keyboard.press("p")
        paint.append(page.evaluate("window.__bench")["paint"])
    return paint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--characters", type=int, default=2_000_000)
    parser.add_argument("--spans", type=int, default=5000)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    database = ui.configure(args, "bench-bigpage.sqlite3")
    print(f"before: {uptime()}")

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
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=ui.CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": url}])
        context.add_init_script(READY)
        html = context.request.get(address).body()
        sent = context.request.get(f"{url}/documents/{document.pk}/text/").body()
        tail = text[-200:].encode()
        print(
            f"page HTML: {len(html) / 1e6:.2f} MB, its text response {len(sent) / 1e6:.2f} MB, "
            f"for a text of {len(text.encode()) / 1e6:.2f} MB (UTF-8); its last 200 characters "
            f"appear {html.count(tail)} time(s) in the HTML, {sent.count(tail)} in the text"
        )
        started = time.perf_counter()
        loads = load_times(context, address, args.loads)
        print(f"{args.loads} loads in {time.perf_counter() - started:.1f} s (wall clock)")
        page = context.new_page()
        page.goto(address, wait_until="commit")
        page.evaluate("window.__ready")
        paint = key_presses(page, text, trials)
        browser.close()
    server.terminate()
    ready = [load["ready"] for load in loads]
    print(
        f"ready: median {statistics.median(ready):.0f} ms, runs "
        + ", ".join(f"{value:.0f}" for value in ready)
        + " (goal 500 ms); medians since the navigation started:"
    )
    for name, key in STAGES:
        values = [load[key] for load in loads if load[key] is not None]
        if values:
            print(f"  {name:>34}: {statistics.median(values):6.0f} ms")
    print(f"{len(paint)} key presses (select a word in view, press a label key):")
    print(ui.summary("painted", paint, 50))
    print(f"after: {uptime()}")
    ui.remove(database)


if __name__ == "__main__":
    main()
