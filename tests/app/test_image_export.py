"""PNG/SVG export in the browser, the server's half: each figure's row has the export component, which gets the
figure's JSON only when a button asked for it; a missing plotly.js copy is said in the page.

(The browser's half, plotly.js making the files, is tests/browser/test_pages.py's download test.)"""

from __future__ import annotations

import json

import pytest

import rnnviz.ui.common.image_export as image_export
from rnnviz.ui.common.image_export import ASSETS, PLOTLY_JS, PLOTLY_JS_SOURCE
from tests.app.helpers import errors, figures, image_exports, open_page


def test_every_figure_has_png_and_svg_buttons_that_send_nothing_until_asked(home):
    rows = image_exports(home)
    assert set(rows) == {"home.h.download.image", "home.c.download.image"}
    assert rows["home.h.download.image"] == {"name": "h_layer0_dir0", "request": None, "figure": None}
    assert [b.label for b in home.get("download_button")] == ["HTML", "HTML"]


def test_a_request_gets_the_figure_as_drawn_once(home):
    request = {"format": "svg", "id": "1-abc"}
    home.session_state["home.c.download.image.request"] = request  # what the click's callback keeps
    home.run()
    sent = image_exports(home)["home.c.download.image"]
    assert sent["request"] == request and sent["name"] == "c_layer0_dir0"
    shown = next(f for f in figures(home) if f["layout"]["title"]["text"].startswith("cell state c_t"))
    assert json.loads(sent["figure"])["data"] == shown["data"]  # the very figure on the page
    assert image_exports(home)["home.h.download.image"]["figure"] is None  # the other row was not asked
    home.run()
    assert image_exports(home)["home.c.download.image"]["figure"] is None  # answered once


def test_a_missing_plotly_copy_is_said_in_the_page(monkeypatch):
    monkeypatch.setattr(image_export, "PLOTLY_JS", ASSETS / "missing.js")
    at = open_page()
    assert not at.exception and len(figures(at)) == 2
    problems = [e for e in errors(at) if "PNG/SVG export is not set up" in e]
    assert len(problems) == 2 and "make install" in problems[0]


def test_the_served_plotly_is_the_plotly_package_s_own():
    assert PLOTLY_JS.read_bytes() == PLOTLY_JS_SOURCE.read_bytes()


def test_streamlit_finds_the_component_and_its_files():
    from streamlit.components.v2.manifest_scanner import scan_component_manifests

    found = {manifest.name: (manifest, root) for manifest, root in scan_component_manifests()}
    manifest, root = found["rnnviz"]
    (config,) = [c for c in manifest.components if c.name == "figure_export"]
    assert config.resolve_asset_root(root) == ASSETS
    assert {"figure_export.js", "plotly.min.js"} <= {p.name for p in ASSETS.iterdir()}


@pytest.fixture
def home():
    return open_page()
