"""Tensor pictures: every tensor of one call drawn as a block with named axes, and stacked weight matrices.

Tables and arrays in, ``go.Figure`` out; nothing here runs a model. A 3-D tensor (a0, a1, a2) is drawn the
way PyTorch prints it: axis 0 as depth (index 0 in front), axis 1 as rows, axis 2 as columns; a 2-D tensor
(unbatched) is a flat card of rows x columns. So ``batch_first`` visibly swaps the depth and row axes of
input and output, while h0/h_n/c0/c_n keep (layers×directions, batch, size).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures.heatmaps import decimation_stride
from rnnviz.figures.style import (
    DIRECTION_COLOURS,
    GATE_COLOURS,
    TENSOR_COLOURS,
    base_layout,
    colour_scale_for,
    horizontal_rule,
)
from rnnviz.shapes.checks import StateSlice
from rnnviz.shapes.table import GateBlock, TensorShape

DEPTH = 0.5  # drawn depth per unit of axis 0, along the 45° diagonal
GRID_MAX = 24  # draw cell lines along an axis of at most this many elements
GAP = 6.0  # horizontal space between blocks (room for the row-axis label)
#: Weight heatmaps are decimated to at most this many rows and columns.
MAX_WEIGHT_CELLS = 256

Point = tuple[float, float]


def axis_length(n: int) -> float:
    """Drawn length of an axis of n elements: n up to 8, then logarithmic (16 -> 10.5, 1024 -> 25.5)."""
    return float(n) if n <= 8 else 8.0 + 2.5 * math.log2(n / 8)


def _extent(shape: tuple[int, ...]) -> tuple[float, float, float]:
    """(width, height, depth) of a tensor's block."""
    if len(shape) == 3:
        return axis_length(shape[2]), axis_length(shape[1]), axis_length(shape[0]) * DEPTH
    return axis_length(shape[-1]), axis_length(shape[0]) if len(shape) == 2 else 1.0, 0.0


def _cuboid(x: float, y: float, w: float, h: float, d: float) -> list[list[Point]]:
    """Front face with top-left (x, y), then top and right faces receding by d (front only when d == 0)."""
    front = [(x, y), (x + w, y), (x + w, y - h), (x, y - h)]
    if d == 0:
        return [front]
    top = [(x, y), (x + w, y), (x + w + d, y + d), (x + d, y + d)]
    right = [(x + w, y), (x + w + d, y + d), (x + w + d, y - h + d), (x + w, y - h)]
    return [front, top, right]


def _polygons_xy(polygons: list[list[Point]], closed: bool = True) -> tuple[list, list]:
    """x and y lists of every polygon (closed) or polyline, separated by None, for one scatter trace."""
    xs, ys = [], []
    for polygon in polygons:
        ring = [*polygon, polygon[0]] if closed else polygon
        xs += [p[0] for p in ring] + [None]
        ys += [p[1] for p in ring] + [None]
    return xs, ys


def _sub_block(shape: tuple[int, ...], origin: Point, ranges: dict[int, tuple[int, int]]) -> list[list[Point]]:
    """The faces of elements ``ranges`` (axis -> half-open index range; other axes whole) of a block."""
    w, h, d = _extent(shape)
    full = {axis: (0, n) for axis, n in enumerate(shape)} | ranges
    scale = [axis_length(n) / n for n in shape]
    cols, rows = len(shape) - 1, len(shape) - 2
    x = origin[0] + full[cols][0] * scale[cols]
    width = (full[cols][1] - full[cols][0]) * scale[cols]
    top = origin[1] - (full[rows][0] * scale[rows] if rows >= 0 else 0.0)
    height = (full[rows][1] - full[rows][0]) * scale[rows] if rows >= 0 else h
    z0, z1 = (full[0][0] * scale[0] * DEPTH, full[0][1] * scale[0] * DEPTH) if len(shape) == 3 else (0.0, 0.0)
    return _cuboid(x + z0, top + z0, width, height, z1 - z0)


def _grid(shape: tuple[int, ...], origin: Point) -> list[list[Point]]:
    """Cell lines on the visible faces for axes of at most GRID_MAX elements, as 2-point segments."""
    (x, y), (w, h, d) = origin, _extent(shape)
    segments: list[list[Point]] = []
    cols_n, rows_n = shape[-1], shape[-2] if len(shape) >= 2 else 1
    if cols_n <= GRID_MAX:
        for i in range(1, cols_n):
            cx = x + i * w / cols_n
            segments.append([(cx, y - h), (cx, y), (cx + d, y + d)])
    if len(shape) >= 2 and rows_n <= GRID_MAX:
        for i in range(1, rows_n):
            cy = y - i * h / rows_n
            segments.append([(x, cy), (x + w, cy), (x + w + d, cy + d)])
    if len(shape) == 3 and shape[0] <= GRID_MAX:
        for i in range(1, shape[0]):
            z = i * d / shape[0]
            segments.append([(x + z, y + z), (x + w + z, y + z), (x + w + z, y - h + z)])
    return segments


