"""code_block and table: text shown literally (no markdown, no HTML of its own), whatever a user typed."""

from __future__ import annotations

import html
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import markdown_tables


def shown(text: str) -> str:
    """What ``code_block(text)`` sends to the browser: the <pre>'s contents, unescaped as the browser does."""

    def page(text: str) -> None:
        from rnnviz.ui.common.text import code_block

        code_block(text)

    at = AppTest.from_function(page, args=(text,), default_timeout=30).run()
    assert not at.exception
    [block] = at.get("html")
    inner = re.fullmatch(r"<pre[^>]*>(.*)</pre>", block.proto.body, re.S)
    assert inner is not None and "<" not in inner[1], block.proto.body  # no tag of the text reaches the page
    return html.unescape(inner[1])


@pytest.mark.parametrize(
    "text",
    [
        "rnn, head = nn.LSTM(9, 256, 1), nn.Linear(256, 9)\nloss.backward()",
        "<script>alert(1)</script><b>bold</b></pre><img src=x onerror=alert(2)>",
        "**not bold** _not italic_ $x^2$ :red[not red] `not code` &amp; &lt;",
        "  indented\n\ttabbed\n\nblank line above ⏎ ü 漢字",
    ],
)
def test_the_text_comes_back_literally(text):
    assert shown(text) == text


def test_a_tables_cells_come_back_literally():
    rows = [("| pipe |", "**not bold** $x$ :red[no]", "<b>no tag</b>"), ("(35, 32, 9)", "T*B → 1", "a\\b _c_ `d`")]

    def page(rows: list) -> None:
        from rnnviz.ui.common.text import table

        table(rows, ["stage", "shape", "what | it is"])

    at = AppTest.from_function(page, args=(rows,), default_timeout=30).run()
    assert not at.exception
    assert markdown_tables(at) == [[dict(zip(("stage", "shape", "what | it is"), row, strict=True)) for row in rows]]
