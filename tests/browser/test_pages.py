"""The app in a real browser: every page opens from the sidebar; the Overview reacts to its controls,
reads its settings from the URL, exports its figures, and keeps its settings across pages.

Per-page expectations live in ``PAGES``: when a page grows, update its row (title, charts, badge).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

import pytest

from rnnviz.ui.common.chart import BUNDLE, BUNDLED_TRACES

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or, under CI=true, fail) with an install hint
    expect = None

OVERVIEW_TITLE = "rnnviz: see inside a real recurrent network"
#: The model built from the sidebar's sizes (untrained, seeded) instead of the trained default.
OWN = "model=custom"


@dataclass(frozen=True)
class PageSpec:
    """What a page must show at the default settings."""

    nav_label: str  # the sidebar link
    path: str  # the URL path it leads to
    title: str  # its st.title
    min_charts: int = 0  # plotly charts at the default model (the trained sine LSTM)
    badge: bool = False  # shows the "matches torch.nn.* forward" check


PAGES = [
    PageSpec("Overview", "/", OVERVIEW_TITLE, min_charts=2, badge=True),
    PageSpec("Step through", "/step_through", "Step through", min_charts=1, badge=True),
    PageSpec("Shapes & layouts", "/shapes", "Shapes & layouts"),
    PageSpec("Train: sin → cos", "/train_sine", "Train: sin → cos"),
    PageSpec("Language model", "/char_lm", "Language model"),
    PageSpec("Memory & gradients", "/memory", "Memory & gradients"),
]
OVERVIEW = PAGES[0]

BADGE = re.compile(
    r"matches torch\.nn\.(?P<cell>\w+) forward: max \|Δ\| = (?P<delta>[-+.\deE]+) \(tolerance (?P<tol>[-+.\deE]+)"
)


def check_badge(app, cell: str = "LSTM") -> None:
    """The green 'matches torch.nn.<cell> forward' badge is shown and its error is within its tolerance."""
    badge = app.page.locator(".stMarkdownBadge").filter(has_text="forward: max |Δ|")
    expect(badge).to_have_count(1)
    text = badge.inner_text()
    found = BADGE.search(text)
    assert found, f"badge does not say the trace matches: {text!r}"
    assert found["cell"] == cell, text
    assert float(found["delta"]) <= float(found["tol"]), text
    red, green, blue = map(int, re.findall(r"\d+", badge.evaluate("e => getComputedStyle(e).color"))[:3])
    assert green > red and green > blue, f"badge text colour is not green: rgb({red}, {green}, {blue})"


def module_code(app) -> str:
    """The module's constructor line at the top of the page (inline code)."""
    code = app.page.get_by_test_id("stMain").get_by_test_id("stMarkdown").locator("code")
    return code.filter(has_text=re.compile(r"^(module|model) = torch\.nn\.")).first.inner_text()


# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize("spec", PAGES, ids=[p.path.strip("/") or "overview" for p in PAGES])
def test_page_opens_from_the_sidebar(app, spec: PageSpec):
    app.goto("/")
    if spec == OVERVIEW:  # come back to it from another page
        app.open_page_from_sidebar(PAGES[1].nav_label)
    app.open_page_from_sidebar(spec.nav_label)

    assert app.path() == spec.path
    assert app.title() == spec.title
    expect(app.page).to_have_title(f"rnnviz · {spec.nav_label}")  # the browser tab
    expect(app.nav_link(spec.nav_label)).to_have_attribute("aria-current", "page")
    if spec.badge:
        check_badge(app)
    assert len(app.heatmaps()) >= spec.min_charts
    app.assert_healthy()


#: Each plotly chart's margins that plotly.js had to grow after drawing it (then it draws the chart again).
_GROWN_MARGINS = """
() => [...document.querySelectorAll(".js-plotly-plot")].map((plot) => ({
  key: plot.closest("[class*='st-key-']")?.className.match(/st-key-\\S+/)?.[0],
  grown: ["l", "r", "t", "b"]
    .filter((side) => plot._fullLayout._size[side] > plot._fullLayout.margin[side])
    .map((side) => `${side} ${plot._fullLayout.margin[side]} -> ${plot._fullLayout._size[side]} px`),
}))
"""


#: Streamlit's scripts that a page's first view does without (file names start so): st.code's syntax highlighter
#: (1.5 MB; ``code_block`` instead), st.dataframe's grid (0.5 MB; st.table for a few rows) and st.plotly_chart's
#: whole plotly.js (4.7 MB; ``rnnviz.ui.common.chart`` loads a 1.1 MB bundle of the traces it draws). Each costs
#: the first load its download, parsing and running (the highlighter ~0.5 s of the page's main thread here).
HEAVY_SCRIPTS = ("StreamlitSyntaxHighlighter.", "DataFrame.", "PlotlyChart.")


