"""A trace in a notebook: ``Trace._repr_html_`` (the check, the shapes, a small heatmap per gate and state) and
``Trace.to_dataframe`` (every value in long format).

The heatmaps are tiny PNGs written with the standard library (zlib), shown scaled up without smoothing:
no plotting package is needed. Rows are units, columns are time steps; grey marks a step without a value
(past a packed sequence's length, or NaN). The scales follow the app's: 0..1 for sigmoid gates, -1..1 for
tanh gates, symmetric around 0 up to the largest |value| for the states.
"""

from __future__ import annotations

import base64
import html
import struct
import zlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from rnnviz.core.result import Trace

#: The heatmaps show at most this many units (rows) and time steps (columns); longer axes keep every k-th.
MAX_ROWS, MAX_COLUMNS = 64, 240
#: Viridis and RdBu (reversed: blue negative, red positive) at evenly spaced stops, RGB 0..255.
_SEQUENTIAL = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], dtype=float)
_DIVERGING = np.array([[5, 48, 97], [67, 147, 195], [247, 247, 247], [214, 96, 77], [103, 0, 31]], dtype=float)
_NO_VALUE = np.array([200, 200, 200], dtype=float)
_SIGMOID, _TANH = frozenset("ifozr"), frozenset("gn")


def trace_html(trace: Trace) -> str:
    """The check, the shapes and one heatmap per gate and state (top layer, forward direction, batch item 0)."""
    geo = trace.geometry
    colour = "#777" if trace.clamped else ("#1a7f37" if trace.matches else "#cf222e")
    lengths = "" if trace.lengths is None else f", packed, lengths {trace.lengths.tolist()}"
    layer = geo.num_layers - 1
    parts = [
        f"<div><b>rnnviz trace of torch.nn.{geo.name}</b>: seq {trace.seq_len}, batch {trace.batch_size}, "
        f"hidden {geo.hidden_size}, {geo.num_layers} layer(s) × {geo.num_directions} direction(s){lengths}</div>",
        f'<div style="color:{colour}">{html.escape(trace.check_summary())}</div>',
    ]
    if trace.nonfinite is not None:
        parts.append(f'<div style="color:#cf222e">{html.escape(str(trace.nonfinite))}</div>')
    parts.append(_shape_table(trace))
    parts.append(
        f"<div>layer {layer}, forward direction, batch item 0: units (rows) × time steps (columns)</div>"
        '<div style="display:flex;flex-wrap:wrap;gap:12px">'
        + "".join(_heatmap(name, trace.values(name, layer)[:, 0]) for name in trace.quantity_names)
        + "</div>"
    )
    return "<div>" + "".join(parts) + "</div>"


def _shape_table(trace: Trace) -> str:
    def shape(value) -> str:
        if value is None:
            return "—"
        if hasattr(value, "batch_sizes"):
            return f"PackedSequence: data {tuple(value.data.shape)}, batch_sizes {tuple(value.batch_sizes.shape)}"
        return str(tuple(value.shape))

    size = trace.geometry.out_size
    rows = [("output", shape(trace.output)), ("h_n", shape(trace.h_n)), ("c_n", shape(trace.c_n))]
    rows += [(f"gate({name!r})", shape(trace.gate(name))) for name in trace.gate_names]
    rows.append(("state('h')", f"({trace.seq_len}, {trace.batch_size}, {size})"))
    cells = "".join(f"<tr><td><code>{html.escape(n)}</code></td><td>{html.escape(s)}</td></tr>" for n, s in rows)
    return f"<table>{cells}</table>"


def _heatmap(name: str, values) -> str:
    """One quantity (T, units) as a small PNG with its name and colour range."""
    grid = values.detach().double().cpu().numpy().T  # (units, T)
    grid = grid[:: -(-grid.shape[0] // MAX_ROWS), :: -(-grid.shape[1] // MAX_COLUMNS)]
    finite = grid[np.isfinite(grid)]
    if name in _SIGMOID:
        low, high, stops = 0.0, 1.0, _SEQUENTIAL
    elif name in _TANH:
        low, high, stops = -1.0, 1.0, _DIVERGING
    else:
        bound = float(np.abs(finite).max()) if finite.size else 1.0
        low, high, stops = -(bound or 1.0), bound or 1.0, _DIVERGING
    position = np.clip((np.nan_to_num(grid, nan=low) - low) / (high - low), 0, 1) * (len(stops) - 1)
    below = np.minimum(position.astype(int), len(stops) - 2)
    weight = (position - below)[..., None]
    rgb = stops[below] * (1 - weight) + stops[below + 1] * weight
    rgb[~np.isfinite(grid)] = _NO_VALUE
    image = base64.b64encode(_png(rgb.astype(np.uint8))).decode("ascii")
    return (
        f'<figure style="margin:0"><img alt="{html.escape(name)} heatmap" src="data:image/png;base64,{image}" '
        f'style="width:220px;height:90px;image-rendering:pixelated;border:1px solid #ddd">'
        f"<figcaption><code>{html.escape(name)}</code> {low:.3g} .. {high:.3g}</figcaption></figure>"
    )


def _png(rgb: np.ndarray) -> bytes:
    """An (height, width, 3) uint8 array as a PNG file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    height, width = rgb.shape[:2]
    rows = b"".join(b"\x00" + row.tobytes() for row in rgb)  # filter type 0 before each row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def trace_dataframe(trace: Trace, layers=None, quantities=None) -> pd.DataFrame:
    """Long format, one row per value: t, layer, direction, batch, unit, quantity, value (time-major); the
    steps past a packed sequence's length are left out. ``layers``/``quantities`` keep only those."""
    import pandas as pd  # on first use: ``import rnnviz`` stays quick

    unknown = set(quantities or ()) - set(trace.quantity_names)
    if unknown:
        raise KeyError(f"{trace.kind} has no quantity {sorted(unknown)}; its quantities are {trace.quantity_names}")
    valid = trace.valid_steps().cpu().numpy()  # (T, B)
    frames = []
    for layer, direction in trace.records:
        if layers is not None and layer not in layers:
            continue
        for quantity in quantities or trace.quantity_names:
            values = trace.values(quantity, layer, direction).detach().cpu().numpy()  # (T, B, units)
            t, b, u = np.nonzero(np.broadcast_to(valid[..., None], values.shape))
            frame = {"t": t, "layer": layer, "direction": direction, "batch": b, "unit": u}
            frames.append(pd.DataFrame(frame | {"quantity": quantity, "value": values[t, b, u]}))
    columns = ["t", "layer", "direction", "batch", "unit", "quantity", "value"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def call_table_html(rows: list[tuple], note: str) -> str:
    """A capture's calls as a table: path, call index, module, input, traced yet."""
    head = "".join(f"<th>{h}</th>" for h in ("module path", "call", "module", "input", "traced"))
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in (path, index, name, shape, traced)) + "</tr>"
        for path, index, name, shape, traced in rows
    )
    return (f"<p>{html.escape(note)}</p>" if note else "") + f"<table><tr>{head}</tr>{body}</table>"