def _axis_labels(tensor: TensorShape, origin: Point) -> list[dict]:
    """Annotations naming each axis along its edge: columns below, rows at the left, depth on the diagonal."""
    (x, y), (w, h, d) = origin, _extent(tensor.shape)
    text = [f"{axis} {sym}={n}" for axis, sym, n in zip(tensor.axes, tensor.symbols, tensor.shape, strict=True)]
    notes = [dict(x=x + w / 2, y=y - h - 0.4, text=text[-1], yanchor="top", showarrow=False)]
    short = [
        t if len(axis) <= 10 else f"{sym}={n}"
        for t, axis, sym, n in zip(text, tensor.axes, tensor.symbols, tensor.shape, strict=True)
    ]  # "L*D=2" for layers×directions
    if len(text) >= 2:
        notes.append(dict(x=x - 0.4, y=y - h / 2, text=short[-2], textangle=-90, xanchor="right", showarrow=False))
    if len(text) == 3:  # along the receding top-left edge
        notes.append(dict(x=x + d / 2 - 0.6, y=y + d / 2 + 1.1, text=short[0], textangle=-45, showarrow=False))
    return notes


def fig_tensor_blocks(
    tensors: Sequence[TensorShape], *, slices: Sequence[StateSlice] = (), title: str = "Tensors of one call"
) -> go.Figure:
    """Each tensor as a block with labelled axes: arguments (input, h0, c0) on the top row, results below.

    ``slices`` highlight, per direction, the part of ``output`` equal to a row of ``h_n`` (one legend entry
    each). Traces: 2 per tensor (faces, grid lines) then 1 per slice.
    """
    rows = [[t for t in tensors if t.role == "argument"], [t for t in tensors if t.role == "result"]]
    origins: dict[str, Point] = {}
    y = 0.0
    for row in rows:
        x = 0.0
        depth = max((_extent(t.shape)[2] for t in row), default=0.0)
        for tensor in row:
            w, h, d = _extent(tensor.shape)
            origins[tensor.name] = (x, y - depth)
            x += w + d + GAP
        y -= depth + max((_extent(t.shape)[1] for t in row), default=0.0) + 8.0
    traces: list[go.Scatter] = []
    notes: list[dict] = []
    for tensor in tensors:
        origin, (w, h, d) = origins[tensor.name], _extent(tensor.shape)
        xs, ys = _polygons_xy(_cuboid(*origin, w, h, d))
        colour = TENSOR_COLOURS.get(tensor.name, GATE_COLOURS["h"])
        hover = f"{tensor.name} {tensor.shape}<br>({', '.join(tensor.axes)})<br>{tensor.note}"
        traces.append(_filled(xs, ys, colour, 0.22, name=tensor.name, text=hover, hoverinfo="text", showlegend=False))
        gx, gy = _polygons_xy(_grid(tensor.shape, origin), closed=False)
        traces.append(
            go.Scatter(
                x=gx,
                y=gy,
                mode="lines",
                line=dict(color=_rgba(colour, 0.55), width=0.8),
                hoverinfo="skip",
                showlegend=False,
                name=f"{tensor.name} cells",
            )
        )
        notes.append(
            dict(
                x=origin[0] + (w + d) / 2,
                y=origin[1] + d + 2.4,
                yanchor="bottom",
                showarrow=False,
                text=f"<b>{tensor.name}</b> {tensor.shape}<br><span style='font-size:11px;color:#555'>"
                f"{' × '.join(tensor.axes)}</span>",
                font=dict(size=14),
            )
        )
        notes += _axis_labels(tensor, origin)
    by_name = {t.name: t for t in tensors}
    for s in slices:
        polygons = []
        if "output" in by_name:
            out = by_name["output"]
            ranges = {out.axes.index("seq"): (s.step, s.step + 1), len(out.shape) - 1: s.features}
            polygons += _sub_block(out.shape, origins["output"], ranges)
        if "h_n" in by_name:
            polygons += _sub_block(by_name["h_n"].shape, origins["h_n"], {0: (s.h_n_row, s.h_n_row + 1)})
        xs, ys = _polygons_xy(polygons)
        colour = DIRECTION_COLOURS[s.direction]
        traces.append(_filled(xs, ys, colour, 0.55, name=s.label, hoverinfo="name"))
    layout = base_layout(
        title=title,
        x_title="",
        y_title="",
        height=_height(origins, tensors),
        annotations=notes,
        legend=dict(orientation="h", yanchor="top", y=-0.02, x=0.0),
        margin=dict(l=20, r=20, t=50, b=55),
        xaxis=dict(visible=False),
        yaxis=dict(visible=False, scaleanchor="x", scaleratio=1),
    )
    return go.Figure(data=traces, layout=layout)


