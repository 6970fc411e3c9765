"""The cell diagram at step t: a textbook drawing of the cell (assets/cells/*.svg) with the live values on it.

``rnnviz.figures.cell_values`` reads one step of a ``Trace``; ``cell_diagram_svg`` fills a template: each
quantity q has a card whose body ``box-q`` is coloured by value and whose text ``val-q`` shows the number
(4 significant digits), and whose group ``q-q`` gets a ``<title>`` (hover text where the SVG is a document
of its own, e.g. ``components.html``; ``st.image`` shows it as an <img>, which has no hover, so the numbers
are always drawn on the cards).
Colours: sigmoid gates on the sequential scale fixed to 0..1; tanh quantities on the diverging scale -1..1;
unbounded quantities (x, c, ReLU h) on the diverging scale ±L, L = max(1, largest |value| among them) unless
``limits`` fixes it (pass the same limits for every step to keep colours comparable over time). Colours clip
at the ends of a scale; the numbers never do. The SVG is built with ElementTree, so every text is escaped.

x_t: the diagram shows one input feature (``feature``, default 0), not the norm: a norm has no sign and
cannot sit on the diverging scale. For input_size 1 that is the input itself; ``cell_note`` says which
feature it is otherwise (``cell_note``). With ``proj_size`` the diagram draws the cell before the projection W_hr:
h_t shows m_t = o_t * tanh(c_t) (size H); h_{t-1} (size P) is shown for units below P.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
from plotly.colors import get_colorscale, sample_colorscale

from rnnviz.figures.style import DIVERGING_SCALE, SEQUENTIAL_SCALE, SIGMOID_QUANTITIES

CELLS_DIR = Path(__file__).resolve().parents[2] / "assets" / "cells"
TEMPLATES = {"LSTM": "lstm.svg", "GRU": "gru.svg", "RNN_TANH": "rnn.svg", "RNN_RELU": "rnn.svg"}
#: The quantities each diagram shows, in drawing order.
QUANTITIES = {
    "LSTM": ("x", "h_prev", "c_prev", "f", "i", "g", "o", "c", "tanh_c", "h"),
    "GRU": ("x", "h_prev", "r", "z", "n", "h"),
    "RNN_TANH": ("x", "h_prev", "h"),
    "RNN_RELU": ("x", "h_prev", "h"),
}
SYMBOLS = {"x": "x_t", "h_prev": "h_{t-1}", "c_prev": "c_{t-1}", "c": "c_t", "tanh_c": "tanh(c_t)", "h": "h_t"}
MEANINGS = {
    "x": "input at step t",
    "h_prev": "hidden state from the previous step",
    "c_prev": "cell state from the previous step",
    "i": "input gate, fraction of the candidate g_t written to the cell",
    "f": "forget gate, fraction of c_{t-1} kept",
    "g": "cell candidate, tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)",
    "o": "output gate, fraction of tanh(c_t) let out as h_t",
    "c": "cell state, f_t * c_{t-1} + i_t * g_t",
    "tanh_c": "the cell state squashed to -1..1",
    "r": "reset gate, scales the hidden term W_hn h_{t-1} + b_hn inside n_t",
    "z": "update gate, fraction of h_{t-1} kept",
    "n": "candidate state, tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))",
}
H_MEANINGS = {
    "LSTM": "hidden state and output, o_t * tanh(c_t)",
    "GRU": "hidden state and output, (1 - z_t) * n_t + z_t * h_{t-1}",
    "RNN_TANH": "hidden state and output, tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)",
    "RNN_RELU": "hidden state and output, relu(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)",
}
MISSING_FILL = "#D9D9D9"  # non-finite or missing values: a neutral grey, on no scale
#: Legend labels of the diverging quantities, in the order the legend lists them.
LEGEND_NAMES = {"g": "g", "n": "n", "tanh_c": "tanh c", "h": "h", "h_prev": "h", "x": "x", "c": "c", "c_prev": "c"}


def format_value(value: float) -> str:
    """4 significant digits, trailing zeros kept ('0.8000', '-1.235e+05'); 'nan', 'inf', '-inf' as such."""
    return f"{float(value):#.4g}" if math.isfinite(value) else f"{float(value)}"


@lru_cache(maxsize=4)
def _template_text(kind: str) -> str:
    if kind not in TEMPLATES:
        raise ValueError(f"kind must be one of {', '.join(TEMPLATES)}, got {kind!r}")
    return (CELLS_DIR / TEMPLATES[kind]).read_text(encoding="utf-8")


def load_template(kind: str) -> ET.Element:
    """A fresh, namespace-free copy of the cell template for ``kind`` (serialises as plain ``<svg ...>``)."""
    root = ET.fromstring(_template_text(kind))
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
    root.set("xmlns", "http://www.w3.org/2000/svg")
    root.set("style", "max-width: 100%; height: auto")  # scales down in a narrow column when inline
    return root


def scale_limits(kind: str, arrays: Mapping[str, object], limits: Mapping[str, float] | None = None) -> dict:
    """Symmetric bound of the diverging scale for every non-sigmoid quantity (sigmoid gates are fixed to 0..1)."""
    unbounded = {"x", "c_prev", "c"} | ({"h", "h_prev"} if kind == "RNN_RELU" else set())
    finite = [np.abs(a[np.isfinite(a)]) for q, a in _as_arrays(arrays).items() if q in unbounded]
    shared = max([1.0] + [float(a.max()) for a in finite if a.size])
    out = {q: (shared if q in unbounded else 1.0) for q in QUANTITIES[kind] if q not in SIGMOID_QUANTITIES}
    out.update({q: float(v) for q, v in (limits or {}).items() if q in out and math.isfinite(v) and v > 0})
    return out


def value_colour(quantity: str, value: float, limit: float = 1.0) -> str:
    """Fill for a value: Viridis over 0..1 for sigmoid gates, RdBu_r over -limit..limit otherwise (clipped)."""
    if not math.isfinite(value):
        return MISSING_FILL
    if quantity in SIGMOID_QUANTITIES:
        return sample_scale(SEQUENTIAL_SCALE, value)
    return sample_scale(DIVERGING_SCALE, 0.5 + 0.5 * value / limit)


@lru_cache(maxsize=4)
def _colour_scale(scale: str) -> list:
    return get_colorscale(scale)


def sample_positions(scale: str, positions: list[float]) -> list[str]:
    """The colours of ``scale`` at ``positions`` (0..1), each rounded to 3 decimals (1001 possible colours)."""
    return sample_colorscale(_colour_scale(scale), [round(min(1.0, max(0.0, p)), 3) for p in positions])


@lru_cache(maxsize=2048)
def sample_scale(scale: str, position: float) -> str:
    """The colour of ``scale`` at ``position`` (0..1), rounded to 3 decimals."""
    return sample_positions(scale, [position])[0]


def ink_for(fill: str) -> str:
    """Black or white text, whichever reads better on ``fill`` ('rgb(r, g, b)' or '#rrggbb')."""
    if fill.startswith("#"):
        rgb = [int(fill[k : k + 2], 16) for k in (1, 3, 5)]
    else:
        rgb = [float(v) for v in fill[fill.index("(") + 1 : -1].split(",")]
    lin = [(v / 255) / 12.92 if v <= 10.31 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in rgb]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#000000" if luminance > 0.18 else "#FFFFFF"  # 0.18: where both contrasts are equal


def _as_arrays(arrays: Mapping[str, object]) -> dict[str, np.ndarray]:
    return {q: np.atleast_1d(np.asarray(a, dtype=float)) for q, a in arrays.items()}


def symbol_of(quantity: str) -> str:
    """The card's symbol: 'x_t', 'h_{t-1}', 'f_t', ..."""
    return SYMBOLS.get(quantity, f"{quantity}_t")


