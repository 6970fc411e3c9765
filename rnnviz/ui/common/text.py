"""Showing text: what a user typed or uploaded never as markdown or HTML; a line of code without a code block."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import streamlit as st

#: Characters that Streamlit's markdown (st.error, st.info, labels) would read as formatting, emoji
#: shortcodes (":smile:"), colours (":red[...]") or LaTeX ("$").
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^])")


def escape_markdown(text: str) -> str:
    """``text`` (which may hold what a user typed or a file name) escaped so markdown shows it literally."""
    return _MARKDOWN.sub(r"\\\1", text.replace("\n", "⏎"))


def code_line(line: str) -> None:
    """One line of code (no backticks in it), as inline code. A code block (st.code) would load the browser's
    syntax highlighter, 1.5 MB of JavaScript, on the page's first load for this one line."""
    st.markdown(f"`{line}`")


#: A code block's look without Streamlit's (st.code's) JavaScript: monospace on a light panel, in either theme.
_CODE_BLOCK_STYLE = (
    "margin: 0 0 1rem; padding: 0.75rem 1rem; border-radius: 0.5rem; background: rgba(128, 128, 128, 0.1); "
    "font-family: 'Source Code Pro', monospace; font-size: 0.875rem; line-height: 1.5; white-space: pre-wrap; "
    "overflow-wrap: anywhere"
)


def code_block(code: str) -> None:
    """Lines of code or text, monospace on a panel, shown literally (``code`` may be what a user typed). Not
    st.code: its syntax highlighter, 1.5 MB of JavaScript, costs about 0.5 s of a page's first load here."""
    st.html(f'<pre style="{_CODE_BLOCK_STYLE}">{html.escape(code)}</pre>')


def table(rows: Sequence[Sequence[object]], columns: Sequence[str]) -> None:
    """``rows`` under the header ``columns`` as a markdown table, every cell shown literally. Not st.table: its
    Arrow formatting, 0.7 MB of JavaScript, costs about 0.3 s of a page's first load here."""
    cells = [[escape_markdown(str(value)) for value in row] for row in (columns, *rows)]
    lines = [f"| {' | '.join(row)} |" for row in cells]
    st.markdown("\n".join([lines[0], "|" + " --- |" * len(columns), *lines[1:]]))