@pytest.mark.parametrize("spec", PAGES, ids=[p.path.strip("/") or "overview" for p in PAGES])
def test_first_view_draws_each_chart_once_and_loads_no_heavy_script(app, shot, spec: PageSpec):
    """Every chart of a page's first view has the margins its axis titles, colour bar and legend need, so
    plotly.js draws it once (a margin it has to grow makes it draw the whole chart again), and every trace as
    the type it was sent as (plotly.js draws a type its bundle lacks as a scatter); and the first view fetches
    none of Streamlit's heavy scripts that a lighter element does the same for (``HEAVY_SCRIPTS``)."""
    scripts: list[str] = []
    app.page.on("request", lambda request: scripts.append(request.url.rsplit("/", 1)[-1]))
    app.goto(spec.path)
    app.heatmaps()  # every chart drawn
    shot("first-view")
    grown = [chart for chart in app.page.evaluate(_GROWN_MARGINS) if chart["grown"]]
    assert not grown, f"charts whose margins grew after their first draw: {grown}"
    retyped = app.page.evaluate(_TRACES_DRAWN_AS_ANOTHER_TYPE)
    assert not retyped, f"traces drawn as another type than they were sent as: {retyped}"
    heavy = sorted({name for name in scripts if name.startswith(HEAVY_SCRIPTS)})
    assert not heavy, f"the first view fetched {heavy}"
    cut_off = app.page.evaluate(_CUT_OFF_BUTTON_LABELS)
    assert not cut_off, f"button labels cut off (…): {cut_off}"
    too_long = app.page.evaluate(_Y_TITLES_LONGER_THAN_THEIR_PLOT)
    assert not too_long, f"y-axis titles that run past their plot: {too_long}"
    app.assert_healthy()


#: The traces plotly.js drew as another type than the figure gives them (sent type -> drawn type).
_TRACES_DRAWN_AS_ANOTHER_TYPE = """
() => [...document.querySelectorAll(".js-plotly-plot")].flatMap((plot) => plot.data
  .map((trace, index) => [trace.type || "scatter", plot._fullData[index].type])
  .filter(([sent, drawn]) => sent !== drawn)
  .map(([sent, drawn]) => `${plot.closest(".rnnviz-chart")?.getAttribute("aria-label")}: ${sent} -> ${drawn}`))
"""


#: The y-axis titles (drawn turned, along the axis) that are longer than their plot is high.
_Y_TITLES_LONGER_THAN_THEIR_PLOT = """
() => [...document.querySelectorAll(".js-plotly-plot")].flatMap((plot) => {
  const high = Math.max(...[...plot.querySelectorAll(".nsewdrag")].map((area) => area.getBoundingClientRect().height));
  return [...plot.querySelectorAll(".ytitle, .y2title")]
    .filter((title) => title.getBoundingClientRect().height > high + 2)
    .map((title) => `${plot.closest(".rnnviz-chart")?.getAttribute("aria-label")}: ${title.textContent}`);
})
"""


#: The labels of the page's buttons that do not fit their button (Streamlit ends them with "…").
_CUT_OFF_BUTTON_LABELS = """
() => [...document.querySelectorAll('[data-testid="stApp"] button')].filter((button) => button.offsetParent)
  .flatMap((button) => [...button.querySelectorAll("*")])
  .filter((part) => part.scrollWidth > part.clientWidth + 1 && part.textContent.trim())
  .map((part) => part.textContent.trim())
"""


#: Each chart of the page: drawn (its latest figure), and whether it is near the window (within the 300 px
#: margin in which ``chart.js`` starts drawing).
_CHARTS_NEAR_THE_WINDOW = """
() => [...document.querySelectorAll(".rnnviz-chart")].map((chart) => ({
  drawn: chart.dataset.drawn === "true",
  near: chart.getBoundingClientRect().top < innerHeight + 300,
}))
"""


