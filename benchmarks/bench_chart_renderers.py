"""What drawing a page's charts costs a first load, by renderer: Step through's nine charts at the default model
(six heatmaps, three line charts, taken from the page by AppTest) on an otherwise bare page, drawn by

- ``streamlit``: ``st.plotly_chart``, as the app draws them (Streamlit loads its 4.7 MB plotly chunk);
- ``plotly.js``: a Custom Component v2 calling ``Plotly.newPlot`` with the plotly package's own bundle (4.8 MB);
- ``bundle``: the same component with the plotly.js bundle the app vendors and draws its charts with (1.1 MB:
  scatter, bar and heatmap; ``rnnviz.ui.common.chart``).

The component loads its bundle once per page from the server's static files (``/app/static/``, served as text:
it is fetched and run as a script from a blob URL). Each load is a fresh server's first visitor in a new browser
context, timed from the navigation to every chart drawn, the script run finished and no skeleton left; the
renderers alternate, so every one sees the same load from other processes; ``benchmarks/results/`` keeps a
screenshot of each. A question for the chart layer,
not a page of the app: ``bench_first_load.py --without-charts`` gives the pages' floor without any chart.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_chart_renderers.py [--repeats 5]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import plotly
from playwright.sync_api import sync_playwright
from streamlit.testing.v1 import AppTest

from benchmarks.first_load import server
from rnnviz.ui.common.chart import BUNDLE
from tests.app.helpers import figures
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT

ROOT = Path(__file__).resolve().parents[1]
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"  # the plotly package's
CHARTS = 9
SHOTS = ROOT / "benchmarks" / "results"  # each renderer's page as last drawn, to compare by eye
PAGE = """
import json
from pathlib import Path

import streamlit as st

figures = json.loads((Path(__file__).parent / "figures.json").read_text())
renderer = st.query_params.get("renderer", "streamlit")
st.title("Charts")
chart = st.components.v2.component("bench.chart", html='<div class="chart"></div>', js=Path(__file__).with_name(
    "chart.js").read_text(), isolate_styles=False)
columns = st.columns(2)
for index, figure in enumerate(figures):
    where = columns[index % 2] if index < 8 else st.container()
    if renderer == "streamlit":
        where.plotly_chart(figure, key=f"chart{index}")
    else:
        figure["layout"].pop("template", None)  # Streamlit's theme template, filled in by its own chart only
        with where:
            chart(data={"figure": json.dumps(figure), "bundle": renderer}, key=f"chart{index}")
"""
CHART_JS = """
const bundles = {};
function plotly(name) {
  bundles[name] ??= fetch(`/app/static/${name}.js`).then((response) => response.text()).then((text) =>
    new Promise((resolve) => {
      const script = document.createElement("script");
      script.src = URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
      script.onload = () => resolve(window.Plotly);
      document.head.appendChild(script);
    }));
  return bundles[name];
}
export default function ({ parentElement, data }) {
  const div = parentElement.querySelector(".chart");
  plotly(data.bundle).then((Plotly) => {
    const figure = JSON.parse(data.figure);
    return Plotly.newPlot(div, figure.data, figure.layout, { responsive: true, displaylogo: false });
  }).then(() => div.classList.add("drawn"));
}
"""
DRAWN = """(charts) => {
  const root = document.querySelector('[data-testid="stApp"]');
  const drawn = document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot, .chart.drawn');
  const done = !!root && root.getAttribute("data-test-script-state") === "notRunning"
    && !document.querySelector('[data-testid="stSkeleton"]')
    && [...drawn].filter((plot) => plot._fullLayout).length === charts;
  if (done && window.__drawnAt === undefined) window.__drawnAt = performance.now();
  return done;
}"""


def step_through_figures() -> list[dict]:
    """The plotly figures of Step through at its defaults, as the app sends them."""
    page = AppTest.from_file(str(ROOT / "app_pages" / "step_through.py"), default_timeout=120)
    page.run()
    return figures(page)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="cold loads per renderer")
    args = parser.parse_args()
    figures = step_through_figures()
    assert len(figures) == CHARTS, f"Step through drew {len(figures)} charts, not {CHARTS}"
    renderers = ["streamlit", "plotly.js", "bundle"]
    times: dict[str, list[float]] = {renderer: [] for renderer in renderers}
    SHOTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        site = Path(folder)
        (site / "page.py").write_text(PAGE)
        (site / "chart.js").write_text(CHART_JS)
        (site / "figures.json").write_text(json.dumps(figures))
        (site / "static").mkdir()
        shutil.copy(PLOTLY_JS, site / "static" / "plotly.js.js")
        shutil.copy(BUNDLE, site / "static" / "bundle.js")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for _ in range(args.repeats):
            for renderer in renderers:
                with server(str(site / "page.py"), {"STREAMLIT_SERVER_ENABLE_STATIC_SERVING": "true"}) as (url, _):
                    context = browser.new_context(viewport=VIEWPORT)
                    page = context.new_page()
                    page.goto(f"{url}/?renderer={renderer}", wait_until="commit")
                    page.wait_for_function(DRAWN, arg=CHARTS, polling="raf", timeout=120_000)
                    times[renderer].append(page.evaluate("window.__drawnAt") / 1000)
                    page.screenshot(path=SHOTS / f"chart-renderers-{renderer}.png", full_page=True)
                    context.close()
                print(f"  {renderer}: {times[renderer][-1]:.2f} s", file=sys.stderr)
        browser.close()
    print(f"Nine charts of Step through on a bare page, cold first load to every chart drawn ({args.repeats} runs)")
    for renderer, runs in times.items():
        print(f"{renderer:10} median {statistics.median(runs):.2f} s  runs " + " ".join(f"{t:.2f}" for t in runs))


if __name__ == "__main__":
    sys.exit(main())
