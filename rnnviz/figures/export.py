"""Figures as files: a standalone HTML page (PNG and SVG are made in the browser, by plotly.js: see
``rnnviz.ui.common.image_export``); MIME types of every download the app offers."""

from __future__ import annotations

import plotly.graph_objects as go

MIME_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "html": "text/html",
    "csv": "text/csv",
    "npz": "application/octet-stream",
    "py": "text/x-python",
}


def figure_html(fig: go.Figure) -> bytes:
    """``fig`` as a standalone HTML page that embeds plotly.js, so the file opens offline."""
    return fig.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")
