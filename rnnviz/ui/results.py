"""Cached traced runs, the 'matches PyTorch' badge and figure download rows."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st

from rnnviz.experiment import intervened_run, traced_run
from rnnviz.export import MIME_TYPES, figure_bytes, reproduce_snippet, trace_csv, trace_npz
from rnnviz.interventions import Intervention
from rnnviz.signals import InputSpec
from rnnviz.spec import ModelSpec
from rnnviz.trace import Trace


@st.cache_data(max_entries=32, show_spinner="Tracing the model step by step…")
def cached_traced_run(model_spec: ModelSpec, input_spec: InputSpec, seed: int) -> Trace:
    """``traced_run`` cached by its frozen specs, so moving a display-only control never re-traces."""
    return traced_run(model_spec, input_spec, seed)


@st.cache_data(max_entries=16, show_spinner="Running the changed model…")
def cached_intervened_run(model_spec: ModelSpec, input_spec: InputSpec, seed: int, intervention: Intervention) -> Trace:
    """``intervened_run`` cached by its frozen specs and the (frozen) intervention."""
    return intervened_run(model_spec, input_spec, seed, intervention)


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


def export_section(
    trace: Trace,
    model_spec: ModelSpec,
    input_spec: InputSpec,
    seed: int,
    figure_makers: dict[str, Callable[[], go.Figure]],
) -> None:
    """Downloads of the whole trace (CSV, NPZ), a runnable script, and any figure as PNG/SVG/HTML.

    ``figure_makers`` maps a file name to a function drawing that figure; only the chosen one is drawn.
    """
    with st.expander("Export", icon=":material/download:"):
        data_column, figure_column = st.columns(2)
        with data_column:
            st.markdown("**The whole trace**")
            st.download_button(
                "Trace as CSV (long format)",
                data=lambda: trace_csv(trace),
                file_name="trace.csv",
                mime=MIME_TYPES["csv"],
                key="export.csv",
                on_click="ignore",
            )
            st.download_button(
                "Trace as NPZ",
                data=lambda: trace_npz(trace),
                file_name="trace.npz",
                mime=MIME_TYPES["npz"],
                key="export.npz",
                on_click="ignore",
            )
            snippet = reproduce_snippet(model_spec, input_spec, seed)
            st.download_button(
                "Reproduce in Python (.py)",
                data=snippet,
                file_name="reproduce_rnnviz.py",
                mime=MIME_TYPES["py"],
                key="export.py",
                on_click="ignore",
            )
            st.code(snippet, language="python")
        with figure_column:
            st.markdown("**A figure**")
            name = st.selectbox("Figure", list(figure_makers), key="export.figure")
            figure_downloads(figure_makers[name](), name, key="export.figure")
