"""Heatmaps of gates and states over time: arrays in, ``go.Figure`` out (no model is ever run here)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures.step_labels import labelled_time_axis, step_hover_labels
from rnnviz.figures.style import (
    COLORBAR_MARGIN,
    NO_VALUE_COLOUR,
    base_layout,
    colour_scale_for,
    ordinal,
    step_marker,
)

#: A heatmap draws at most this many cells; longer sequences are decimated (every k-th step kept).
MAX_HEATMAP_CELLS = 50_000
#: ... and at most this many time steps, however few the units.
MAX_HEATMAP_STEPS = 500


def decimation_stride(steps: int, max_steps: int) -> int:
    """Keep every ``stride``-th step so that at most ``max_steps`` columns are drawn."""
    return max(1, -(-steps // max(1, max_steps)))


def decimation_note(stride: int, steps: int) -> str:
    """' (every 2nd of 1000 steps shown)' for a decimated figure title; '' when every step is drawn."""
    if stride == 1:
        return ""
    return f" (every {ordinal(stride)} of {steps} steps shown)"


def unit_time_heatmap(
    values: np.ndarray,
    *,
    quantity: str,
    title: str,
    current_step: int | None = None,
    max_cells: int = MAX_HEATMAP_CELLS,
    length: int | None = None,
    step_labels: Sequence[str] | None = None,
) -> go.Figure:
    """One quantity for every unit and time step: ``values`` (T, units) drawn as units (rows) x time (columns).

    ``quantity`` ('f', 'h', 'c', ...) picks the colour scale: 0..1 for sigmoid gates, centred at 0 otherwise.
    ``current_step`` draws a vertical marker at that time step. ``length`` (a packed sequence's length) greys
    out the steps t >= length, which the sequence does not have. A cell without a value (NaN) is grey. Long
    sequences are decimated to at most ``max_cells`` cells, and the title says so. ``step_labels`` (T,) label
    the time axis with what was read at each step (a character model's text).
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"values must be (time, units), got shape {values.shape}")
    steps, units = values.shape
    stride = decimation_stride(steps, min(MAX_HEATMAP_STEPS, max_cells // max(units, 1)))
    kept = np.arange(0, steps, stride)
    title += decimation_note(stride, steps)
    read = {}
    if step_labels is not None:  # hover says what was read: customdata is (units, time) like z
        read = dict(customdata=[step_hover_labels(step_labels, kept)] * units)
    heatmap = go.Heatmap(
        z=values[kept].T.astype(np.float32),  # (units, time); float32 halves what the browser receives
        x=kept,
        y=np.arange(units),
        colorbar=dict(title=dict(text=quantity)),
        hovertemplate="t=%{x}"
        + (" · read %{customdata}" if read else "")
        + "<br>unit %{y}<br>"
        + quantity
        + "=%{z:.4f}<extra></extra>",
        hoverongaps=False,
        **read,
        **colour_scale_for(quantity),
    )
    shapes = [step_marker(current_step)] if current_step is not None else []
    annotations = []
    if length is not None and length < steps:
        shapes.append(past_the_end(length, steps))
        annotations.append(_end_note(length))
    layout = base_layout(
        title=title,
        x_title="time step t",
        y_title="unit",
        margin=dict(r=COLORBAR_MARGIN),
        yaxis=dict(autorange="reversed" if units > 1 else True),
        plot_bgcolor=NO_VALUE_COLOUR,
        shapes=shapes,
        annotations=annotations,
        **({"xaxis": labelled_time_axis(step_labels, kept)} if step_labels is not None else {}),
    )
    return go.Figure(data=[heatmap], layout=layout)


def past_the_end(length: int, steps: int, row: int | None = None) -> dict:
    """A grey band over the steps t >= ``length`` of a padded sequence of ``steps`` steps, as a layout shape:
    the whole height, or only heatmap row ``row``."""
    rows = dict(yref="paper", y0=0, y1=1) if row is None else dict(yref="y", y0=row - 0.5, y1=row + 0.5)
    return dict(
        type="rect", x0=length - 0.5, x1=steps - 0.5, fillcolor="rgba(110, 110, 110, 0.45)", line_width=0, **rows
    )


def _end_note(length: int) -> dict:
    return dict(
        x=length - 0.5,
        y=1,
        yref="paper",
        xanchor="left",
        yanchor="bottom",
        showarrow=False,
        text=f" sequence ends at t = {length - 1}",
        font=dict(size=11),
    )


def packed_batch_heatmap(
    values: np.ndarray, lengths: np.ndarray, *, quantity: str, title: str, reverse: bool = False
) -> go.Figure:
    """One quantity of every sequence of a packed batch: ``values`` (T, B) drawn as sequences (rows) x time.

    Row b stops at its length ``lengths[b]`` (the steps past it are greyed out) and a diamond marks the step
    whose state ``h_n`` holds: t = length - 1, or t = 0 for the reverse direction.
    """
    values = np.asarray(values, dtype=float)
    lengths = np.asarray(lengths, dtype=int)
    if values.ndim != 2 or values.shape[1] != len(lengths):
        raise ValueError(f"values must be (time, batch) with one length per sequence, got {values.shape}, {lengths}")
    steps, batch = values.shape
    stride = decimation_stride(steps, MAX_HEATMAP_STEPS)
    kept = np.arange(0, steps, stride)
    rows = np.arange(batch)
    heatmap = go.Heatmap(
        z=values[kept].T.astype(np.float32),  # (batch, time)
        x=kept,
        y=rows,
        colorbar=dict(title=dict(text=quantity)),
        hovertemplate="t=%{x}<br>sequence %{y}<br>" + quantity + "=%{z:.4f}<extra></extra>",
        hoverongaps=False,
        **colour_scale_for(quantity),
    )
    ends = np.zeros(batch, dtype=int) if reverse else lengths - 1
    marker = go.Scatter(
        x=ends,
        y=rows,
        mode="markers",
        marker=dict(symbol="diamond", size=10, color="white", line=dict(color="black", width=1.5)),
        customdata=lengths,
        hovertemplate="sequence %{y} (length %{customdata})<br>h_n is its state at t=%{x}<extra></extra>",
        showlegend=False,
    )
    layout = base_layout(
        title=title + decimation_note(stride, steps),
        x_title="time step t",
        y_title="sequence",
        height=max(220, 60 + 28 * batch),
        margin=dict(l=130, r=COLORBAR_MARGIN),  # room for the "b (length n)" row labels
        xaxis=dict(range=[-0.5, steps - 0.5]),  # the markers must not widen the plot past the steps
        yaxis=dict(
            range=[batch - 0.5, -0.5],  # sequence 0 on top
            tickvals=rows,
            ticktext=[f"{b} (length {n})" for b, n in enumerate(lengths)],
        ),
        plot_bgcolor=NO_VALUE_COLOUR,
        shapes=[past_the_end(int(n), steps, row=b) for b, n in enumerate(lengths) if n < steps],
    )
    return go.Figure(data=[heatmap, marker], layout=layout)
