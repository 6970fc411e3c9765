"""Figures of the adding problem: one sequence, a race of cells (loss and held-out score), success vs T.

Arrays in, ``go.Figure`` out, each in one ``go.Figure(data, layout)`` call; every cell has its colour
(``CELL_COLOURS``) in every figure.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures.style import CELL_COLOURS, GATE_COLOURS, as_float32, base_layout, horizontal_rule, line_trace
from rnnviz.memory.data import CHANCE_MSE, CHANCE_RATE, SOLVED_RATE, TOLERANCE

Curves = dict[str, tuple[np.ndarray, np.ndarray]]  # cell -> (steps, values), each (N,)


def _rule_label(y: float, text: str, yref: str = "y") -> dict:
    return dict(x=1, xref="paper", xanchor="right", y=y, yref=yref, yanchor="bottom", text=text, showarrow=False)


def adding_sequence(
    values: np.ndarray, markers: np.ndarray, target: float, prediction: float | None = None, *, name: str = "A sequence"
) -> go.Figure:
    """One sequence of the adding problem (``name`` it): its values (T,) as bars, the two marked ones coloured, and
    the answer."""
    steps = np.arange(len(values))
    marked = np.asarray(markers) > 0.5
    colours = np.where(marked, GATE_COLOURS["f"], "#C8C8C8")
    answer = "" if prediction is None else f"; the model answers {prediction:.3f}"
    data = [
        go.Bar(
            x=steps,
            y=as_float32(values),
            marker=dict(color=colours.tolist()),
            hovertemplate="t=%{x}<br>value %{y:.3f}<extra></extra>",
            name="value",
        )
    ]
    first, second = (float(v) for v in np.asarray(values)[marked])
    layout = base_layout(
        title=f"{name} (T = {len(values)}): marked {first:.3f} + {second:.3f} = {target:.3f}{answer}",
        x_title="time step t (the two marked steps in colour)",
        y_title="value",  # a longer title ran past the top of this short plot
        height=260,
        yaxis=dict(range=[0, 1.05]),
        showlegend=False,
        bargap=0.1,
    )
    return go.Figure(data=data, layout=layout)


def race_losses(curves: Curves, *, total_steps: int) -> go.Figure:
    """Training loss per step of each cell (log scale), with the loss of always answering 1."""
    data = [
        line_trace(
            steps,
            np.where(losses > 0, losses, np.nan),
            name=cell,
            colour=CELL_COLOURS.get(cell, "#000000"),
            hover=cell + "<br>step %{x:.0f}<br>MSE %{y:.3g}<extra></extra>",
        )
        for cell, (steps, losses) in curves.items()
    ]
    annotations = [_rule_label(np.log10(CHANCE_MSE), "always answering 1")]
    yaxis = dict(type="log", exponentformat="power")
    if not curves or all(len(steps) == 0 for steps, _ in curves.values()):
        annotations.append(dict(x=0.5, y=0.5, xref="paper", yref="paper", text="press Start", showarrow=False))
        yaxis["range"] = [-4, 0.5]  # log10 units: 1e-4 .. 3, where these losses live
    layout = base_layout(
        title="Training loss (MSE of the answer, log scale)",
        x_title="training step",
        y_title="MSE (log scale)",
        xaxis=dict(range=[0, max(total_steps, 1)]),
        yaxis=yaxis,
        shapes=[horizontal_rule(CHANCE_MSE, "#7F7F7F", dash="dot")],
        annotations=annotations,
        legend=dict(orientation="h", y=-0.25, x=0),
        margin=dict(b=80),
    )
    return go.Figure(data=data, layout=layout)


def _share_layout(title: str, x_title: str, **overrides) -> dict:
    """A 0..100 % axis with the solved line and the chance line."""
    shapes = [
        horizontal_rule(100 * SOLVED_RATE, "#000000", dash="dash", width=1),
        horizontal_rule(100 * CHANCE_RATE, "#7F7F7F", dash="dot", width=1),
    ]
    annotations = [
        _rule_label(100 * SOLVED_RATE, f"solved: {SOLVED_RATE:.0%}"),
        _rule_label(100 * CHANCE_RATE, f"always answering 1: {CHANCE_RATE:.1%}"),
    ]
    return base_layout(
        title=title,
        x_title=x_title,
        y_title=f"answered ±{TOLERANCE:g} (%)",  # of the held-out sequences
        yaxis=dict(range=[0, 102]),
        shapes=shapes,
        annotations=annotations,
        legend=dict(orientation="h", y=-0.25, x=0),
        margin=dict(b=80),
        **overrides,
    )


def race_scores(curves: Curves, *, total_steps: int) -> go.Figure:
    """Held-out share answered after each evaluation, per cell (curves: cell -> (steps, shares 0..1))."""
    data = [
        line_trace(
            steps,
            100 * np.asarray(shares),
            name=cell,
            colour=CELL_COLOURS.get(cell, "#000000"),
            hover=cell + "<br>step %{x:.0f}<br>%{y:.1f} % answered<extra></extra>",
            mode="lines+markers",
        )
        for cell, (steps, shares) in curves.items()
    ]
    layout = _share_layout("Held-out sequences answered", "training step", xaxis=dict(range=[0, max(total_steps, 1)]))
    return go.Figure(data=data, layout=layout)


def success_vs_length(means: Curves, runs: Curves, *, lengths: tuple[int, ...], complete: bool) -> go.Figure:
    """Share answered vs the sequence length T: each cell's mean over its seeds (``means``: cell -> (T, share))
    as a line, every run (``runs``, the same form) as a dot. T on a log axis, ticks at the lengths swept."""
    data = []
    for cell, (lengths_done, shares) in means.items():
        colour = CELL_COLOURS.get(cell, "#000000")
        data.append(
            line_trace(
                lengths_done,
                100 * np.asarray(shares),
                name=cell,
                colour=colour,
                hover=cell + "<br>T = %{x}<br>%{y:.1f} % answered (mean)<extra></extra>",
                mode="lines+markers",
                width=2.5,
            )
        )
        run_lengths, run_shares = runs.get(cell, (np.empty(0), np.empty(0)))
        data.append(
            go.Scatter(
                x=as_float32(run_lengths),
                y=as_float32(100 * np.asarray(run_shares)),
                mode="markers",
                marker=dict(color=colour, size=6, opacity=0.45),
                name=f"{cell}: each run",
                showlegend=False,
                hovertemplate=cell + " run<br>T = %{x}<br>%{y:.1f} %<extra></extra>",
            )
        )
    title = "Where it breaks: held-out sequences answered vs sequence length T"
    layout = _share_layout(
        title if complete else title + " (so far)",
        "sequence length T (log scale)",
        xaxis=dict(type="log", tickvals=list(lengths), ticktext=[str(t) for t in lengths]),
        height=380,
    )
    return go.Figure(data=data, layout=layout)
