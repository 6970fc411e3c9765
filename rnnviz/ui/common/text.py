"""Showing text that a user typed or uploaded: never as markdown or HTML."""

from __future__ import annotations

import re

#: Characters that Streamlit's markdown (st.error, st.info, labels) would read as formatting, emoji
#: shortcodes (":smile:"), colours (":red[...]") or LaTeX ("$").
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^])")


def escape_markdown(text: str) -> str:
    """``text`` (which may hold what a user typed or a file name) escaped so markdown shows it literally."""
    return _MARKDOWN.sub(r"\\\1", text.replace("\n", "⏎"))