def cell_diagram_svg(
    kind: str,
    values: Mapping[str, float],
    *,
    unit: int | None,
    t: int,
    vectors: Mapping[str, np.ndarray] | None = None,
    limits: Mapping[str, float] | None = None,
    note: str = "",
    feature: int = 0,
    reverse: bool = False,
) -> str:
    """The filled cell diagram of ``kind`` ('LSTM', 'GRU', 'RNN_TANH', 'RNN_RELU') as an SVG string.

    One unit (``unit`` an int): ``values`` maps quantity -> float (see ``cell_values``). All units
    (``unit=None``): ``vectors`` maps quantity -> 1-D array (see ``cell_vectors``) and each card shows a strip
    of bars, one per unit, coloured by value; ``values`` is ignored. A quantity left out is drawn as '—'.
    ``note`` is appended to the caption; ``feature`` names x's index in hover text; ``reverse`` relabels
    h_{t-1}/c_{t-1} as h_{t+1}/c_{t+1} (the reverse direction starts from the later step).
    """
    root = load_template(kind)
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    arrays = _as_arrays(vectors or {}) if unit is None else _as_arrays(values)
    if unit is None and vectors is None:
        raise ValueError("all-units mode (unit=None) needs vectors={quantity: 1-D array}")
    scales = scale_limits(kind, arrays, limits)
    step = "t+1" if reverse else "t-1"
    for quantity in QUANTITIES[kind]:
        symbol = symbol_of(quantity).replace("t-1", step)
        meaning = H_MEANINGS[kind] if quantity == "h" else MEANINGS[quantity]
        meaning = meaning.replace("t-1", step)
        group, box, text = by_id[f"q-{quantity}"], by_id[f"box-{quantity}"], by_id[f"val-{quantity}"]
        limit = scales.get(quantity, 1.0)
        if quantity not in arrays or arrays[quantity].size == 0:
            box.set("fill", MISSING_FILL)
            text.text = "—"
            hover = f"{symbol}: not available for this unit ({meaning})"
        elif unit is None:
            text.text = ""
            _draw_bars(group, box, quantity, symbol, arrays[quantity], limit)
            finite = arrays[quantity][np.isfinite(arrays[quantity])]
            span = f"min {format_value(finite.min())}, max {format_value(finite.max())}" if finite.size else "no finite"
            hover = f"{symbol} ({arrays[quantity].size} values, {span}): {meaning}"
        else:
            value = float(arrays[quantity][0])
            fill = value_colour(quantity, value, limit)
            box.set("fill", fill)
            text.text = format_value(value)
            text.set("fill", ink_for(fill))
            if len(text.text) > 7:
                text.set("font-size", "12" if len(text.text) <= 9 else "10.5")
            index = feature if quantity == "x" else unit
            hover = f"{symbol}[{index}] = {text.text}: {meaning}"
        title = ET.Element("title")
        title.text = hover
        group.insert(0, title)
    for element in root.iter():
        if reverse and element.get("class") == "prev-step":
            element.text = "t+1"
        if element.get("id") in ("act", "eq-act"):
            element.text = "ReLU" if kind == "RNN_RELU" else "tanh"
    where = f"unit {unit}" if unit is not None else "all units"
    by_id["caption"].text = f"t = {t}, {where}" + (f" · {note}" if note else "")
    _draw_legend(by_id["legend"], kind, scales)
    return ET.tostring(root, encoding="unicode")


