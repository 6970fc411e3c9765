"""Bad input to ``rnnviz.trace`` raises TypeError/ValueError naming what was expected and what was given;
NaN/inf are traced, located by ``Trace.nonfinite`` and do not spoil ``max_abs_error``."""

from __future__ import annotations

import math
import re

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

import rnnviz
from rnnviz import FirstNonFinite

pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")


def shape(*dims: int) -> str:
    """A regex for a shape written as a tuple or a list: (2, 3, 4) or [2, 3, 4]."""
    return r"[\[(]" + ", ".join(map(str, dims)) + r",?[\])]"


def _lstm() -> nn.LSTM:
    torch.manual_seed(0)
    return nn.LSTM(3, 4, num_layers=2)


def _gru_bf() -> nn.GRU:
    torch.manual_seed(0)
    return nn.GRU(3, 4, num_layers=2, batch_first=True)


def _cell() -> nn.LSTMCell:
    torch.manual_seed(0)
    return nn.LSTMCell(3, 4)


X = torch.randn(5, 2, 3, generator=torch.Generator().manual_seed(0))
Z = torch.zeros
# id, module factory, x, hx, exception, regexes that must all appear in the message, torch rejects it too
BAD_INPUTS = [
    ("unsupported-module", lambda: nn.Linear(3, 4), torch.randn(2, 3), None, TypeError, ["LSTM", "got Linear"], False),
    ("feature-size", _lstm, torch.randn(5, 2, 7), None, ValueError, ["input_size", "Expected 3", "got 7"], True),
    ("1d-input", _lstm, torch.randn(3), None, ValueError, ["2D or 3D", "1D", shape(3)], True),
    ("4d-input", _lstm, torch.randn(5, 2, 2, 3), None, ValueError, ["2D or 3D", "4D", shape(5, 2, 2, 3)], True),
    ("long-input", _lstm, torch.ones(5, 2, 3, dtype=torch.long), None, TypeError, ["float32", "int64"], True),
    ("float64-input", _lstm, X.double(), None, TypeError, ["float32", "float64"], True),
    ("h0-shape", _lstm, X, (Z(2, 3, 4), Z(2, 2, 4)), ValueError, [r"h_0", shape(2, 2, 4), shape(2, 3, 4)], True),
    ("c0-shape", _lstm, X, (Z(2, 2, 4), Z(2, 2, 5)), ValueError, [r"c_0", shape(2, 2, 4), shape(2, 2, 5)], True),
    ("batch-first-hx", _gru_bf, torch.randn(3, 5, 3), Z(3, 2, 4), ValueError, [shape(2, 3, 4), shape(3, 2, 4)], True),
    (
        "unbatched-hx-3d",
        _lstm,
        torch.randn(5, 3),
        (Z(2, 1, 4), Z(2, 1, 4)),
        ValueError,
        [shape(2, 4), shape(2, 1, 4)],
        True,
    ),
    ("lstm-hx-tensor", _lstm, X, Z(2, 2, 4), TypeError, ["tuple", "Tensor"], True),
    ("gru-hx-tuple", _gru_bf, torch.randn(2, 5, 3), (Z(2, 2, 4),), TypeError, ["single tensor", "tuple"], True),
    (
        "hx-dtype",
        _gru_bf,
        torch.randn(2, 5, 3),
        Z(2, 2, 4, dtype=torch.float64),
        TypeError,
        ["float32", "float64"],
        True,
    ),
    # a module takes a PackedSequence (tests/unit/test_packed.py); a Cell runs one step and does not
    ("packed-cell", _cell, pack_padded_sequence(X, [5, 3]), None, TypeError, ["LSTMCell", "PackedSequence"], True),
    (
        "packed-hx-batch",
        _lstm,
        pack_padded_sequence(X, [5, 3]),
        (Z(2, 3, 4), Z(2, 3, 4)),
        ValueError,
        [r"h_0", shape(2, 2, 4), shape(2, 3, 4)],
        True,
    ),
    ("not-a-tensor", _lstm, {"x": X}, None, TypeError, ["Tensor or a PackedSequence", "dict"], True),
    ("empty-sequence", _lstm, torch.randn(0, 2, 3), None, ValueError, [shape(0, 2, 3), ">= 1"], True),
    ("cell-3d-input", _cell, X, None, ValueError, ["LSTMCell", "1D or 2D", "3D"], True),
    ("cell-hx-shape", _cell, torch.randn(2, 3), (Z(3, 4), Z(2, 4)), ValueError, [shape(2, 4), shape(3, 4)], True),
]