def test_charts_are_drawn_as_they_come_near_the_window_by_one_plotly_js(app):
    """A first load draws the charts a person sees and leaves the ones further down for when they scroll there;
    the page fetches plotly.js once (rnnviz's bundle: the three trace types the server lets a chart send), however
    many charts it draws."""
    bundles: list[str] = []
    app.page.on("request", lambda request: request.url.endswith(".min.js") and bundles.append(request.url))
    app.goto(f"/step_through?{OWN}")
    app.page.wait_for_function(f"() => ({_CHARTS_NEAR_THE_WINDOW})().every((c) => c.drawn || !c.near)")
    app.page.wait_for_timeout(1000)  # time enough to draw a chart: the ones further down still wait
    charts = app.page.evaluate(_CHARTS_NEAR_THE_WINDOW)
    assert all(c["drawn"] for c in charts if c["near"]), charts
    assert sum(not c["drawn"] for c in charts) >= 3, charts  # the ones further down wait for the reader
    app.draw_every_chart()  # scrolled to, each is drawn
    assert all(c["drawn"] for c in app.page.evaluate(_CHARTS_NEAR_THE_WINDOW))
    assert [url.rsplit("/", 1)[-1] for url in bundles] == [BUNDLE.name], bundles
    traces = app.page.evaluate("() => Object.keys(Plotly.PlotSchema.get().traces)")
    assert sorted(traces) == sorted(BUNDLED_TRACES)
    app.assert_healthy()


def test_plotly_js_is_loaded_once_the_page_has_opened_even_with_no_chart_in_view(app):
    """The Language model page's charts are all further down: plotly.js is loaded anyway, once the browser is idle
    after the page has opened (``chart.js``), so the first chart a reader scrolls to does not wait for it."""
    app.goto("/char_lm")
    app.page.wait_for_function("() => !!window.Plotly", timeout=30_000)
    charts = app.page.evaluate(_CHARTS_NEAR_THE_WINDOW)
    assert charts and not any(c["drawn"] for c in charts)  # loaded, not drawn: none is near the window
    app.assert_healthy()


def test_charts_stay_readable_in_a_dark_theme(app):
    """With the system in dark mode Streamlit draws the page dark; rnnviz's figures keep their white card, so
    their text stays dark (the dark theme's light text would be unread on white)."""
    app.page.emulate_media(color_scheme="dark")
    app.goto("/")
    page_text = app.page.evaluate("() => getComputedStyle(document.querySelector('[data-testid=stMain] h1')).color")
    assert page_text != "rgb(49, 51, 63)"  # the page is in its dark theme
    chart = app.chart("hidden state h_t")
    title, tick, faded = chart.evaluate(
        """(plot) => {
          const tick = plot.querySelector('.xtick text').style;
          return [plot.querySelector('.gtitle').style.fill, tick.fill, tick.fillOpacity];
        }"""
    )
    assert title == tick == "rgb(49, 51, 63)" and float(faded) == 0.6  # ticks faded as Streamlit draws them
    app.screenshot("dark")
    app.assert_healthy()


# --------------------------------------------------------------------------- the Overview page


def test_overview_shows_verified_hidden_and_cell_state_of_your_own_model(app):
    app.goto(f"/?{OWN}")
    assert app.title() == OVERVIEW_TITLE
    check_badge(app, "LSTM")
    assert "torch.nn.LSTM(1, 16)" in module_code(app)
    charts = app.heatmaps()
    assert [c.title.split(" — ")[0] for c in charts] == ["hidden state h_t", "cell state c_t"]
    assert all(c.type == "heatmap" and (c.units, c.steps) == (16, 40) for c in charts), charts
    app.assert_healthy()


def test_the_step_through_link_opens_it_with_the_same_model(app):
    app.goto(f"/?{OWN}&cell=GRU&hidden_size=8")
    expect(app.page).to_have_title("rnnviz · Overview")
    links = app.page.get_by_test_id("stMain").get_by_test_id("stPageLink").get_by_role("link")
    link = links.filter(has_text="Step through")  # the others are the lessons
    expect(link).to_have_count(1)
    expect(link).to_have_accessible_name(re.compile(r"Step through: every gate and equation$"))
    with app.expect_rerun():
        link.click()
    assert app.path() == "/step_through" and app.title() == "Step through"
    expect(app.page).to_have_title("rnnviz · Step through")
    assert "torch.nn.GRU(1, 8)" in module_code(app)
    assert app.query_params() == {"model": "custom", "cell": "GRU", "hidden_size": "8"}
    app.assert_healthy()


