"""Cached traced runs, the 'matches PyTorch' badge and figure download rows."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from rnnviz.experiment import traced_run
from rnnviz.export import MIME_TYPES, figure_bytes
from rnnviz.signals import InputSpec
from rnnviz.spec import ModelSpec
from rnnviz.trace import Trace


@st.cache_data(max_entries=32, show_spinner="Tracing the model step by step…")
def cached_traced_run(model_spec: ModelSpec, input_spec: InputSpec, seed: int) -> Trace:
    """``traced_run`` cached by its frozen specs, so moving a display-only control never re-traces."""
    return traced_run(model_spec, input_spec, seed)


def check_badge(trace: Trace) -> None:
    """Show whether the trace agrees with the module's own forward, and where a NaN/inf first appears."""
    if trace.matches:
        st.badge(trace.check_summary(), icon=":material/verified:", color="green")
    else:
        st.badge(trace.check_summary(), icon=":material/error:", color="red")
    if trace.nonfinite is not None:
        st.warning(f"The run contains NaN or inf: {trace.nonfinite}.")


def figure_downloads(fig: go.Figure, name: str, key: str) -> None:
    """A row of PNG / SVG / HTML download buttons; files are rendered only when a button is clicked."""
    for column, fmt in zip(st.columns(3, width=360), ("png", "svg", "html"), strict=True):
        column.download_button(
            fmt.upper(),
            data=lambda fmt=fmt: figure_bytes(fig, fmt),
            file_name=f"{name}.{fmt}",
            mime=MIME_TYPES[fmt],
            key=f"{key}.download.{fmt}",
            icon=":material/download:",
            on_click="ignore",
        )
