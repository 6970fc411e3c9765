"""Every plotly figure of the app, drawn in the user's browser by plotly.js with the three trace types rnnviz draws.

A Custom Component (``st.components.v2``, files in ``browser/``: ``chart.js``, ``plotly_bundle.js``) instead of
``st.plotly_chart``: Streamlit's chart loads the whole 4.7 MB plotly.js and lays each chart out two or three
times, which made every model page's first load 1–2 s slower (``benchmarks/bench_chart_renderers.py``). Here the
page loads plotly.js with scatter, bar and heatmap only (1.1 MB) once, and draws each chart when it comes near
the viewport: a first load draws only what a person sees. The chart's height is kept before it is drawn, so
nothing moves when it is.

The figure goes to the browser as JSON with rnnviz's template (``TEMPLATE``: transparent backgrounds, the
Okabe–Ito colour cycle, faint grid lines that suit a light or a dark theme); the browser adds the theme's text
colour and font. ``browser/plotly-scatter-bar-heatmap.min.js`` is plotly.js 3.3.1 (MIT, ``browser/PLOTLY_LICENSE``;
the version of the plotly package's own), built by ``make plotly-bundle`` from ``frontend/plotly_bundle/``: with
3 trace types instead of the 12 of plotly.js's cartesian bundle, a page loads it and draws its first chart in
about half the time.
"""

from __future__ import annotations

from contextlib import nullcontext
from functools import cache
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st
from plotly.io.json import to_json_plotly
from streamlit.delta_generator import DeltaGenerator

from rnnviz.figures.style import CATEGORY_COLOURS

#: The component's files (served by Streamlit under /_stcore/bidi-components/rnnviz.chart/).
ASSETS = Path(__file__).resolve().parent / "browser"
BUNDLE = ASSETS / "plotly-scatter-bar-heatmap.min.js"
#: What Streamlit's own chart height is when a figure sets none (plotly.js's default too).
DEFAULT_HEIGHT = 450
_GRID = "rgba(128, 128, 128, 0.22)"  # faint on white and on a dark background alike
_AXIS = dict(gridcolor=_GRID, zerolinecolor="rgba(128, 128, 128, 0.45)", linecolor=_GRID, automargin=True)
_AXIS_TEXT = dict(tickfont={"size": 12})
#: rnnviz's plotly template: only what a figure does not set itself. Sizes (px) as Streamlit's own chart theme
#: draws them (the figures' margins were fitted to it: ``rnnviz.figures.style.MARGIN``); the browser adds the
#: page theme's colours (``chart.js``).
TEMPLATE = {
    "layout": {
        "paper_bgcolor": "rgba(0, 0, 0, 0)",
        "plot_bgcolor": "rgba(0, 0, 0, 0)",
        "colorway": list(CATEGORY_COLOURS),
        "font": {"size": 12},
        "title": {"font": {"size": 16, "weight": 600}, "x": 0, "xanchor": "left"},
        "legend": {"font": {"size": 12}},
        "xaxis": {
            **_AXIS,
            **_AXIS_TEXT,
            "showgrid": False,
            "zeroline": False,
            "title": {"font": {"size": 14}, "standoff": 20},
        },
        "yaxis": {**_AXIS, **_AXIS_TEXT, "title": {"font": {"size": 14}, "standoff": 24}},
        "hoverlabel": {"font": {"size": 12}},
    }
}
#: The template of a PNG/SVG export (``image_export``): the charts' on white, with Streamlit's light text colour.
EXPORT_TEMPLATE = {
    "layout": {
        **TEMPLATE["layout"],
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "font": {**TEMPLATE["layout"]["font"], "color": "rgba(49, 51, 63, 0.6)"},
        "title": {**TEMPLATE["layout"]["title"], "font": {**TEMPLATE["layout"]["title"]["font"], "color": "#31333F"}},
    }
}
#: Every trace type of the bundle (``Plotly.PlotSchema.get().traces``): what a chart can draw.
BUNDLED_TRACES = frozenset(("scatter", "bar", "heatmap"))
#: plotly.js config of every chart: the mode bar on hover (zoom, pan, PNG) without plotly's logo.
CONFIG = {"displaylogo": False, "responsive": False}
_HTML = '<div class="rnnviz-chart" role="img"></div><p class="rnnviz-chart-error" role="alert" hidden></p>'
_CSS = """
.rnnviz-chart { width: 100%; }
.rnnviz-chart-error { color: var(--st-red-color); font-family: var(--st-font); font-size: 0.875rem; }
"""


@cache
def _chart_component():
    """The component, registered at its first use (a file-backed component needs a running script)."""
    # isolate_styles=False: plotly.js puts its style rules in the page's <head>, so the chart must be in the page
    return st.components.v2.component("rnnviz.chart", html=_HTML, css=_CSS, js="chart.js", isolate_styles=False)


def figure_json(figure: go.Figure, template: dict = TEMPLATE) -> str:
    """The figure as plotly.js reads it, with ``template`` in place of the figure's own (numpy arrays are sent
    as typed arrays, base64-encoded). A trace type the bundle lacks is refused here, not left blank in
    the browser."""
    missing = sorted({trace.type for trace in figure.data} - BUNDLED_TRACES)
    if missing:
        raise ValueError(f"rnnviz's plotly.js bundle cannot draw {missing}: use one of {sorted(BUNDLED_TRACES)}")
    spec = figure.to_plotly_json()
    return to_json_plotly({"data": spec["data"], "layout": {**spec["layout"], "template": template}})


def plotly_chart(
    figure: go.Figure, *, key: str, where: DeltaGenerator | None = None, config: dict | None = None
) -> None:
    """Draw ``figure`` at the full width of ``where`` (a column or container; the current one if None), as the
    element with key ``key`` (``.st-key-<key>`` in the page). ``config`` adds to plotly.js's ``CONFIG``."""
    height = figure.layout.height or DEFAULT_HEIGHT
    title = figure.layout.title.text or ""
    data = {"figure": figure_json(figure), "config": {**CONFIG, **(config or {})}, "height": height, "title": title}
    with where if where is not None else nullcontext():
        _chart_component()(key=key, data=data, width="stretch")
