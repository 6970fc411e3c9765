"""The Language model page in a real browser: press Start, watch the live fragment train until the first
samples appear, pause, and check that the perplexity curve and the inside view are drawn without errors."""

from __future__ import annotations

import re

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or, under CI=true, fail) with an install hint
    expect = None

from rnnviz.charlm.model import stage_shapes
from rnnviz.charlm.settings import CharSettings

#: An epoch of the default 200,000-character text takes ~3 s of training here; samples follow each epoch.
SAMPLE_TIMEOUT_MS = 60_000


def test_the_shapes_of_one_batch_are_a_table_in_the_page(app):
    """The markdown table (``text.table``) as the browser draws it: every stage, each cell exactly as computed."""
    app.goto("/char_lm")
    table = app.page.get_by_test_id("stMain").locator("table").first
    expect(table).to_be_visible()
    header = table.locator("th").all_inner_texts()
    rows = [row.locator("td").all_inner_texts() for row in table.locator("tbody tr").all()]
    assert header == ["stage", "shape", "what it is"]
    assert rows == [list(row) for row in stage_shapes(CharSettings(), 9)]  # the bracket text's 9 characters
    app.assert_healthy()


def test_training_briefly_makes_a_sample_appear(app):
    app.goto("/char_lm")
    assert app.title() == "Language model"
    main = app.page.get_by_test_id("stMain")
    expect(main.get_by_text("Samples appear here after each epoch")).to_be_visible()

    main.get_by_role("button", name="Start").click()
    heading = main.get_by_text(re.compile(r"Samples after epoch \d+, greedy"))
    expect(heading).to_be_visible(timeout=SAMPLE_TIMEOUT_MS)
    blocks = main.get_by_test_id("stHtml").locator("pre").all_inner_texts()  # code_block: the samples' texts
    samples = [text for text in blocks if text.startswith(("((", "a[b"))]
    assert len(samples) == 2 and all(len(text.strip()) > 40 for text in samples), samples
    app.screenshot("training")

    with app.expect_rerun():
        main.get_by_role("button", name="Pause").click()
    expect(main.get_by_role("button", name="Resume")).to_be_visible()
    charts = app.heatmaps()
    titles = [chart.title for chart in charts]
    assert any(title.startswith("Perplexity") for title in titles), titles
    grid = next(chart for chart in charts if "most correlated with" in chart.title and chart.type == "heatmap")
    assert grid.units == 24 and grid.steps == 200  # 24 units x the 200 characters of the held-out text
    assert "matches torch.nn.LSTM forward" in main.get_by_text(re.compile("matches torch.nn.LSTM")).first.inner_text()
    app.assert_healthy()
    app.screenshot("paused")
