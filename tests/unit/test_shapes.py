"""rnnviz.shapes.table against real torch modules: every tensor and parameter shape, and what the gate blocks mean."""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import warnings

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnviz
from rnnviz.core.spec import CELL_TYPES, ModelSpec, build_model
from rnnviz.shapes.checks import check_against_torch
from rnnviz.shapes.table import (
    LAYOUT_LIMITS,
    GateBlock,
    ParamShape,
    ShapeTable,
    TensorShape,
    shape_table,
    validate_layout,
)

# All sizes distinct, so a swapped axis can never pass by coincidence.
INPUT, HIDDEN, PROJ, BATCH, SEQ = 3, 5, 2, 4, 6
TOL = 1e-6  # float32 matmul of identical operands in a different grouping


def _configs():
    for cell, batch_first, layers, bidirectional, bias, unbatched in itertools.product(
        CELL_TYPES, (False, True), (1, 2, 3), (False, True), (True, False), (False, True)
    ):
        yield cell, batch_first, layers, bidirectional, bias, unbatched, 0
    flags = (False, True)
    for batch_first, layers, bidirectional, unbatched in itertools.product(flags, (1, 2, 3), flags, flags):
        yield "LSTM", batch_first, layers, bidirectional, True, unbatched, PROJ


CONFIGS = list(_configs())


def _spec(cell, batch_first, layers, bidirectional, bias, proj=0, **sizes) -> ModelSpec:
    return ModelSpec(
        cell=cell,
        input_size=sizes.get("input_size", INPUT),
        hidden_size=sizes.get("hidden_size", HIDDEN),
        num_layers=layers,
        bidirectional=bidirectional,
        bias=bias,
        batch_first=batch_first,
        proj_size=proj,
    )


def _run(module, x, hx=None):
    """module(x, hx) -> {'output', 'h_n'[, 'c_n']} (quiet about oneDNN's projection warning)."""
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        output, state = module(x, hx)
    if isinstance(state, tuple):
        return {"output": output, "h_n": state[0], "c_n": state[1]}
    return {"output": output, "h_n": state}


def _assert_matches_module(table: ShapeTable, module) -> None:
    """Every tensor and parameter shape of ``table`` equals what ``module`` really has and returns."""
    assert [(p.name, p.shape) for p in table.parameters] == [(n, tuple(w.shape)) for n, w in module.named_parameters()]
    assert table.total_parameters == sum(w.numel() for w in module.parameters())
    for layer in range(module.num_layers):
        assert table.layer_input_size(layer) == getattr(module, f"weight_ih_l{layer}").shape[1]
    x = torch.randn(table.tensor("input").shape)
    h0 = torch.randn(table.tensor("h0").shape)
    hx = (h0, torch.randn(table.tensor("c0").shape)) if module.mode == "LSTM" else h0
    results = _run(module, x, hx)  # with the table's h0/c0 shapes ...
    assert {t.name for t in table.tensors if t.role == "result"} == set(results)
    for name, value in results.items():
        assert table.tensor(name).shape == tuple(value.shape), name
    for name, value in _run(module, x).items():  # ... and with torch's default zero state
        assert table.tensor(name).shape == tuple(value.shape), name
    for t in table.tensors:
        assert len(t.shape) == len(t.axes) == len(t.symbols)
        assert t.numel == torch.Size(t.shape).numel()


@pytest.mark.parametrize(
    "cell, batch_first, layers, bidirectional, bias, unbatched, proj",
    CONFIGS,
    ids=[f"{c}-bf{int(b)}-L{n}-D{2 if d else 1}-bias{int(bi)}-unb{int(u)}-P{p}" for c, b, n, d, bi, u, p in CONFIGS],
)
def test_every_shape_matches_a_real_module(cell, batch_first, layers, bidirectional, bias, unbatched, proj):
    spec = _spec(cell, batch_first, layers, bidirectional, bias, proj)
    table = shape_table(spec, BATCH, SEQ, unbatched=unbatched)
    _assert_matches_module(table, build_model(spec, seed=1))
    assert check_against_torch(table) == []
    sequence_axes = ("seq",) if unbatched else ("batch", "seq") if batch_first else ("seq", "batch")
    for t in table.tensors:  # the axis names agree with the layout
        assert ("batch" in t.axes) == (not unbatched)
        if t.name in ("h0", "h_n", "c0", "c_n"):
            assert t.axes[0] == "layers×directions" and t.shape[0] == layers * (2 if bidirectional else 1)
        else:
            assert t.axes[:-1] == sequence_axes


