"""The live part of the training page: one fragment that trains a tick and redraws, on its own, while a run trains.

* one bounded chunk of training (``LiveTrainer.tick``);
* ``live_panel``: progress, numbers, the loss curve and the current window's prediction vs target;
* ``model_panel``: the current model on the current window through ``rnnviz.trace`` (the step-through page's
  gate and state heatmaps) and on a long unseen stretch; while training, redrawn about once a second (it is
  most of the drawing) and shown again as it was in between.

Uncapped, the browser asks for a tick every 0.5 s and a tick trains 0.45 s: 2 refreshes a second, ~90 % of
the time training. The small idle gap matters: the browser drops the charts of earlier fragment runs only when
a run has finished before the next begins (back-to-back runs, e.g. a fragment rerunning itself with
``st.rerun(scope="fragment")``, leave hidden copies of every chart piling up in the page). Capped, the
browser's timer asks for a tick every 0.25-1 s.
``live_tick`` is a plain function: the benchmark calls it outside a fragment.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import plotly.graph_objects as go
import streamlit as st

from rnnviz.figures import unit_time_heatmap
from rnnviz.figures.training import evaluation_plot, loss_curve, window_prediction
from rnnviz.trace import Trace
from rnnviz.train_live import LiveTrainer, LiveView, ModelView, Pace
from rnnviz.ui import train_session as session
from rnnviz.ui.results import check_badge

#: While training, the model view (trace, evaluation, heatmaps: most of the drawing) is redrawn this often.
MODEL_VIEW_SECONDS = 1.0
#: Session key of the model view last drawn.
VIEW_CACHE_KEY = "train.view_cache"
#: Below this training speed, say that the page reacts slowly (a tick always trains at least one step).
SLOW_STEPS_PER_SECOND = 2.0


def loss_figure(view: LiveView) -> go.Figure:
    stop = view.steps_done + 1 if view.diverged else None
    return loss_curve(view.steps, view.losses, total_steps=view.total_steps, stop_step=stop)


def window_figure(view: LiveView, noisy: bool) -> go.Figure:
    w = view.window
    return window_prediction(w.positions, w.inputs, w.prediction, w.target, step=view.steps_done, noisy=noisy)


def evaluation_figure(model: ModelView) -> go.Figure:
    e = model.evaluation
    return evaluation_plot(e.x, e.prediction, e.target, mse=e.mse)


def heatmap_figures(model: ModelView, layer: int) -> dict[str, go.Figure]:
    """Every gate and state of ``layer`` over the current window (the step-through page's figures)."""
    trace = model.trace
    figures = {}
    for name in (*trace.gate_names, *trace.state_names):
        values = trace.gate(name, layer) if name in trace.gate_names else trace.state(name, layer)  # (T, 1, H)
        figures[f"{name}_layer{layer}"] = unit_time_heatmap(
            values[:, 0].numpy(), quantity=name, title=f"{name}_t on the current window, layer {layer}"
        )
    return figures


def live_panel(live: LiveTrainer, running: bool) -> LiveView:
    """Progress, numbers, the loss curve and the current window's prediction vs target; returns what was drawn."""
    view = live.view()
    st.progress(min(view.steps_done / view.total_steps, 1.0), text=f"Step {view.steps_done} of {view.total_steps}")
    numbers = st.columns(4)
    numbers[0].metric("Steps done", f"{view.steps_done:,}")
    numbers[1].metric("Loss (last step)", "—" if view.last_loss is None else f"{view.last_loss:.3g}")
    speed = view.effective_speed if running and view.effective_speed else view.training_speed
    numbers[2].metric(
        "Steps per second",
        f"{speed:,.0f}",
        help="While training: steps per second of wall time, drawing included. Paused: training time only.",
    )
    numbers[3].metric("Refreshes per second", f"{view.refresh_rate:.1f}" if running else "—")
    if 0 < view.training_speed < SLOW_STEPS_PER_SECOND:
        st.warning(
            f"One step takes about {1 / view.training_speed:.1f} s with these settings, and the page can only "
            "react between steps. For live training, make the hidden size, layers, points per window or windows "
            "per batch smaller.",
            icon=":material/hourglass:",
        )
    left, right = st.columns(2)
    left.plotly_chart(loss_figure(view), key="train.loss_curve")
    right.plotly_chart(window_figure(view, live.settings.noise > 0), key="train.window")
    return view


class ModelFigures(NamedTuple):
    """The model view drawn once: what ``model_panel`` shows, kept to be shown again without redrawing."""

    live: LiveTrainer  # the run it belongs to (a new run, even with the same number, is a new object)
    layer: int
    steps_done: int
    built_at: float  # time.perf_counter()
    evaluation: go.Figure
    mse: float
    trace: Trace
    heatmaps: dict[str, go.Figure]


def model_figures(live: LiveTrainer, layer: int) -> ModelFigures:
    steps_done = live.trainer.steps_done
    model = live.model_view()
    return ModelFigures(
        live, layer, steps_done, time.perf_counter(), evaluation_figure(model), model.evaluation.mse, model.trace,
        heatmap_figures(model, layer),
    )  # fmt: skip


def model_panel(live: LiveTrainer, layer: int, cache: dict | None = None, max_age: float = 0.0) -> ModelFigures:
    """The current model: unseen-stretch evaluation and the gate/state heatmaps of ``layer``.

    With a ``cache`` (a dict kept across reruns) the figures are redrawn only when the model changed and the
    last drawing is at least ``max_age`` seconds old; otherwise the same figures are shown again (cheap).
    """
    shown = cache.get("model") if cache is not None else None
    stale = shown is None or shown.live is not live or shown.layer != layer
    if stale or (shown.steps_done != live.trainer.steps_done and time.perf_counter() - shown.built_at >= max_age):
        shown = model_figures(live, layer)
        if cache is not None:
            cache["model"] = shown
    left, right = st.columns([2, 1], vertical_alignment="center")
    left.plotly_chart(shown.evaluation, key="train.evaluation")
    right.metric(f"MSE on the unseen stretch (after step {shown.steps_done})", f"{shown.mse:.3g}")
    right.caption(
        "The stretch starts a quarter period off the training grid and is fed in windows of the training "
        "length, the hidden state handled as in training."
    )
    with right:
        check_badge(shown.trace)
    columns = st.columns(min(3, len(shown.heatmaps)))
    for index, (name, fig) in enumerate(shown.heatmaps.items()):
        columns[index % len(columns)].plotly_chart(fig, key=f"train.heatmap.{name}")
    return shown


def live_tick(live: LiveTrainer, pace: Pace, running: bool, cache: dict) -> None:
    """What the live fragment does on every run: train one tick (if ``running``) and draw ``live_panel`` and
    the model view of the chosen layer (while training, redrawn at most every MODEL_VIEW_SECONDS; ``cache`` is
    a dict kept across ticks).

    Capped, the (short) tick trains before drawing. Uncapped, it trains ~0.45 s after drawing: the browser
    shows the elements of a fragment run that is still going as faded "stale" ones, so drawn after training
    they would be faded most of the time; the next tick follows at once and shows the result.
    """
    if running and pace.capped:
        live.tick(pace)
    live_panel(live, running)
    st.subheader("The model now")
    if running:
        st.caption(f"While training, this part is redrawn about every {MODEL_VIEW_SECONDS:g} s.")
    layers = live.settings.num_layers
    layer = st.selectbox("Layer", range(layers), key="train.layer") if layers > 1 else 0
    model_panel(live, min(layer, layers - 1), cache, MODEL_VIEW_SECONDS if running else 0.0)
    if running and not pace.capped:
        live.tick(pace)


def live_section(pace: Pace) -> None:
    """The live view as one fragment that trains a tick and redraws, on its own, while the run trains."""

    @st.fragment(run_every=pace.refresh_seconds if session.is_running() else None)
    def live_fragment() -> None:
        live = session.current_run()
        if live is None:
            return
        live_tick(live, pace, session.is_running(), st.session_state.setdefault(VIEW_CACHE_KEY, {}))
        if session.is_running() and live.trainer.finished:
            session.stop_running()
            st.rerun(scope="app")  # the buttons and messages outside this fragment change

    live_fragment()
