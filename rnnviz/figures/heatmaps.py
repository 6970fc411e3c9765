"""Heatmaps of gates and states over time: arrays in, ``go.Figure`` out (no model is ever run here)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures.style import base_layout, colour_scale_for, step_marker

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
    suffix = "th" if 10 <= stride % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(stride % 10, "th")
    return f" (every {stride}{suffix} of {steps} steps shown)"


def unit_time_heatmap(
    values: np.ndarray,
    *,
    quantity: str,
    title: str,
    current_step: int | None = None,
    max_cells: int = MAX_HEATMAP_CELLS,
) -> go.Figure:
    """One quantity for every unit and time step: ``values`` (T, units) drawn as units (rows) x time (columns).

    ``quantity`` ('f', 'h', 'c', ...) picks the colour scale: 0..1 for sigmoid gates, centred at 0 otherwise.
    ``current_step`` draws a vertical marker at that time step. Long sequences are decimated to at most
    ``max_cells`` cells, and the title says so.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"values must be (time, units), got shape {values.shape}")
    steps, units = values.shape
    stride = decimation_stride(steps, min(MAX_HEATMAP_STEPS, max_cells // max(units, 1)))
    kept = np.arange(0, steps, stride)
    title += decimation_note(stride, steps)
    heatmap = go.Heatmap(
        z=values[kept].T.astype(np.float32),  # (units, time); float32 halves what the browser receives
        x=kept,
        y=np.arange(units),
        colorbar=dict(title=dict(text=quantity)),
        hovertemplate="t=%{x}<br>unit %{y}<br>" + quantity + "=%{z:.4f}<extra></extra>",
        **colour_scale_for(quantity),
    )
    layout = base_layout(
        title=title,
        x_title="time step t",
        y_title="unit",
        yaxis=dict(autorange="reversed" if units > 1 else True),
        shapes=[step_marker(current_step)] if current_step is not None else [],
    )
    return go.Figure(data=[heatmap], layout=layout)
