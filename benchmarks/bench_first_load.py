"""First load of every page in chromium: cold (the first visitor once a freshly started server is ready) and
warm (a new browser session after it), with a bare Streamlit page on a server of its own as the same-run
baseline (what Streamlit itself costs).

Each server is started as ``make run`` starts it: once it answers, the script health check runs the app once
(which starts the server's warm-up, rnnviz/ui/common/warmup.py); "ready" is how long that takes, and the cold
load follows. A load is timed from the navigation's start to the moment the page is complete on screen: its
title drawn, the script run finished, no skeleton, every plotly chart drawn (``performance.now()`` in the
page, polled every animation frame). Every browser session is new, so nothing comes from the browser's cache.
Target: every page's cold first load <= 3 s. Servers run on free loopback ports and are stopped by their PID.
Prints medians over ``--repeats`` servers per page (cold) and ``--warm`` sessions each.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_first_load.py [--repeats 3] [--warm 3] [--pages ...]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from tests.browser.conftest import _NO_PROXY, CHROMIUM, CHROMIUM_ARGS, VIEWPORT, run_streamlit_server

ROOT = Path(__file__).resolve().parents[1]
#: page name -> (URL path, its st.title)
PAGES = {
    "Overview": ("/", "rnnviz: see inside a real recurrent network"),
    "Step through": ("/step_through", "Step through"),
    "Shapes & layouts": ("/shapes", "Shapes & layouts"),
    "Train: sin → cos": ("/train_sine", "Train: sin → cos"),
    "Language model": ("/char_lm", "Language model"),
}
BASELINE = "bare Streamlit page"
BASELINE_SCRIPT = 'import streamlit as st\n\nst.title("Baseline")\nst.write("A page with nothing to compute.")\n'
TARGET_SECONDS = 3.0
LOAD_TIMEOUT_MS = 120_000

#: True once the page is complete on screen; records the time (ms since the navigation started) the first time.
_LOADED = """
(title) => {
  const h1 = document.querySelector('[data-testid="stMain"] h1');
  const root = document.querySelector('[data-testid="stApp"]');
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  const done = !!h1 && h1.textContent.trim() === title
    && root.getAttribute("data-test-script-state") === "notRunning"
    && !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
    && !document.querySelector('[data-testid="stSkeleton"]')
    && charts.every((chart) => chart.querySelector(".js-plotly-plot")?._fullLayout);
  if (done && window.__loadedAt === undefined) window.__loadedAt = performance.now();
  return done;
}
"""


def load_seconds(browser: Browser, url: str, title: str) -> float:
    """One first load in a fresh browser context (a new Streamlit session): seconds to complete on screen."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(url, wait_until="commit")
        page.wait_for_function(_LOADED, arg=title, polling="raf", timeout=LOAD_TIMEOUT_MS)
        return page.evaluate("window.__loadedAt") / 1000
    finally:
        context.close()


def ready_seconds(base_url: str) -> float:
    """What ``make run`` does once the server answers: ask for the script health check (it runs the app once,
    which starts the warm-up); seconds until it answers."""
    start = time.perf_counter()
    with _NO_PROXY.open(f"{base_url}/_stcore/script-health-check", timeout=120) as response:
        assert response.status == 200, response.read()
    return time.perf_counter() - start


def measure(browser: Browser, path: str, title: str, warm: int, script: str) -> tuple[float, float, list[float]]:
    """A fresh server, started as ``make run`` starts it: seconds until ready, its first load (cold), then
    ``warm`` loads of new sessions."""
    with run_streamlit_server("bench-first-load.log", script=script, warm_up=False) as base_url:
        ready = ready_seconds(base_url)
        cold = load_seconds(browser, base_url + path, title)
        return ready, cold, [load_seconds(browser, base_url + path, title) for _ in range(warm)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="fresh servers per page (cold loads)")
    parser.add_argument("--warm", type=int, default=3, help="new sessions per server after the cold load")
    parser.add_argument("--pages", nargs="*", default=list(PAGES), choices=list(PAGES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        baseline_script = Path(folder) / "baseline.py"
        baseline_script.write_text(BASELINE_SCRIPT)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        jobs = {BASELINE: ("/", "Baseline", str(baseline_script))}
        jobs |= {name: (*PAGES[name], "app.py") for name in args.pages}
        results: dict[str, tuple[list[float], list[float], list[float]]] = {name: ([], [], []) for name in jobs}
        for _ in range(args.repeats):  # interleaved, so every page sees the same load from other processes
            for name, (path, title, script) in jobs.items():
                ready, cold, warm = measure(browser, path, title, args.warm, script)
                warm_runs = " ".join(f"{w:.2f}" for w in warm)
                print(f"  {name}: ready {ready:.2f} s, cold {cold:.2f} s, warm {warm_runs}", file=sys.stderr)
                results[name][0].append(ready)
                results[name][1].append(cold)
                results[name][2].extend(warm)
        browser.close()
    print(
        f"First load in chromium, medians: cold = the first visitor once the server is ready ({args.repeats} "
        f"server starts), warm = {args.repeats * args.warm} new sessions after it; target: cold <= "
        f"{TARGET_SECONDS:g} s"
    )
    print(f"{'page':22} {'ready s':>8} {'cold s':>7} {'warm s':>7} {'cold - baseline':>16}  cold runs")
    base_cold = statistics.median(results[BASELINE][1])
    for name, (ready, cold, warm) in results.items():
        median = statistics.median(cold)
        verdict = "" if name == BASELINE else ("ok" if median <= TARGET_SECONDS else "OVER")
        runs = " ".join(f"{c:.2f}" for c in cold)
        print(
            f"{name:22} {statistics.median(ready):>8.2f} {median:>7.2f} {statistics.median(warm):>7.2f} "
            f"{median - base_cold:>16.2f}  {runs}  {verdict}"
        )


if __name__ == "__main__":
    sys.exit(main())
