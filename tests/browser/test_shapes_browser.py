"""The Shapes & layouts page in a real browser: flipping batch_first swaps the axes of input and output, in the
shape table and in the tensor picture, while h0/h_n/c0/c_n keep theirs."""

from __future__ import annotations

import re

SHAPES = "Shapes & layouts"

#: The tensor picture's block titles as drawn by plotly: "<b>input</b> (5, 3, 1)<br>..." -> {name: shape}.
_BLOCK_TITLES = "(plot) => plot.layout.annotations.map((a) => a.text)"


def shape_table(app) -> dict[str, tuple[str, str]]:
    """The first table of the page (a markdown table): tensor name -> (shape, axes), read from the drawn HTML."""
    table = app.page.get_by_test_id("stMain").get_by_test_id("stMarkdownContainer").locator("table").first
    header = [c.strip() for c in table.locator("thead th").all_inner_texts()]
    found = {}
    for row in table.locator("tbody tr").all():
        cells = dict(zip(header, (c.strip() for c in row.locator("th, td").all_inner_texts()), strict=True))
        found[cells["name"]] = (cells["shape"], cells["axes"])
    return found


def picture(app) -> dict[str, str]:
    """The tensor picture's blocks: name -> shape, plus the axis labels drawn along the edges."""
    texts = app.chart().evaluate(_BLOCK_TITLES)
    blocks = {}
    for text in texts:
        found = re.match(r"<b>(\w+)</b> (\([\d, ]+\))<br><span[^>]*>([^<]+)</span>", text)
        if found:
            blocks[found[1]] = f"{found[2]} {found[3]}"
    return blocks


def flip_batch_first(app) -> None:
    with app.expect_rerun():
        app.page.get_by_test_id("stSidebar").get_by_text("batch_first=True", exact=True).click()


def test_flipping_batch_first_moves_input_and_output_axes_but_not_h_n(app):
    app.goto("/")
    app.open_page_from_sidebar(SHAPES)
    assert app.title() == SHAPES
    app.assert_healthy()
    app.page.get_by_text("checked against torch.nn.LSTM: every shape agrees").wait_for()
    table_before, picture_before = shape_table(app), picture(app)
    assert table_before["input"] == ("(5, 3, 1)", "seq, batch, feature")
    assert table_before["output"] == ("(5, 3, 16)", "seq, batch, directions×hidden")
    assert picture_before["input"] == "(5, 3, 1) seq × batch × feature"
    app.screenshot("sequence-first")

    flip_batch_first(app)
    app.assert_healthy()
    assert app.query_params().get("batch_first") in {"true", "True", "1"}
    table_after, picture_after = shape_table(app), picture(app)
    assert table_after["input"] == ("(3, 5, 1)", "batch, seq, feature")
    assert table_after["output"] == ("(3, 5, 16)", "batch, seq, directions×hidden")
    assert picture_after["input"] == "(3, 5, 1) batch × seq × feature"
    assert picture_after["output"] == "(3, 5, 16) batch × seq × directions×hidden"
    for name in ("h0", "c0", "h_n", "c_n"):
        assert table_after[name] == table_before[name] == ("(1, 3, 16)", "layers×directions, batch, hidden")
        assert picture_after[name] == picture_before[name]
    app.page.get_by_text("output[:, 4, :16] == h_n[0]", exact=False).first.wait_for()
    app.screenshot("batch-first")

    flip_batch_first(app)  # and back
    assert shape_table(app) == table_before


def test_every_section_opens_in_the_browser(app):
    app.goto("/")
    app.open_page_from_sidebar(SHAPES)
    for section in ("Parameters", "Equivalences", "Packing", "Mistakes lab", "Export", "Tensors"):
        with app.expect_rerun():
            app.page.get_by_role("tab", name=section).click()
        app.assert_healthy()
        app.screenshot(section)
    assert len(app.heatmaps()) == 1  # back on Tensors: the tensor picture


#: Every st.table in the main area: its cells' texts and whether each is highlighted (a background colour).
_TABLE_CELLS = """
() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stTable"] table')].map((table) =>
  [...table.querySelectorAll("tbody tr")].map((row) => [...row.querySelectorAll("td")].map((cell) => ({
    text: cell.textContent.trim(),
    marked: getComputedStyle(cell).backgroundColor === "rgb(253, 226, 207)",
  }))))
"""


def test_a_silent_mistake_highlights_where_the_fix_differs(app):
    app.goto("/shapes")
    with app.expect_rerun():
        app.page.get_by_role("tab", name="Mistakes lab").click()
    app.page.get_by_text("No error — the result is silently wrong").wait_for()
    mistake, fix = app.page.evaluate(_TABLE_CELLS)[-2:]
    marks = [[cell["marked"] for cell in row] for row in mistake]
    assert marks == [[cell["marked"] for cell in row] for row in fix]  # the same cells marked in both
    assert any(map(any, marks)) and not all(map(all, marks))  # equal values and differing ones, side by side
    for wrong_row, right_row in zip(mistake, fix, strict=True):
        for wrong, right in zip(wrong_row, right_row, strict=True):
            assert (wrong["text"] != right["text"]) == wrong["marked"]
    app.screenshot("batch-first-data")
    app.assert_healthy()