@settings(max_examples=30, deadline=None)
@given(
    cell=st.sampled_from(sorted(CELL_TYPES)),
    input_size=st.integers(1, 7),
    hidden_size=st.integers(1, 7),
    layers=st.integers(1, 3),
    flags=st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans()),
    batch=st.integers(1, 5),
    seq_len=st.integers(1, 5),
    proj_fraction=st.floats(0, 0.99),
)
def test_random_sizes_match_a_real_module(cell, input_size, hidden_size, layers, flags, batch, seq_len, proj_fraction):
    batch_first, bidirectional, bias, unbatched = flags
    proj = int(proj_fraction * hidden_size) if cell == "LSTM" else 0
    spec = _spec(cell, batch_first, layers, bidirectional, bias, proj, input_size=input_size, hidden_size=hidden_size)
    table = shape_table(spec, batch, seq_len, unbatched=unbatched)
    _assert_matches_module(table, build_model(spec))
    assert check_against_torch(table) == []


def test_batch_and_seq_axes_are_where_the_table_says():
    """Slicing the input along its 'batch' axis slices output (and h_n) along theirs: the names mean something."""
    for batch_first, cell in itertools.product((False, True), ("LSTM", "GRU")):
        spec = _spec(cell, batch_first, 2, True, True)
        table = shape_table(spec, BATCH, SEQ)
        module = build_model(spec)
        x = torch.randn(table.tensor("input").shape)
        full = _run(module, x)
        one = _run(module, x.narrow(table.tensor("input").axes.index("batch"), 2, 1))
        for name, value in one.items():
            axis = table.tensor(name).axes.index("batch")
            torch.testing.assert_close(value, full[name].narrow(axis, 2, 1), atol=TOL, rtol=0)
        seq_axis = table.tensor("input").axes.index("seq")
        assert x.shape[seq_axis] == SEQ and full["output"].shape[table.tensor("output").axes.index("seq")] == SEQ


# --- the classic facts -----------------------------------------------------------------------------------------


def test_lstm_10_30_parameter_shapes_and_count():
    table = shape_table(ModelSpec("LSTM", input_size=10, hidden_size=30), batch=3, seq_len=7)
    assert table.parameter("weight_ih_l0").shape == (120, 10)
    assert table.parameter("weight_hh_l0").shape == (120, 30)
    assert table.parameter("bias_ih_l0").shape == table.parameter("bias_hh_l0").shape == (120,)
    assert table.parameter("weight_ih_l0").symbols == ("4H", "I")
    assert table.total_parameters == 4 * 30 * (10 + 30) + 2 * 4 * 30 == 5040
    assert table.tensor("input").shape == (7, 3, 10)
    assert table.tensor("output").shape == (7, 3, 30)


@pytest.mark.parametrize("cell, blocks", [("LSTM", 4), ("GRU", 3), ("RNN (tanh)", 1), ("RNN (relu)", 1)])
def test_layer_above_reads_both_directions(cell, blocks):
    table = shape_table(ModelSpec(cell, input_size=10, hidden_size=30, num_layers=3, bidirectional=True), 3, 7)
    assert [table.layer_input_size(k) for k in range(3)] == [10, 60, 60]
    assert table.parameter("weight_ih_l1_reverse").shape == (blocks * 30, 60)
    assert table.parameter("weight_hh_l2_reverse").shape == (blocks * 30, 30)
    with pytest.raises(IndexError, match="layer must be from 0 to 2"):
        table.layer_input_size(3)


def test_projection_sizes():
    spec = ModelSpec("LSTM", input_size=10, hidden_size=30, num_layers=2, bidirectional=True, proj_size=7)
    table = shape_table(spec, batch=3, seq_len=5)
    assert table.layer_input_size(1) == 14  # D * P, not D * H
    assert table.parameter("weight_ih_l1").shape == (120, 14)
    assert table.parameter("weight_hh_l0").shape == (120, 7)
    assert table.parameter("weight_hr_l1_reverse").shape == (7, 30)
    assert table.parameter("weight_hr_l0").blocks == ()
    assert table.tensor("h0").shape == table.tensor("h_n").shape == (4, 3, 7)  # h has size P ...
    assert table.tensor("c0").shape == table.tensor("c_n").shape == (4, 3, 30)  # ... c stays H
    assert table.tensor("output").shape == (5, 3, 14)
    roles = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
    assert [p.name for p in table.parameters_of(0, 1)] == [f"{role}_l0_reverse" for role in roles]


