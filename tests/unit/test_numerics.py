"""Tolerances that scale with the size of the values, and where a NaN/inf is first reported."""

from __future__ import annotations

import torch
from torch import nn

import rnnviz


def test_large_float32_cell_state_still_matches():
    # c grows to ~2500: float32 rounding alone differs by ~5e-5, above the unscaled 1e-5.
    torch.manual_seed(2)
    lstm = nn.LSTM(1, 1)
    tr = rnnviz.trace(lstm, torch.randn(5, 1, 1), (torch.zeros(1, 1, 1), torch.full((1, 1, 1), 5000.0)))
    assert tr.max_abs_error > 1e-5
    assert tr.matches
    assert 1e-5 < tr.tolerance < 1e-5 * 5001


def test_tolerance_is_the_dtype_tolerance_for_unit_sized_values():
    tr = rnnviz.trace(nn.GRU(2, 3).double(), torch.randn(4, 1, 2, dtype=torch.float64))
    assert tr.tolerance == 1e-10


def test_nonfinite_weight_in_layer_ten_names_layer_ten():
    lstm = nn.LSTM(1, 2, num_layers=11)
    with torch.no_grad():
        lstm.weight_ih_l10[0, 0] = float("nan")
    found = rnnviz.trace(lstm, torch.randn(3, 1, 1)).nonfinite
    assert (found.quantity, found.layer, found.step) == ("weight_ih_l10", 10, None)


def test_nonfinite_initial_state_is_named():
    h0 = torch.zeros(2, 1, 3)
    h0[1, 0, 1] = float("inf")
    found = rnnviz.trace(nn.GRU(2, 3, num_layers=2), torch.randn(4, 1, 2), h0).nonfinite
    assert (found.quantity, found.layer, found.direction, found.step) == ("h0", 1, 0, None)
    assert "h0" in str(found)
