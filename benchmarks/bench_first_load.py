"""First load of every page in chromium: cold (the first visitor once a freshly started server is ready) and
warm (a new browser session after it), with three same-run baselines on servers of their own: a bare Streamlit
page (what Streamlit itself costs), the same page with one small chart drawn as the app draws its charts
(``rnnviz.ui.common.chart``: the page loads its plotly.js bundle for the first one) and with one drawn
by ``st.plotly_chart`` (Streamlit's whole plotly.js); and where each load's time goes.

Each page is served by a fresh server, started as ``make run`` starts it; "ready" is how long its script health
check takes (the app's first run, which starts the warm-up), and the cold load follows. How a load is timed and
broken down (``session``, ``script``, ``after``, CPU seconds, what was sent, charts drawn and drawn twice):
``benchmarks/first_load.py``. Target: every page's cold first load <= 3 s.

Prints medians over ``--repeats`` servers per page (cold) and ``--warm`` sessions each. ``--without-charts`` adds
each page once more with every plotly chart left out (the app run through a wrapper that makes
``rnnviz.ui.common.chart`` draw nothing): what the page costs without charts, the floor of any chart renderer.

``--before PATH`` measures each page of another checkout too (``git worktree add /tmp/before <commit>``; it runs
with this checkout's Python environment), right before the same page of this one: a change's effect, with both
seeing the same machine (whole runs here differ by ±0.3 s from one hour to the next).

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_first_load.py [--repeats 3] [--warm 3] [--pages ...]
[--without-charts] [--before PATH]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from benchmarks.first_load import PAGES, ROOT, Load, load, ready_seconds, server
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

BASELINE = "bare Streamlit page"
BASELINE_SCRIPT = 'import streamlit as st\n\nst.title("Baseline")\nst.write("A page with nothing to compute.")\n'
#: The floor of a page with a chart as the app draws it: the page loads its plotly.js bundle for the first.
CHART_BASELINE = "bare page, one chart"
CHART_BASELINE_SCRIPT = (
    BASELINE_SCRIPT + "import plotly.graph_objects as go\n\nfrom rnnviz.ui.common.chart import plotly_chart\n\n"
    'plotly_chart(go.Figure(go.Scatter(y=[1, 3, 2])), key="chart")\n'
)
#: The same with Streamlit's own chart, which loads its whole plotly.js (its PlotlyChart chunk) for the first one.
STREAMLIT_CHART_BASELINE = "bare page, one st.plotly_chart"
STREAMLIT_CHART_BASELINE_SCRIPT = BASELINE_SCRIPT + 'st.plotly_chart({"data": [{"type": "scatter", "y": [1, 3, 2]}]})\n'
#: The app with every plotly chart left out (``--without-charts``). Written next to app.py while the benchmark
#: runs: st.Page paths are read relative to the main script's folder.
WITHOUT_CHARTS_SCRIPT = '''"""app.py with every chart left out (bench_first_load.py --without-charts)."""
import runpy

from rnnviz.ui.common import chart

chart._chart_component = lambda: (lambda **kwargs: None)
runpy.run_path("app.py", run_name="__main__")
'''
WITHOUT_CHARTS = ", no charts"
#: The same page served by the ``--before`` checkout.
BEFORE = ", before"
TARGET_SECONDS = 3.0


def measure(
    browser: Browser, path: str, title: str, warm: int, script: str, checkout: Path = ROOT
) -> tuple[float, Load, list[Load]]:
    """A fresh server of ``checkout``, started as ``make run`` starts it: seconds until ready, its first load
    (cold), then ``warm`` loads of new sessions."""
    with server(script, checkout=checkout) as (base_url, pid):
        ready = ready_seconds(base_url)
        cold = load(browser, base_url + path, title, pid)
        return ready, cold, [load(browser, base_url + path, title, pid) for _ in range(warm)]


def _median(loads: list[Load], field: str) -> float:
    return statistics.median(getattr(one, field) for one in loads)


def report(results: dict[str, tuple[list[float], list[Load], list[Load]]], repeats: int, warm: int) -> None:
    print(
        f"First load in chromium, medians: cold = the first visitor once the server is ready ({repeats} server "
        f"starts), warm = {repeats * warm} new sessions after it; target: cold <= {TARGET_SECONDS:g} s"
    )
    print(f"{'page':28} {'ready s':>8} {'cold s':>7} {'warm s':>7} {'cold - baseline':>16}  cold runs")
    base_cold = _median(results[BASELINE][1], "painted")
    for name, (ready, cold, warm_loads) in results.items():
        median = _median(cold, "painted")
        verdict = ("ok" if median <= TARGET_SECONDS else "OVER") if name in PAGES else ""
        runs = " ".join(f"{one.painted:.2f}" for one in cold)
        print(
            f"{name:28} {statistics.median(ready):>8.2f} {median:>7.2f} {_median(warm_loads, 'painted'):>7.2f} "
            f"{median - base_cold:>16.2f}  {runs}  {verdict}"
        )
    print(
        "\nWhere a load's time goes (medians of every load, cold and warm): seconds since the navigation started "
        "to the\nserver's first message (session), the script run as the browser sees it (script), the browser "
        "drawing after it\n(after); CPU seconds of the server process, of chromium's processes and of the page's "
        "main thread in plotly.js;\nwhat the server sent: kB in all, charts, kB of their figure JSON; charts "
        "drawn when the load was complete;\nhow many times plotly.js drew a chart again to grow its margins."
    )
    header = ("session", "script", "after", "painted", "srv CPU", "brw CPU", "plotly", "sent kB", "charts")
    header += ("fig kB", "drawn", "redraws")
    print(f"{'page':28} " + " ".join(f"{h:>8}" for h in header))
    for name, (_, cold, warm_loads) in results.items():
        loads = cold + warm_loads
        fields = ("session", "script", "after", "painted", "server_cpu", "browser_cpu", "plotly_cpu")
        timings = " ".join(f"{_median(loads, field):>8.2f}" for field in fields)
        sizes = f"{_median(loads, 'kilobytes'):>8.0f} {_median(loads, 'charts'):>8.0f} "
        counts = " ".join(f"{_median(loads, field):>8.0f}" for field in ("chart_kilobytes", "drawn", "redraws"))
        print(f"{name:28} {timings} {sizes}{counts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="fresh servers per page (cold loads)")
    parser.add_argument("--warm", type=int, default=3, help="new sessions per server after the cold load")
    parser.add_argument("--pages", nargs="*", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--without-charts", action="store_true", help="each page again with no plotly charts")
    parser.add_argument(
        "--before", type=Path, help="another checkout (e.g. `git worktree add /tmp/before <commit>`): its pages too"
    )
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        tempfile.NamedTemporaryFile("w", dir=ROOT, prefix=".bench-without-charts-", suffix=".py") as wrapper,
        sync_playwright() as playwright,
    ):
        wrapper.write(WITHOUT_CHARTS_SCRIPT)
        wrapper.flush()
        jobs = {}
        baselines = (
            (BASELINE, BASELINE_SCRIPT),
            (CHART_BASELINE, CHART_BASELINE_SCRIPT),
            (STREAMLIT_CHART_BASELINE, STREAMLIT_CHART_BASELINE_SCRIPT),
        )
        for name, text in baselines:
            script = Path(folder) / f"baseline{len(jobs)}.py"
            script.write_text(text)
            jobs[name] = ("/", "Baseline", str(script), ROOT)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for name in args.pages:  # each page of the checkout before it, if asked: the two alternate
            if args.before:
                jobs[name + BEFORE] = (*PAGES[name], "app.py", args.before.resolve())
            jobs[name] = (*PAGES[name], "app.py", ROOT)
        if args.without_charts:
            jobs |= {name + WITHOUT_CHARTS: (*PAGES[name], Path(wrapper.name).name, ROOT) for name in args.pages}
        results: dict[str, tuple[list[float], list[Load], list[Load]]] = {name: ([], [], []) for name in jobs}
        for _ in range(args.repeats):  # interleaved, so every page sees the same load from other processes
            for name, (path, title, script, checkout) in jobs.items():
                ready, cold, warm = measure(browser, path, title, args.warm, script, checkout)
                warm_runs = " ".join(f"{w.painted:.2f}" for w in warm)
                print(f"  {name}: ready {ready:.2f} s, cold {cold.painted:.2f} s, warm {warm_runs}", file=sys.stderr)
                results[name][0].append(ready)
                results[name][1].append(cold)
                results[name][2].extend(warm)
        browser.close()
    report(results, args.repeats, args.warm)


if __name__ == "__main__":
    sys.exit(main())
