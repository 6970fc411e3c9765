"""The Step-through page in a real browser: scrub time, play, and download the trace and a figure."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

MARKER_X = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')]
  .map((plot) => (plot.layout.shapes && plot.layout.shapes.length) ? plot.layout.shapes[0].x0 : null)"""


def wait_for_fragment_runs(app, before: int, count: int = 1, timeout_ms: int = 30_000) -> None:
    """Wait until ``count`` more fragment runs (the time-step view reruns on its own) have finished."""
    app.page.wait_for_function("() => true")  # lets playwright deliver queued websocket events
    waited = 0
    while app.runs.fragment_runs < before + count:
        assert waited < timeout_ms, f"no fragment rerun within {timeout_ms} ms: {app.runs.log}"
        app.page.wait_for_timeout(50)
        waited += 50
    app.wait_until_idle()


def time_slider(app):
    main = app.page.get_by_test_id("stMain")
    slider = main.get_by_test_id("stSlider").filter(has=app.page.get_by_text("Time step t", exact=True))
    return slider.get_by_role("slider")


def equations_heading(app) -> str:
    return app.page.get_by_text(re.compile(r"^Equations for unit \d+ at t = \d+$")).first.inner_text()


def test_moving_the_time_slider_moves_the_step_everywhere(app):
    app.goto("/step_through")
    app.assert_healthy()
    assert equations_heading(app) == "Equations for unit 0 at t = 0"
    assert set(app.page.evaluate(MARKER_X)) >= {0}
    thumb = time_slider(app)
    for _ in range(3):
        before = app.runs.fragment_runs
        thumb.press("ArrowRight")
        wait_for_fragment_runs(app, before)
    assert thumb.input_value() == "3"
    assert equations_heading(app) == "Equations for unit 0 at t = 3"
    markers = [x for x in app.page.evaluate(MARKER_X) if x is not None]
    assert markers and set(markers) == {3}, markers  # every heatmap and line marks step 3
    app.screenshot("t3")
    app.assert_healthy()


def test_play_advances_the_step_and_pause_stops_it(app):
    app.goto("/step_through")
    with app.expect_rerun():
        app.page.get_by_role("button", name="Play").click()
    before = app.runs.fragment_runs
    wait_for_fragment_runs(app, before, count=3)  # 5 steps/s: three ticks take about 0.6 s
    playing_step = int(time_slider(app).input_value())
    assert playing_step >= 3
    with app.expect_rerun():
        app.page.get_by_role("button", name="Pause").click()
    # the run that handled the click has drawn the page once the button says Play again
    app.page.get_by_role("button", name="Play").wait_for(state="visible", timeout=30_000)
    app.wait_until_idle()
    paused_step = int(time_slider(app).input_value())
    app.page.wait_for_timeout(1500)
    assert int(time_slider(app).input_value()) == paused_step
    app.assert_healthy()


def test_downloads_of_the_trace_and_a_figure(app):
    app.goto("/step_through")
    app.page.get_by_text("Export", exact=True).click()
    with app.page.expect_download() as csv_download:
        app.page.get_by_role("button", name="Trace as CSV (long format)").click()
    rows = list(csv.DictReader(io.StringIO(Path(csv_download.value.path()).read_text())))
    assert list(rows[0]) == ["t", "layer", "direction", "batch", "unit", "quantity", "value"]
    assert len(rows) == 40 * 16 * 6  # steps x units x (i, f, g, o, h, c) at the defaults
    assert {row["quantity"] for row in rows} == {"i", "f", "g", "o", "h", "c"}
    with app.page.expect_download(timeout=60_000) as png_download:
        app.page.get_by_role("button", name="PNG", exact=True).click()
    png = Path(png_download.value.path()).read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000
    assert png_download.value.suggested_filename.endswith(".png")
    app.assert_healthy()
