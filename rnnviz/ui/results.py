"""Cached traced runs, the 'matches PyTorch' badge and figure download rows."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st

from rnnviz.equivalence import CellLoopCheck, trace_vs_cell_loop
from rnnviz.experiment import Experiment, build_run, intervened_run, traced_run
from rnnviz.export import (
    MAX_CSV_VALUES,
    MIME_TYPES,
    figure_bytes,
    reproduce_snippet,
    trace_csv,
    trace_npz,
    trace_value_count,
)
from rnnviz.interventions import Intervention
from rnnviz.spec import ModelSpec
from rnnviz.trace import Trace


@st.cache_data(max_entries=32, show_spinner="Tracing the model step by step…")
def cached_traced_run(experiment: Experiment) -> Trace:
    """``traced_run`` cached by the frozen experiment, so moving a display-only control never re-traces."""
    return traced_run(experiment)


@st.cache_data(max_entries=16, show_spinner="Running the changed model…")
def cached_intervened_run(experiment: Experiment, intervention: Intervention) -> Trace:
    """``intervened_run`` cached by the frozen experiment and the (frozen) intervention."""
    return intervened_run(experiment, intervention)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_run_spec(experiment: Experiment) -> tuple[ModelSpec, tuple[str, ...]]:
    """The model spec actually run (read from the weights for a checkpoint) and notes on what was assumed."""
    run = build_run(experiment)
    return run.spec, run.notes


@st.cache_data(max_entries=32, show_spinner=False)
def cached_cell_loop_check(experiment: Experiment) -> CellLoopCheck | None:
    """The experiment's trace vs its module's Cells called in a loop (see ``trace_vs_cell_loop``)."""
    return trace_vs_cell_loop(build_run(experiment).module, cached_traced_run(experiment))


def cell_loop_caption(check: CellLoopCheck | None) -> None:
    """One line under the badge: the same numbers from nn.LSTMCell (GRUCell, RNNCell) called in a loop."""
    if check is None:
        st.caption("(No Cell-loop comparison: an LSTMCell has no projection to start from a non-zero h0.)")
        return
    verdict = "same numbers" if check.matches else "DIFFERENT numbers"
    st.caption(
        f"{verdict} from torch.nn.{check.cell_name} called step by step in a Python loop with the module's "
        f"weights: max |Δ| = {check.max_abs_diff:.1e}"
    )


def trace_or_last_valid(experiment: Experiment, problems: list[str], key: str) -> tuple[Experiment, Trace] | None:
    """Trace ``experiment``, or show each problem as an error and fall back to the last valid run of this page.

    The last valid experiment is kept in ``st.session_state[key]``, so bad input never blanks the page.
    """
    if not problems:
        try:
            trace = cached_traced_run(experiment)
        except ValueError as error:  # e.g. a typed h0 of the wrong shape, an input of the wrong size
            problems = [str(error)]
        else:
            st.session_state[key] = experiment
            return experiment, trace
    for problem in problems:
        st.error(problem[:1].upper() + problem[1:], icon=":material/error:")
    last = st.session_state.get(key)
    if last is None:
        return None
    st.info("Showing the last valid run until this is fixed.", icon=":material/history:")
    return last, cached_traced_run(last)


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
    experiment: Experiment,
    figure_makers: dict[str, Callable[[], go.Figure]],
) -> None:
    """Downloads of the whole trace (CSV, NPZ), a runnable script, and any figure as PNG/SVG/HTML.

    ``figure_makers`` maps a file name to a function drawing that figure; only the chosen one is drawn.
    """
    with st.expander("Export", icon=":material/download:"):
        data_column, figure_column = st.columns(2)
        with data_column:
            st.markdown("**The whole trace**")
            values = trace_value_count(trace)
            too_big = values > MAX_CSV_VALUES
            st.download_button(
                "Trace as CSV (long format)",
                data=lambda: trace_csv(trace),
                file_name="trace.csv",
                mime=MIME_TYPES["csv"],
                key="export.csv",
                on_click="ignore",
                disabled=too_big,
                help=f"{values:,} values: too many for one CSV row each; download the NPZ" if too_big else None,
            )
            st.download_button(
                "Trace as NPZ",
                data=lambda: trace_npz(trace),
                file_name="trace.npz",
                mime=MIME_TYPES["npz"],
                key="export.npz",
                on_click="ignore",
            )
            snippet = reproduce_snippet(experiment)
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
