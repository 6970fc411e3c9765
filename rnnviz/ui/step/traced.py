"""The traced run of Step through and Overview, cached by its frozen ``Experiment``, and the last valid one kept."""

from __future__ import annotations

import streamlit as st

from rnnviz.core.interventions import Intervention
from rnnviz.core.spec import ModelSpec
from rnnviz.core.trace import Trace
from rnnviz.experiment.run import Experiment, build_run, intervened_run, traced_run
from rnnviz.shapes.equivalence import CellLoopCheck, trace_vs_cell_loop


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


def trace_or_last_valid(
    experiment: Experiment, problems: list[str], key: str, fallback: Experiment | None = None
) -> tuple[Experiment, Trace] | None:
    """Trace ``experiment``, or show each problem as an error and fall back to the last valid run of this page
    (or to ``fallback`` when there is none yet, e.g. a model's sample input).

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
    if last is None and fallback is not None:
        st.info("Showing the model's sample input until this is fixed.", icon=":material/history:")
        return fallback, cached_traced_run(fallback)
    if last is None:
        return None
    st.info("Showing the last valid run until this is fixed.", icon=":material/history:")
    return last, cached_traced_run(last)
