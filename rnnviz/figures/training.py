"""Training figures: loss curves (log scale), prediction vs target, runs overlaid. Arrays in, ``go.Figure`` out.

Each figure is built in one ``go.Figure(data=..., layout=base_layout(...))`` call (plotly validates on every
update, and these are redrawn several times a second while a model trains).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures.lines import MAX_LINE_POINTS, MAX_LINES
from rnnviz.figures.style import CATEGORY_COLOURS, SIGNAL_COLOURS, as_float32, base_layout, line_trace

#: Colours of the three signals of the task, the same in every training figure.
LOSS_COLOUR = "#D55E00"


def _positive(values: np.ndarray) -> np.ndarray:
    """A log axis cannot show 0 or negative values: they become gaps (NaN) instead of distorting the axis."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(values > 0, values, np.nan)


def loss_curve(
    steps: np.ndarray,
    losses: np.ndarray,
    *,
    total_steps: int,
    title: str = "Training loss (MSE per step, log scale)",
    stop_step: int | None = None,
) -> go.Figure:
    """The loss per step (steps, losses: (N,), N <= a few thousand) on a log y axis; x spans 1..total_steps,
    so the curve grows across the plot as training proceeds. ``stop_step`` marks where a diverged run stopped."""
    hover = "step %{x:.0f}<br>loss %{y:.3g}<extra></extra>"
    data = [line_trace(steps, _positive(losses), name="loss", colour=LOSS_COLOUR, hover=hover)]
    shapes, annotations = [], []
    if stop_step is not None:
        shapes.append(
            dict(type="line", x0=stop_step, x1=stop_step, y0=0, y1=1, yref="paper", line=dict(color="red", dash="dot"))
        )
        annotations.append(
            dict(
                x=stop_step, y=1, yref="paper", text="non-finite loss: stopped", showarrow=False, font=dict(color="red")
            )
        )
    if len(steps) == 0:
        annotations.append(
            dict(
                x=0.5, y=0.5, xref="paper", yref="paper", text="no steps yet: press Start or One step", showarrow=False
            )
        )
    layout = base_layout(
        title=title,
        x_title="training step",
        y_title="MSE (log scale)",
        xaxis=dict(range=[0, max(total_steps, 1)]),
        yaxis=dict(type="log", exponentformat="power"),
        shapes=shapes,
        annotations=annotations,
        showlegend=False,
    )
    return go.Figure(data=data, layout=layout)


def signal_vs_target(
    positions: np.ndarray,
    prediction: np.ndarray,
    target: np.ndarray,
    *,
    title: str,
    inputs: np.ndarray | None = None,
    input_name: str = "input sin(x)",
    height: int = 320,
) -> go.Figure:
    """Input sin (grey), target cos (black) and the model's prediction (blue) over x in radians; all (T,).

    Long stretches (> MAX_LINE_POINTS) are decimated."""
    n = len(positions)
    stride = max(1, -(-n // MAX_LINE_POINTS))
    x = as_float32(np.asarray(positions)[::stride] / np.pi)
    markers = "lines+markers" if n <= 60 else "lines"
    data = []
    if inputs is not None:
        data.append(
            go.Scatter(
                x=x,
                y=as_float32(inputs)[::stride],
                name=input_name,
                mode=markers,
                line=dict(color=SIGNAL_COLOURS["input"], dash="dot"),
            )
        )
    data.append(
        go.Scatter(x=x, y=as_float32(target)[::stride], name="target cos(x)", mode=markers, line=dict(color="black"))
    )
    data.append(
        go.Scatter(
            x=x,
            y=as_float32(prediction)[::stride],
            name="prediction",
            mode=markers,
            line=dict(color=SIGNAL_COLOURS["prediction"], width=2.5),
        )
    )
    layout = base_layout(
        title=title,
        x_title="x (multiples of π)",
        y_title="value",
        height=height,
        yaxis=dict(range=[-1.6, 1.6]),
        legend=dict(orientation="h", y=-0.25, x=0),
        margin=dict(b=95),  # the legend below
    )
    return go.Figure(data=data, layout=layout)


def window_prediction(
    positions: np.ndarray, inputs: np.ndarray, prediction: np.ndarray, target: np.ndarray, *, step: int, noisy: bool
) -> go.Figure:
    """The latest training window (T,): what the model read, what it should output, what it outputs now."""
    return signal_vs_target(
        positions,
        prediction,
        target,
        inputs=inputs,
        input_name="input sin(x) + noise" if noisy else "input sin(x)",
        title=f"Current window after step {step}: prediction vs target",
    )


def evaluation_plot(x: np.ndarray, prediction: np.ndarray, target: np.ndarray, *, mse: float) -> go.Figure:
    """The model on a long unseen stretch (N,): prediction vs cos(x), with the MSE in the title."""
    span = (float(x[-1]) - float(x[0])) / np.pi if len(x) > 1 else 0.0
    return signal_vs_target(x, prediction, target, title=f"Unseen stretch of {span:.0f}π: MSE {mse:.3g}", height=300)


def runs_overlay(
    runs: dict[str, tuple[np.ndarray, np.ndarray]], *, title: str = "Loss of every run", y_title: str = "MSE"
) -> go.Figure:
    """One loss curve per run (label -> (steps, losses)), log y; at most MAX_LINES runs (the title says so).
    ``y_title`` names the loss ("MSE", "cross-entropy")."""
    labels = list(runs)[-MAX_LINES:]
    if len(runs) > MAX_LINES:
        title = f"{title} (last {MAX_LINES} of {len(runs)} shown)"
    data = [
        line_trace(
            runs[label][0],
            _positive(runs[label][1]),
            name=label,
            colour=CATEGORY_COLOURS[index % len(CATEGORY_COLOURS)],
            hover=label + "<br>step %{x:.0f}<br>loss %{y:.3g}<extra></extra>",
        )
        for index, label in enumerate(labels)
    ]
    layout = base_layout(
        title=title,
        x_title="training step",
        y_title=f"{y_title} (log scale)",
        height=380,
        yaxis=dict(type="log", exponentformat="power"),
        legend=dict(orientation="h", y=-0.2, x=0),
        margin=dict(b=90),
    )
    return go.Figure(data=data, layout=layout)
