"""What the sine page draws of its run on every refresh (``draw_sine_run``, the live fragment's ``draw``):

* ``live_panel``: progress, numbers, the loss curve and the current window's prediction vs target;
* ``model_panel``: the current model on the current window through ``rnnviz.trace`` (the step-through page's
  gate and state heatmaps) and on a long unseen stretch; while training, redrawn about once a second (it is
  most of the drawing) and shown again as it was in between.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import plotly.graph_objects as go
import streamlit as st

from rnnviz.core.trace import Trace
from rnnviz.figures import unit_time_heatmap
from rnnviz.figures.step_view import step_view_data
from rnnviz.figures.training import evaluation_plot, loss_curve, window_prediction
from rnnviz.sine.trainer import SineTrainer
from rnnviz.sine.views import ModelView, model_view
from rnnviz.training.live import DISPLAY_POINTS, LiveRun
from rnnviz.ui.common.badges import check_badge
from rnnviz.ui.common.chart import plotly_chart
from rnnviz.ui.step.viewer import step_viewer

#: While training, the model view (trace, evaluation, heatmaps: most of the drawing) is redrawn this often.
MODEL_VIEW_SECONDS = 1.0
#: Below this training speed, say that the page reacts slowly (a tick always trains at least one step).
SLOW_STEPS_PER_SECOND = 2.0


def loss_figure(trainer: SineTrainer) -> go.Figure:
    steps, losses = trainer.display_history(DISPLAY_POINTS)
    stop = trainer.steps_done + 1 if trainer.diverged else None
    return loss_curve(steps, losses, total_steps=trainer.total_steps, stop_step=stop)


def window_figure(trainer: SineTrainer) -> go.Figure:
    w = trainer.predict_window()
    return window_prediction(
        w.positions, w.inputs, w.prediction, w.target, step=trainer.steps_done, noisy=trainer.settings.noise > 0
    )


def evaluation_figure(model: ModelView) -> go.Figure:
    e = model.evaluation
    return evaluation_plot(e.x, e.prediction, e.target, mse=e.mse)


def heatmap_figures(model: ModelView, layer: int) -> dict[str, go.Figure]:
    """Every gate and state of ``layer`` over the current window (the step-through page's figures)."""
    trace = model.trace
    return {
        f"{name}_layer{layer}": unit_time_heatmap(
            trace.values(name, layer)[:, 0].numpy(),
            quantity=name,
            title=f"{name}_t on the current window, layer {layer}",
        )
        for name in trace.quantity_names
    }


def live_panel(live: LiveRun, running: bool) -> None:
    """Progress, numbers, the loss curve and the current window's prediction vs target."""
    trainer: SineTrainer = live.trainer
    with trainer.lock:  # one consistent snapshot, even if a tick runs in another script thread
        done, total, last_loss = trainer.steps_done, trainer.total_steps, trainer.last_loss
        loss, window = loss_figure(trainer), window_figure(trainer)
    st.progress(min(done / total, 1.0), text=f"Step {done} of {total}")
    numbers = st.columns(4)
    numbers[0].metric("Steps done", f"{done:,}")
    numbers[1].metric("Loss (last step)", "—" if last_loss is None else f"{last_loss:.3g}")
    rates = live.rates()
    numbers[2].metric(
        "Steps per second",
        f"{rates.recent_speed if running and rates.recent_speed else rates.seen_speed:,.0f}",
        help="Steps per second of wall time, drawing included: over the last few seconds while training, over "
        "the whole run (as you watched it) once paused or finished.",
    )
    numbers[3].metric("Refreshes per second", f"{rates.refresh_rate:.1f}" if running else "—")
    if 0 < trainer.steps_per_second < SLOW_STEPS_PER_SECOND:
        st.warning(
            f"One step takes about {1 / trainer.steps_per_second:.1f} s with these settings, and the page can only "
            "react between steps. For live training, make the hidden size, layers, points per window or windows "
            "per batch smaller.",
            icon=":material/hourglass:",
        )
    left, right = st.columns(2)
    plotly_chart(loss, key="train.loss_curve", where=left)
    plotly_chart(window, key="train.window", where=right)


class ModelFigures(NamedTuple):
    """The model view drawn once: what ``model_panel`` shows, kept to be shown again without redrawing."""

    layer: int
    steps_done: int
    built_at: float  # time.perf_counter()
    evaluation: go.Figure
    mse: float
    trace: Trace
    heatmaps: dict[str, go.Figure]


def model_figures(live: LiveRun, layer: int) -> ModelFigures:
    steps_done = live.trainer.steps_done
    model = model_view(live.trainer)
    evaluation = evaluation_figure(model)
    heatmaps = heatmap_figures(model, layer)
    return ModelFigures(layer, steps_done, time.perf_counter(), evaluation, model.evaluation.mse, model.trace, heatmaps)


def model_panel(live: LiveRun, layer: int, max_age: float = 0.0) -> ModelFigures:
    """The current model: unseen-stretch evaluation and the gate/state heatmaps of ``layer``.

    The figures are kept with the run (``live.page_cache``) and redrawn only when the model changed and the last
    drawing is at least ``max_age`` seconds old; otherwise the same figures are shown again (cheap).
    """
    shown = live.page_cache.get("model")
    stale = shown is None or shown.layer != layer
    if stale or (shown.steps_done != live.trainer.steps_done and time.perf_counter() - shown.built_at >= max_age):
        shown = live.page_cache["model"] = model_figures(live, layer)
    left, right = st.columns([2, 1], vertical_alignment="center")
    plotly_chart(shown.evaluation, key="train.evaluation", where=left)
    right.metric(f"MSE on the unseen stretch (after step {shown.steps_done})", f"{shown.mse:.3g}")
    right.caption(
        "The stretch starts a quarter period off the training grid and is fed in windows of the training "
        "length, the hidden state handled as in training."
    )
    with right:
        check_badge(shown.trace)
    columns = st.columns(min(3, len(shown.heatmaps)))
    for index, (name, fig) in enumerate(shown.heatmaps.items()):
        plotly_chart(fig, key=f"train.heatmap.{name}", where=columns[index % len(columns)])
    window_step_view(live, shown)
    return shown


def window_step_view(live: LiveRun, shown: ModelFigures) -> None:
    """The current window one step at a time (the Step-through viewer, in the browser) for a chosen unit."""
    st.markdown("**The current window, one step at a time**")
    hidden = live.settings.hidden_size
    unit = int(st.number_input("Unit k (for the equations)", 0, hidden - 1, 0, key="train.unit"))
    key = (shown.built_at, shown.layer, unit)
    if live.page_cache.get("window_view", (None,))[0] != key:
        data = step_view_data(shown.trace, unit=unit, layer=shown.layer)
        if data is not None:
            data["version"] = f"{shown.built_at}-{shown.layer}-{unit}"
        live.page_cache["window_view"] = (key, data)
    data = live.page_cache["window_view"][1]
    if data is not None:
        markers = [f"train.heatmap.{name}" for name in shown.heatmaps]
        step_viewer(data, t=0, markers=markers, key="train.viewer")


def draw_sine_run(live: LiveRun, running: bool) -> None:
    """``live_panel`` and the model view of the chosen layer (while training, redrawn at most every
    MODEL_VIEW_SECONDS; the figures are kept in the session between refreshes)."""
    live_panel(live, running)
    st.subheader("The model now")
    if running:
        st.caption(f"While training, this part is redrawn about every {MODEL_VIEW_SECONDS:g} s.")
    layers = live.settings.num_layers
    layer = st.selectbox("Layer", range(layers), key="train.layer") if layers > 1 else 0
    model_panel(live, min(layer, layers - 1), MODEL_VIEW_SECONDS if running else 0.0)