def test_h_n_and_c_n_are_never_batch_first():
    spec = ModelSpec("LSTM", input_size=10, hidden_size=30, num_layers=2, bidirectional=True, batch_first=True)
    table = shape_table(spec, batch=3, seq_len=7)
    assert table.tensor("input").shape == (3, 7, 10)  # batch-first
    assert table.tensor("output").shape == (3, 7, 60)  # batch-first
    for name in ("h0", "c0", "h_n", "c_n"):
        assert table.tensor(name).shape == (4, 3, 30)  # (L*D, batch, H)
        assert table.tensor(name).axes == ("layers×directions", "batch", "hidden")
        assert table.tensor(name).symbols == ("L*D", "B", "H")
        assert "never batch-first" in table.tensor(name).note
    out = _run(build_model(spec), torch.zeros(3, 7, 10))
    assert tuple(out["h_n"].shape) == tuple(out["c_n"].shape) == (4, 3, 30)


def test_unbatched_has_no_batch_axis():
    table = shape_table(ModelSpec("GRU", input_size=10, hidden_size=30, num_layers=2, batch_first=True), 9, 7, True)
    assert table.batch == 1
    shapes = {t.name: t.shape for t in table.tensors}
    assert shapes == {"input": (7, 10), "h0": (2, 30), "output": (7, 30), "h_n": (2, 30)}
    assert "c0" not in {t.name for t in table.tensors}


def test_gate_block_rows():
    lstm = shape_table(ModelSpec("LSTM", input_size=10, hidden_size=30), 1, 1)
    for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
        assert [(b.gate, b.rows) for b in lstm.parameter(name).blocks] == [
            ("i", (0, 30)),
            ("f", (30, 60)),
            ("g", (60, 90)),
            ("o", (90, 120)),
        ]
    assert [b.symbol for b in lstm.parameter("weight_ih_l0").blocks] == ["W_ii", "W_if", "W_ig", "W_io"]
    assert [b.symbol for b in lstm.parameter("bias_hh_l0").blocks] == ["b_hi", "b_hf", "b_hg", "b_ho"]
    assert lstm.parameter("weight_hh_l0").block("f") == GateBlock("f", (30, 60), "W_hf")
    with pytest.raises(KeyError, match="no gate block 'r'"):
        lstm.parameter("weight_hh_l0").block("r")
    gru = shape_table(ModelSpec("GRU", input_size=10, hidden_size=30, bidirectional=True), 1, 1)
    assert [(b.gate, b.rows, b.symbol) for b in gru.parameter("weight_hh_l0_reverse").blocks] == [
        ("r", (0, 30), "W_hr"),
        ("z", (30, 60), "W_hz"),
        ("n", (60, 90), "W_hn"),
    ]
    rnn = shape_table(ModelSpec("RNN (relu)", input_size=10, hidden_size=30), 1, 1)
    assert [(b.gate, b.rows, b.symbol) for b in rnn.parameter("bias_ih_l0").blocks] == [("h", (0, 30), "b_ih")]
    assert rnn.kind == "RNN_RELU" and rnn.gate_names == ("h",)


@pytest.mark.parametrize("cell", list(CELL_TYPES))
def test_gate_blocks_feed_the_gate_they_are_named_for(cell):
    """W[block rows] x + b[block rows] is exactly rnnviz.trace's term for that gate, in every layer and direction."""
    spec = ModelSpec(cell, input_size=INPUT, hidden_size=HIDDEN, num_layers=2, bidirectional=True, batch_first=True)
    table = shape_table(spec, BATCH, SEQ)
    module = build_model(spec, seed=3)
    x = torch.randn(table.tensor("input").shape)
    tr = rnnviz.trace(module, x)
    assert tr.matches
    params = dict(module.named_parameters())
    for layer, direction in itertools.product(range(2), range(2)):
        xs = tr.layer_input(layer)  # (T, B, I_layer)
        hs = tr.previous_state("h", layer, direction)  # (T, B, P)
        w_ih, w_hh, b_ih, b_hh = table.parameters_of(layer, direction)
        for gate in table.gate_names:
            (a, b), (c, d) = w_ih.block(gate).rows, b_ih.block(gate).rows
            input_term = F.linear(xs, params[w_ih.name].detach()[a:b], params[b_ih.name].detach()[c:d])
            (a, b), (c, d) = w_hh.block(gate).rows, b_hh.block(gate).rows
            hidden_term = F.linear(hs, params[w_hh.name].detach()[a:b], params[b_hh.name].detach()[c:d])
            traced_input, traced_hidden = tr.gate_terms(gate, layer, direction)
            torch.testing.assert_close(input_term, traced_input, atol=TOL, rtol=0)
            torch.testing.assert_close(hidden_term, traced_hidden, atol=TOL, rtol=0)


