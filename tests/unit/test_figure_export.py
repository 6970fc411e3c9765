"""Figure files: PNG/SVG renders are capped per process, and Chinese text renders as glyphs, not empty boxes."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import plotly.graph_objects as go
import pytest

from rnnviz.figures import export
from rnnviz.figures.export import EXPORT_SLOTS, figure_bytes

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def test_at_most_export_slots_images_render_at_once(monkeypatch):
    """Thirty clicks on PNG at once: never more than EXPORT_SLOTS renders (each a chromium) run together."""
    running, most, lock = 0, 0, threading.Lock()

    def fake_render(fig, format, scale):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return b"image"

    monkeypatch.setattr(go.Figure, "to_image", fake_render)
    with ThreadPoolExecutor(max_workers=30) as pool:
        results = list(pool.map(lambda _: figure_bytes(go.Figure(), "png"), range(30)))
    assert results == [b"image"] * 30
    assert most == EXPORT_SLOTS == 2  # the default


def test_html_needs_no_render_slot(monkeypatch):
    """An HTML download is plotly.js and the figure's JSON: it never waits behind image renders."""
    monkeypatch.setattr(export, "_render_slots", threading.BoundedSemaphore(1))
    with export._render_slots:  # every slot busy
        assert b"<html" in figure_bytes(go.Figure(), "html")[:1000].lower()


@pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"PNG export needs chromium at {CHROMIUM}")
def test_chinese_text_renders_as_glyphs_in_png_exports():
    """With a CJK font (fonts-noto-cjk, installed with chromium) two different characters draw differently;
    without one both are the same empty box."""

    def png(text: str) -> bytes:
        fig = go.Figure(layout={"title": {"text": text, "font": {"size": 60}}, "width": 300, "height": 200})
        return figure_bytes(fig, "png", scale=1)

    assert png("中") != png("文")
    assert png("中") == png("中")  # control: the same text renders to the same bytes
