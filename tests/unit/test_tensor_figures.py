"""Tensor pictures, stacked weight heatmaps and packing figures: figure types, trace counts, shapes, labels."""

from __future__ import annotations

import dataclasses

import numpy as np
import plotly.graph_objects as go
import pytest

from rnnviz.core.spec import ModelSpec
from rnnviz.figures.packing import fig_packed_data, fig_padded_batch
from rnnviz.figures.tensors import MAX_WEIGHT_CELLS, fig_stacked_weight, fig_tensor_blocks
from rnnviz.shapes.checks import final_state_slices, parameter_values
from rnnviz.shapes.packing import packing_demo
from rnnviz.shapes.table import shape_table

SPEC = ModelSpec(input_size=3, hidden_size=5, num_layers=2, bidirectional=True)


def _titles(fig: go.Figure) -> dict[str, str]:
    """Block title annotations: tensor name -> '(d0, d1, ...)' as drawn."""
    found = {}
    for note in fig.layout.annotations:
        if note.text.startswith("<b>"):
            name, rest = note.text[3:].split("</b> ", 1)
            found[name] = rest.split("<br>")[0]
    return found


def _bounds(trace) -> tuple[float, float, float, float]:
    xs = [v for v in trace.x if v is not None]
    ys = [v for v in trace.y if v is not None]
    return min(xs), max(xs), min(ys), max(ys)


@pytest.mark.parametrize("batch_first", [False, True])
def test_tensor_blocks_show_every_tensor_with_its_shape(batch_first):
    table = shape_table(dataclasses.replace(SPEC, batch_first=batch_first), batch=4, seq_len=6)
    slices = final_state_slices(table)
    fig = fig_tensor_blocks(table.tensors, slices=slices)
    assert isinstance(fig, go.Figure)
    assert len(fig.data) == 2 * len(table.tensors) + len(slices) == 2 * 6 + 2
    assert _titles(fig) == {t.name: str(t.shape) for t in table.tensors}
    texts = [a.text for a in fig.layout.annotations]
    assert "seq T=6" in texts and "batch B=4" in texts and "feature I=3" in texts
    assert [t.name for t in fig.data if t.showlegend is not False] == [s.label for s in slices]
    assert all(t.type == "scatter" for t in fig.data)


def test_batch_first_swaps_input_and_output_but_not_h_n():
    seq_first = _titles(fig_tensor_blocks(shape_table(SPEC, 4, 6).tensors))
    batch_first = _titles(fig_tensor_blocks(shape_table(dataclasses.replace(SPEC, batch_first=True), 4, 6).tensors))
    assert (seq_first["input"], batch_first["input"]) == ("(6, 4, 3)", "(4, 6, 3)")
    assert (seq_first["output"], batch_first["output"]) == ("(6, 4, 10)", "(4, 6, 10)")
    for name in ("h0", "c0", "h_n", "c_n"):
        assert seq_first[name] == batch_first[name] == "(4, 4, 5)"


def test_highlights_sit_inside_output_and_h_n():
    table = shape_table(SPEC, 4, 6)
    fig = fig_tensor_blocks(table.tensors, slices=final_state_slices(table))
    faces = {t.name: _bounds(t) for t in fig.data[: 2 * len(table.tensors) : 2]}

    def inside(x, y, name):
        x0, x1, y0, y1 = faces[name]
        return x0 - 1e-9 <= x <= x1 + 1e-9 and y0 - 1e-9 <= y <= y1 + 1e-9

    for highlight in fig.data[-2:]:
        points = [(x, y) for x, y in zip(highlight.x, highlight.y, strict=True) if x is not None]
        in_output = [p for p in points if inside(*p, "output")]
        in_h_n = [p for p in points if inside(*p, "h_n")]
        assert in_output and in_h_n and len(in_output) + len(in_h_n) == len(points)


def test_unbatched_tensors_are_flat_cards():
    table = shape_table(ModelSpec(cell="GRU", input_size=2, hidden_size=4), 1, 5, unbatched=True)
    fig = fig_tensor_blocks(table.tensors, slices=final_state_slices(table))
    assert len(fig.data) == 2 * 4 + 1
    assert _titles(fig) == {"input": "(5, 2)", "h0": "(1, 4)", "output": "(5, 4)", "h_n": "(1, 4)"}
    input_faces = fig.data[0]
    assert sum(v is None for v in input_faces.x) == 1  # a single face, no depth


def test_stacked_weight_shows_the_real_values_and_gate_blocks():
    table = shape_table(SPEC, 4, 6)
    values = parameter_values(SPEC)
    param = table.parameter("weight_ih_l1_reverse")
    fig = fig_stacked_weight(values[param.name], name=param.name, blocks=param.blocks)
    assert len(fig.data) == 1 and fig.data[0].type == "heatmap"
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), values[param.name])
    assert np.asarray(fig.data[0].z).shape == (20, 10)  # (4H, D*H)
    assert len(fig.layout.shapes) == 4 + 3  # one bar per gate, a line between blocks
    assert [t.split("</b>")[0].split("<b>")[1] for t in fig.layout.yaxis.ticktext] == ["W_ii", "W_if", "W_ig", "W_io"]
    assert "W_ii | W_if | W_ig | W_io stacked" in fig.layout.title.text
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text


def test_projection_and_huge_weights():
    fig = fig_stacked_weight(np.ones((3, 8)), name="weight_hr_l0")
    assert not fig.layout.shapes and np.asarray(fig.data[0].z).shape == (3, 8)
    big = fig_stacked_weight(np.zeros((4096, 1024)), name="weight_hh_l0")
    rows, cols = np.asarray(big.data[0].z).shape
    assert rows <= MAX_WEIGHT_CELLS and cols <= MAX_WEIGHT_CELLS and "every 16th row" in big.layout.title.text
    with pytest.raises(ValueError, match="rows, cols"):
        fig_stacked_weight(np.zeros(5), name="bias_ih_l0")


def test_padded_batch_and_packed_data():
    demo = packing_demo(ModelSpec(input_size=2), (3, 5, 1), 5)
    padded = fig_padded_batch(demo.padded[..., 0], demo.mask)
    assert [t.type for t in padded.data] == ["heatmap", "heatmap"]
    real, padding = (np.asarray(t.z, dtype=float) for t in padded.data)
    assert real.shape == padding.shape == (3, 5)
    assert np.array_equal(np.isnan(real), ~demo.mask) and np.array_equal(np.isnan(padding), demo.mask)
    assert list(padded.data[0].y) == ["seq 0 (len 3)", "seq 1 (len 5)", "seq 2 (len 1)"]

    packed = fig_packed_data(demo.data_origin, demo.batch_sizes)
    assert len(packed.data) == 1 and np.asarray(packed.data[0].z).shape == (1, 9)
    assert np.asarray(packed.data[0].z)[0].tolist() == [1, 0, 2, 1, 0, 1, 0, 1, 1]  # sequence of each data row
    assert [a.text for a in packed.layout.annotations] == ["t=0: 3", "t=1: 2", "t=2: 2", "t=3: 1", "t=4: 1"]
    with pytest.raises(ValueError, match="batch_sizes"):
        fig_packed_data(demo.data_origin, [1, 1])
    with pytest.raises(ValueError, match="batch, time"):
        fig_padded_batch(np.zeros((2, 3)), np.ones((3, 2), bool))
