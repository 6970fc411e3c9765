"""The per-step view as data for the browser: one traced slice (layer, direction, batch item) and one unit, with
every number the view can show at every step, so that scrubbing and Play need no server.

``step_view_data(trace, unit=k, ...)`` is a JSON-ready dict (for a packed batch, over the batch item's own
steps only):

* ``diagram``: the cell diagram (``cell_diagram_svg``) drawn at the first step, and for each card q the colour
  index (into ``luts``) and the text (4 significant digits) of unit k at every step; with ``all_units`` also
  every unit's colour index for the bars (8-bit levels, time decimated to fit, ``notes`` says so);
* ``equations``: every line of the cell (``rnnviz.core.equations.equation_series``): symbolic HTML, an HTML
  template with ``{j}`` slots and the slot strings at every step: the very numbers the server shows;
* ``luts``: the colour scales, sampled as the server samples them, so a card has the same fill either way.

Arrays travel as base64 little-endian bytes (``uint16`` colour indices, ``uint8`` bar levels). ``None`` comes
back when the data would exceed ``max_bytes`` even decimated: the page then draws the view on the server.
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache

import numpy as np

from rnnviz.core.equations import equation_series
from rnnviz.core.trace import Trace
from rnnviz.figures.cell_diagram import (
    H_MEANINGS,
    MEANINGS,
    MISSING_FILL,
    QUANTITIES,
    cell_diagram_svg,
    format_value,
    ink_for,
    sample_positions,
    scale_limits,
    symbol_of,
)
from rnnviz.figures.cell_values import cell_note, cell_series, trace_limits
from rnnviz.figures.style import DIVERGING_SCALE, SEQUENTIAL_SCALE, SIGMOID_QUANTITIES, ordinal

#: The data sent to the browser stays below this; above it the view is drawn on the server.
MAX_PAYLOAD_BYTES = 2_000_000
#: A card's fill is the scale sampled at its position rounded to 1/LUT_STEPS (as ``value_colour`` does).
LUT_STEPS = 1000
MISSING = 65535  # colour index of a NaN/inf value: the neutral grey


def _lut(scale: str, steps: int) -> list[str]:
    return sample_positions(scale, [k / steps for k in range(steps + 1)])


@lru_cache(maxsize=1)
def colour_tables() -> dict:
    """The sequential and diverging scales at 1001 positions (cards) and 256 (bars), and the text colour on each."""
    tables = {}
    for name, scale in (("seq", SEQUENTIAL_SCALE), ("div", DIVERGING_SCALE)):
        fills = _lut(scale, LUT_STEPS)
        tables[name] = {
            "fill": fills,
            "ink": "".join("1" if ink_for(f) == "#FFFFFF" else "0" for f in fills),
            "bars": _lut(scale, 255),
        }
    tables["missing"] = MISSING_FILL
    return tables


def _positions(quantity: str, values: np.ndarray, limit: float) -> np.ndarray:
    """Where each value sits on its card's colour scale, 0..1 (NaN stays NaN): as ``value_colour`` places it."""
    if quantity in SIGMOID_QUANTITIES:
        return np.clip(values, 0.0, 1.0)
    return np.clip(0.5 + 0.5 * values / limit, 0.0, 1.0)


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()).decode()


def _card_indices(quantity: str, values: np.ndarray, limit: float) -> np.ndarray:
    """Colour index 0..LUT_STEPS per value (``MISSING`` for NaN/inf): (T,) uint16."""
    positions = _positions(quantity, values, limit)
    finite = np.isfinite(positions)
    rounded = np.round(np.where(finite, positions, 0.0) * LUT_STEPS)
    return np.where(finite, rounded, MISSING).astype(np.uint16)


def _bar_levels(quantity: str, values: np.ndarray, limit: float) -> np.ndarray:
    """8-bit colour level per value (0 for NaN/inf, drawn as the lowest colour): (T, size) uint8."""
    positions = np.nan_to_num(_positions(quantity, values, limit), nan=0.0)
    return np.round(positions * 255).astype(np.uint8)


