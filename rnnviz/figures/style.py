"""The one visual language of rnnviz: a colour per gate, a scale per kind of quantity, a shared layout.

Gate colours are the Okabe–Ito palette (colour-blind safe). Sigmoid gates (values in 0..1) use a
sequential scale fixed to 0..1; tanh quantities and states use a diverging scale centred at 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
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
#: The forward and reverse direction of a bidirectional layer (Okabe–Ito blue and vermillion).
DIRECTION_COLOURS = {0: "#0072B2", 1: "#D55E00"}
#: Fill of a whole tensor in block pictures: what you pass (x, h0, c0) and get back (output, h_n, c_n).
TENSOR_COLOURS = {
    "input": "#F0E442",
    "h0": "#7F7F7F",
    "c0": "#000000",
    "output": "#009E73",
    "h_n": "#7F7F7F",
    "c_n": "#000000",
}
#: A task's signals: what the model read, what it should output, what it outputs.
SIGNAL_COLOURS = {"input": "#B0B0B0", "target": "#000000", "prediction": "#0072B2"}
#: One colour per cell family where RNN, LSTM and GRU are compared side by side (Okabe–Ito).
CELL_COLOURS = {"RNN": "#D55E00", "LSTM": "#0072B2", "GRU": "#009E73"}
#: A qualitative cycle (Okabe–Ito without black) for categories such as the sequences of a batch.
CATEGORY_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
#: What a heatmap shows where there is no value (NaN: e.g. past a packed sequence's length).
NO_VALUE_COLOUR = "#D4D4D4"
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


#: Margins (px) that already hold what the browser would push them out to make room for: the axis titles and
#: tick labels (left, bottom, as Streamlit's charts are drawn), a heatmap's colour bar, a legend. plotly.js
#: draws a chart, measures what sticks out and, when a margin has to grow, draws the whole chart again: with room
#: made in advance each chart is drawn once, which matters most on a page's first load. Something wider than
#: this still fits: the margin then grows as before.
MARGIN = dict(l=95, r=30, t=50, b=75)
COLORBAR_MARGIN = 115  # the right margin of a figure with a colour bar: its ticks and a short title
_LEGEND_SYMBOL_PX, _LEGEND_CHARACTER_PX = 70, 7  # a legend entry: its line sample, then about 7 px a character


def legend_margin(names: Sequence[str]) -> int:
    """The right margin of a figure whose legend (on the right, plotly's default) lists ``names``; plotly
    shows a legend only for two or more traces."""
    if len(names) < 2:
        return MARGIN["r"]
    return _LEGEND_SYMBOL_PX + _LEGEND_CHARACTER_PX * max(len(name) for name in names)


def base_layout(*, title: str, x_title: str, y_title: str, height: int = 320, **overrides) -> dict:
    """The shared layout as a dict: titled figure, titled axes, margins that hold the axis titles (``MARGIN``),
    one font, white background.

    Pass it to ``go.Figure(data=..., layout=...)`` in one go: plotly validates a figure on every update,
    so building it in one call is ~5x faster than several ``update_*`` calls (it matters on every rerun).
    Plain colours instead of ``template="plotly_white"``: assigning a named template deep-copies it.
    """
    axis_style = dict(gridcolor="#EBEBEB", zerolinecolor="#D0D0D0", linecolor="#D0D0D0")
    layout = dict(
        title=dict(text=title, x=0.0, xanchor="left"),
        font=FONT,
        height=height,
        margin=dict(MARGIN),
        paper_bgcolor="white",
        plot_bgcolor="white",
        xaxis=dict(title=dict(text=x_title), **axis_style),
        yaxis=dict(title=dict(text=y_title), **axis_style),
    )
    for key, value in overrides.items():
        layout[key] = {**layout[key], **value} if isinstance(layout.get(key), dict) else value
    return layout


def as_float32(values: np.ndarray) -> np.ndarray:
    """Figure data as float32: half the bytes of float64 for the browser, far more precision than a plot shows."""
    return np.asarray(values, dtype=np.float32)


def line_trace(
    x: np.ndarray, y: np.ndarray, *, name: str, colour: str, hover: str, width: float = 1.5, mode: str = "lines"
) -> go.Scatter:
    """One named line (or ``mode="lines+markers"``) of a figure, its data as float32; ``hover`` is the
    hovertemplate."""
    return go.Scatter(
        x=as_float32(x),
        y=as_float32(y),
        mode=mode,
        name=name,
        line=dict(color=colour, width=width),
        hovertemplate=hover,
    )


def horizontal_rule(y: float, colour: str, *, dash: str | None = None, width: float = 1.5, xref: str = "paper") -> dict:
    """A horizontal line across the plot at ``y``, as a layout shape (e.g. a bound, a block separator)."""
    line = dict(color=colour, width=width) | ({"dash": dash} if dash else {})
    return dict(type="line", xref=xref, x0=0, x1=1, yref="y", y0=y, y1=y, line=line)


def step_marker(step: int) -> dict:
    """A dotted vertical line at time step ``step``, as a layout shape (cheaper than ``add_vline``)."""
    return dict(type="line", x0=step, x1=step, y0=0, y1=1, yref="paper", line=dict(color="black", width=2, dash="dot"))


def apply_layout(fig: go.Figure, *, title: str, x_title: str, y_title: str, height: int = 320) -> go.Figure:
    """Apply ``base_layout`` to an existing figure in a single update."""
    fig.update_layout(base_layout(title=title, x_title=x_title, y_title=y_title, height=height))
    return fig


def ordinal(n: int) -> str:
    """'2nd', '3rd', '4th', '11th', '21st'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
