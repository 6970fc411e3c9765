"""PNG/SVG export in the browser, the server's half: each figure's row has the export component, which gets the
figure's JSON only when a button asked for it, as the chart shows it, on white.

(The browser's half, plotly.js making the files, is tests/browser/test_pages.py's download test.)"""

from __future__ import annotations

import json

import pytest

from rnnviz.ui.common.chart import ASSETS, BUNDLE
from tests.app.helpers import figures, image_exports, open_page


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
    exported = json.loads(sent["figure"])
    assert exported["data"] == shown["data"]  # the very figure on the page
    assert {k: v for k, v in exported["layout"].items() if k != "template"} == {
        k: v for k, v in shown["layout"].items() if k != "template"
    }
    assert exported["layout"]["template"]["layout"]["paper_bgcolor"] == "white"  # an image on white
    assert image_exports(home)["home.h.download.image"]["figure"] is None  # the other row was not asked
    home.run()
    assert image_exports(home)["home.c.download.image"]["figure"] is None  # answered once


def test_streamlit_finds_the_components_and_their_files():
    from streamlit.components.v2.manifest_scanner import scan_component_manifests

    found = {manifest.name: (manifest, root) for manifest, root in scan_component_manifests()}
    manifest, root = found["rnnviz"]
    for name in ("chart", "figure_export"):
        (config,) = [c for c in manifest.components if c.name == name]
        assert config.resolve_asset_root(root) == ASSETS
    files = {"chart.js", "figure_export.js", "plotly_bundle.js", BUNDLE.name, "PLOTLY_LICENSE"}
    assert files <= {p.name for p in ASSETS.iterdir()}


@pytest.fixture
def home():
    return open_page()
