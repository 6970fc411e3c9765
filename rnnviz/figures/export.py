"""Figures as files: PNG/SVG (kaleido renders in headless chromium), standalone HTML; MIME types of every
download the app offers.

Every PNG/SVG render starts a headless chromium (a few hundred MB while it runs), so a process renders at most
``RNNVIZ_IMAGE_EXPORT_SLOTS`` images at once (default 2): thirty students clicking PNG at once wait their turn
for a few seconds instead of starting thirty browsers.
"""

from __future__ import annotations

import threading

import plotly.graph_objects as go

from rnnviz.core.environment import number_from_environment

EXPORT_SLOTS_VARIABLE = "RNNVIZ_IMAGE_EXPORT_SLOTS"
#: Images this process renders at once; the others wait for a free slot.
EXPORT_SLOTS = int(number_from_environment(EXPORT_SLOTS_VARIABLE, 2, whole=True))
_render_slots = threading.BoundedSemaphore(EXPORT_SLOTS)

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
    with _render_slots:
        return fig.to_image(format=fmt, scale=scale if fmt == "png" else 1.0)
