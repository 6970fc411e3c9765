"""The step viewer's data: every number the browser shows at every step is the server's, from the trace.

For each configuration of a sweep (cells, layers, directions, projection, batch items, units), at every step:
each card's text is ``format_value`` of the traced value and its colour index picks ``value_colour``'s colour;
each equation line filled with its slots equals ``equations(trace, t=...)`` (the LaTeX the server draws), and
its HTML template has the same slots. Bars are 8-bit levels of the same scale, decimated only to fit.
"""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest
import torch

import rnnviz
from rnnviz.core.equations import equation_series, equations
from rnnviz.figures.cell_diagram import format_value, scale_limits, value_colour
from rnnviz.figures.cell_values import cell_series, trace_limits
from rnnviz.figures.step_view import LUT_STEPS, MISSING, payload_bytes, step_view_data

CONFIGS = {
    "lstm": (lambda: torch.nn.LSTM(2, 5), 0, 0),
    "lstm-2layer-bidirectional-reverse": (lambda: torch.nn.LSTM(3, 4, 2, bidirectional=True), 1, 1),
    "lstm-proj": (lambda: torch.nn.LSTM(2, 6, proj_size=3), 0, 0),
    "gru-bidirectional": (lambda: torch.nn.GRU(2, 4, bidirectional=True), 0, 1),
    "rnn-relu-no-bias": (lambda: torch.nn.RNN(2, 3, nonlinearity="relu", bias=False), 0, 0),
    "rnn-tanh-2layer": (lambda: torch.nn.RNN(1, 3, 2), 1, 0),
}


def traced(name: str):
    make, layer, direction = CONFIGS[name]
    torch.manual_seed(sum(map(ord, name)))
    module = make()
    x = torch.randn(9, 2, module.input_size) * 2
    return rnnviz.trace(module, x), layer, direction


def decode(text: str, dtype) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.dtype(dtype).newbyteorder("<"))


@pytest.mark.parametrize("name", sorted(CONFIGS))
@pytest.mark.parametrize("batch", [0, 1])
def test_every_card_and_equation_number_is_the_servers_at_every_step(name, batch):
    trace, layer, direction = traced(name)
    series = cell_series(trace, layer, direction, batch)
    limits = trace_limits(trace, layer, direction, batch)
    for unit in range(trace.geometry.hidden_size):
        data = step_view_data(trace, unit=unit, layer=layer, direction=direction, batch=batch)
        assert data["steps"] == 9 and data["unit"] == unit and data["reverse"] == (direction == 1)
        scales = scale_limits(trace.kind, {}, limits)
        luts = data["luts"]
        for card in data["cards"]:
            column = series[card["name"]][:, card["index"]] if card["index"] < series[card["name"]].shape[1] else None
            if column is None:  # h_{t-1} of a unit beyond the projection: no number to show
                assert "text" not in card
                continue
            assert card["text"] == [format_value(v) for v in column.tolist()]
            indices = decode(card["colour"], np.uint16)
            for value, index in zip(column.tolist(), indices.tolist(), strict=True):
                expected = value_colour(card["name"], value, scales.get(card["name"], 1.0))
                fill = luts["missing"] if index == MISSING else luts[card["scale"]]["fill"][index]
                assert fill == expected
        lines = data["equations"]
        latex = equation_series(trace, unit=unit, layer=layer, direction=direction, batch=batch)
        for t in range(trace.seq_len):
            server = equations(trace, t=t, unit=unit, layer=layer, direction=direction, batch=batch)
            assert [line["name"] for line in lines] == [e.name for e in server]
            for line, template, expected in zip(lines, latex, server, strict=True):
                numbers = [slot[t] for slot in line["slots"]]
                assert re.findall(r"\{(\d+)\}", line["template"]) == [str(j) for j in range(len(numbers))]
                assert template.evaluated_latex.format(*numbers) == expected.evaluated  # the same strings
                assert numbers[-1] == expected.evaluated.rsplit("= ", 1)[-1].removesuffix(r"\end{aligned}")


@pytest.mark.parametrize("name", ["lstm", "gru-bidirectional", "rnn-relu-no-bias"])
def test_the_latex_the_server_draws_is_the_same_template_filled(name):
    trace, layer, direction = traced(name)
    for line in equation_series(trace, unit=1, layer=layer, direction=direction, batch=1):
        for t in range(trace.seq_len):
            assert line.at(t).evaluated == line.evaluated_latex.format(*(slot[t] for slot in line.slots))
            assert line.at(t).value == float(line.values[t])
        assert line.evaluated_html.count("{") == line.evaluated_latex.count("{") - 2 * line.evaluated_latex.count("{{")


def test_bars_are_8_bit_levels_of_the_same_scale_and_decimated_only_to_fit():
    trace, layer, direction = traced("lstm")
    data = step_view_data(trace, unit=0, all_units=True)
    assert data["bars_stride"] == 1 and not data["notes"]
    series = cell_series(trace)
    limits = scale_limits(trace.kind, {}, trace_limits(trace))
    for card in data["cards"]:
        levels = decode(card["bars"], np.uint8).reshape(trace.seq_len, card["size"])
        values = series[card["name"]]
        if card["name"] in ("i", "f", "o"):
            expected = np.round(np.clip(values, 0, 1) * 255)
        else:
            expected = np.round(np.clip(0.5 + 0.5 * values / limits[card["name"]], 0, 1) * 255)
        assert np.array_equal(levels, expected.astype(np.uint8)), card["name"]
    assert step_view_data(trace, unit=0, max_bytes=1000) is None  # too large even decimated: the server draws


def test_bars_are_decimated_in_time_only_as_much_as_the_budget_needs():
    torch.manual_seed(3)
    trace = rnnviz.trace(torch.nn.GRU(1, 32), torch.randn(300, 1, 1))
    full = step_view_data(trace, unit=0, all_units=True)
    assert full["bars_stride"] == 1
    # 300 steps x (1 + 5 x 32) levels = 48,300 bytes, 64,400 as base64; 40,000 less leaves ~24,000 for them:
    # every 2nd step (32,200) would not fit, every 3rd (21,468) does
    budget = payload_bytes(full) - 40_000
    tight = step_view_data(trace, unit=0, all_units=True, max_bytes=budget)
    assert tight is not None and payload_bytes(tight) <= budget and tight["bars_stride"] == 3
    assert "every 3rd step" in tight["notes"][0]
    for small, large in zip(tight["cards"], full["cards"], strict=True):
        every = decode(large["bars"], np.uint8).reshape(300, large["size"])
        assert np.array_equal(decode(small["bars"], np.uint8).reshape(-1, small["size"]), every[::3])
        assert small["text"] == large["text"]  # the unit's numbers stay exact at every step


def test_one_step_and_one_unit_and_non_finite_values():
    module = torch.nn.GRU(1, 1)
    with torch.no_grad():
        module.weight_hh_l0.fill_(float("nan"))
    trace = rnnviz.trace(module, torch.randn(1, 1, 1))
    data = step_view_data(trace, unit=0)
    assert data["steps"] == 1
    z = next(card for card in data["cards"] if card["name"] == "z")
    assert z["text"] == ["nan"] and decode(z["colour"], np.uint16).tolist() == [MISSING]
    h = next(line for line in data["equations"] if line["name"] == "h")
    assert h["slots"][-1] == [r"\text{nan}"]  # the browser shows it as "nan"
    assert LUT_STEPS == len(data["luts"]["div"]["fill"]) - 1 == len(data["luts"]["div"]["ink"]) - 1
