"""The cell diagrams: well-formed templates, every placeholder filled, colours by value, escaping, traced values.

Values read by ``cell_values``/``cell_vectors`` are compared with ``Trace.gate``/``state`` exactly (they are the
same float32 numbers, widened to float64), and ``c``/``h`` are re-derived from the gates with atol 1e-6.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
import torch
from torch import nn

from rnnviz.core.trace import trace
from rnnviz.figures.cell_diagram import (
    CELLS_DIR,
    QUANTITIES,
    TEMPLATES,
    cell_diagram_svg,
    format_value,
    scale_limits,
    value_colour,
)
from rnnviz.figures.cell_values import cell_note, cell_values, cell_vectors

KINDS = ("LSTM", "GRU", "RNN_TANH", "RNN_RELU")
SVG_NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    for element in root.iter():
        element.tag = element.tag.removeprefix(SVG_NS)
    return root


def by_id(root: ET.Element) -> dict[str, ET.Element]:
    return {e.get("id"): e for e in root.iter() if e.get("id")}


def sample_values(kind: str, value: float = 0.5) -> dict[str, float]:
    return {q: value for q in QUANTITIES[kind]}


def traced(kind: str, *, input_size: int = 3, hidden: int = 5, seed: int = 0, **options):
    torch.manual_seed(seed)
    module = {
        "LSTM": lambda: nn.LSTM(input_size, hidden, **options),
        "GRU": lambda: nn.GRU(input_size, hidden, **options),
        "RNN_TANH": lambda: nn.RNN(input_size, hidden, **options),
        "RNN_RELU": lambda: nn.RNN(input_size, hidden, nonlinearity="relu", **options),
    }[kind]()
    x = torch.randn(7, 2, input_size)  # (T, B, I), time-major
    return trace(module, x)


@pytest.mark.parametrize("name", sorted(set(TEMPLATES.values())))
def test_templates_are_well_formed_svg(name: str) -> None:
    root = ET.parse(CELLS_DIR / name).getroot()
    assert root.tag == f"{SVG_NS}svg" and root.get("viewBox")


@pytest.mark.parametrize("kind", KINDS)
def test_every_placeholder_exists(kind: str) -> None:
    ids = set(by_id(ET.parse(CELLS_DIR / TEMPLATES[kind]).getroot()))
    for quantity in QUANTITIES[kind]:
        assert {f"q-{quantity}", f"box-{quantity}", f"val-{quantity}"} <= ids, quantity
    assert {"caption", "legend"} <= ids


@pytest.mark.parametrize("kind", KINDS)
def test_values_are_written_and_no_placeholder_is_left(kind: str) -> None:
    values = {q: 0.1 * (k + 1) - 0.35 for k, q in enumerate(QUANTITIES[kind])}
    svg = cell_diagram_svg(kind, values, unit=3, t=5)
    ids = by_id(parse(svg))
    for quantity, value in values.items():
        assert ids[f"val-{quantity}"].text == format_value(value)
        assert ids[f"box-{quantity}"].get("fill").startswith("rgb(")
    assert "VALUE" not in svg
    assert ids["caption"].text == "t = 5, unit 3"
    assert svg.startswith("<svg ") and 'xmlns="http://www.w3.org/2000/svg"' in svg


def test_numbers_have_four_significant_digits() -> None:
    assert format_value(0.81234567) == "0.8123"
    assert format_value(0.5) == "0.5000"
    assert format_value(-12.3456) == "-12.35"
    assert format_value(123456.0) == "1.235e+05"
    svg = cell_diagram_svg("LSTM", {**sample_values("LSTM"), "f": 0.81234567}, unit=0, t=0)
    assert by_id(parse(svg))["val-f"].text == "0.8123"


@pytest.mark.parametrize("kind", KINDS)
def test_each_group_gets_a_hover_title(kind: str) -> None:
    ids = by_id(parse(cell_diagram_svg(kind, sample_values(kind, 0.25), unit=3, t=5)))
    for quantity in QUANTITIES[kind]:
        title = ids[f"q-{quantity}"][0]
        index = 0 if quantity == "x" else 3  # x shows input feature 0, everything else unit 3
        assert title.tag == "title" and f"[{index}] = 0.2500: " in title.text, title.text
    assert ids["q-x"][0].text.startswith("x_t[0] = 0.2500: input")


def test_hover_text_names_the_gate() -> None:
    ids = by_id(parse(cell_diagram_svg("LSTM", {**sample_values("LSTM"), "f": 0.8123}, unit=3, t=5)))
    assert ids["q-f"][0].text == "f_t[3] = 0.8123: forget gate, fraction of c_{t-1} kept"


@pytest.mark.parametrize("quantity", ["f", "i", "o", "g", "c", "h"])
def test_colour_changes_with_value(quantity: str) -> None:
    fills = {
        v: by_id(parse(cell_diagram_svg("LSTM", {**sample_values("LSTM"), quantity: v}, unit=0, t=0)))[
            f"box-{quantity}"
        ].get("fill")
        for v in (0.0, 1.0)
    }
    assert fills[0.0] != fills[1.0]


def test_scales_follow_the_design() -> None:
    """Sigmoid gates: sequential 0..1 (Viridis ends); everything else: diverging, white at 0, clipped."""
    assert value_colour("f", 0.0) == "rgb(68, 1, 84)" and value_colour("f", 1.0) == "rgb(253, 231, 37)"
    assert value_colour("g", 0.0) == value_colour("c", 0.0, 5.0) == "rgb(247, 247, 247)"
    assert value_colour("g", -1.0) != value_colour("g", 1.0)
    assert value_colour("c", 50.0, 2.0) == value_colour("c", 2.0, 2.0)  # clipped at the end of the scale


def test_unbounded_quantities_share_a_scale_unless_limits_fix_it() -> None:
    values = {**sample_values("LSTM", 0.0), "c_prev": 4.0, "c": 2.0}
    ids = by_id(parse(cell_diagram_svg("LSTM", values, unit=0, t=0)))
    assert ids["box-c_prev"].get("fill") == value_colour("c", 4.0, 4.0)
    assert ids["box-c"].get("fill") == value_colour("c", 2.0, 4.0)
    fixed = by_id(parse(cell_diagram_svg("LSTM", values, unit=0, t=0, limits={"c": 10.0})))
    assert fixed["box-c"].get("fill") == value_colour("c", 2.0, 10.0)


@pytest.mark.parametrize("value, text", [(math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf")])
def test_non_finite_values_render_as_text(value: float, text: str) -> None:
    ids = by_id(parse(cell_diagram_svg("GRU", {**sample_values("GRU"), "z": value}, unit=1, t=2)))
    assert ids["val-z"].text == text
    assert ids["box-z"].get("fill").startswith("#")  # the neutral 'no colour' grey, not a scale colour


def test_hostile_strings_cannot_inject_markup() -> None:
    hostile = '<script>alert(1)</script><rect id="val-f"/>&amp; "quoted" \' ]]>'
    svg = cell_diagram_svg("LSTM", sample_values("LSTM"), unit=0, t=0, note=hostile)
    root = parse(svg)
    assert not [e for e in root.iter() if e.tag == "script"]
    assert sum(e.get("id") == "val-f" for e in root.iter()) == 1
    assert by_id(root)["caption"].text == f"t = 0, unit 0 · {hostile}"
    with pytest.raises(ValueError):
        cell_diagram_svg("LSTM", {**sample_values("LSTM"), "f": "<script>"}, unit=0, t=0)  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="kind must be one of"):
        cell_diagram_svg("<svg>", {}, unit=0, t=0)


def test_missing_quantity_is_drawn_as_a_dash() -> None:
    values = sample_values("LSTM")
    del values["h_prev"]
    ids = by_id(parse(cell_diagram_svg("LSTM", values, unit=0, t=0)))
    assert ids["val-h_prev"].text == "—" and "not available" in ids["q-h_prev"][0].text


@pytest.mark.parametrize("kind", KINDS)
def test_all_units_mode_draws_one_bar_per_unit(kind: str) -> None:
    tr = traced(kind, hidden=6, input_size=4)
    vectors = cell_vectors(tr, 3)
    limits = scale_limits(kind, vectors)
    root = parse(cell_diagram_svg(kind, {}, unit=None, t=3, vectors=vectors))
    ids = by_id(root)
    for quantity in QUANTITIES[kind]:
        bars = [e for e in ids[f"bars-{quantity}"] if e.get("class") == "bar"]
        assert len(bars) == vectors[quantity].size == (4 if quantity == "x" else 6)
        limit = limits.get(quantity, 1.0)
        assert [b.get("fill") for b in bars] == [value_colour(quantity, float(v), limit) for v in vectors[quantity]]
        assert bars[2][0].text == f"{tr_symbol(quantity)}[2] = {format_value(vectors[quantity][2])}"
    assert ids["caption"].text == "t = 3, all units"
    with pytest.raises(ValueError, match="needs vectors"):
        cell_diagram_svg(kind, {}, unit=None, t=3)


def tr_symbol(quantity: str) -> str:
    return {"x": "x_t", "h_prev": "h_{t-1}", "c_prev": "c_{t-1}", "tanh_c": "tanh(c_t)"}.get(quantity, f"{quantity}_t")


def test_reverse_direction_relabels_the_previous_step() -> None:
    svg = cell_diagram_svg("LSTM", sample_values("LSTM"), unit=0, t=0, reverse=True)
    root = parse(svg)
    assert "t−1" not in "".join(root.itertext())
    assert by_id(root)["q-h_prev"][0].text.startswith("h_{t+1}[0]")


def test_relu_rnn_says_relu() -> None:
    text = "".join(parse(cell_diagram_svg("RNN_RELU", sample_values("RNN_RELU"), unit=0, t=0)).itertext())
    assert "ReLU" in text and "tanh" not in text.replace("tanh(", "")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("t, unit, batch", [(0, 0, 0), (4, 3, 1), (6, 4, 1)])
def test_cell_values_match_the_trace(kind: str, t: int, unit: int, batch: int) -> None:
    tr = traced(kind)
    values = cell_values(tr, t, unit, batch=batch, feature=2)
    assert set(values) == set(QUANTITIES[kind])
    for gate in tr.gate_names:
        assert values[gate] == float(tr.gate(gate)[t, batch, unit])
    assert values["h"] == float(tr.state("h")[t, batch, unit])
    assert values["h_prev"] == float(tr.previous_state("h")[t, batch, unit])
    assert values["x"] == float(tr.layer_input(0)[t, batch, 2])
    if t > 0:
        assert values["h_prev"] == float(tr.state("h")[t - 1, batch, unit])
    if kind == "LSTM":
        assert values["c"] == float(tr.state("c")[t, batch, unit])
        assert values["c_prev"] == float(tr.previous_state("c")[t, batch, unit])
        assert math.isclose(values["c"], values["f"] * values["c_prev"] + values["i"] * values["g"], abs_tol=1e-6)
        assert math.isclose(values["h"], values["o"] * math.tanh(values["c"]), abs_tol=1e-6)
        assert math.isclose(values["tanh_c"], math.tanh(values["c"]), abs_tol=1e-6)
    if kind == "GRU":
        expected = (1 - values["z"]) * values["n"] + values["z"] * values["h_prev"]
        assert math.isclose(values["h"], expected, abs_tol=1e-6)


def test_cell_values_of_the_reverse_direction_and_upper_layer() -> None:
    tr = traced("LSTM", num_layers=2, bidirectional=True)
    values = cell_values(tr, 2, 1, layer=1, direction=1)
    assert values["f"] == float(tr.gate("f", 1, 1)[2, 0, 1])
    assert values["h_prev"] == float(tr.state("h", 1, 1)[3, 0, 1])  # the reverse direction came from t+1
    assert values["x"] == float(tr.layer_input(1)[2, 0, 0])
    assert cell_note(tr, layer=1) == "x_t is layer 0's output, feature 0 of 10"


def test_projected_lstm_draws_the_cell_before_the_projection() -> None:
    tr = traced("LSTM", hidden=5, proj_size=2)
    values = cell_values(tr, 3, 4)
    assert "h_prev" not in values  # h_{t-1} has only 2 units
    assert values["h"] == float(tr.state("h_unprojected")[3, 0, 4])
    assert cell_values(tr, 3, 1)["h_prev"] == float(tr.previous_state("h")[3, 0, 1])
    assert "before the projection to 2" in cell_note(tr)


def test_cell_values_reject_a_bad_selection() -> None:
    tr = traced("GRU")
    for call, message in [
        (lambda: cell_values(tr, 7, 0), "time step 7"),
        (lambda: cell_values(tr, 0, 5), "unit 5"),
        (lambda: cell_values(tr, 0, 0, batch=2), "batch item 2"),
        (lambda: cell_values(tr, 0, 0, feature=3), "input feature 3"),
    ]:
        with pytest.raises(IndexError, match=message):
            call()


def test_input_notes() -> None:
    assert cell_note(traced("RNN_TANH", input_size=1)) == ""
    assert cell_note(traced("RNN_TANH", input_size=3), feature=1) == "x_t shows feature 1 of 3"


@pytest.mark.parametrize("kind", KINDS)
def test_a_traced_step_renders_end_to_end(kind: str) -> None:
    tr = traced(kind)
    svg = cell_diagram_svg(kind, cell_values(tr, 2, 1), unit=1, t=2, note=cell_note(tr))
    ids = by_id(parse(svg))
    assert ids["val-h"].text == format_value(float(tr.state("h")[2, 0, 1]))
    assert ids["caption"].text == "t = 2, unit 1 · x_t shows feature 0 of 3"


def test_streamlit_image_turns_the_svg_into_a_data_uri() -> None:
    """st.image(svg_string) in Streamlit 1.67 recognises our output as SVG (regex on the start of the string)."""
    from streamlit.elements.lib.image_utils import image_to_url
    from streamlit.elements.lib.layout_utils import LayoutConfig

    svg = cell_diagram_svg("GRU", sample_values("GRU"), unit=0, t=0)
    url = image_to_url(svg, LayoutConfig(), False, "RGB", "auto", "cell")
    assert url.startswith("data:image/svg+xml;base64,")
