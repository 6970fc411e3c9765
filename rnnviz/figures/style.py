"""The one visual language of rnnviz: a colour per gate, a scale per kind of quantity, a shared layout.

Gate colours are the Okabe–Ito palette (colour-blind safe). Sigmoid gates (values in 0..1) use a
sequential scale fixed to 0..1; tanh quantities and states use a diverging scale centred at 0.
"""

from __future__ import annotations

import plotly.graph_objects as go

#: One colour per gate or state, the same on every page.
GATE_COLOURS = {
    "i": "#0072B2",  # input gate: blue
    "f": "#D55E00",  # forget gate: vermillion
    "g": "#009E73",  # cell candidate: green
    "o": "#CC79A7",  # output gate: purple-pink
    "r": "#E69F00",  # GRU reset gate: orange
    "z": "#56B4E9",  # GRU update gate: sky blue
    "n": "#009E73",  # GRU candidate: green (same role as LSTM g)
    "c": "#000000",  # cell state
    "h": "#7F7F7F",  # hidden state
    "x": "#F0E442",  # input
}
SEQUENTIAL_SCALE = "Viridis"  # for sigmoid gates, fixed to 0..1
DIVERGING_SCALE = "RdBu_r"  # for tanh quantities and states, centred at 0

#: Which quantities are squashed to 0..1 (sigmoid) vs -1..1 (tanh) vs unbounded.
SIGMOID_QUANTITIES = frozenset({"i", "f", "o", "r", "z"})
TANH_QUANTITIES = frozenset({"g", "n"})

FONT = dict(family="Inter, Helvetica, Arial, sans-serif", size=13)


def colour_scale_for(quantity: str) -> dict:
    """Heatmap colour arguments for a quantity name: fixed 0..1 for sigmoid gates, symmetric around 0 else."""
    if quantity in SIGMOID_QUANTITIES:
        return dict(colorscale=SEQUENTIAL_SCALE, zmin=0.0, zmax=1.0)
    if quantity in TANH_QUANTITIES:
        return dict(colorscale=DIVERGING_SCALE, zmin=-1.0, zmax=1.0)
    return dict(colorscale=DIVERGING_SCALE, zmid=0.0)


def apply_layout(fig: go.Figure, *, title: str, x_title: str, y_title: str, height: int = 320) -> go.Figure:
    """The shared layout: titled figure, titled axes, compact margins, the same font everywhere."""
    fig.update_layout(
        title=dict(text=title, x=0.0, xanchor="left"),
        font=FONT,
        height=height,
        margin=dict(l=60, r=20, t=50, b=50),
        template="plotly_white",
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return fig