def _set_biases(module, table: ShapeTable, values: dict[str, float], which: str = "bias_ih_l0") -> None:
    """Zero every parameter, then fill the named gate blocks of one bias through the table's row ranges."""
    with torch.no_grad():
        for w in module.parameters():
            w.zero_()
        bias = getattr(module, which)
        for gate, value in values.items():
            start, stop = table.parameter(which).block(gate).rows
            bias[start:stop] = value


def test_lstm_blocks_mean_what_torch_computes():
    """Torch alone (no rnnviz.trace): saturating a block through the table's rows has that gate's effect."""
    spec = ModelSpec("LSTM", input_size=INPUT, hidden_size=HIDDEN)
    table, module = shape_table(spec, BATCH, SEQ), build_model(spec)
    x, h0, c0 = torch.randn(SEQ, BATCH, INPUT), torch.randn(1, BATCH, HIDDEN), torch.randn(1, BATCH, HIDDEN)
    _set_biases(module, table, {"f": 50.0, "i": -50.0})  # forget nothing, write nothing: c_n == c0
    torch.testing.assert_close(_run(module, x, (h0, c0))["c_n"], c0, atol=TOL, rtol=0)
    _set_biases(module, table, {"f": -50.0, "i": 50.0, "g": 0.5})  # c = 1 * tanh(0.5)
    torch.testing.assert_close(_run(module, x, (h0, c0))["c_n"], torch.full_like(c0, 0.5).tanh(), atol=TOL, rtol=0)
    _set_biases(module, table, {"f": 50.0, "i": 50.0, "g": 0.0, "o": -50.0})  # output gate closed: h = 0
    assert _run(module, x, (h0, c0))["h_n"].abs().max() < 1e-12


def test_gru_blocks_mean_what_torch_computes():
    spec = ModelSpec("GRU", input_size=INPUT, hidden_size=HIDDEN)
    table, module = shape_table(spec, BATCH, SEQ), build_model(spec)
    x, h0 = torch.randn(SEQ, BATCH, INPUT), torch.randn(1, BATCH, HIDDEN)
    _set_biases(module, table, {"z": 50.0})  # update gate 1: h_t = h_{t-1}
    torch.testing.assert_close(_run(module, x, h0)["h_n"], h0, atol=TOL, rtol=0)
    _set_biases(module, table, {"z": -50.0, "r": -50.0, "n": 0.3})  # h = n = tanh(b_in + 0 * (W_hn h + b_hn))
    with torch.no_grad():
        start, stop = table.parameter("bias_hh_l0").block("n").rows
        module.bias_hh_l0[start:stop] = 7.0  # r = 0 switches this off, b_hn included
    torch.testing.assert_close(_run(module, x, h0)["h_n"], torch.full_like(h0, 0.3).tanh(), atol=TOL, rtol=0)


# --- check_against_torch, validation, rows -------------------------------------------------------------------


def _replace_tensor(table: ShapeTable, name: str, **changes) -> ShapeTable:
    tensors = tuple(dataclasses.replace(t, **changes) if t.name == name else t for t in table.tensors)
    return dataclasses.replace(table, tensors=tensors)


def _replace_param(table: ShapeTable, name: str, **changes) -> ShapeTable:
    params = tuple(dataclasses.replace(p, **changes) if p.name == name else p for p in table.parameters)
    return dataclasses.replace(table, parameters=params)