def _height(origins: dict[str, Point], tensors: Sequence[TensorShape]) -> int:
    """Figure height in px that keeps cells square across a typical page width (about 900 px)."""
    right = max(origins[t.name][0] + sum(_extent(t.shape)[::2]) for t in tensors) + 3
    top = max(origins[t.name][1] + _extent(t.shape)[2] for t in tensors) + 3
    bottom = min(origins[t.name][1] - _extent(t.shape)[1] for t in tensors) - 3
    return int(min(900, max(320, 900 * (top - bottom) / max(right + 3, 1) + 120)))


def _filled(xs: list, ys: list, colour: str, alpha: float, **options) -> go.Scatter:
    """Polygons (None-separated) filled with ``colour`` at ``alpha``, outlined in it, hoverable by area."""
    fill = dict(fill="toself", fillcolor=_rgba(colour, alpha), line=dict(color=colour, width=2), hoveron="fills")
    return go.Scatter(x=xs, y=ys, mode="lines", **fill, **options)


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def fig_stacked_weight(
    values: np.ndarray, *, name: str, blocks: Sequence[GateBlock] = (), column_title: str = "column"
) -> go.Figure:
    """A weight matrix ``values`` (rows, cols) as a heatmap of its real values, gate blocks marked at the left.

    ``blocks`` (e.g. LSTM i|f|g|o) get a bar in their gate colour and their symbol (W_ii, ...). Matrices
    larger than MAX_WEIGHT_CELLS per axis are decimated (every k-th row/column), which the title says.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"values must be a (rows, cols) matrix, got shape {values.shape}")
    n_rows, n_cols = values.shape
    row_step, col_step = decimation_stride(n_rows, MAX_WEIGHT_CELLS), decimation_stride(n_cols, MAX_WEIGHT_CELLS)
    rows, cols = np.arange(0, n_rows, row_step), np.arange(0, n_cols, col_step)
    symbols = " | ".join(b.symbol for b in blocks)
    title = f"{name} {values.shape}" + (f": {symbols} stacked" if len(blocks) > 1 else "")
    if row_step > 1 or col_step > 1:
        title += f" (every {row_step}th row, {col_step}th column shown)"
    heatmap = go.Heatmap(
        z=values[np.ix_(rows, cols)],
        x=cols,
        y=rows,
        colorbar=dict(title=dict(text="value")),
        hovertemplate="row %{y}, column %{x}<br>value %{z:.4f}<extra></extra>",
        **colour_scale_for("weight"),
    )
    shapes, yaxis = [], dict(autorange="reversed")
    for block in blocks:  # a bar in the gate's colour just left of the plot, a line between blocks
        start, stop = block.rows[0] - 0.5, block.rows[1] - 0.5
        colour = GATE_COLOURS.get(block.gate, GATE_COLOURS["h"])
        shapes.append(
            dict(
                type="rect",
                xref="x domain",
                x0=-0.025,
                x1=-0.005,
                yref="y",
                y0=start,
                y1=stop,
                fillcolor=colour,
                line=dict(width=0),
            )
        )
        if block.rows[0] > 0:
            shapes.append(horizontal_rule(start, "black", xref="x domain"))
    if blocks:  # tick labels name each block, in its gate's colour
        yaxis |= dict(
            tickvals=[(b.rows[0] + b.rows[1] - 1) / 2 for b in blocks],
            ticklabelstandoff=14,
            ticktext=[
                f"<span style='color:{GATE_COLOURS.get(b.gate, GATE_COLOURS['h'])}'><b>{b.symbol}</b></span>"
                f"<br>rows {b.rows[0]}–{b.rows[1] - 1}"
                for b in blocks
            ],
        )
    layout = base_layout(
        title=title,
        x_title=column_title,
        y_title="row",
        height=int(min(700, max(300, 4 * n_rows + 120))),
        margin=dict(l=110 if blocks else 60),
        yaxis=yaxis,
        shapes=shapes,
        xaxis=dict(tickformat="d", dtick=max(1, len(cols) * col_step // 8) if n_cols <= 64 else None),
    )
    return go.Figure(data=[heatmap], layout=layout)
