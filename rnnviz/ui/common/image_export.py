"""PNG and SVG buttons for a figure, made in the user's browser by plotly.js: nothing is rendered on the server,
so it needs no browser of its own (kaleido's Chrome), and a class exporting at once does not load it.

A Custom Component (``st.components.v2``, files in ``browser/``): a click sends the trigger ``export`` ({format,
id}); its callback keeps the request, the rerun (of the caller's fragment only) sends the figure's JSON with
it, and the component renders that with ``Plotly.toImage`` and downloads ``<name>.<format>``. plotly.js is the
one the page's charts use (``rnnviz.ui.common.chart``: the vendored bundle, loaded once per page), and
the figure has the charts' template on a white background (``EXPORT_TEMPLATE``): the image is the chart on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import plotly.graph_objects as go
import streamlit as st

from rnnviz.ui.common.chart import EXPORT_TEMPLATE, figure_json

IMAGE_FORMATS = ("png", "svg")

_DOWNLOAD_ICON = (
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 16 7 11l1.4-1.45 2.6 2.6V4h2v8.15l2.6-2.6L17 11Zm-6 '
    '4q-.825 0-1.412-.587Q4 18.825 4 18v-3h2v3h12v-3h2v3q0 .825-.587 1.413Q18.825 20 18 20Z"/></svg>'
)
HTML = (
    '<div class="row">'
    + "".join(
        f'<button type="button" data-format="{fmt}" title="Download as {fmt.upper()}, made in your browser" disabled>'
        f"{_DOWNLOAD_ICON}<span>{fmt.upper()}</span></button>"
        for fmt in IMAGE_FORMATS
    )
    + '</div><p class="status" role="alert" hidden></p>'
)  # the buttons are enabled by figure_export.js once it listens: a click before that would do nothing
#: Looks like Streamlit's own secondary buttons (st.download_button), in the app's theme.
CSS = """
.row { display: flex; gap: 0.5rem; }
button {
  display: inline-flex; align-items: center; gap: 0.5rem; min-height: 2.5rem; padding: 0.25rem 0.75rem;
  font: inherit; font-family: var(--st-font); font-size: var(--st-base-font-size, 1rem); line-height: 1.6;
  color: var(--st-text-color); background: var(--st-background-color);
  border: 1px solid var(--st-widget-border-color, var(--st-border-color)); border-radius: var(--st-button-radius);
  cursor: pointer; white-space: nowrap;
}
button:hover:not(:disabled) { border-color: var(--st-primary-color); color: var(--st-primary-color); }
button:focus-visible { outline: 2px solid var(--st-primary-color); outline-offset: 1px; }
button:disabled { cursor: progress; opacity: 0.6; }
svg { width: 1.1rem; height: 1.1rem; fill: currentColor; }
/* a message wraps within the row's width instead of widening it: the HTML button beside the row stays put */
.status {
  margin: 0.25rem 0 0; color: var(--st-red-color); font-family: var(--st-font); font-size: 0.875rem;
  contain: inline-size;
}
"""


@cache
def _export_component():
    """The component, registered at its first use: in a script run, where Streamlit knows its files (a file-backed
    component cannot be registered before a runtime has read the package manifests)."""
    return st.components.v2.component("rnnviz.figure_export", html=HTML, css=CSS, js="figure_export.js")


def _keep_request(key: str) -> None:
    """The click's callback: keep the request until the row's rerun answers it."""
    st.session_state[f"{key}.request"] = st.session_state[key].export


def image_buttons(make: Callable[[], go.Figure], name: str, key: str) -> None:
    """PNG and SVG buttons for the figure ``make()`` draws (only when one is clicked), downloaded as
    ``<name>.png`` / ``<name>.svg``. Call it in an ``st.fragment``: a click then reruns only that."""
    request = st.session_state.pop(f"{key}.request", None)
    data = {"name": name, "request": request, "figure": figure_json(make(), EXPORT_TEMPLATE) if request else None}
    _export_component()(key=key, data=data, width="content", on_export_change=lambda: _keep_request(key))
