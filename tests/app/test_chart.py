"""The app's charts (``rnnviz.ui.common.chart``): what each sends the browser is the figure itself, on rnnviz's
template, with the room it takes and its title; a trace the plotly.js bundle cannot draw is refused on the server.

(The browser's half, plotly.js drawing each chart when it comes near the window, is tests/browser/test_pages.py.)"""

from __future__ import annotations

import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs_version

from rnnviz.figures import sequence_lines, unit_time_heatmap
from rnnviz.ui.common.chart import BUNDLE, BUNDLED_TRACES, DEFAULT_HEIGHT, EXPORT_TEMPLATE, TEMPLATE, figure_json
from tests.app.helpers import PAGES, ROOT, array, charts, open_page


def _figures() -> list[go.Figure]:
    """Figures of each trace type the app draws, with NaN (past a packed sequence's end), negative and large values."""
    rng = np.random.default_rng(7)
    values = rng.normal(scale=50, size=(12, 9)).astype(np.float32)
    values[3, 5:] = np.nan
    heatmap = unit_time_heatmap(values, quantity="c", title="cell state c_t")
    lines = sequence_lines({"h[0]": values[:, 0], "h[1]": values[:, 1]}, title="h_t", y_title="h_t")
    bars = go.Figure(go.Bar(x=["a", "b", "c"], y=[-1.5, 0.0, 2e6]), layout={"height": 260})
    return [heatmap, lines, bars]


@pytest.mark.parametrize("figure", _figures(), ids=["heatmap", "lines", "bars"])
@pytest.mark.parametrize("template", [TEMPLATE, EXPORT_TEMPLATE], ids=["chart", "export"])
def test_the_json_is_the_figure_with_rnnviz_s_template(figure: go.Figure, template: dict):
    sent = json.loads(figure_json(figure, template))
    own = figure.to_plotly_json()
    assert {k: v for k, v in sent["layout"].items() if k != "template"} == {
        k: v for k, v in own["layout"].items() if k != "template"
    }
    assert sent["layout"]["template"] == template
    assert len(sent["data"]) == len(own["data"])
    for shown, trace in zip(sent["data"], figure.data, strict=True):
        assert shown["type"] == trace.type
        for axis in ("x", "y", "z"):
            if getattr(trace, axis, None) is not None:  # every number exactly, NaN where there is no value
                np.testing.assert_array_equal(array(shown[axis]), np.asarray(trace[axis]))


def test_the_bundle_is_the_plotly_js_the_plotly_package_writes_figures_for():
    """The vendored bundle (``make plotly-bundle``) is built from the plotly.js release whose schema the plotly
    package validates figures against, and frontend/plotly_bundle pins that release."""
    banner = BUNDLE.read_text(encoding="utf-8")[:300]
    built = re.search(r"plotly\.js v(\S+) \(scatter, bar, heatmap", banner)
    assert built, banner
    assert built.group(1) == get_plotlyjs_version()
    package = json.loads((ROOT / "frontend" / "plotly_bundle" / "package.json").read_text(encoding="utf-8"))
    assert package["devDependencies"]["plotly.js"] == get_plotlyjs_version()


def test_a_trace_the_bundle_lacks_is_refused():
    with pytest.raises(ValueError, match="scatter3d"):
        figure_json(go.Figure(go.Scatter3d(x=[1], y=[2], z=[3])))
    assert {"scatter", "heatmap", "bar"} == BUNDLED_TRACES


@pytest.mark.parametrize("page", list(PAGES))
def test_every_chart_of_every_page_sends_its_figure_room_and_title(page: str):
    at = open_page(page)
    sent = charts(at)
    assert sent  # every page draws a chart in its first view
    for chart in sent:
        figure = json.loads(chart["figure"])
        assert figure["layout"]["template"] == TEMPLATE
        assert {trace["type"] for trace in figure["data"]} <= BUNDLED_TRACES
        assert chart["height"] == figure["layout"].get("height", DEFAULT_HEIGHT)
        assert chart["title"] == (figure["layout"].get("title") or {}).get("text", "")
        assert chart["config"]["displaylogo"] is False
