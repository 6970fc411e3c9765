"""The Memory & gradients page in a real browser: start the race, watch the three loss curves grow, pause, then
open the gradient view of the trained models on another held-out sequence and check what it draws."""

from __future__ import annotations

import re
import time

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or, under CI=true, fail) with an install hint
    expect = None

#: The page's first run imports torch and computes every gradient view with its finite-difference checks: on a
#: shared, busy machine that can take minutes, so it gets more than the fixtures' default wait.
FIRST_RUN_TIMEOUT_MS = 240_000
LOSS = "Training loss"


def curve_points(app, start: str) -> list[int]:
    """Points of each curve of the visible chart whose title starts with ``start`` ([-1]: its latest figure is
    not drawn yet)."""
    chart = app.find_chart(start, drawn=True)
    return chart.evaluate("(plot) => plot._fullData.map((trace) => trace.x.length)") if chart else [-1]


def wait_for_points(app, start: str, more_than: list[int], timeout_s: float = 90) -> list[int]:
    """Wait until every curve of the chart has more points than ``more_than`` says."""
    deadline = time.monotonic() + timeout_s
    while True:
        points = curve_points(app, start)
        if len(points) == len(more_than) and all(p > m for p, m in zip(points, more_than, strict=True)):
            return points
        assert time.monotonic() < deadline, f"{start}: {points}, expected more than {more_than}: {app.runs.log}"
        app.page.wait_for_timeout(200)


@pytest.mark.timeout(600)
def test_race_three_curves_then_look_at_the_gradients(app):
    with app.expect_rerun(timeout_ms=FIRST_RUN_TIMEOUT_MS):
        app.page.goto(app.base_url + "/memory")
    app.assert_healthy()
    assert app.title() == "Memory & gradients"
    main = app.page.get_by_test_id("stMain")

    main.get_by_role("button", name="Start", exact=True).click()
    first = wait_for_points(app, LOSS, [0, 0, 0])  # RNN, LSTM and GRU: each curve appears
    later = wait_for_points(app, LOSS, first)  # ... and grows, tick after tick
    assert len(later) == 3
    app.screenshot("racing")

    with app.expect_rerun():
        main.get_by_role("button", name="Pause", exact=True).click()
    expect(main.get_by_role("button", name="Resume", exact=True).first).to_be_visible()  # the sweep's is below
    app.chart(LOSS)  # its last figure drawn
    paused = curve_points(app, LOSS)
    app.page.wait_for_timeout(1200)
    assert curve_points(app, LOSS) == paused  # paused means paused
    assert len(set(paused)) == 1  # the race trains the three cells in lockstep

    # the gradient view, for the models as they are now, on held-out sequence 5
    main.get_by_role("heading", name="4. Gradient flow").scroll_into_view_if_needed()
    sequence = main.get_by_test_id("stNumberInput").filter(has_text="Held-out sequence").locator("input")
    sequence.fill("5")
    before = app.runs.fragment_runs
    sequence.press("Enter")  # the gradient views are a fragment: only it reruns
    deadline = time.monotonic() + 120
    while app.runs.fragment_runs <= before or curve_points(app, "Held-out sequence 5, LSTM") != [50]:
        assert time.monotonic() < deadline, f"no gradient views of sequence 5: {app.runs.log}"
        app.page.wait_for_timeout(200)
    app.wait_until_idle()
    expect(main.get_by_text(re.compile(r"Models: RNN at step \d+, LSTM at step \d+, GRU at step \d+"))).to_be_visible()
    charts = app.heatmaps()
    flow = next(chart for chart in charts if chart.title.startswith("How much of the loss's gradient reaches"))
    assert flow.type == "scatter" and flow.steps == 50  # ||dL/dh_t|| for every one of the 50 steps
    connectivity = next(chart for chart in charts if "what the output after step s depends on" in chart.title)
    assert connectivity.type == "heatmap" and connectivity.units == 50 and connectivity.steps == 50
    assert any(chart.title.startswith("LSTM unit") for chart in charts)
    badge = main.get_by_text(re.compile("gradients verified: finite differences agree to")).first
    expect(badge).to_be_visible()
    assert main.get_by_text("How to read this.", exact=False).first.is_visible()
    app.assert_healthy()
    app.screenshot("gradients")
