"""Sequences over time as lines (input x_t, model output), optionally a changed run overlaid dashed."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures.heatmaps import decimation_stride
from rnnviz.figures.style import apply_layout

#: Above this many points per line, a line is decimated and drawn with WebGL (scattergl).
MAX_LINE_POINTS = 2000
#: At most this many lines are drawn per figure; the title says when more exist.
MAX_LINES = 12


def sequence_lines(
    series: dict[str, np.ndarray],
    *,
    title: str,
    y_title: str,
    current_step: int | None = None,
    changed: dict[str, np.ndarray] | None = None,
) -> go.Figure:
    """One line per named series (each (T,)), time on x; ``changed`` series (same names) drawn dashed on top.

    A vertical marker shows ``current_step``. Long series are decimated and drawn with scattergl.
    """
    names = list(series)[:MAX_LINES]
    if len(series) > MAX_LINES:
        title = f"{title} (first {MAX_LINES} of {len(series)} shown)"
    steps = len(next(iter(series.values()))) if series else 0
    stride = decimation_stride(steps, MAX_LINE_POINTS)
    trace_type = go.Scattergl if stride > 1 else go.Scatter
    kept = np.arange(0, steps, stride)
    fig = go.Figure()
    for index, name in enumerate(names):
        colour = _palette(index)
        fig.add_trace(
            trace_type(
                x=kept,
                y=np.asarray(series[name], dtype=np.float32)[kept],
                name=name,
                mode="lines",
                line=dict(color=colour),
            )
        )
        if changed is not None and name in changed:
            fig.add_trace(
                trace_type(
                    x=kept,
                    y=np.asarray(changed[name], dtype=np.float32)[kept],
                    name=f"{name} (changed)",
                    mode="lines",
                    line=dict(color=colour, dash="dash"),
                )
            )
    if current_step is not None:
        fig.add_vline(x=current_step, line=dict(color="black", width=2, dash="dot"))
    if stride > 1:
        title = f"{title} (every {stride}th of {steps} steps)"
    return apply_layout(fig, title=title, x_title="time step t", y_title=y_title, height=280)


def _palette(index: int) -> str:
    colours = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999")
    return colours[index % len(colours)]
