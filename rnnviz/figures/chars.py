"""Language-model figures: perplexity with its entropy bound, per-character activations, text coloured by a
unit, the units that follow a feature. Arrays (and characters) in, ``go.Figure`` out; no model is run here.

Characters are always drawn by plotly as data (heatmap labels and cell text), never as HTML from the user.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.charlm.corpora import visible
from rnnviz.figures.step_labels import labelled_time_axis
from rnnviz.figures.style import (
    CATEGORY_COLOURS,
    COLORBAR_MARGIN,
    SEQUENTIAL_SCALE,
    as_float32,
    base_layout,
    colour_scale_for,
    horizontal_rule,
    line_trace,
)

TRAIN_COLOUR, VALIDATION_COLOUR, STEP_COLOUR, BOUND_COLOUR = "#0072B2", "#D55E00", "#B8CDE0", "#000000"
#: Up to this many characters the x axis is labelled with the characters; beyond, with positions (the
#: characters are in the hover text): every other character out of context would read as garbage.
MAX_CHAR_TICKS = 100


def perplexity_curve(
    epochs: np.ndarray,
    train: np.ndarray,
    validation: np.ndarray | None,
    *,
    total_epochs: int,
    bound: float | None = None,
    step_epochs: np.ndarray | None = None,
    step_perplexity: np.ndarray | None = None,
) -> go.Figure:
    """Perplexity per epoch (epochs, train, validation: (E,); validation may hold NaN), log y axis.

    ``bound`` draws the entropy bound exp(H) as a dashed line; ``step_epochs`` / ``step_perplexity`` (S,) draw
    exp(loss) of single steps (x in fractional epochs) faintly behind, so the first epoch is not empty.
    """
    data = []
    if step_epochs is not None and step_perplexity is not None and len(step_epochs):
        hover = "epoch %{x:.2f}<br>perplexity %{y:.3f}<extra></extra>"
        name = "one step (exp of its loss)"
        data.append(line_trace(step_epochs, step_perplexity, name=name, colour=STEP_COLOUR, width=1, hover=hover))
    per_epoch = dict(width=2, mode="lines+markers")
    hover = "epoch %{x}<br>training %{y:.4f}<extra></extra>"
    data.append(line_trace(epochs, train, name="training (per epoch)", colour=TRAIN_COLOUR, hover=hover, **per_epoch))
    if validation is not None and np.isfinite(np.asarray(validation, dtype=float)).any():
        hover = "epoch %{x}<br>held-out %{y:.4f}<extra></extra>"
        data.append(
            line_trace(epochs, validation, name="held-out text", colour=VALIDATION_COLOUR, hover=hover, **per_epoch)
        )
    shapes, annotations = [], []
    if bound is not None:
        shapes.append(horizontal_rule(bound, BOUND_COLOUR, dash="dash"))
        annotations.append(
            dict(
                x=1,
                xref="paper",
                xanchor="right",
                y=np.log10(bound),
                yanchor="bottom",
                text=f"entropy bound exp(H) = {bound:.3f}",
                showarrow=False,
            )
        )
    if not len(epochs) and (step_epochs is None or not len(step_epochs)):
        annotations.append(
            dict(x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, text="no training yet: press Start")
        )
    layout = base_layout(
        title="Perplexity (log scale; lower is better)",
        x_title="epoch",
        y_title="perplexity",
        xaxis=dict(range=[0, max(total_epochs, 1) + 0.5]),
        yaxis=dict(type="log"),
        shapes=shapes,
        annotations=annotations,
        legend=dict(orientation="h", y=-0.25),
        height=360,
    )
    return go.Figure(data=data, layout=layout)


def _column_labels(chars: str, max_chars: int = MAX_CHAR_TICKS) -> tuple[list[str], list[str], list[str], str]:
    """A unique category per character ('12 · a'), the tick values and texts to show, and the axis title.

    Short texts are labelled character by character; longer ones at round positions (0, 20, 40, ...).
    """
    labels = [f"{t} · {visible(c)}" for t, c in enumerate(chars)]
    if len(chars) <= max_chars:
        return labels, labels, [visible(c) for c in chars], "character (hover: position · character)"
    step = next(s for s in (10, 20, 50, 100, 200, 500) if len(chars) / s <= 12)
    positions = range(0, len(chars), step)
    title = "position in the text (hover: the character)"
    return labels, [labels[t] for t in positions], [str(t) for t in positions], title


def char_activation_grid(values: np.ndarray, chars: str, units: np.ndarray, *, quantity: str, title: str) -> go.Figure:
    """``values`` (N, len(units)) of one quantity: rows = the given units, columns = the N characters.

    Hover shows the character, its position, the unit and the value. ``quantity`` ('h', 'f', ...) picks the
    colour scale (0..1 for sigmoid gates, centred at 0 otherwise).
    """
    values = np.asarray(values, dtype=np.float32)
    if values.shape != (len(chars), len(units)):
        raise ValueError(f"values must be (characters, units) = ({len(chars)}, {len(units)}), got {values.shape}")
    labels, tick_values, tick_texts, x_title = _column_labels(chars)
    heatmap = go.Heatmap(
        z=values.T,  # (units, N)
        x=labels,
        y=[f"unit {int(u)}" for u in units],
        colorbar=dict(title=dict(text=quantity)),
        hovertemplate="character %{x}<br>%{y}<br>" + quantity + " = %{z:.4f}<extra></extra>",
        **colour_scale_for(quantity),
    )
    layout = base_layout(
        title=title,
        x_title=x_title,
        y_title="unit",
        height=max(260, min(900, 90 + 14 * len(units))),
        margin=dict(l=110, r=COLORBAR_MARGIN),  # the unit labels, the colour bar
        xaxis=dict(type="category", tickmode="array", tickvals=tick_values, ticktext=tick_texts, tickangle=0),
        yaxis=dict(type="category", autorange="reversed", dtick=1 if len(units) <= 40 else None),
    )
    return go.Figure(data=[heatmap], layout=layout)


def text_layout(chars: str, width: int = 60) -> list[list[int]]:
    """Positions of ``chars`` as rows of at most ``width``: a newline ends its row (shown at the row's end)."""
    rows: list[list[int]] = [[]]
    for t, char in enumerate(chars):
        if len(rows[-1]) >= width:
            rows.append([])
        rows[-1].append(t)
        if char == "\n":
            rows.append([])
    return [row for row in rows if row] or [[]]


def coloured_text(chars: str, values: np.ndarray, *, quantity: str, title: str, width: int = 60) -> go.Figure:
    """The text laid out in rows, each character's cell coloured by ``values`` (N,) (one unit's activation).

    A heatmap with the characters as cell text: hover gives the character, its position and the value.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (len(chars),):
        raise ValueError(f"values must be one per character ({len(chars)},), got {values.shape}")
    rows = text_layout(chars, width)
    columns = max(len(row) for row in rows)
    z = np.full((len(rows), columns), np.nan)
    text = [[""] * columns for _ in rows]
    position = np.full((len(rows), columns), -1)
    for r, row in enumerate(rows):
        for c, t in enumerate(row):
            z[r, c], text[r][c], position[r, c] = values[t], visible(chars[t]), t
    heatmap = go.Heatmap(
        z=as_float32(z),
        text=text,
        texttemplate="%{text}",
        textfont=dict(size=14, family="monospace"),
        customdata=position,
        xgap=1,
        ygap=1,
        colorbar=dict(title=dict(text=quantity)),
        hovertemplate="'%{text}' at position %{customdata}<br>" + quantity + " = %{z:.4f}<extra></extra>",
        **colour_scale_for(quantity),
    )
    layout = base_layout(
        title=title,
        x_title="",
        y_title="",
        height=max(160, 70 + 26 * len(rows)),
        xaxis=dict(visible=False, range=[-0.5, max(columns, 20) - 0.5]),
        yaxis=dict(visible=False, autorange="reversed"),
        margin=dict(l=10, r=COLORBAR_MARGIN, t=50, b=10),
    )
    return go.Figure(data=[heatmap], layout=layout)


def unit_correlation_bars(correlations: np.ndarray, units: np.ndarray, *, feature: str) -> go.Figure:
    """Pearson r of the given units (strongest first) with ``feature``: one bar per unit, coloured by sign."""
    r = np.asarray(correlations, dtype=np.float64)[units]
    colours = [CATEGORY_COLOURS[0] if value >= 0 else CATEGORY_COLOURS[5] for value in np.nan_to_num(r)]
    bars = go.Bar(
        x=[f"unit {int(u)}" for u in units],
        y=as_float32(r),
        marker=dict(color=colours),
        hovertemplate="%{x}<br>r = %{y:.3f}<extra></extra>",
    )
    layout = base_layout(
        title=f"Units most correlated with “{feature}”",
        x_title="hidden unit",
        y_title="Pearson r",
        yaxis=dict(range=[-1.05, 1.05]),
        xaxis=dict(type="category"),
        margin=dict(r=40, b=95),  # the unit names under the bars
        height=300,
    )
    return go.Figure(data=[bars], layout=layout)


def feature_vs_units(
    chars: str, feature: np.ndarray, activations: np.ndarray, units: np.ndarray, *, feature_name: str
) -> go.Figure:
    """The feature (N,) and the activations (N, k) of k units over the characters; the feature on its own axis."""
    labels, tick_values, tick_texts, x_title = _column_labels(chars, max_chars=40)
    data = [
        go.Scatter(
            x=labels,
            y=as_float32(feature),
            name=feature_name,
            mode="lines",
            yaxis="y2",
            connectgaps=False,
            line=dict(color="#BBBBBB", width=1, shape="hv"),
            fill="tozeroy",
            fillcolor="rgba(187, 187, 187, 0.35)",
            hovertemplate="%{x}<br>feature %{y}<extra></extra>",
        )
    ]
    for index, unit in enumerate(units):
        data.append(
            go.Scatter(
                x=labels,
                y=as_float32(activations[:, index]),
                name=f"unit {int(unit)}",
                mode="lines",
                line=dict(color=CATEGORY_COLOURS[index % len(CATEGORY_COLOURS)], width=1.5),
                hovertemplate="%{x}<br>h = %{y:.3f}<extra>unit " + str(int(unit)) + "</extra>",
            )
        )
    layout = base_layout(
        title=f"“{feature_name}” and the units that follow it",
        x_title=x_title,
        y_title="activation h",
        xaxis=dict(type="category", tickmode="array", tickvals=tick_values, ticktext=tick_texts, tickangle=0),
        yaxis2=dict(
            title=dict(text=feature_name),
            overlaying="y",
            side="right",
            showgrid=False,
            tickmode="auto",
            rangemode="tozero",
        ),
        legend=dict(orientation="h", y=-0.3),
        margin=dict(r=70, b=120),  # the second y axis's title, the legend below
        height=340,
    )
    return go.Figure(data=data, layout=layout)


def next_character_heatmap(
    probabilities: np.ndarray, chars: str, step_labels: list[str] | tuple[str, ...]
) -> go.Figure:
    """A character model's p(next character) after every step: ``probabilities`` (T, V), one row per character of
    the vocabulary ``chars`` (rows), the steps (columns) labelled with the characters read."""
    steps = np.arange(probabilities.shape[0])
    heatmap = go.Heatmap(
        z=as_float32(probabilities.T),  # (V, T)
        x=steps,
        y=[visible(c) for c in chars],
        customdata=[list(step_labels)] * len(chars),
        colorscale=SEQUENTIAL_SCALE,
        zmin=0.0,
        zmax=1.0,
        colorbar=dict(title=dict(text="p")),
        hovertemplate="after '%{customdata}' (t=%{x}): p(next = '%{y}') = %{z:.3f}<extra></extra>",
    )
    layout = base_layout(
        title="What the model expects next: p(next character) = softmax(head(h_t))",
        x_title="",
        y_title="next character",
        height=max(220, 90 + 22 * len(chars)),
        margin=dict(r=COLORBAR_MARGIN),
        xaxis=labelled_time_axis(step_labels, steps),
        yaxis=dict(autorange="reversed", type="category"),
    )
    return go.Figure(data=[heatmap], layout=layout)
