"""The 'What if?' section: clamp gates, overwrite h0/c0, nudge one input, and compare with the real run."""

from __future__ import annotations

import streamlit as st

from rnnviz.core.cells import GATE_NAMES
from rnnviz.core.interventions import GateClamp, Intervention
from rnnviz.core.trace import Trace
from rnnviz.experiment.run import Experiment
from rnnviz.figures import sequence_lines, unit_time_heatmap
from rnnviz.figures.style import SIGMOID_QUANTITIES
from rnnviz.ui.step.traced import cached_intervened_run


def _intervention_controls(trace: Trace, layer: int, direction: int) -> Intervention:
    last = trace.seq_len - 1
    is_lstm = trace.kind == "LSTM"
    gates = GATE_NAMES[trace.kind]
    clamps = []
    left, middle, right = st.columns(3)
    with left:
        st.markdown("**Clamp gates**")
        chosen = st.multiselect(
            "Gates to force",
            gates,
            key="step.clamp.gates",
            disabled=not gates,
            help="A vanilla RNN has no gates." if not gates else None,
        )
        first, stop = st.slider("at steps", 0, last, (0, last), key="step.clamp.steps") if last > 0 else (0, 0)
        for gate in chosen:
            low = 0.0 if gate in SIGMOID_QUANTITIES else -1.0
            value = st.slider(
                f"{gate} =", low, 1.0, 1.0 if gate in ("f", "o", "z") else 0.0, 0.05, key=f"step.clamp.{gate}"
            )
            clamps.append(GateClamp(gate, value, tuple(range(first, stop + 1)), layer, direction))
    with middle:
        st.markdown("**Overwrite the initial state**")
        h0 = st.number_input("fill h0 with", -10.0, 10.0, 0.0, 0.1, key="step.h0_fill")
        c0 = st.number_input("fill c0 with", -10.0, 10.0, 0.0, 0.1, key="step.c0_fill", disabled=not is_lstm)
    with right:
        st.markdown("**Nudge one input**")
        x_step = st.number_input("step t", 0, last, min(5, last), key="step.nudge.t")
        x_feature = st.number_input("feature", 0, trace.geometry.input_size - 1, 0, key="step.nudge.feature")
        x_delta = st.number_input("add", -100.0, 100.0, 0.0, 0.1, key="step.nudge.delta")
    return Intervention(
        clamps=tuple(clamps),
        h0_fill=h0 or None,
        c0_fill=(c0 or None) if is_lstm else None,
        x_step=int(x_step) if x_delta else None,
        x_feature=int(x_feature),
        x_delta=float(x_delta),
    )


def intervention_section(experiment: Experiment, trace: Trace, *, layer: int, direction: int, batch: int) -> None:
    """Controls, then the changed run beside the unchanged one: difference heatmap and overlaid outputs."""
    with st.expander("What if? Clamp a gate, overwrite h0/c0, or nudge an input", icon=":material/science:"):
        intervention = _intervention_controls(trace, layer, direction)
        if intervention.is_empty:
            st.info("Choose a change above; the run with it appears here beside the unchanged run.")
            return
        try:
            changed = cached_intervened_run(experiment, intervention)
        except ValueError as error:
            st.error(f"This intervention cannot be applied: {error}")
            return
        st.caption("Changed run: " + changed.check_summary() + ". The badge at the top is for the unchanged run.")
        original_h = trace.state("h", layer, direction)[:, batch].numpy()  # (T, P)
        changed_h = changed.state("h", layer, direction)[:, batch].numpy()
        left, right = st.columns(2)
        left.plotly_chart(
            unit_time_heatmap(changed_h - original_h, quantity="Δh", title="h_t changed − h_t unchanged"),
            key="step.intervention.diff",
        )
        shown = range(min(original_h.shape[1], 4))
        right.plotly_chart(
            sequence_lines(
                {f"h[{j}]": original_h[:, j] for j in shown},
                changed={f"h[{j}]": changed_h[:, j] for j in shown},
                title="h_t: unchanged (solid) vs changed (dashed), first units",
                y_title="h_t",
            ),
            key="step.intervention.lines",
        )
