"""The page's gradient views, for the race's models as they are now and one held-out sequence: how much gradient
reaches each step (every cell), what each output depends on (one cell), and an LSTM unit's forget-gate path with
and without the gate clamped to 1. Computed once per model state and sequence from copies of the models taken
then, kept with the race, and shown in a fragment of their own (its controls rerun only it). Each view is drawn
as soon as it is computed: the flows first, then the map, then the forget-gate path.

Before the race has trained a step, the section is a note and a button that shows the views of the untrained
models: a first load does not compute and draw four views nobody has asked for yet."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from torch import Tensor

from rnnviz.figures import gradients as figures
from rnnviz.memory.gradients import (
    FD_TOLERANCE,
    RESOLVABLE,
    ConnectivityMap,
    Flow,
    ForgetView,
    connectivity_map,
    forget_view,
    gradient_flow,
)
from rnnviz.memory.model import MemoryModel
from rnnviz.memory.trainer import held_out_sequence
from rnnviz.training.race import LiveRace
from rnnviz.ui.common.badges import verdict
from rnnviz.ui.common.chart import plotly_chart
from rnnviz.ui.common.on_request import shown_once_trained
from rnnviz.ui.memory.race import trainers
from rnnviz.ui.memory.task import SEQUENCE_KEY, example_figure
from rnnviz.ui.training.session import RunSession

#: True once the user asked for the gradient views of the untrained race (this session).
UNTRAINED_KEY = "memory.grad.untrained"
MAP_HOW_TO_READ = (
    "**How to read this.** Row s is the model's output after step s, column t its input at step t; the colour is "
    "how much that output moves when x_t moves (log scale: yellow is strong, dark is ~nothing). A model that "
    "remembers keeps bright columns at the marked steps (dotted) all the way down; one that forgets fades to "
    "dark a few steps to the left of the diagonal."
)


@dataclass(eq=False)
class Views:
    """Every gradient view of one state of the race's models on one held-out sequence ``x`` (T, 2) with its
    ``target``. ``models`` are copies taken at that state (training may go on): the map and the forget-gate path,
    computed when first drawn, read them, so every view shows the same models."""

    state: tuple  # ((run number, steps done), ...), sequence index: what the views were computed from
    models: dict[str, MemoryModel]
    x: Tensor
    target: float
    flows: dict[str, Flow]
    marks: tuple[int, int]
    seconds: float  # to compute the flows

    @cached_property
    def forget(self) -> ForgetView | None:
        """The LSTM's forget-gate view (None without an LSTM in the race), computed once when first asked for."""
        if "LSTM" not in self.models:
            return None
        return forget_view(self.models["LSTM"], self.x, self.target, self.flows["LSTM"])


def model_state(race: LiveRace, index: int) -> tuple:
    return tuple((run.number, run.trainer.steps_done) for run in race.runs), index


def compute_views(race: LiveRace, index: int) -> Views:
    """The flows of every model now (the map and the forget-gate view follow when drawn, from the same copies)."""
    start = time.perf_counter()
    runs = trainers(race)
    x, target = held_out_sequence(next(iter(runs.values())), index)
    models, flows = {}, {}
    for cell, trainer in runs.items():
        with trainer.lock:
            models[cell] = copy.deepcopy(trainer.model)
        flows[cell] = gradient_flow(models[cell], x, target)
    marks = tuple(int(m) for m in next(iter(runs.values())).held_out.marks[index])
    return Views(model_state(race, index), models, x, target, flows, marks, time.perf_counter() - start)


def badge(views: Views) -> None:
    """A green badge when every re-run matches its module and every finite-difference check agrees; the details."""
    flows = views.flows.values()
    checks = [c for flow in flows for c in flow.checks]
    worst = max((c.relative_error for c in checks), default=0.0)
    rerun = max(flow.rerun_error for flow in flows)
    ok = all(flow.verified for flow in flows)
    verdict(ok, f"gradients {'verified' if ok else 'NOT verified'}: finite differences agree to {worst:.1e}")
    steps = "; ".join(
        f"{cell} at t = {', '.join(str(c.step) for c in flow.checks)}" for cell, flow in views.flows.items()
    )
    st.caption(
        f"Autograd with each model's own weights, in float64. The step-by-step re-runs match "
        f"{', '.join(f'torch.nn.{cell}' for cell in views.flows)} forward: max |Δ| = {rerun:.1e}. ‖∂L/∂h_t‖ along "
        f"its own direction against central differences of the module's forward ({steps}): largest relative error "
        f"{worst:.1e} (tolerance {FD_TOLERANCE:.0e}; steps whose gradient is below {RESOLVABLE:g} × the largest are "
        "too small for finite differences to resolve)."
    )


def flow_figure(views: Views) -> go.Figure:
    h = {cell: flow.h_norms for cell, flow in views.flows.items()}
    c = {cell: flow.c_norms for cell, flow in views.flows.items() if flow.c_norms is not None}
    return figures.gradient_flow(h, c, marks=views.marks)


def flow_section(views: Views) -> None:
    plotly_chart(flow_figure(views), key="memory.grad.flow")
    shrink = [
        f"{cell} by a factor {flow.h_norms[0] / flow.h_norms[-1]:.1e}"
        for cell, flow in views.flows.items()
        if flow.h_norms[-1] > 0
    ]
    st.caption(
        "The loss is read after the last step, so its gradient starts there and flows back through every step. "
        "Each step multiplies it by that step's Jacobian: a factor below 1 again and again is a straight line "
        "down on this log axis (it vanishes exponentially). From the last step back to step 0 the gradient "
        f"changes: {'; '.join(shrink)}. Dotted: the two marked steps."
    )


