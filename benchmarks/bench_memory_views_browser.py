"""The Memory & gradients page's gradient views in Debian's chromium: a new held-out sequence typed -> its views
painted, at T = 200 and hidden size 128 (the target's size; ``bench_memory_gradients`` times the same views'
computation alone).

One tab on /memory; the sidebar's "Sequence length T" and "Hidden size" set, the untrained models' views asked
for, then, ``--rounds`` times, a new number typed into "Held-out sequence" and Enter pressed. From the key press to:

* first view: the new sequence's chart (titled "Held-out sequence k, ...") on the screen; the gradient flow is
  drawn right after it;
* all views: the fragment's run over (every view painted: flows, connectivity map, forget-gate path).

``--before PATH``: the same on another checkout (e.g. ``git worktree add /tmp/before <commit>``), its server
started alongside, rounds alternating between the two so that both see the same machine.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_memory_views_browser.py [--before PATH] [--rounds N]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bench_browser_scrub import start_server
from playwright.sync_api import Page, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, _stop

ROOT = Path(__file__).resolve().parents[1]
IDLE = """() => document.querySelector('[data-testid="stApp"]').dataset.testScriptState === 'notRunning'
  && !document.querySelector('[data-testid="stSkeleton"]')"""
TIMEOUT_MS = 120_000


def settle(page: Page) -> None:
    """Wait until a run has started (if any) and ended."""
    time.sleep(0.3)
    page.wait_for_function(IDLE, timeout=TIMEOUT_MS)


def open_memory(browser, url: str, length: int, hidden: int) -> Page:
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{url}/memory")
    settle(page)
    for label, value in (("Sequence length T", length), ("Hidden size", hidden)):
        box = page.get_by_label(label, exact=True)
        box.fill(str(value))
        box.press("Enter")
        settle(page)
    untrained = page.get_by_role("button", name="Show the gradient flow of the untrained models")
    if untrained.count():  # before the race has trained, the views wait for this click
        untrained.click()
        settle(page)
    return page


def new_sequence(page: Page, index: int) -> tuple[float, float]:
    """Seconds from Enter to the new sequence's first view shown, and to every view painted."""
    box = page.get_by_label("Held-out sequence", exact=True)
    box.fill(str(index))
    start = time.perf_counter()
    box.press("Enter")
    page.get_by_text(f"Held-out sequence {index}, ").first.wait_for(timeout=TIMEOUT_MS)
    first = time.perf_counter() - start
    page.wait_for_function(IDLE, timeout=TIMEOUT_MS)
    return first, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another checkout, for the same-run baseline")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--hidden", type=int, default=128)
    args = parser.parse_args()
    roots = {"after": ROOT} | ({"before": args.before} if args.before else {})
    servers = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            servers = {name: start_server(root) for name, root in roots.items()}
            pages = {name: open_memory(browser, url, args.length, args.hidden) for name, (_, url) in servers.items()}
            times: dict[str, list[tuple[float, float]]] = {name: [] for name in pages}
            for index in range(1, args.rounds + 1):
                for name, page in pages.items():
                    times[name].append(new_sequence(page, index))
            print(
                f"T = {args.length}, hidden {args.hidden}: a new held-out sequence typed + Enter -> painted, ms "
                f"(median / max of {args.rounds})"
            )
            for name, rows in times.items():
                first, every = ([1000 * row[i] for row in rows] for i in (0, 1))
                print(
                    f"  {name:6} first view {statistics.median(first):7.0f} / {max(first):6.0f}"
                    f"   all views {statistics.median(every):7.0f} / {max(every):6.0f}"
                )
        finally:
            browser.close()
            for process, _ in servers.values():
                _stop(process)


if __name__ == "__main__":
    main()