@pytest.mark.parametrize(
    ("make", "x", "hx", "error", "fragments", "torch_rejects"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_raises_a_message_naming_expected_and_given(make, x, hx, error, fragments, torch_rejects) -> None:
    module = make()
    with pytest.raises(error) as info:
        rnnviz.trace(module, x, hx)
    assert type(info.value) is error
    message = str(info.value)
    missing = [f for f in fragments if not re.search(f, message)]
    assert not missing, f"{message!r} lacks {missing}"
    if torch_rejects:  # the module itself refuses the same call: trace is not stricter than torch
        with pytest.raises(Exception):  # noqa: B017 - torch raises RuntimeError/ValueError/TypeError
            module(x, hx)


def test_the_error_cases_are_accepted_when_corrected() -> None:
    """Controls: the same modules trace the corrected inputs without complaint."""
    assert rnnviz.trace(_lstm(), X, (Z(2, 2, 4), Z(2, 2, 4))).matches
    assert rnnviz.trace(_gru_bf(), torch.randn(3, 5, 3), Z(2, 3, 4)).matches
    assert rnnviz.trace(_lstm(), torch.randn(5, 3), (Z(2, 4), Z(2, 4))).matches
    assert rnnviz.trace(_cell(), torch.randn(2, 3), (Z(2, 4), Z(2, 4))).matches


@pytest.mark.parametrize("bidirectional", [False, True])
def test_nan_in_input_is_traced_and_located(bidirectional: bool) -> None:
    torch.manual_seed(1)
    module = nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=bidirectional)
    x = torch.randn(2, 7, 3)
    x[1, 3, 0] = float("nan")  # batch 1, step 3
    tr = rnnviz.trace(module, x)
    assert tr.nonfinite == FirstNonFinite("x", 0, 0, 3)
    assert "x" in str(tr.nonfinite) and "t=3" in str(tr.nonfinite)
    expected = module(x)[0]
    assert torch.equal(torch.isnan(tr.output), torch.isnan(expected))
    assert torch.isnan(tr.output[1, 3:]).all() and not torch.isnan(tr.output[0]).any()
    assert math.isfinite(tr.max_abs_error) and tr.max_abs_error <= 1e-5 and tr.matches
    forward_f = tr.gate("f", 0, 0)[:, 1]  # (T, H) for batch 1
    assert torch.isfinite(forward_f[:3]).all() and torch.isnan(forward_f[3:]).all()
    if bidirectional:  # the reverse direction reaches step 3 from the end: NaN at t <= 3, finite after
        reverse_f = tr.gate("f", 0, 1)[:, 1]
        assert torch.isnan(reverse_f[:4]).all() and torch.isfinite(reverse_f[4:]).all()


@pytest.mark.parametrize(
    ("make", "parameter", "layer", "direction"),
    [
        (lambda: nn.LSTM(3, 4, num_layers=2, bidirectional=True), "weight_hh_l1_reverse", 1, 1),
        (lambda: nn.GRU(3, 4, num_layers=3), "bias_ih_l2", 2, 0),
        (lambda: nn.LSTM(3, 4, proj_size=2), "weight_hr_l0", 0, 0),
        (lambda: nn.GRUCell(3, 4), "weight_ih", 0, 0),
    ],
)
def test_nan_in_a_weight_names_the_parameter(make, parameter: str, layer: int, direction: int) -> None:
    torch.manual_seed(2)
    module = make()
    with torch.no_grad():
        getattr(module, parameter).view(-1)[1] = float("nan")
    x = torch.randn(2, 3) if parameter == "weight_ih" else torch.randn(5, 2, 3)
    tr = rnnviz.trace(module, x)
    assert tr.nonfinite == FirstNonFinite(parameter, layer, direction, None)
    assert parameter in str(tr.nonfinite)
    assert math.isfinite(tr.max_abs_error) and tr.matches


def _relu_rnn(num_layers: int, bidirectional: bool, w_ih: list[float], w_hh: list[float]) -> nn.RNN:
    module = nn.RNN(1, 1, num_layers=num_layers, nonlinearity="relu", bias=False, bidirectional=bidirectional)
    with torch.no_grad():
        for layer in range(num_layers):
            for suffix in ("", "_reverse") if bidirectional else ("",):
                getattr(module, f"weight_ih_l{layer}{suffix}").fill_(w_ih[layer])
                getattr(module, f"weight_hh_l{layer}{suffix}").fill_(w_hh[layer])
    return module


def test_relu_overflow_reports_the_first_layer_and_step_where_h_is_inf() -> None:
    # layer 0: h_t = (t+1) * 1e8 (finite); layer 1: h_t = 1.5e30 * (t+1) * 1e8 > float32 max (3.4e38) from t = 2
    module = _relu_rnn(2, False, [1.0, 1.5e30], [1.0, 0.0])
    tr = rnnviz.trace(module, torch.full((6, 1, 1), 1e8))
    top = module(torch.full((6, 1, 1), 1e8))[0][:, 0, 0]
    assert torch.isfinite(top[:2]).all() and torch.isinf(top[2])  # ground truth from torch itself
    assert torch.isfinite(tr.state("h", 0)).all()
    assert tr.nonfinite == FirstNonFinite("h", 1, 0, 2)
    assert math.isfinite(tr.max_abs_error) and tr.matches


def test_overflow_in_the_reverse_direction_is_found_in_processing_order() -> None:
    # only x_5 is huge: both directions overflow at t = 5, but the reverse direction processes t = 5 first
    module = _relu_rnn(1, True, [10.0], [0.5])
    x = torch.ones(6, 1, 1)
    x[5] = 1e38
    tr = rnnviz.trace(module, x)
    assert torch.isinf(tr.state("h", 0, 0)[5]).all() and torch.isinf(tr.state("h", 0, 1)[5]).all()
    assert torch.isfinite(tr.state("h", 0, 0)[:5]).all()
    assert tr.nonfinite == FirstNonFinite("h", 0, 1, 5)


def test_finite_run_reports_no_nonfinite() -> None:
    tr = rnnviz.trace(_lstm(), X)
    assert tr.nonfinite is None and tr.matches