def map_figure(race: LiveRace, views: Views, cell: str) -> go.Figure:
    """The connectivity map of ``cell``'s model at the views' state (computed once, kept with the race)."""
    cache = race.page_cache.setdefault("gradient_maps", {})
    key = (views.state, cell)
    if key not in cache:
        cache.clear()
        cache[key] = connectivity_map(views.models[cell], views.x)
    shown: ConnectivityMap = cache[key]
    return figures.connectivity_map(shown.values, shown.rows, cell=cell, marks=views.marks)


def map_section(race: LiveRace, views: Views, cell: str) -> None:
    left, right = st.columns([2.2, 1])
    right.markdown(MAP_HOW_TO_READ)
    with left, st.spinner(f"Computing {cell}'s connectivity map…"):
        plotly_chart(map_figure(race, views, cell), key="memory.grad.map", where=left)


def relative(gradient: np.ndarray) -> np.ndarray:
    """|g_t| / |g_{T-1}| (or / max |g| when the last is 0): the gradient as a factor from the end."""
    magnitude = np.abs(gradient)
    scale = magnitude[-1] if magnitude[-1] > 0 else (magnitude.max() or 1.0)
    return magnitude / scale


def forget_figure(forget: ForgetView, unit: int, marks: tuple[int, int]) -> go.Figure:
    gradient, opened = forget.flow.grad_c[:, unit], forget.open_flow.grad_c[:, unit]
    return figures.forget_path(forget.path[:, unit], relative(gradient), relative(opened), unit=unit, marks=marks)


def forget_section(forget: ForgetView, marks: tuple[int, int]) -> None:
    verdict(
        forget.trace_matches,
        f"forget gates {'traced' if forget.trace_matches else 'NOT verified'}: both traces match torch.nn.LSTM's "
        "forward, as trained and with f clamped to 1",
    )
    order = forget.persistent_units()
    unit = st.selectbox(
        "LSTM unit (ordered by how much of its cell path survives the whole sequence)",
        order.tolist(),
        format_func=lambda k: f"unit {k}: ∏ f from step 0 = {forget.path[0, k]:.2g}",
        key="memory.grad.unit",
    )
    plotly_chart(forget_figure(forget, unit, marks), key="memory.grad.forget")
    gradient, opened = forget.flow.grad_c[:, unit], forget.open_flow.grad_c[:, unit]
    a = marks[0]
    exactly_one = bool((forget.open_path == 1.0).all())
    st.caption(
        f"Along the cell path, ∂c_T/∂c_t = ∏ f_k (the other paths cut): for unit {unit}, from the first marked step "
        f"t = {a} to the end it is {forget.path[a, unit]:.3g}. Clamped to f = 1 "
        f"{'it is exactly 1 at every step (every f_t is 1.0)' if exactly_one else 'it is not exactly 1'}, and the "
        f"gradient reaching c_{a}[{unit}] is {relative(opened)[a]:.3g} × the one at the end instead of "
        f"{relative(gradient)[a]:.3g}. The model was not trained that way, so its answer changes too: "
        f"{forget.flow.prediction:.3f} → {forget.open_flow.prediction:.3f} (target {forget.flow.target:.3f})."
    )


def gradient_section(session: RunSession) -> None:
    """The gradient views of the current race (computed when the models changed and the race is not training)."""

    @st.fragment
    def gradient_fragment() -> None:
        race = session.current()
        if race is None:
            st.info("Fix the settings in the sidebar to look at gradients.", icon=":material/tune:")
            return
        note = (
            "This part shows the race's models once they have trained: press **Start** above, then **Pause** or "
            "let the race end. To compare with later, look at the untrained models now."
        )
        label = "Show the gradient flow of the untrained models"  # the Why gates lesson names it
        if not shown_once_trained(race.steps_done > 0, UNTRAINED_KEY, note, label):
            return
        runs = trainers(race)
        size = next(iter(runs.values())).held_out.x.shape[0]
        columns = st.columns([1.2, 1.2, 1, 2], vertical_alignment="bottom")
        index = columns[0].number_input(
            "Held-out sequence", value=0, step=1, key=SEQUENCE_KEY, help=f"Which of the {size:,} (0 to {size - 1})"
        )
        if not 0 <= index < size:
            st.error(f"Held-out sequence must be a whole number from 0 to {size - 1}, got {index}.")
            return
        cell = columns[1].selectbox("Connectivity map of", list(runs), index=len(runs) // 2, key="memory.grad.cell")
        shown: Views | None = race.page_cache.get("gradients")
        wanted = model_state(race, int(index))
        update = columns[2].button("Update", key="memory.grad.update", icon=":material/refresh:", help=(
            "Look at the models as they are now (while the race trains, the views keep the step they were made at)."
        ))  # fmt: skip
        stale = shown is not None and shown.state != wanted and (update or not session.is_running())
        if shown is None or shown.state[1] != wanted[1] or stale:
            with st.spinner("Computing gradients…"):
                shown = race.page_cache["gradients"] = compute_views(race, int(index))
        steps = ", ".join(
            f"{run.settings.cell} at step {done}" for run, (_, done) in zip(race.runs, shown.state[0], strict=True)
        )
        columns[3].caption(f"Models: {steps} · gradient flow computed in {shown.seconds:.2f} s")
        badge(shown)
        answer = shown.flows[cell].prediction  # the map's model, at the step the views were made at
        plotly_chart(example_figure(runs[cell], shown.state[1], answer), key="memory.grad.sequence_figure")
        flow_section(shown)
        map_section(race, shown, cell)
        if "LSTM" in shown.models:
            with st.spinner("Computing the LSTM's forget-gate path…"):
                forget = shown.forget
            forget_section(forget, shown.marks)
        else:
            st.caption("Add the LSTM to the race to see its forget-gate path.")

    gradient_fragment()
