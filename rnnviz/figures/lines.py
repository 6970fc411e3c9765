"""Sequences over time as lines (input x_t, model output), optionally a changed run overlaid dashed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures.heatmaps import decimation_note, decimation_stride
from rnnviz.figures.step_labels import labelled_time_axis, step_hover_labels
from rnnviz.figures.style import CATEGORY_COLOURS, base_layout, legend_margin, step_marker

#: Above this many points per line, a line is decimated (a chart draws at most this many as SVG).
MAX_LINE_POINTS = 2000
#: At most this many lines are drawn per figure; the title says when more exist.
MAX_LINES = len(CATEGORY_COLOURS)  # one colour each: a repeated colour would make two lines look alike


def sequence_lines(
    series: dict[str, np.ndarray],
    *,
    title: str,
    y_title: str,
    current_step: int | None = None,
    changed: dict[str, np.ndarray] | None = None,
    colours: dict[str, str] | None = None,
    step_labels: Sequence[str] | None = None,
) -> go.Figure:
    """One line per named series (each (T,)), time on x; ``changed`` series (same names) drawn dashed on top.

    A vertical marker shows ``current_step``. Long series are decimated (``MAX_LINE_POINTS``). ``colours``
    gives some series their own colour (e.g. ``SIGNAL_COLOURS``); the others take the category colours.
    ``step_labels`` (T,) label the time axis with what was read at each step (a character model's text).
    """
    names = list(series)[:MAX_LINES]
    if len(series) > MAX_LINES:
        title = f"{title} (first {MAX_LINES} of {len(series)} shown)"
    steps = len(next(iter(series.values()))) if series else 0
    stride = decimation_stride(steps, MAX_LINE_POINTS)
    kept = np.arange(0, steps, stride)
    read = {}
    if step_labels is not None:
        read = dict(
            customdata=step_hover_labels(step_labels, kept), hovertemplate="t=%{x} · read %{customdata}: %{y:.4f}"
        )
    data = []
    for index, name in enumerate(names):
        colour = (colours or {}).get(name, CATEGORY_COLOURS[index % len(CATEGORY_COLOURS)])
        y = np.asarray(series[name], dtype=np.float32)[kept]
        data.append(go.Scatter(x=kept, y=y, name=name, mode="lines", line=dict(color=colour), **read))
        if changed is not None and name in changed:
            y_changed = np.asarray(changed[name], dtype=np.float32)[kept]
            data.append(
                go.Scatter(
                    x=kept, y=y_changed, name=f"{name} (changed)", mode="lines", line=dict(color=colour, dash="dash")
                )
            )
    title += decimation_note(stride, steps)
    layout = base_layout(
        title=title,
        x_title="time step t",
        y_title=y_title,
        height=280,
        margin=dict(r=legend_margin([trace.name for trace in data])),
        shapes=[step_marker(current_step)] if current_step is not None else [],
        **({"xaxis": labelled_time_axis(step_labels, kept)} if step_labels is not None else {}),
    )
    return go.Figure(data=data, layout=layout)
