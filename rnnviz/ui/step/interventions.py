"""The 'What if?' section: clamp gates, overwrite h0/c0, nudge one input, and compare with the real run: what
each clamp does (its identity checked on the changed run) and the difference of every state and of the output."""

from __future__ import annotations

import streamlit as st
import torch

from rnnviz.core.cells import GATE_NAMES
from rnnviz.core.clamp_effects import check_identity, clamp_effect
from rnnviz.core.interventions import GateClamp, Intervention
from rnnviz.core.trace import Trace
from rnnviz.experiment.run import Experiment
from rnnviz.figures import sequence_lines, unit_time_heatmap
from rnnviz.figures.style import SIGMOID_QUANTITIES
from rnnviz.ui.common.chart import plotly_chart
from rnnviz.ui.common.on_request import expander_when_open
from rnnviz.ui.common.text import escape_markdown
from rnnviz.ui.step.traced import cached_intervened_run

STATE_LABELS = {"h": "h_t", "c": "c_t", "h_unprojected": "o_t ⊙ tanh(c_t)"}


#: The "What if?" expander's key (True while it is open).
WHAT_IF_KEY = "step.what_if"
#: The controls keep their values while the expander is closed (and the page is not left).
KEEP = dict(persist_state="page")


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
            **KEEP,
            help="A vanilla RNN has no gates." if not gates else None,
        )
        first, stop = st.slider("at steps", 0, last, (0, last), key="step.clamp.steps", **KEEP) if last > 0 else (0, 0)
        for gate in chosen:
            low = 0.0 if gate in SIGMOID_QUANTITIES else -1.0
            value = st.slider(
                f"{gate} =", low, 1.0, 1.0 if gate in ("f", "o", "z") else 0.0, 0.05, key=f"step.clamp.{gate}", **KEEP
            )
            clamps.append(GateClamp(gate, value, tuple(range(first, stop + 1)), layer, direction))
    with middle:
        st.markdown("**Overwrite the initial state**")
        h0 = st.number_input("fill h0 with", -10.0, 10.0, 0.0, 0.1, key="step.h0_fill", **KEEP)
        c0 = st.number_input("fill c0 with", -10.0, 10.0, 0.0, 0.1, key="step.c0_fill", disabled=not is_lstm, **KEEP)
    with right:
        st.markdown("**Nudge one input**")
        x_step = st.number_input("step t", 0, last, min(5, last), key="step.nudge.t", **KEEP)
        x_feature = st.number_input("feature", 0, trace.geometry.input_size - 1, 0, key="step.nudge.feature", **KEEP)
        x_delta = st.number_input("add", -100.0, 100.0, 0.0, 0.1, key="step.nudge.delta", **KEEP)
    return Intervention(
        clamps=tuple(clamps),
        h0_fill=h0 or None,
        c0_fill=(c0 or None) if is_lstm else None,
        x_step=int(x_step) if x_delta else None,
        x_feature=int(x_feature),
        x_delta=float(x_delta),
    )


def _clamp_sentences(intervention: Intervention, changed: Trace) -> None:
    """What each clamp does, in one sentence, and its identity checked on the changed run."""
    clamped = {clamp.gate for clamp in intervention.clamps}
    for clamp in intervention.clamps:
        effect = clamp_effect(changed.kind, clamp.gate, clamp.value)
        st.markdown(f"**{escape_markdown(effect.sentence)}**")
        if clamp.gate == "r" and "n" in clamped:  # n forced too: its value no longer comes from r
            continue
        check = check_identity(effect, changed, clamp.steps, clamp.layer, clamp.direction)
        steps = f"{clamp.steps[0]}" if len(clamp.steps) == 1 else f"{clamp.steps[0]} to {clamp.steps[-1]}"
        verdict = "holds" if check.holds else "DOES NOT hold"
        st.caption(
            f"On the changed run, {effect.identity} {verdict} at steps {steps}: max |Δ| = {check.residual:.1e} "
            f"(tolerance {check.tolerance:.0e})."
        )


def _top_output(trace: Trace, batch: int):
    """The module's output for one batch item, time-major: the top layer's h of every direction, (T, D*P)."""
    top = trace.geometry.num_layers - 1
    return torch.cat([trace.state("h", top, d) for d in range(trace.geometry.num_directions)], -1)[:, batch].numpy()


def _difference_figures(trace: Trace, changed: Trace, where: str, layer: int, direction: int, batch: int) -> dict:
    """Key -> figure: changed − unchanged for every state of the chosen layer and direction, and for the module's
    output when that is not already one of them (more than one layer or direction)."""
    figures = {}
    for name in trace.state_names:
        difference = (changed.state(name, layer, direction) - trace.state(name, layer, direction))[:, batch]
        label = STATE_LABELS.get(name, name)
        figures[name] = unit_time_heatmap(
            difference.numpy(), quantity=f"Δ{name}", title=f"Δ{label}: changed − unchanged, {where}"
        )
    geometry = trace.geometry
    if geometry.num_layers > 1 or geometry.num_directions > 1:
        figures["output"] = unit_time_heatmap(
            _top_output(changed, batch) - _top_output(trace, batch),
            quantity="Δoutput",
            title=f"Δoutput (top layer, every direction): changed − unchanged, batch item {batch}",
        )
    return figures


@st.fragment
def intervention_section(experiment: Experiment, trace: Trace, *, layer: int, direction: int, batch: int) -> None:
    """Controls, then the changed run beside the unchanged one: what each clamp does, the difference of every
    state and of the output, and the first units of h overlaid. Drawn only while its expander is open (eight
    controls a first load need not draw); the controls keep their values while it is closed. A fragment: opening
    it, closing it and changing a control rerun only this section, not the page above it."""
    expander = expander_when_open(
        "What if? Clamp a gate, overwrite h0/c0, or nudge an input", icon=":material/science:", key=WHAT_IF_KEY
    )
    if expander is None:
        return
    with expander:
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
        _clamp_sentences(intervention, changed)
        where = f"layer {layer}, {('forward', 'reverse')[direction]}, batch item {batch}"
        figures = list(_difference_figures(trace, changed, where, layer, direction, batch).items())
        original_h = trace.state("h", layer, direction)[:, batch].numpy()  # (T, P)
        changed_h = changed.state("h", layer, direction)[:, batch].numpy()
        shown = range(min(original_h.shape[1], 4))
        lines = sequence_lines(
            {f"h[{j}]": original_h[:, j] for j in shown},
            changed={f"h[{j}]": changed_h[:, j] for j in shown},
            title="h_t: unchanged (solid) vs changed (dashed), first units",
            y_title="h_t",
        )
        columns = st.columns(2)
        for index, (name, fig) in enumerate([*figures, ("lines", lines)]):
            plotly_chart(fig, key=f"step.intervention.{name}", where=columns[index % 2])
