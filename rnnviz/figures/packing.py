"""Pictures of ``pack_padded_sequence``: the padded batch with its mask, and the packed ``data`` strip.

Arrays in, ``go.Figure`` out (see ``rnnviz.shapes.packing.PackingDemo`` for where the arrays come from).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures.style import CATEGORY_COLOURS, base_layout, colour_scale_for

PAD_COLOUR = "#DDDDDD"


def fig_padded_batch(values: np.ndarray, mask: np.ndarray, *, title: str = "Padded batch and mask") -> go.Figure:
    """``values`` (B, T) one feature of every sequence; ``mask`` (B, T) True on real steps, grey 'pad' elsewhere.

    Traces: the real values (heatmap, padding blank), then the padding (grey heatmap labelled 'pad').
    """
    values, mask = np.asarray(values, dtype=float), np.asarray(mask, dtype=bool)
    if values.ndim != 2 or values.shape != mask.shape:
        raise ValueError(f"values and mask must both be (batch, time), got {values.shape} and {mask.shape}")
    batch, steps = values.shape
    lengths = mask.sum(axis=1)
    labels = [f"seq {b} (len {n})" for b, n in enumerate(lengths)]
    real = go.Heatmap(
        z=np.where(mask, values, np.nan),
        x=np.arange(steps),
        y=labels,
        colorbar=dict(title=dict(text="x")),
        hovertemplate="%{y}, t=%{x}<br>x=%{z:.4f}<extra></extra>",
        xgap=1,
        ygap=1,
        **colour_scale_for("x"),
    )
    padding = go.Heatmap(
        z=np.where(mask, np.nan, 0.0),
        x=np.arange(steps),
        y=labels,
        colorscale=[[0, PAD_COLOUR], [1, PAD_COLOUR]],
        showscale=False,
        text=np.where(mask, "", "pad"),
        texttemplate="%{text}",
        xgap=1,
        ygap=1,
        hovertemplate="%{y}, t=%{x}<br>padding (mask 0)<extra></extra>",
    )
    layout = base_layout(
        title=title,
        x_title="time step t",
        y_title="sequence",
        height=int(120 + 36 * batch),
        yaxis=dict(autorange="reversed", type="category"),
    )
    return go.Figure(data=[real, padding], layout=layout)


def fig_packed_data(data_origin: np.ndarray, batch_sizes: Sequence[int], *, title: str = "") -> go.Figure:
    """``packed.data`` as one strip: row k of data came from step t of sequence b (``data_origin[k] = (t, b)``).

    Cells are coloured by sequence; each time step's group is labelled with its ``batch_sizes[t]``.
    One heatmap trace.
    """
    origin = np.asarray(data_origin, dtype=int).reshape(-1, 2)
    sizes = [int(n) for n in batch_sizes]
    if len(origin) != sum(sizes):
        raise ValueError(f"data_origin has {len(origin)} rows but batch_sizes sum to {sum(sizes)}")
    sequences = int(origin[:, 1].max()) + 1 if len(origin) else 1
    palette = [CATEGORY_COLOURS[b % len(CATEGORY_COLOURS)] for b in range(sequences)]
    scale = [[pos, colour] for b, colour in enumerate(palette) for pos in (b / sequences, (b + 1) / sequences)]
    heatmap = go.Heatmap(
        z=origin[None, :, 1],
        x=np.arange(len(origin)),
        y=["data"],
        zmin=-0.5,
        zmax=sequences - 0.5,
        colorscale=scale,
        showscale=False,
        xgap=2,
        text=[[f"t{t}<br>s{b}" for t, b in origin]],
        texttemplate="%{text}",
        hovertemplate="data[%{x}] = step %{text}<extra></extra>",
    )
    starts = np.cumsum([0, *sizes[:-1]])
    notes = [
        dict(x=start + (size - 1) / 2, y=1.0, yref="y domain", yanchor="bottom", showarrow=False, text=f"t={t}: {size}")
        for t, (start, size) in enumerate(zip(starts.tolist(), sizes, strict=True))
    ]
    lines = [
        dict(
            type="line", x0=start - 0.5, x1=start - 0.5, yref="y domain", y0=0, y1=1, line=dict(color="black", width=2)
        )
        for start in starts.tolist()[1:]
    ]
    title = title or f"packed.data: {len(origin)} rows (t step, s sequence); above: t: batch_sizes[t] = {sizes}"
    layout = base_layout(
        title=title,
        x_title="row of packed.data",
        y_title="",
        height=200,
        annotations=notes,
        shapes=lines,
        margin=dict(t=80),
    )
    return go.Figure(data=[heatmap], layout=layout)
