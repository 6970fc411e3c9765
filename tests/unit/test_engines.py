"""The batched engine (``rnnviz.trace``) against the sequential one (``trace_sequential``) on every configuration
of the fidelity sweep: every recorded quantity, the outputs, the check and the first NaN/inf agree.

Tolerances as in the fidelity tests: 1e-5 for float32, 1e-10 for float64 (the batched engine starts each step
from the module's own h_{t-1}, the sequential one from its own, so they differ by rounding only).
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

import rnnviz
from rnnviz.core.numerics import max_abs_difference
from rnnviz.core.trace import trace_sequential
from tests.unit.test_trace_fidelity import SWEEP, TOL, Case, build

pytestmark = [
    pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN"),
    pytest.mark.usefixtures("one_torch_thread"),
]
FIELDS = ("input_term", "hidden_term", "gates", "h", "c", "h_unprojected", "h0", "c0")


def outputs(tr) -> tuple:
    output = tr.output.data if isinstance(tr.output, nn.utils.rnn.PackedSequence) else tr.output
    return output, tr.h_n, tr.c_n


def diff(a: torch.Tensor | None, b: torch.Tensor | None, what: str) -> float:
    """max |a - b| in float64, a NaN (or inf) in the same place in both counting as equal."""
    assert (a is None) == (b is None), f"{what}: one side is None"
    return 0.0 if a is None else max_abs_difference(a.double(), b.double())


def assert_same_trace(batched, sequential, tol: float, context: object) -> None:
    """Every record, layer input and output of two traces of one call agree within ``tol``."""
    errors = {}
    assert batched.records.keys() == sequential.records.keys(), context
    for key, rec in batched.records.items():
        other = sequential.records[key]
        for name in FIELDS:
            errors[f"{name}{key}"] = diff(getattr(rec, name), getattr(other, name), name)
        for name, weight in vars(rec.weights).items():
            assert (weight is None) == (getattr(other.weights, name) is None) or torch.equal(
                weight, getattr(other.weights, name)
            ), (context, name)
    for layer, (a, b) in enumerate(zip(batched.layer_inputs, sequential.layer_inputs, strict=True)):
        errors[f"layer_input{layer}"] = diff(a, b, "layer_input")
    for name, a, b in zip(("output", "h_n", "c_n"), outputs(batched), outputs(sequential), strict=True):
        errors[name] = diff(a, b, name)
    bad = {k: v for k, v in errors.items() if not v <= tol}
    assert not bad, f"{context}: batched and sequential engines differ: {bad}"
    assert batched.matches and sequential.matches, (context, batched.max_abs_error, sequential.max_abs_error)
    assert batched.nonfinite == sequential.nonfinite, context
    assert (batched.kind, batched.geometry, batched.unbatched) == (
        sequential.kind,
        sequential.geometry,
        sequential.unbatched,
    )


@pytest.mark.parametrize("case", SWEEP, ids=lambda c: f"{c.seed}-{c.module}-{str(c.dtype)[6:]}")
def test_batched_engine_equals_the_sequential_engine(case: Case) -> None:
    module, x, hx = build(case)
    assert_same_trace(rnnviz.trace(module, x, hx), trace_sequential(module, x, hx), TOL[case.dtype], case)
    assert module.training == case.training


def test_a_module_whose_forward_differs_from_its_parameters_fails_both_checks() -> None:
    """Control: a module whose forward is not what its parameters compute (here it adds 1) fails both checks;
    the batched engine, which reads the module's own states, fails it differently."""

    class Shifted(nn.GRU):
        def forward(self, x, hx=None):
            output, h_n = super().forward(x, hx)
            return output + 1.0, h_n + 1.0

    torch.manual_seed(0)
    module = Shifted(3, 4, num_layers=2)
    x = torch.randn(6, 2, 3)
    batched, sequential = rnnviz.trace(module, x), trace_sequential(module, x)
    assert not batched.matches and not sequential.matches
    assert math.isclose(sequential.max_abs_error, 1.0, rel_tol=1e-5)
    assert batched.max_abs_error > 0.5  # its top layer starts each step from the shifted h_{t-1}


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_nan_input_is_located_alike(kind: str) -> None:
    torch.manual_seed(4)
    module = getattr(nn, kind)(2, 3, num_layers=2, bidirectional=True)
    x = torch.randn(7, 3, 2)
    x[4, 1, 0] = float("nan")
    batched, sequential = rnnviz.trace(module, x), trace_sequential(module, x)
    assert batched.nonfinite == sequential.nonfinite == rnnviz.FirstNonFinite("x", 0, 0, 4)
    assert_same_trace(batched, sequential, 1e-5, kind)


def test_a_half_precision_module_is_traced_by_both_engines() -> None:
    torch.manual_seed(5)
    module = nn.LSTM(3, 4, num_layers=2).to(torch.bfloat16)
    x = torch.randn(5, 2, 3, dtype=torch.bfloat16)
    batched, sequential = rnnviz.trace(module, x), trace_sequential(module, x)
    assert batched.matches and sequential.matches and batched.output.dtype == torch.bfloat16
    assert diff(batched.output, sequential.output, "output") <= 5e-2