def test_hidden_size_slider_moves_with_the_keyboard(app, shot):
    app.goto(f"/?{OWN}")
    thumb = app.slider_input("Hidden size")
    expect(thumb).to_have_value("16")

    for key, expected in [("ArrowRight", 17), ("ArrowRight", 18), ("ArrowLeft", 17)]:
        with app.expect_rerun():
            thumb.press(key)  # focuses the thumb, then presses the key, like a keyboard user
        expect(thumb).to_have_value(str(expected))
        assert [c.units for c in app.heatmaps()] == [expected, expected]
        assert app.query_params().get("hidden_size") == str(expected)
    shot("hidden-17")

    thumb_label = app.sidebar_widget("stSlider", "Hidden size").get_by_test_id("stSliderThumbValue")
    expect(thumb_label).to_have_text("17")
    assert "torch.nn.LSTM(1, 17)" in module_code(app)
    check_badge(app, "LSTM")
    app.assert_healthy()


def test_choosing_gru_removes_the_cell_state_heatmap(app, shot):
    app.goto(f"/?{OWN}")
    assert any(c.title.startswith("cell state c_t") for c in app.heatmaps())

    app.choose("Cell type", "GRU")
    shot("gru")

    expect(app.selectbox_input("Cell type")).to_have_value("GRU")
    charts = app.heatmaps()
    assert [c.title.split(" — ")[0] for c in charts] == ["hidden state h_t"]
    assert app.query_params().get("cell") == "GRU"
    assert "torch.nn.GRU(1, 16)" in module_code(app)
    check_badge(app, "GRU")
    app.assert_healthy()


def test_settings_in_the_query_string_are_applied(app):
    app.goto(f"/?{OWN}&cell=GRU&hidden_size=8&seq_len=12")

    expect(app.selectbox_input("Cell type")).to_have_value("GRU")
    expect(app.slider_input("Hidden size")).to_have_value("8")
    expect(app.slider_input("Sequence length")).to_have_value("12")
    charts = app.heatmaps()
    assert [(c.units, c.steps) for c in charts] == [(8, 12)]  # GRU: h only, 8 units, 12 steps
    assert "torch.nn.GRU(1, 8)" in module_code(app)
    check_badge(app, "GRU")
    app.assert_healthy()


def test_impossible_settings_in_the_url_end_in_a_clear_error(app):
    app.goto(f"/?{OWN}&proj_size=16")  # an LSTM projection must be smaller than the hidden size (16)
    expect(app.page.get_by_test_id("stAlertContentError")).to_have_count(1)
    assert "cannot be built" in app.error_texts()[0]
    assert app.heatmaps() == []
    app.assert_healthy(expected_errors=["cannot be built"])


def _png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])  # IHDR width, height


DOWNLOADS = {
    # format: (check of the bytes, smallest sane size, largest sane size)
    "png": (lambda data: data.startswith(b"\x89PNG\r\n\x1a\n") and min(_png_size(data)) >= 200, 5_000, 5_000_000),
    "svg": (lambda data: b"<svg" in data[:1000] and b"</svg>" in data[-200:], 5_000, 5_000_000),
    "html": (lambda data: b"plotly" in data and b"<html" in data[:1000].lower(), 50_000, 30_000_000),
}


@pytest.mark.parametrize("fmt", list(DOWNLOADS))
def test_first_figure_downloads_from_a_server_without_a_browser(app_without_a_server_browser, fmt: str):
    """PNG and SVG are made by plotly.js in the user's browser: the server needs no Chrome (kaleido's)."""
    app = app_without_a_server_browser
    app.goto("/")
    button = app.page.get_by_test_id("stMain").get_by_role("button", name=fmt.upper(), exact=True).first
    with app.page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    assert download.failure() is None, download.failure()
    assert download.suggested_filename == f"h_layer0_dir0.{fmt}"
    data = Path(download.path()).read_bytes()
    is_valid, smallest, largest = DOWNLOADS[fmt]
    assert smallest <= len(data) <= largest, f"{fmt}: {len(data)} bytes"
    assert is_valid(data), data[:200]
    if fmt == "svg":  # the figure itself: its title and its heatmap, as SVG
        assert b"hidden state h_t" in data and b"<image" in data
    expect(app.page.get_by_test_id("stDownloadButtonError")).to_have_count(0)
    expect(app.page.get_by_role("alert").filter(has_text="could not be made")).to_have_count(0)
    app.screenshot(f"after-{fmt}")
    app.assert_healthy()


def test_export_buttons_wait_for_their_script_so_no_click_is_lost(app):
    """Until figure_export.js listens, a click would do nothing: the buttons are disabled until then."""
    held = []
    # the script arrives late, as on a slow connection
    app.page.route("**/figure_export.js", lambda route: held.append(route))
    app.goto("/")
    button = app.page.get_by_test_id("stMain").get_by_role("button", name="PNG", exact=True).first
    app.wait_for(lambda: held, 30, "the export component to ask for its script")
    expect(button).to_be_disabled()
    for route in held:
        route.continue_()
    app.page.unroute("**/figure_export.js")
    expect(button).to_be_enabled(timeout=30_000)
    with app.page.expect_download(timeout=60_000) as info:
        button.click()
    assert Path(info.value.path()).read_bytes().startswith(b"\x89PNG")