def test_check_against_torch_reports_corrupted_tables():
    spec = ModelSpec("LSTM", input_size=10, hidden_size=30, num_layers=2, bidirectional=True, batch_first=True)
    table = shape_table(spec, batch=3, seq_len=7)
    assert check_against_torch(table) == []
    batch_first_h_n = _replace_tensor(table, "h_n", shape=(3, 4, 30), axes=("batch", "layers×directions", "hidden"))
    assert check_against_torch(batch_first_h_n) == ["h_n: table says (3, 4, 30), torch returned (4, 3, 30)"]
    assert any(p.startswith("output:") for p in check_against_torch(_replace_tensor(table, "output", shape=(3, 7, 30))))
    assert any("torch rejected" in p for p in check_against_torch(_replace_tensor(table, "h0", shape=(4, 3, 31))))
    assert any("torch rejected" in p for p in check_against_torch(_replace_tensor(table, "input", shape=(7, 3, 10))))
    wrong_weight = _replace_param(table, "weight_ih_l1", shape=(120, 30))
    assert check_against_torch(wrong_weight) == ["weight_ih_l1: table says (120, 30), torch has (120, 60)"]
    bad_blocks = _replace_param(table, "weight_hh_l0", blocks=table.parameter("weight_hh_l0").blocks[:3])
    assert any("do not tile" in p for p in check_against_torch(bad_blocks))
    no_blocks = _replace_param(table, "bias_ih_l0", blocks=())
    assert any(p.startswith("bias_ih_l0: gate blocks") for p in check_against_torch(no_blocks))
    f, i = table.parameter("weight_ih_l0").blocks[1], table.parameter("weight_ih_l0").blocks[0]
    swapped_gates = _replace_param(
        table,
        "weight_ih_l0",
        blocks=(
            dataclasses.replace(f, rows=i.rows),
            dataclasses.replace(i, rows=f.rows),
            *table.parameter("weight_ih_l0").blocks[2:],
        ),
    )
    assert any(p.startswith("weight_ih_l0: gate blocks") for p in check_against_torch(swapped_gates))
    swapped = dataclasses.replace(table, parameters=table.parameters[1::-1] + table.parameters[2:])
    assert any("names/order" in p for p in check_against_torch(swapped))
    no_c_n = dataclasses.replace(table, tensors=table.tensors[:-1])
    assert any(p.startswith("tensors:") for p in check_against_torch(no_c_n))
    bad_axes = _replace_tensor(table, "h0", axes=("layers×directions", "hidden"))
    assert any(p.startswith("h0:") for p in check_against_torch(bad_axes))


@pytest.mark.parametrize(
    "batch, seq_len, message",
    [
        (0, 5, "batch must be a whole number from 1"),
        (3, 0, "seq_len must be a whole number from 1"),
        (-1, 5, "got -1"),
        (True, 5, "got True"),
        (2.0, 5, "got 2.0"),
        (3, LAYOUT_LIMITS["seq_len"] + 1, "seq_len must be a whole number from 1 to"),
    ],
)
def test_bad_layout_is_a_clear_value_error(batch, seq_len, message):
    with pytest.raises(ValueError, match=message):
        validate_layout(batch, seq_len)
    with pytest.raises(ValueError, match=message):
        shape_table(ModelSpec(), batch, seq_len)


def test_both_bad_sizes_are_named_at_once():
    with pytest.raises(ValueError, match=r"batch must .* got 0; seq_len must .* got -2"):
        shape_table(ModelSpec(), 0, -2)


def test_as_rows_is_a_flat_table():
    spec = ModelSpec("LSTM", input_size=10, hidden_size=30, bidirectional=True, proj_size=4)
    table = shape_table(spec, batch=3, seq_len=7)
    rows = table.as_rows()
    assert len(rows) == len(table.tensors) + len(table.parameters)
    assert len({tuple(r) for r in rows}) == 1  # same keys, same order
    by_name = {r["name"]: r for r in rows}
    assert by_name["weight_ih_l0"]["blocks"] == "i: rows 0-29, f: rows 30-59, g: rows 60-89, o: rows 90-119"
    assert by_name["weight_ih_l0"]["shape"] == "(120, 10)" and by_name["weight_ih_l0"]["symbolic"] == "(4H, I)"
    assert by_name["bias_hh_l0_reverse"]["symbolic"] == "(4H,)"
    assert by_name["bias_hh_l0_reverse"]["direction"] == "reverse" and by_name["bias_hh_l0_reverse"]["layer"] == 0
    assert by_name["h_n"]["axes"] == "layers×directions, batch, proj" and by_name["h_n"]["symbolic"] == "(L*D, B, P)"
    assert by_name["output"]["symbolic"] == "(T, B, 2P)"
    assert sum(r["numel"] for r in rows if r["kind"] == "parameter") == table.total_parameters
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    assert out.getvalue().count("\n") == len(rows) + 1


def test_lookups_and_immutability():
    table = shape_table(ModelSpec("GRU", input_size=2, hidden_size=3), 1, 1)
    with pytest.raises(KeyError, match="no tensor 'c_n'"):
        table.tensor("c_n")
    with pytest.raises(KeyError, match="no parameter 'weight_hr_l0'"):
        table.parameter("weight_hr_l0")
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.batch = 2  # type: ignore[misc]
    assert isinstance(table.tensors[0], TensorShape) and isinstance(table.parameters[0], ParamShape)
    assert hash(table) == hash(shape_table(ModelSpec("GRU", input_size=2, hidden_size=3), 1, 1))
