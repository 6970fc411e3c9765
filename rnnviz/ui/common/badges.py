"""Verdict badges: a green 'verified' or a red 'failed' line, and the trace's 'matches PyTorch' check."""

from __future__ import annotations

import streamlit as st

from rnnviz.core.trace import Trace


def verdict(ok: bool, text: str) -> None:
    """A green 'verified' or red 'failed' badge with ``text``."""
    if ok:
        st.badge(text, icon=":material/verified:", color="green")
    else:
        st.badge(text, icon=":material/error:", color="red")


def check_badge(trace: Trace) -> None:
    """Show whether the trace agrees with the module's own forward, and where a NaN/inf first appears."""
    verdict(trace.matches, trace.check_summary())
    if trace.nonfinite is not None:
        st.warning(f"The run contains NaN or inf: {trace.nonfinite}.")
