"""Showing text: what a user typed or uploaded never as markdown or HTML; a line of code without a code block."""

from __future__ import annotations

import re

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
