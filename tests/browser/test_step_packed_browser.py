"""A packed batch in Step through, in a real browser: pack, type unsorted lengths, see each sequence stop at
its length, pick a shorter sequence (its step view ends at its last step), download the CSV."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

#: Per row of a heatmap, the steps with a value (not NaN) as a list of booleans, read from the data plotly drew.
ROW_VALUES = """(plot) =>
  plot.calcdata[0][0].z.map((row) => Array.from(row, (v) => typeof v === "number" && !Number.isNaN(v)))"""
PACKED_TITLE = "h_t[0] of every sequence of the packed batch"


def row_values(app, prefix: str) -> list[list[bool]]:
    return app.chart(prefix).evaluate(ROW_VALUES)


def test_a_packed_batch_stops_each_sequence_at_its_length(app):
    app.goto("/step_through?model=custom&batch=3")  # your own model: the sidebar's sizes, a batch of 3
    app.open_expander("Input sequence, initial state and your own model")
    with app.expect_rerun():
        app.page.get_by_text("Pack the batch: each sequence stops at its own length").click()
    lengths_box = app.page.get_by_label("Lengths, one per batch item, any order (empty = automatic)")
    lengths_box.fill("12, 40, 5")
    with app.expect_rerun():
        lengths_box.press("Enter")
    app.assert_healthy()
    assert app.page.get_by_text("matches torch.nn.LSTM forward").count() >= 1
    rows = row_values(app, PACKED_TITLE)
    assert [sum(row) for row in rows] == [12, 40, 5]
    assert all(all(row[:n]) and not any(row[n:]) for row, n in zip(rows, (12, 40, 5), strict=True))
    app.page.get_by_text("The packed batch", exact=True).scroll_into_view_if_needed()
    app.screenshot("packed-batch")

    batch_item = app.page.get_by_test_id("stMain").get_by_test_id("stSelectbox").filter(has_text="Batch item")
    batch_item.get_by_role("combobox").click()
    with app.expect_rerun():
        app.page.get_by_role("option", name="2", exact=True).click()
    forget = row_values(app, "f_t — layer 0, forward, batch item 2")
    assert len(forget) == 16 and all(sum(row) == 5 and all(row[:5]) for row in forget)
    viewer = app.page.get_by_test_id("step-viewer")
    viewer.locator(".t-slider").focus()
    app.page.keyboard.press("End")  # the step view of a sequence of length 5 ends at t = 4
    app.page.wait_for_function(
        """() => [...document.querySelectorAll('*')].map((e) => e.shadowRoot).filter(Boolean)
             .some((r) => r.querySelector('[data-testid="step-viewer"]')?.getAttribute('data-t') === '4')""",
        timeout=30_000,
    )
    assert "packed sequence of length 5" in viewer.locator(".notes").inner_text()
    app.screenshot("shorter-sequence")

    app.page.get_by_text("Export", exact=True).click()
    with app.page.expect_download() as download:
        app.page.get_by_role("button", name="Trace as CSV (long format)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) == (12 + 40 + 5) * 16 * 6  # only the steps each sequence has
    assert {int(r["t"]) for r in rows if r["batch"] == "2"} == set(range(5))
    assert all(math.isfinite(float(r["value"])) for r in rows[:1000])
    app.assert_healthy()