def _draw_bars(group: ET.Element, box: ET.Element, quantity: str, symbol: str, values: np.ndarray, limit: float):
    """One bar per unit inside ``box``, coloured by value, each with its own hover title."""
    x, y = float(box.get("x")), float(box.get("y"))
    width, height = float(box.get("width")), float(box.get("height"))
    box.set("fill", "#FFFFFF")
    bar_width = width / values.size
    strip = ET.Element("g", {"class": "bars", "id": f"bars-{quantity}"})
    if bar_width >= 1:  # sharp edges; thinner bars are left anti-aliased so that they blend instead of vanishing
        strip.set("shape-rendering", "crispEdges")
    for k, value in enumerate(values):
        bar = ET.SubElement(
            strip,
            "rect",
            {
                "class": "bar",
                "x": f"{x + k * bar_width:.3f}",
                "y": f"{y:.3f}",
                "width": f"{bar_width:.3f}",
                "height": f"{height:.3f}",
                "fill": value_colour(quantity, float(value), limit),
            },
        )
        ET.SubElement(bar, "title").text = f"{symbol}[{k}] = {format_value(value)}"
    group.insert(list(group).index(box) + 1, strip)


def _draw_legend(legend: ET.Element, kind: str, scales: Mapping[str, float]) -> None:
    """Small colour ramps: sigmoid gates 0..1, then one ramp per distinct diverging range (±1, ±L)."""
    entries = [("gates (σ)", "f", 1.0)] if any(q in SIGMOID_QUANTITIES for q in QUANTITIES[kind]) else []
    groups: dict[float, list[str]] = {}
    for quantity in sorted(scales, key=list(LEGEND_NAMES).index):
        groups.setdefault(scales[quantity], []).append(LEGEND_NAMES[quantity])
    entries += [(", ".join(dict.fromkeys(names)), "c", limit) for limit, names in sorted(groups.items())]
    grey = {"font-size": "11", "fill": "#5F6368"}
    for row, (label, probe, limit) in enumerate(entries):
        y, low = row * 17, 0.0 if probe == "f" else -limit
        ET.SubElement(legend, "text", {"x": "122", "y": f"{y + 10}", "text-anchor": "end", **grey}).text = label
        ET.SubElement(
            legend, "text", {"x": "190", "y": f"{y + 10}", "text-anchor": "end", **grey}
        ).text = f"{low:.3g}".replace("-", "−")
        for k in range(24):
            value = low + (limit - low) * (k + 0.5) / 24
            fill = value_colour(probe, value, limit)
            ET.SubElement(
                legend, "rect", {"x": f"{196 + 5 * k}", "y": f"{y + 1}", "width": "5.3", "height": "11", "fill": fill}
            )
        ET.SubElement(legend, "text", {"x": "322", "y": f"{y + 10}", **grey}).text = f"{limit:.3g}"
