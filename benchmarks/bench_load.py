"""A classroom on one server process, in Debian's chromium: N sessions train the sine page at once while one
more session scrubs Step through.

For each N (a fresh server each, so that its memory is this N's alone):

* completion: every session presses Start (the reference setup, 300 steps, "as fast as possible") within a
  moment of the others; the time from its click to its page showing "Finished: all 300 steps done" (a
  watcher in the page stamps it). Runs beyond the process's training slots (``RNNVIZ_TRAINING_SLOTS``,
  default the cores) wait in the queue, so this is what a student waits, queue included.
* scrub: the extra session presses ArrowRight on Step through's time slider while they train; key event to
  the frame that shows the new step painted (``bench_browser_scrub``'s measure), median and max.
* memory: the server's RSS with the pages open before Start, and its peak while training (sampled every
  0.2 s from /proc); per session = (peak - the N = 0 server's RSS with only the scrub tab) / N.
* equal: every session's "Loss history (CSV, every step)" download, byte for byte against the solo run's
  (N = 1): sessions share a process, and must share nothing else.

The N + 1 chromium tabs run on the server's own cores: in a classroom they run on the students' machines. At
N = 4 the tabs took about 4x the server's CPU time (chromium 41-58 CPU s against the server's 9-13 over the
training, /proc/<pid>/stat, measured under load), so these completion times are an upper bound for a server
whose clients are elsewhere.

N = 0 is the same-run baseline: the scrub tab alone. Run:
``PYTHONPATH=. .venv/bin/python benchmarks/bench_load.py [--sessions 0 1 4 8 16] [--presses N]``
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench_browser_scrub import VIEWER, open_step, scrub, start_server
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, _stop

ROOT = Path(__file__).resolve().parents[1]
FINISHED = "Finished: all 300 steps done"
#: Stamps window.__finished (ms since the epoch) once the page says the run finished.
WATCH_FINISH = f"""() => {{
  window.__finished = null;
  const timer = setInterval(() => {{
    if (document.body.innerText.includes({FINISHED!r})) {{ window.__finished = Date.now(); clearInterval(timer); }}
  }}, 50);
}}"""
TRAINING_TIMEOUT_MS = 900_000
#: A page load or a click's answer, on a server that many sessions keep busy.
PAGE_TIMEOUT_MS = 180_000


def rss_mb(pid: int) -> float:
    """The resident memory of process ``pid``, MB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


class PeakRss:
    """Samples a process's RSS every 0.2 s in a thread while the ``with`` block runs; ``peak`` in MB."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, rss_mb(pid), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, rss_mb(self.pid))

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Level:
    sessions: int
    completion_s: list[float]
    scrub_ms: list[float]
    rss_open_mb: float
    rss_peak_mb: float
    results: list[bytes]


def open_trainer(browser: Browser, url: str) -> Page:
    """A new session on the sine page, set to train as fast as possible, its finish watcher installed."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    context.set_default_navigation_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{url}/train_sine")
    page.get_by_role("button", name="Start", exact=True).wait_for(timeout=180_000)
    speed = page.get_by_test_id("stSlider").filter(has_text="Speed (training steps per second)").get_by_role("slider")
    speed.press("End")
    page.get_by_text("speed as fast as possible").wait_for(timeout=60_000)
    page.evaluate(WATCH_FINISH)
    return page


def loss_csv(page: Page) -> bytes:
    """The run's "Loss history (CSV, every step)" download."""
    page.get_by_text("Export", exact=True).click()
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name=re.compile(r"^Loss history \(CSV")).click()
    return Path(download.value.path()).read_bytes()


def run_level(browser: Browser, sessions: int, presses: int) -> Level:
    process, url = start_server(ROOT)
    try:
        scrubber, _, _ = open_step(browser, url, "", '[data-testid="step-viewer"] .equation')
        slider = scrubber.get_by_test_id("step-viewer").locator(".t-slider")
        trainers = [open_trainer(browser, url) for _ in range(sessions)]
        rss_open = rss_mb(process.pid)
        with PeakRss(process.pid) as rss:
            started = []
            for page in trainers:
                page.get_by_role("button", name="Start", exact=True).click()
                started.append(time.time() * 1000)
            scrub_ms = scrub(scrubber, slider, VIEWER, presses)
            for page in trainers:
                page.wait_for_function("() => window.__finished !== null", timeout=TRAINING_TIMEOUT_MS)
        finished = [page.evaluate("window.__finished") for page in trainers]
        results = [loss_csv(page) for page in trainers]
        for page in [scrubber, *trainers]:
            page.context.close()
        completion = [(end - start) / 1000 for start, end in zip(started, finished, strict=True)]
        return Level(sessions, completion, scrub_ms, rss_open, rss.peak, results)
    finally:
        _stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[0, 1, 4, 8])
    parser.add_argument("--presses", type=int, default=15)
    args = parser.parse_args()
    levels = sorted(set(args.sessions) | {0, 1})  # the baseline and the solo result are always measured
    slots = os.environ.get("RNNVIZ_TRAINING_SLOTS", f"{len(os.sched_getaffinity(0))} (the cores)")
    print(f"{len(os.sched_getaffinity(0))} cores, training slots {slots}, {args.presses} scrub presses per level")
    print(
        "sessions | completion s (median / max) | scrub ms (median / max) | RSS MB open / peak | "
        "MB per session | equal to solo"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            baseline = solo = None
            for n in levels:  # 0 first (the memory baseline), then 1 (the solo result), then the others
                level = run_level(browser, n, args.presses)
                baseline = level.rss_peak_mb if baseline is None else baseline
                solo = level.results[0] if solo is None and level.results else solo
                print_row(level, baseline, solo)
        finally:
            browser.close()


def print_row(level: Level, baseline: float, solo: bytes | None) -> None:
    n = level.sessions
    done = f"{statistics.median(level.completion_s):6.1f} / {max(level.completion_s):6.1f}" if n else "   -"
    scrubbed = f"{statistics.median(level.scrub_ms):6.1f} / {max(level.scrub_ms):6.1f}"
    per_session = f"{(level.rss_peak_mb - baseline) / n:6.1f}" if n else "     -"
    equal = f"{sum(r == solo for r in level.results)}/{n}" if n else "-"
    print(
        f"{n:8} | {done:>27} | {scrubbed:>23} | {level.rss_open_mb:6.0f} / {level.rss_peak_mb:6.0f} | "
        f"{per_session:>14} | {equal}",
        flush=True,
    )


if __name__ == "__main__":
    main()
