"""Layout claims on real modules: output slices == h_n, Module == Cell in a loop, the Embedding front end,
the parameter count, and the exported table/script (the script is run in a subprocess)."""

from __future__ import annotations

import csv
import io
import itertools
import subprocess
import sys

import pytest
import torch
from torch import nn

import rnnviz
from rnnviz.core.spec import CELL_TYPES, ModelSpec, build_model
from rnnviz.shapes.checks import check_final_state_slices, final_state_slices, torch_parameter_count
from rnnviz.shapes.equivalence import cell_loop, check_cell_loop, embedding_stages, trace_vs_cell_loop
from rnnviz.shapes.export import shape_table_csv, shape_table_markdown, shapes_snippet
from rnnviz.shapes.table import shape_table

INPUT, HIDDEN, PROJ, BATCH, SEQ = 3, 5, 2, 4, 6


def _configs():
    flags = (False, True)
    for cell, batch_first, layers, bidirectional, unbatched in itertools.product(
        CELL_TYPES, flags, (1, 3), flags, flags
    ):
        yield cell, batch_first, layers, bidirectional, unbatched, 0
    for batch_first, layers, bidirectional in itertools.product(flags, (1, 2), flags):
        yield "LSTM", batch_first, layers, bidirectional, False, PROJ


CONFIGS = list(_configs())


def _table(cell, batch_first, layers, bidirectional, unbatched, proj, bias=True):
    spec = ModelSpec(
        cell=cell,
        input_size=INPUT,
        hidden_size=HIDDEN,
        num_layers=layers,
        bidirectional=bidirectional,
        batch_first=batch_first,
        proj_size=proj,
        bias=bias,
    )
    return shape_table(spec, BATCH, SEQ, unbatched)


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_output_slices_equal_h_n(config):
    check = check_final_state_slices(_table(*config))
    assert check.matches and len(check.slices) == (2 if config[3] else 1)
    assert max(check.max_abs_diffs) <= 1e-6  # the same numbers, copied by torch


def test_slice_indices_are_python_that_torch_accepts():
    for config in CONFIGS:
        table = _table(*config)
        module = build_model(table.spec)
        output, h_n = module(torch.randn(table.tensor("input").shape))[:2]
        h_n = h_n[0] if isinstance(h_n, tuple) else h_n
        for s in final_state_slices(table):
            picked = eval(s.output_index, {"output": output})  # noqa: S307 - our own index text
            torch.testing.assert_close(picked, eval(s.h_n_index, {"h_n": h_n}))  # noqa: S307


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_module_equals_its_cell_in_a_loop(config):
    check = check_cell_loop(_table(*config))
    assert check.matches, check
    assert check.cell_name == {"LSTM": "LSTMCell", "GRU": "GRUCell"}.get(config[0], "RNNCell")
    assert (check.c_n_diff is not None) == (config[0] == "LSTM")
    assert check.random_initial_state == (config[5] == 0)


def test_cell_loop_without_bias_and_in_float64():
    spec = ModelSpec(
        cell="GRU", input_size=2, hidden_size=3, num_layers=2, bidirectional=True, bias=False, dtype="float64"
    )
    module = build_model(spec)
    x, h0 = torch.randn(5, 2, 2, dtype=torch.float64), torch.randn(4, 2, 3, dtype=torch.float64)
    output, h_n, c_n = cell_loop(module, x, h0, None)
    expected_output, expected_h_n = module(x, h0)
    torch.testing.assert_close(output, expected_output, atol=1e-12, rtol=0)
    torch.testing.assert_close(h_n, expected_h_n, atol=1e-12, rtol=0)
    assert c_n is None


@pytest.mark.parametrize("batch_first", [False, True])
def test_embedding_stages(batch_first):
    table = _table("LSTM", batch_first, 2, True, False, 0)
    stages = {s.name: s for s in embedding_stages(table)}
    ids = (BATCH, SEQ) if batch_first else (SEQ, BATCH)
    assert stages["token ids"].shape == ids and stages["token ids"].dtype == "torch.int64"
    assert stages["embedded"].shape == (*ids, INPUT)
    assert stages["output"].shape == table.tensor("output").shape
    assert stages["h_n"].shape == table.tensor("h_n").shape == (4, BATCH, HIDDEN)
    unbatched = {s.name: s.shape for s in embedding_stages(_table("GRU", False, 1, False, True, 0))}
    assert unbatched == {"token ids": (SEQ,), "embedded": (SEQ, INPUT), "output": (SEQ, HIDDEN), "h_n": (1, HIDDEN)}


