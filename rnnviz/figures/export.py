"""Figures as files: PNG/SVG (kaleido renders in headless chromium), standalone HTML; MIME types of every
download the app offers."""

from __future__ import annotations

import plotly.graph_objects as go

IMAGE_FORMATS = ("png", "svg")
MIME_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "html": "text/html",
    "csv": "text/csv",
    "npz": "application/octet-stream",
    "py": "text/x-python",
}


def figure_bytes(fig: go.Figure, fmt: str, *, scale: float = 2.0) -> bytes:
    """``fig`` as PNG or SVG bytes (static export renders in headless chromium via kaleido), or HTML.

    HTML embeds plotly.js, so the file opens offline.
    """
    if fmt == "html":
        return fig.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"format must be one of png, svg, html; got {fmt!r}")
    return fig.to_image(format=fmt, scale=scale if fmt == "png" else 1.0)
