"""A/B of first loads in chromium: this checkout's pages against another checkout's, both served at once, their
loads alternated (A, B, then B, A, ...), so that both see the same machine.

On this VM whole runs of ``bench_first_load.py`` drift by up to 0.7 s within ten minutes, so two runs cannot
resolve a change of 0.1-0.3 s; loads alternated between two servers can. Each load is a new browser session on a
server that has already served the page once (warm, as ``bench_first_load.py`` times it: navigation start to the
page complete on screen); the servers start as ``make run`` starts them. Prints, per page, the median seconds to
complete and the median CPU seconds of chromium's processes (less sensitive to other processes' load than wall
time) for each checkout, their difference and every run.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/compare_first_load.py --before PATH [--rounds 8] [--pages ...]``
(``git worktree add /tmp/before <commit>`` makes PATH; it runs with this checkout's Python environment). Not a
``bench_*`` script: ``make bench`` runs those with no arguments, and this one needs the other checkout.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from contextlib import ExitStack
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmarks.first_load import PAGES, ROOT, Load, load, ready_seconds, server
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS


def _summary(loads: list[Load]) -> tuple[float, float]:
    """(median seconds to complete, median browser CPU seconds)."""
    return statistics.median(one.painted for one in loads), statistics.median(one.browser_cpu for one in loads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout (B)")
    parser.add_argument("--rounds", type=int, default=8, help="loads of each checkout per page")
    parser.add_argument("--pages", nargs="*", default=list(PAGES), choices=list(PAGES))
    args = parser.parse_args()
    checkouts = {"before": args.before.resolve(), "after": ROOT}
    print(f"First loads alternated, {args.rounds} new sessions per checkout and page; medians (s)")
    print(f"{'page':22} {'before':>7} {'after':>7} {'change':>7} {'brw CPU before → after':>24}  runs before | after")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for name in args.pages:
            path, title = PAGES[name]
            loads: dict[str, list[Load]] = {side: [] for side in checkouts}
            with ExitStack() as servers:
                urls = {}
                for side, checkout in checkouts.items():
                    url, pid = servers.enter_context(server("app.py", checkout=checkout))
                    ready_seconds(url)
                    load(browser, url + path, title, pid)  # the cold load is not compared: it is one per server
                    urls[side] = (url, pid)
                order = list(checkouts)
                for round_ in range(args.rounds):
                    for side in order if round_ % 2 == 0 else order[::-1]:
                        url, pid = urls[side]
                        loads[side].append(load(browser, url + path, title, pid))
            (before, before_cpu), (after, after_cpu) = _summary(loads["before"]), _summary(loads["after"])
            runs = " | ".join(" ".join(f"{one.painted:.2f}" for one in loads[side]) for side in checkouts)
            cpu = f"{before_cpu:.2f} → {after_cpu:.2f}"
            print(f"{name:22} {before:>7.2f} {after:>7.2f} {after - before:>+7.2f} {cpu:>24}  {runs}", flush=True)
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