@pytest.mark.parametrize("config", CONFIGS[::7], ids=str)
def test_parameter_count(config):
    table = _table(*config)
    assert table.total_parameters == torch_parameter_count(table.spec)


def test_csv_and_markdown_hold_every_row():
    table = _table("LSTM", True, 2, True, False, PROJ)
    rows = list(csv.DictReader(io.StringIO(shape_table_csv(table).decode())))
    assert [r["name"] for r in rows] == [r["name"] for r in table.as_rows()]
    assert rows[0]["shape"] == str(table.tensor("input").shape)
    markdown = shape_table_markdown(table)
    assert markdown.startswith("Shapes of `torch.nn.LSTM(3, 5, num_layers=2, batch_first=True, bidirectional=True")
    assert markdown.count("\n| ") == 1 + len(rows) and f"Total parameters: {table.total_parameters}" in markdown


@pytest.mark.parametrize(
    "config",
    [("LSTM", True, 2, True, False, PROJ), ("GRU", False, 3, False, True, 0), ("RNN (relu)", True, 1, True, False, 0)],
    ids=str,
)
def test_snippet_prints_the_tables_shapes(config):
    table = _table(*config, bias=config[0] != "GRU")
    done = subprocess.run([sys.executable, "-c", shapes_snippet(table)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    printed = dict(line.split(" ", 1) for line in done.stdout.strip().splitlines())
    expected = {t.name: str(t.shape) for t in (*table.tensors, *table.parameters)}
    assert printed == {**expected, "total": str(table.total_parameters)}


@pytest.mark.parametrize(
    "module",
    [
        nn.LSTM(2, 5, num_layers=2, bidirectional=True, batch_first=True),
        nn.GRU(2, 5, num_layers=2),
        nn.RNN(2, 5, nonlinearity="relu", bidirectional=True),
        nn.LSTM(2, 5, proj_size=3),
    ],
    ids=["lstm", "gru", "rnn-relu", "lstm-proj"],
)
def test_trace_vs_cell_loop_agrees_from_the_traced_initial_state(module):
    torch.manual_seed(0)
    batch_first = module.batch_first
    x = torch.randn(3, 6, 2) if batch_first else torch.randn(6, 3, 2)
    rows = module.num_layers * (2 if module.bidirectional else 1)
    out_size = module.proj_size or module.hidden_size
    h0 = torch.zeros(rows, 3, out_size) if module.proj_size else torch.randn(rows, 3, out_size)
    hx = (h0, torch.randn(rows, 3, module.hidden_size)) if module.mode == "LSTM" else h0
    check = trace_vs_cell_loop(module, rnnviz.trace(module, x, hx))
    assert check is not None and check.matches, check
    assert check.cell_name == {"LSTM": "LSTMCell", "GRU": "GRUCell", "RNN_RELU": "RNNCell"}[module.mode]


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_trace_vs_cell_loop_on_a_packed_batch(kind):
    """Cells in a loop where each sequence changes only at its own steps equal the packed trace, and would not
    without the lengths (control)."""
    torch.manual_seed(1)
    module = getattr(nn, kind)(2, 4, num_layers=2, bidirectional=True)
    x = torch.randn(6, 3, 2)
    tr = rnnviz.trace(module, nn.utils.rnn.pack_padded_sequence(x, [4, 6, 2], enforce_sorted=False))
    check = trace_vs_cell_loop(module, tr)
    assert check is not None and check.matches, check
    rows = torch.zeros(4, 3, 4)
    unpacked_h_n = cell_loop(module, tr.layer_input(0).nan_to_num(), rows, rows if kind == "LSTM" else None)[1]
    assert (unpacked_h_n - tr.h_n).abs().max() > 1e-3


def test_trace_vs_cell_loop_declines_a_projected_lstm_with_a_nonzero_h0():
    lstm = nn.LSTM(2, 5, proj_size=3)
    hx = (torch.ones(1, 1, 3), torch.zeros(1, 1, 5))
    assert trace_vs_cell_loop(lstm, rnnviz.trace(lstm, torch.randn(4, 1, 2), hx)) is None