def test_an_export_that_fails_in_the_browser_says_so_and_can_be_tried_again(app):
    app.page.route(f"**/{BUNDLE.name}", lambda route: route.abort())  # as if it could not be fetched
    app.goto("/")
    button = app.page.get_by_test_id("stMain").get_by_role("button", name="PNG", exact=True).first
    button.click()
    alert = app.page.get_by_role("alert").filter(has_text="The PNG could not be made in your browser")
    expect(alert.first).to_be_visible(timeout=30_000)
    assert "plotly.js could not be loaded" in alert.first.inner_text()
    expect(button).to_be_enabled()
    app.screenshot("export-failed")
    app.page.unroute(f"**/{BUNDLE.name}")
    with app.page.expect_download(timeout=60_000) as info:  # the next click loads plotly.js again
        button.click()
    assert Path(info.value.path()).read_bytes().startswith(b"\x89PNG")
    expect(alert).to_have_count(0)
    app.assert_healthy()


# --------------------------------------------------------------------------- state across pages


def test_changed_hidden_size_survives_a_page_switch(app, shot):
    app.goto(f"/?{OWN}")
    with app.expect_rerun():
        app.slider_input("Hidden size").press("ArrowRight")
    assert [c.units for c in app.heatmaps()] == [17, 17]

    app.open_page_from_sidebar("Step through")
    assert app.title() == "Step through"
    expect(app.slider_input("Hidden size")).to_have_value("17")
    assert app.query_params().get("hidden_size") == "17"
    assert "torch.nn.LSTM(1, 17)" in module_code(app)
    units = [c.units for c in app.heatmaps() if c.type == "heatmap"]
    assert 17 in units and 16 not in units, units
    shot("step-through-17")
    app.assert_healthy()

    app.open_page_from_sidebar("Overview")
    assert app.title() == OVERVIEW_TITLE
    expect(app.slider_input("Hidden size")).to_have_value("17")
    assert app.query_params().get("hidden_size") == "17"
    assert [c.units for c in app.heatmaps()] == [17, 17]
    app.assert_healthy()


def test_settings_from_a_shared_url_survive_a_page_switch(app):
    """Regression: values that came from the URL (not from a widget) used to fall back to the defaults
    (LSTM, 16) on the first page switch, and the query string was dropped."""
    app.goto(f"/?{OWN}&cell=GRU&hidden_size=8")
    assert [c.units for c in app.heatmaps()] == [8]

    app.open_page_from_sidebar("Step through")
    assert app.query_params() == {"model": "custom", "cell": "GRU", "hidden_size": "8"}
    expect(app.selectbox_input("Cell type")).to_have_value("GRU")
    expect(app.slider_input("Hidden size")).to_have_value("8")
    assert "torch.nn.GRU(1, 8)" in module_code(app)
    app.assert_healthy()

    app.open_page_from_sidebar("Overview")
    assert app.query_params() == {"model": "custom", "cell": "GRU", "hidden_size": "8"}
    assert [c.units for c in app.heatmaps()] == [8]
    app.assert_healthy()


def test_first_deep_link_after_a_server_start_gets_the_app_navigation(fresh_app):
    """A shared link to a page, opened before anyone visited "/", still runs app.py's navigation and page config.

    (With a ``pages/`` folder, Streamlit's legacy multipage mode would run the page file alone and list
    "app", "home", "step through", ... in the sidebar: the pages live in ``app_pages/`` for that reason.)
    """
    step = PAGES[1]
    fresh_app.goto(step.path)
    assert fresh_app.path() == step.path
    assert fresh_app.title() == step.title
    links = fresh_app.page.get_by_test_id("stSidebarNav").get_by_test_id("stSidebarNavLink")
    expect(links).to_have_count(len(PAGES))
    for spec in PAGES:
        expect(fresh_app.nav_link(spec.nav_label)).to_have_count(1)
    expect(fresh_app.nav_link(step.nav_label)).to_have_attribute("aria-current", "page")
    expect(fresh_app.page).to_have_title(f"rnnviz · {step.nav_label}")  # app.py names the tab after the page
    main_width = fresh_app.page.get_by_test_id("stMainBlockContainer").bounding_box()["width"]
    assert main_width > 900  # app.py's st.set_page_config(layout="wide") ran
    fresh_app.assert_healthy()