def _cards(trace: Trace, series: dict, scales: dict, unit: int, reverse: bool) -> list[dict]:
    """Per card: its colour scale, hover text template, and unit ``unit``'s colour index and text at every step."""
    cards = []
    for quantity in QUANTITIES[trace.kind]:
        values = series[quantity]
        index = 0 if quantity == "x" else unit
        meaning = H_MEANINGS[trace.kind] if quantity == "h" else MEANINGS[quantity]
        symbol = symbol_of(quantity)
        if reverse:
            meaning, symbol = meaning.replace("t-1", "t+1"), symbol.replace("t-1", "t+1")
        card = {
            "name": quantity,
            "index": index,
            "scale": "seq" if quantity in SIGMOID_QUANTITIES else "div",
            "title_template": f"{symbol}[{index}] = {{}}: {meaning}",  # the card's hover text, {} the value
        }
        if index < values.shape[1]:  # h_{t-1} has P < H entries with a projection
            column = values[:, index]
            card["colour"] = _b64(_card_indices(quantity, column, scales.get(quantity, 1.0)))
            card["text"] = [format_value(v) for v in column.tolist()]
        cards.append(card)
    return cards


def _add_bars(data: dict, series: dict, scales: dict, max_bytes: int) -> None:
    """Every unit's 8-bit colour level at every ``stride``-th step, the smallest stride that fits the budget."""
    levels = {q: _bar_levels(q, series[q], scales.get(q, 1.0)) for q in QUANTITIES[data["kind"]]}
    budget = (max_bytes - payload_bytes(data) - 64 * len(levels)) * 3 // 4  # base64 grows by 4/3
    total = sum(level.size for level in levels.values())
    stride = max(1, -(-total // budget)) if budget > 0 else data["steps"] + 1
    for card in data["cards"]:
        card["bars"] = _b64(levels[card["name"]][::stride])
        card["size"] = levels[card["name"]].shape[1]
    data["bars_stride"] = stride
    if stride > 1:
        data["notes"].append(
            f"The bars show every {ordinal(stride)} step in 8-bit colour levels, so that the data fits in "
            f"{max_bytes / 1e6:.0f} MB; the cards, numbers and equations show every step exactly."
        )


def step_view_data(
    trace: Trace,
    *,
    unit: int,
    layer: int = 0,
    direction: int = 0,
    batch: int = 0,
    all_units: bool = False,
    max_bytes: int | None = None,
) -> dict | None:
    """Everything the browser needs to draw any step of one unit (see the module docstring), or None when it
    would not fit in ``max_bytes`` (default ``MAX_PAYLOAD_BYTES``)."""
    max_bytes = MAX_PAYLOAD_BYTES if max_bytes is None else max_bytes
    # a packed sequence has only its own steps: the view of batch item ``batch`` ends at its last one
    steps = trace.seq_len if trace.lengths is None else int(trace.lengths[batch])
    series = {q: v[:steps] for q, v in cell_series(trace, layer, direction, batch).items()}  # quantity -> (T, size)
    limits = trace_limits(trace, layer, direction, batch)
    scales = scale_limits(trace.kind, {}, limits)  # the fixed bounds of the whole sequence
    reverse = direction == 1
    first = {q: v[0, 0 if q == "x" else unit] for q, v in series.items() if q == "x" or unit < v.shape[1]}
    note = cell_note(trace, layer)
    svg = cell_diagram_svg(
        trace.kind,
        first,
        unit=None if all_units else unit,
        t=0,
        vectors={q: v[0] for q, v in series.items()} if all_units else None,
        limits=limits,
        note=note,
        reverse=reverse,
    )
    lines = equation_series(trace, unit=unit, layer=layer, direction=direction, batch=batch)
    data = {
        "kind": trace.kind,
        "steps": steps,
        "unit": unit,
        "reverse": reverse,
        "all_units": all_units,
        "bars_stride": 1,
        "note": note,
        "notes": [],
        "svg": svg,
        "cards": _cards(trace, series, scales, unit, reverse),
        "luts": colour_tables(),
        "equations": [
            {
                "name": line.name,
                "symbolic": line.symbolic_html,
                "template": line.evaluated_html,
                "slots": [list(slot[:steps]) for slot in line.slots],
            }
            for line in lines
        ],
    }
    if steps < trace.seq_len:
        data["notes"].append(
            f"Batch item {batch} is a packed sequence of length {steps}: the module ran it over t = 0..{steps - 1} "
            "only, so its view ends there (the charts grey out the steps it does not have)."
        )
    if all_units:
        _add_bars(data, series, scales, max_bytes)
    return data if payload_bytes(data) <= max_bytes else None


def payload_bytes(data: dict) -> int:
    """Size of ``data`` as the JSON the browser receives."""
    return len(json.dumps(data, separators=(",", ":")))
