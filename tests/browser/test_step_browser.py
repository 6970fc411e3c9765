"""The Step-through page in a real browser: the per-step view runs in the page (scrub, keys, Play at up to 30
steps/s, pause) with no script run, shows exactly the trace's numbers for every cell, never lets an equation
overflow, keeps the diagram readable, falls back to the server for a trace too large to send, and downloads."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from rnnviz.core.equations import equation_series
from rnnviz.core.spec import ModelSpec
from rnnviz.experiment.run import Experiment, traced_run
from rnnviz.experiment.signals import InputSpec
from rnnviz.figures.cell_diagram import format_value
from rnnviz.figures.cell_values import cell_series

#: Console messages that are not the page's own errors: Streamlit's frontend probes the page path for
#: its health endpoint first (404), and the page icon is fetched from a font server this machine cannot reach.
NETWORK_NOISE = "Failed to load resource"


def collect_console_errors(app) -> list[str]:
    errors: list[str] = []
    app.page.on(
        "console", lambda m: errors.append(m.text) if m.type == "error" and NETWORK_NOISE not in m.text else None
    )
    return errors


def viewer(app):
    return app.page.get_by_test_id("step-viewer")


def shown_step(app) -> int:
    return int(viewer(app).get_attribute("data-t"))


#: The model built from the sidebar's sizes (untrained, seeded) instead of the trained default.
OWN = "model=custom"


def open_viewer(app, query: str = "") -> None:
    """Step through on your own model (the sidebar's sizes, ``query`` added) with the viewer drawn."""
    app.goto(f"/step_through?{OWN}" + (f"&{query}" if query else ""))
    viewer(app).locator(".equation").first.wait_for(timeout=60_000)
    app.wait_until_idle()
    app.assert_healthy()


def displayed(app) -> tuple[dict[str, str], list[list[str]]]:
    """(card texts by quantity, equation slot texts by line) as the page shows them, '−' read as '-'."""
    cards = app.page.evaluate(
        """() => { const root = [...document.querySelectorAll('*')].map((e) => e.shadowRoot).find(
              (r) => r && r.querySelector('[data-testid="step-viewer"]'));
            return Object.fromEntries([...root.querySelectorAll('[id^="val-"]')].map(
              (e) => [e.id.slice(4), e.textContent])); }"""
    )
    lines = [
        [text.replace("\u2212", "-") for text in line.locator(".slot").all_inner_texts()]
        for line in viewer(app).locator(".equation").all()
    ]
    return {q: text.replace("\u2212", "-") for q, text in cards.items()}, lines


def expected(experiment: Experiment, t: int, unit: int, layer: int = 0, direction: int = 0, batch: int = 0):
    """What the page must show at step ``t``: card texts and equation slot strings, from rnnviz itself."""
    trace = traced_run(experiment)
    series = cell_series(trace, layer, direction, batch)
    cards = {}
    for name, values in series.items():
        index = 0 if name == "x" else unit
        if index < values.shape[1]:
            cards[name] = format_value(float(values[t, index]))
    lines = equation_series(trace, unit=unit, layer=layer, direction=direction, batch=batch)
    slots = [[slot[t].replace(r"\text{", "").replace("}", "") for slot in line.slots] for line in lines]
    return cards, slots


def assert_shows(app, experiment: Experiment, t: int, unit: int, **where) -> None:
    shown_cards, shown_slots = displayed(app)  # read first: the page syncs the step to the server 0.7 s later
    cards, slots = expected(experiment, t, unit, **where)
    assert shown_step(app) == t
    assert {q: shown_cards[q] for q in cards} == cards
    assert shown_slots == slots


def test_scrubbing_and_play_run_in_the_browser_without_the_server(app):
    console = collect_console_errors(app)
    open_viewer(app)
    experiment = Experiment(ModelSpec())
    assert_shows(app, experiment, 0, 0)
    app.draw_every_chart()  # a chart is drawn when it comes near the window: scrolled to, each gets a marker
    runs = (app.runs.finished, app.runs.fragment_runs)
    slider = viewer(app).locator(".t-slider")
    slider.focus()
    for _ in range(3):
        app.page.keyboard.press("ArrowRight")
    assert (app.runs.finished, app.runs.fragment_runs) == runs, app.runs.log  # no script run for scrubbing
    assert_shows(app, experiment, 3, 0)
    markers = app.page.evaluate("[...document.querySelectorAll('.rnnviz-step-marker')].map((m) => m.dataset.t)")
    assert len(markers) == 8 and set(markers) == {"3"}  # six heatmaps and two line charts mark step 3
    app.page.wait_for_function("() => new URL(location.href).searchParams.get('t') === '3'", timeout=30_000)
    app.screenshot("t3")

    app.page.keyboard.press("Home")
    viewer(app).locator(".speed").select_option("30")
    app.page.evaluate(
        """() => { const root = [...document.querySelectorAll('*')].map((e) => e.shadowRoot).find(
              (r) => r && r.querySelector('[data-testid="step-viewer"]')).querySelector('.viewer');
            window.__painted = [];
            new MutationObserver(() => window.__painted.push(Number(root.dataset.t)))
              .observe(root, { attributes: true, attributeFilter: ['data-t'] }); }"""
    )
    runs = (app.runs.finished, app.runs.fragment_runs)
    viewer(app).locator(".play").click()
    app.page.wait_for_timeout(1000)
    assert (app.runs.finished, app.runs.fragment_runs) == runs  # playing needs no server either
    viewer(app).locator(".play").click()  # pause
    paused = shown_step(app)
    painted = app.page.evaluate("window.__painted")
    assert painted == list(range(1, paused + 1)) and paused >= 5  # every step shown, in order, none skipped
    app.page.wait_for_timeout(1200)
    assert shown_step(app) == paused and viewer(app).get_attribute("data-playing") == "false"  # stops at once
    app.page.wait_for_function(f"() => new URL(location.href).searchParams.get('t') === '{paused}'", timeout=30_000)
    assert_shows(app, experiment, paused, 0)
    app.assert_healthy()
    assert not console, console


CONFIGS = {
    "gru-2-layers": (
        "cell=GRU&hidden_size=6&num_layers=2&layer=1&unit=5",
        dict(cell="GRU", hidden_size=6, num_layers=2),
        5,
        dict(layer=1),
    ),
    "lstm-bidirectional-reverse": (
        "bidirectional=true&batch=3&direction=1&batch_item=2&unit=2",
        dict(bidirectional=True),
        2,
        dict(direction=1, batch=2),
    ),
    "lstm-projection": ("proj_size=4&unit=10", dict(proj_size=4), 10, {}),
    "rnn-relu": ("cell=RNN+%28relu%29&hidden_size=1", dict(cell="RNN (relu)", hidden_size=1), 0, {}),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_number_shown_is_the_traces(app, name):
    query, spec, unit, where = CONFIGS[name]
    console = collect_console_errors(app)
    open_viewer(app, query)
    batch = 3 if "batch=3" in query else 1
    experiment = Experiment(ModelSpec(**spec), InputSpec(batch=batch))
    viewer(app).locator(".t-slider").focus()
    for key, t in (("Home", 0), ("ArrowRight", 1), ("End", 39), ("ArrowLeft", 38)):
        app.page.keyboard.press(key)
        assert_shows(app, experiment, t, unit, **where)
    if name == "lstm-projection":  # unit 10 has no h_{t-1} (P = 4): its card says so instead of a number
        assert displayed(app)[0]["h_prev"] == "—"
    app.screenshot(name)
    assert not console, console


@pytest.mark.parametrize(
    "query", ["", "cell=GRU&amplitude=20000", "cell=RNN+%28tanh%29&amplitude=-3000", "proj_size=8&unit=3"]
)
def test_equations_fit_their_column_and_the_diagram_is_readable(app, query):
    open_viewer(app, query)
    overflowing = app.page.evaluate(
        """() => { const root = [...document.querySelectorAll('*')].map((e) => e.shadowRoot).find(
              (r) => r && r.querySelector('[data-testid="step-viewer"]'));
            return [...root.querySelectorAll('.symbolic, .evaluated')]
              .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent); }"""
    )
    assert not overflowing, overflowing
    smallest = app.page.evaluate(
        """() => { const root = [...document.querySelectorAll('*')].map((e) => e.shadowRoot).find(
              (r) => r && r.querySelector('[data-testid="step-viewer"]'));
            const svg = root.querySelector('.diagram svg'); const scale = svg.getScreenCTM().a;
            return Math.min(...[...svg.querySelectorAll('text')].filter((t) => t.textContent.trim())
              .map((t) => parseFloat(getComputedStyle(t).fontSize) * scale)); }"""
    )
    assert smallest >= 12, smallest  # every label of the cell diagram is at least 12 px on screen
    app.screenshot("equations")


def test_a_trace_too_large_to_send_is_drawn_on_the_server(app):
    open_viewer(app)
    app.open_expander("Input sequence, initial state and your own model")
    with app.expect_rerun():
        app.page.get_by_text("typed values", exact=True).click()
    typed = app.page.get_by_label("Values: one row per feature")
    typed.fill(", ".join(f"{k % 7 - 3}" for k in range(5000)))  # 5,000 steps: every number of every step > 2 MB
    with app.expect_rerun(timeout_ms=120_000):
        typed.press("Control+Enter")
    app.page.get_by_text("too large to send to the browser").wait_for(timeout=60_000)
    assert app.page.get_by_test_id("step-viewer").count() == 0
    assert app.page.get_by_text("Equations for unit 0 at t = 0").count() == 1
    app.assert_healthy()


def test_what_if_is_answered_without_running_the_page_above_it(app):
    """What if? is a fragment: opening it and changing one of its controls rerun that section only (the step view,
    its charts and the sidebar stay as they are), and the changed run is checked and shown."""
    open_viewer(app)
    full, section = app.runs.finished, app.runs.fragment_runs
    app.open_expander("What if? Clamp a gate, overwrite h0/c0, or nudge an input")
    app.wait_for(lambda: app.runs.fragment_runs > section, 30, "What if? drawn by a run of its own")
    fill = app.page.get_by_label("fill h0 with")
    fill.fill("0.5")
    fill.press("Enter")
    app.page.get_by_text("Changed run: matches").wait_for(timeout=30_000)
    assert app.runs.finished == full, app.runs.log  # the page above What if? never ran again
    app.screenshot("what-if")
    app.assert_healthy()


def test_downloads_of_the_trace_and_a_figure(app):
    open_viewer(app)
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


def test_a_one_step_sequence_shows_its_only_step(app):
    console = collect_console_errors(app)
    open_viewer(app, "seq_len=1&cell=GRU")
    assert viewer(app).locator(".t-label").inner_text() == "t = 0 of 0"
    assert all(viewer(app).locator(name).is_disabled() for name in (".play", ".back", ".next", ".t-slider"))
    assert_shows(app, Experiment(ModelSpec(cell="GRU"), InputSpec(seq_len=1)), 0, 0)
    app.assert_healthy()
    assert not console, console
