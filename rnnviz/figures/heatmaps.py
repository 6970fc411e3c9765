"""Heatmaps of gates and states over time: arrays in, ``go.Figure`` out (no model is ever run here)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures.style import apply_layout, colour_scale_for

#: Above this many time steps a heatmap is decimated (every k-th step kept) to keep the page light.
MAX_HEATMAP_STEPS = 400


def decimation_stride(steps: int, max_steps: int = MAX_HEATMAP_STEPS) -> int:
    """Keep every ``stride``-th step so that at most ``max_steps`` columns are drawn."""
    return max(1, -(-steps // max_steps))


def unit_time_heatmap(
    values: np.ndarray,
    *,
    quantity: str,
    title: str,
    current_step: int | None = None,
    max_steps: int = MAX_HEATMAP_STEPS,
) -> go.Figure:
    """One quantity for every unit and time step: ``values`` (T, units) drawn as units (rows) x time (columns).

    ``quantity`` ('f', 'h', 'c', ...) picks the colour scale: 0..1 for sigmoid gates, centred at 0 otherwise.
    ``current_step`` draws a vertical marker at that time step. Long sequences are decimated, and the
    title says so.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"values must be (time, units), got shape {values.shape}")
    steps, units = values.shape
    stride = decimation_stride(steps, max_steps)
    kept = np.arange(0, steps, stride)
    if stride > 1:
        title = f"{title} (every {stride}th step of {steps} shown)"
    fig = go.Figure(
        go.Heatmap(
            z=values[kept].T,  # (units, time)
            x=kept,
            y=np.arange(units),
            colorbar=dict(title=dict(text=quantity)),
            hovertemplate="t=%{x}<br>unit %{y}<br>" + quantity + "=%{z:.4f}<extra></extra>",
            **colour_scale_for(quantity),
        )
    )
    if current_step is not None:
        fig.add_vline(x=current_step, line=dict(color="black", width=2, dash="dot"))
    apply_layout(fig, title=title, x_title="time step t", y_title="unit")
    fig.update_yaxes(autorange="reversed" if units > 1 else True)
    return fig
