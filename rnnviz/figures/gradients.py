"""Figures of gradient flow: how much gradient reaches each step, the connectivity map, the forget-gate path.

Arrays in, ``go.Figure`` out. Gradients span hundreds of orders of magnitude (a vanilla RNN's fall like
0.5^t), so they are drawn on log axes from float64 data (float32 would flush anything below ~1e-38 to 0).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures.style import CELL_COLOURS, GATE_COLOURS, base_layout, step_marker

#: The connectivity map's colour scale spans this many decades below its largest value (smaller shows as the floor).
MAP_DECADES = 12


def _positive(values: np.ndarray) -> np.ndarray:
    """float64 values with 0 (a log axis cannot show it) as gaps."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(values > 0, values, np.nan)


def _line(x: np.ndarray, y: np.ndarray, name: str, colour: str, hover: str, dash: str | None = None) -> go.Scatter:
    """A line with float64 data (``style.line_trace`` sends float32, which would flush tiny gradients to 0)."""
    return go.Scatter(
        x=np.asarray(x),
        y=_positive(y),
        mode="lines",
        name=name,
        line=dict(color=colour, width=2, dash=dash),
        hovertemplate=hover,
    )


def _log_layout(title: str, x_title: str, y_title: str, marks: tuple[int, ...]) -> dict:
    """Time on x, a log y axis, the marked steps as dotted lines, the legend below."""
    return base_layout(
        title=title,
        x_title=x_title,
        y_title=y_title,
        height=380,
        yaxis=dict(type="log", exponentformat="power"),
        shapes=[step_marker(t) for t in marks],
        legend=dict(orientation="h", y=-0.25, x=0),
        margin=dict(b=120),  # the legend below
    )


def gradient_flow(
    h_norms: dict[str, np.ndarray], c_norms: dict[str, np.ndarray], *, marks: tuple[int, ...]
) -> go.Figure:
    """||dL/dh_t|| per cell (``h_norms``: cell -> (T,)) and ||dL/dc_t|| (dashed) for cells with a cell state,
    on a log axis; ``marks``: the marked steps, drawn as dotted lines."""
    data = []
    for cell, norms in h_norms.items():
        colour = CELL_COLOURS.get(cell, "#000000")
        hover = f"{cell}<br>t=%{{x}}<br>‖∂L/∂h_t‖ = %{{y:.3g}}<extra></extra>"
        data.append(_line(np.arange(len(norms)), norms, f"{cell}: ‖∂L/∂h_t‖", colour, hover))
        if cell in c_norms:
            hover = f"{cell}<br>t=%{{x}}<br>‖∂L/∂c_t‖ = %{{y:.3g}}<extra></extra>"
            data.append(_line(np.arange(len(norms)), c_norms[cell], f"{cell}: ‖∂L/∂c_t‖", colour, hover, "dash"))
    return go.Figure(
        data=data,
        layout=_log_layout(
            "How much of the loss's gradient reaches each step (log scale)",
            "time step t (the answer is read after the last step)",
            "gradient norm (log scale)",
            marks,
        ),
    )


def connectivity_map(values: np.ndarray, rows: np.ndarray, *, cell: str, marks: tuple[int, ...]) -> go.Figure:
    """||dy_s/dx_t|| (``values`` (R, T), ``rows`` the output steps s) as log10 colours; t > s is blank."""
    values = np.asarray(values, dtype=np.float64)
    top = float(values.max()) if values.size and values.max() > 0 else 1.0
    logs = np.log10(np.maximum(values, top * 10.0**-MAP_DECADES))
    steps = values.shape[1]
    logs[np.arange(steps)[None, :] > np.asarray(rows)[:, None]] = np.nan  # y_s cannot depend on a later x_t
    every = "" if len(rows) == steps else f" (every {rows[1] - rows[0] if len(rows) > 1 else steps}th output step)"
    heatmap = go.Heatmap(
        z=logs.astype(np.float32),
        x=np.arange(steps),
        y=np.asarray(rows),
        colorscale="Viridis",
        zmax=float(np.log10(top)),
        zmin=float(np.log10(top)) - MAP_DECADES,
        colorbar=dict(title=dict(text="log₁₀ ‖∂y_s/∂x_t‖")),
        hovertemplate="output step s=%{y}<br>input step t=%{x}<br>log₁₀‖∂y_s/∂x_t‖ = %{z:.2f}<extra></extra>",
    )
    layout = base_layout(
        title=f"{cell}: what the output after step s depends on, ‖∂y_s/∂x_t‖{every}",
        x_title="input step t",
        y_title="output step s",
        height=420,
        margin=dict(r=170),  # the colour bar and its title
        yaxis=dict(autorange="reversed"),
        shapes=[step_marker(t) | dict(line=dict(color="white", width=1.5, dash="dot")) for t in marks],
    )
    return go.Figure(data=[heatmap], layout=layout)


def forget_path(
    path: np.ndarray, gradient: np.ndarray, open_gradient: np.ndarray, *, unit: int, marks: tuple[int, ...]
) -> go.Figure:
    """An LSTM unit's forget-gate path prod_{k=t+1}^{T-1} f_k (``path`` (T,)) over the gradient that reaches
    its cell state, |dL/dc_t| relative to |dL/dc_{T-1}| (``gradient``), and the same gradient with the forget
    gate clamped to 1 (``open_gradient``), where the path is exactly 1."""
    t = np.arange(len(path))
    colour = GATE_COLOURS["f"]
    data = [
        _line(t, path, "∏ f_k from t to the end (trained)", colour, "t=%{x}<br>∏ f = %{y:.3g}<extra></extra>"),
        _line(t, gradient, "|∂L/∂c_t| ÷ |∂L/∂c_T| (trained)", "#000000", "t=%{x}<br>%{y:.3g}<extra></extra>", "dot"),
        _line(t, np.ones_like(path), "∏ f_k with f clamped to 1", colour, "t=%{x}<br>∏ f = 1<extra></extra>", "dash"),
        _line(
            t, open_gradient, "|∂L/∂c_t| ÷ |∂L/∂c_T| (f clamped to 1)", "#7F7F7F", "t=%{x}<br>%{y:.3g}<extra></extra>"
        ),
    ]
    return go.Figure(
        data=data,
        layout=_log_layout(
            f"LSTM unit {unit}: the forget-gate path over the gradient reaching c_t (log scale)",
            "time step t",
            "factor from t to T",
            marks,
        ),
    )
