"""``rnnviz.trace`` against the module's own forward and against an independent numpy float64 reference.

Tolerances (absolute): 1e-5 for float32 modules, 1e-10 for float64. A float32 trace is compared with the
reference run on the same float32 weights and input, cast to float64.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import rnnviz
from tests.unit.reference_rnn import RefConfig, reference_forward

TOL = {torch.float32: 1e-5, torch.float64: 1e-10}
MODULES = ("LSTM", "GRU", "RNN_TANH", "RNN_RELU", "LSTMCell", "GRUCell", "RNNCell_TANH", "RNNCell_RELU")
SIGMOID_GATES = {"i", "f", "o", "r", "z"}
pytestmark = [
    pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN"),
    pytest.mark.usefixtures("one_torch_thread"),
]


@dataclass(frozen=True)
class Case:
    """One configuration of the sweep; ``seed`` fixes weights, input and hx."""

    module: str  # one of MODULES
    input_size: int
    hidden_size: int
    num_layers: int
    bidirectional: bool
    bias: bool
    batch_first: bool
    proj_size: int
    dtype: torch.dtype
    with_hx: bool  # random h_0 (and c_0) instead of None
    unbatched: bool  # (T, I) input for a module, (I,) for a Cell
    seq: int
    batch: int
    training: bool  # module.train(); trace must leave it as it was
    seed: int

    @property
    def is_cell(self) -> bool:
        return "Cell" in self.module

    @property
    def kind(self) -> str:
        return self.module.replace("Cell", "")  # "LSTM", "GRU", "RNN_TANH", "RNN_RELU"


def make_case(seed: int, pick: Callable[[int, int], int]) -> Case:
    """A configuration whose every choice is ``pick(low, high)`` (inclusive): seeded random or a hypothesis draw."""
    module = MODULES[pick(0, len(MODULES) - 1)]
    cell, hidden = "Cell" in module, pick(1, 6)
    return Case(
        module=module,
        input_size=pick(1, 5),
        hidden_size=hidden,
        num_layers=1 if cell else pick(1, 3),
        bidirectional=not cell and pick(0, 1) == 1,
        bias=pick(0, 2) > 0,
        batch_first=not cell and pick(0, 1) == 1,
        proj_size=pick(0, hidden - 1) * pick(0, 1) if module == "LSTM" else 0,
        dtype=(torch.float32, torch.float64)[pick(0, 1)],
        with_hx=pick(0, 1) == 1,
        unbatched=pick(0, 3) == 0,
        seq=1 if cell else pick(1, 12),
        batch=pick(1, 4),
        training=pick(0, 2) == 0,
        seed=seed,
    )


SWEEP = [make_case(seed, random.Random(seed).randint) for seed in range(400)]


def build(case: Case) -> tuple[nn.Module, torch.Tensor, object]:
    """The module (seeded default init), an input in its layout and an hx (or None)."""
    torch.manual_seed(case.seed)
    kw = dict(bias=case.bias, dtype=case.dtype)
    if case.is_cell:
        if case.module.startswith("RNNCell"):
            kw["nonlinearity"] = case.kind[4:].lower()
        cls = {"LSTMCell": nn.LSTMCell, "GRUCell": nn.GRUCell}.get(case.module, nn.RNNCell)
        module = cls(case.input_size, case.hidden_size, **kw)
        x_shape = (case.input_size,) if case.unbatched else (case.batch, case.input_size)
        h_shape = (case.hidden_size,) if case.unbatched else (case.batch, case.hidden_size)
        c_shape = h_shape
    else:
        kw.update(num_layers=case.num_layers, bidirectional=case.bidirectional, batch_first=case.batch_first)
        if case.kind == "LSTM":
            module = nn.LSTM(case.input_size, case.hidden_size, proj_size=case.proj_size, **kw)
        elif case.kind == "GRU":
            module = nn.GRU(case.input_size, case.hidden_size, **kw)
        else:
            module = nn.RNN(case.input_size, case.hidden_size, nonlinearity=case.kind[4:].lower(), **kw)
        time_batch = (case.batch, case.seq) if case.batch_first else (case.seq, case.batch)
        x_shape = (case.seq, case.input_size) if case.unbatched else (*time_batch, case.input_size)
        ld = case.num_layers * (2 if case.bidirectional else 1)
        lead = (ld,) if case.unbatched else (ld, case.batch)
        h_shape, c_shape = (*lead, case.proj_size or case.hidden_size), (*lead, case.hidden_size)
    module.train(case.training)
    x = torch.randn(x_shape, dtype=case.dtype)
    hx = None
    if case.with_hx:
        h0 = torch.randn(h_shape, dtype=case.dtype)
        hx = (h0, torch.randn(c_shape, dtype=case.dtype)) if case.kind == "LSTM" else h0
    return module, x, hx


def ref_config(module: nn.Module) -> RefConfig:
    """Read the reference's configuration from the module's constructor attributes."""
    if isinstance(module, nn.RNNBase):
        m = module
        return RefConfig(m.mode, m.hidden_size, m.num_layers, m.bidirectional, m.batch_first, m.proj_size)
    kind = {nn.LSTMCell: "LSTM", nn.GRUCell: "GRU"}.get(type(module))
    kind = kind or ("RNN_TANH" if module.nonlinearity == "tanh" else "RNN_RELU")
    return RefConfig(kind, module.hidden_size, is_cell=True)


def as_np(value):
    """A tensor (or a tuple of them, or None) as float64 numpy: float32 values are kept exactly."""
    if isinstance(value, tuple):
        return tuple(as_np(v) for v in value)
    return None if value is None else value.detach().to(torch.float64).numpy()


def run_reference(module: nn.Module, x: torch.Tensor, hx: object):
    params = {k: as_np(v) for k, v in module.state_dict().items()}
    return reference_forward(ref_config(module), params, as_np(x), as_np(hx))


def module_forward(module: nn.Module, x: torch.Tensor, hx: object) -> tuple:
    """(output, h_n, c_n) from the module itself in eval mode; h_n None for a Cell, c_n None unless LSTM."""
    was_training = module.training
    module.eval()
    with torch.no_grad():
        result = module(x, hx)
    module.train(was_training)
    if isinstance(module, nn.RNNBase):
        output, state = result
        return (output, *state) if isinstance(state, tuple) else (output, state, None)
    return (result[0], None, result[1]) if isinstance(result, tuple) else (result, None, None)


def max_err(actual: torch.Tensor | None, expected, what: str) -> float:
    """max |actual - expected|, after checking that both exist and have the same shape."""
    assert (actual is None) == (expected is None), f"{what}: one side is None"
    if actual is None:
        return 0.0
    expected = expected.detach().to(torch.float64).numpy() if isinstance(expected, torch.Tensor) else expected
    actual = actual.detach().to(torch.float64).numpy()
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, expected {expected.shape}"
    return float(np.max(np.abs(actual - expected), initial=0.0))


def check(errors: dict[str, float], tol: float, context: object) -> float:
    bad = {k: v for k, v in errors.items() if not v <= tol}
    assert not bad, f"{context}: errors above {tol}: {bad}"
    return max(errors.values(), default=0.0)


def check_case(case: Case) -> float:
    """Every comparison for one configuration; returns the largest error seen."""
    module, x, hx = build(case)
    before = {k: v.clone() for k, v in module.state_dict().items()}
    tr = rnnviz.trace(module, x, hx)
    assert module.training == case.training
    assert all(torch.equal(before[k], v) for k, v in module.state_dict().items()), "trace changed the weights"
    tol = TOL[case.dtype]
    # the trace's own tolerance scales with |values| >= 1; the fidelity bar here stays the absolute one
    assert tr.tolerance >= tol and tr.matches and tr.max_abs_error <= tol, (case, tr.max_abs_error)
    assert tr.output.dtype == case.dtype
    out, h_n, c_n = module_forward(module, x, hx)
    ref = run_reference(module, x, hx)
    errors = {"output": max_err(tr.output, out, "output"), "h_n": max_err(tr.h_n, h_n, "h_n")}
    errors["c_n"] = max_err(tr.c_n, c_n, "c_n")
    # the reference itself must agree with torch, or it proves nothing
    errors |= {
        f"ref_{n}": max_err(a, b, n)
        for n, a, b in (("out", out, ref.output), ("h_n", h_n, ref.h_n), ("c_n", c_n, ref.c_n))
    }
    gates = {"LSTM": ("i", "f", "g", "o"), "GRU": ("r", "z", "n")}.get(case.kind, ())
    assert tr.gate_names == gates
    states = ("h", "c") if case.kind == "LSTM" else ("h",)
    assert tr.state_names == states + (("h_unprojected",) if case.proj_size else ())
    layers, directions = case.num_layers, 2 if case.bidirectional else 1
    for layer in range(layers):
        errors[f"layer_input{layer}"] = max_err(tr.layer_input(layer), ref.layer_inputs[layer], "layer_input")
        for d in range(directions):
            rec, where = ref.steps[(layer, d)], f"l{layer}d{d}"
            for name in gates or ("h",):
                input_term, hidden_term = tr.gate_terms(name, layer, d)
                pre = tr.preactivation(name, layer, d)
                errors[f"{name}_in_{where}"] = max_err(input_term, rec.input_term[name], name)
                errors[f"{name}_hid_{where}"] = max_err(hidden_term, rec.hidden_term[name], name)
                errors[f"{name}_pre_{where}"] = max_err(pre, rec.preactivation[name], name)
                if gates:
                    gate = tr.gate(name, layer, d)
                    errors[f"{name}_{where}"] = max_err(gate, rec.gates[name], name)
                    activation = torch.sigmoid if name in SIGMOID_GATES else torch.tanh
                    errors[f"{name}_act_{where}"] = max_err(gate, activation(pre), name)
                else:
                    activation = torch.tanh if case.kind == "RNN_TANH" else torch.relu
                    errors[f"h_act_{where}"] = max_err(tr.state("h", layer, d), activation(pre), name)
            for name in tr.state_names:
                errors[f"{name}_{where}"] = max_err(tr.state(name, layer, d), getattr(rec, name), name)
            errors[f"h_prev_{where}"] = max_err(tr.previous_state("h", layer, d), rec.h_prev, "h_prev")
            if case.kind == "LSTM":
                errors[f"c_prev_{where}"] = max_err(tr.previous_state("c", layer, d), rec.c_prev, "c_prev")
    return check(errors, tol, case)


@pytest.mark.parametrize("case", SWEEP, ids=lambda c: f"{c.seed}-{c.module}-{str(c.dtype)[6:]}")
def test_sweep_matches_module_and_reference(case: Case) -> None:
    check_case(case)


def test_sweep_covers_every_option() -> None:
    seen = {(c.module, c.dtype) for c in SWEEP}
    assert seen == {(m, d) for m in MODULES for d in TOL}
    modules = [c for c in SWEEP if not c.is_cell]
    for attr, values in [
        ("num_layers", {1, 2, 3}),
        ("bidirectional", {True, False}),
        ("bias", {True, False}),
        ("batch_first", {True, False}),
        ("with_hx", {True, False}),
        ("unbatched", {True, False}),
    ]:
        assert {getattr(c, attr) for c in modules} == values, attr
    assert {c.seq for c in modules} == set(range(1, 13)) and {c.batch for c in SWEEP} == {1, 2, 3, 4}
    assert sum(c.proj_size > 0 and c.bidirectional and c.num_layers > 1 for c in SWEEP) >= 3
    assert {c.unbatched for c in SWEEP if c.is_cell} == {True, False}


@st.composite
def cases(draw) -> Case:
    return make_case(draw(st.integers(0, 2**31 - 1)), lambda low, high: draw(st.integers(low, high)))


@settings(max_examples=60, deadline=None)
@given(cases())
def test_hypothesis_configurations(case: Case) -> None:
    check_case(case)


#: a 2-layer bidirectional float64 module with a random hx, for the targeted tests below
DOUBLE_BIDIR = Case("LSTM", 3, 4, 2, True, True, False, 0, torch.float64, True, False, 5, 2, False, 11)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN_RELU"])
def test_time_major_for_both_directions(kind: str) -> None:
    """Reverse-direction row t is input position t: it equals a forward run over the reversed input, flipped."""
    proj = 2 if kind == "LSTM" else 0
    case = replace(DOUBLE_BIDIR, module=kind, batch_first=True, proj_size=proj, seq=7, batch=3, seed=5)
    module, x, hx = build(case)
    tr = rnnviz.trace(module, x, hx)
    out, h_n, _ = module_forward(module, x, hx)
    size = tr.geometry.out_size
    assert torch.equal(tr.layer_input(0), x.transpose(0, 1))  # time-major even for batch_first
    params = {k: as_np(v) for k, v in module.state_dict().items()}
    for layer in range(2):
        cfg = RefConfig(kind, 4, proj_size=case.proj_size)
        reverse = {k.replace(f"_l{layer}_reverse", "_l0"): v for k, v in params.items() if f"_l{layer}_reverse" in k}
        rows = slice(2 * layer + 1, 2 * layer + 2)  # this layer's reverse direction in h_0/c_0
        start = (hx[0][rows], hx[1][rows]) if kind == "LSTM" else hx[rows]
        flipped = reference_forward(cfg, reverse, as_np(tr.layer_input(layer).flip(0)), as_np(start)).steps[(0, 0)]
        for name in tr.gate_names:
            assert max_err(tr.gate(name, layer, 1), flipped.gates[name][::-1], name) < 1e-10
        assert max_err(tr.state("h", layer, 1), flipped.h[::-1], "h") < 1e-10
    # the reverse direction's final state sits at output position 0, the forward one's at position T-1
    assert max_err(tr.state("h", 1, 1)[0], h_n[3], "h_n reverse") < 1e-10
    assert max_err(out[:, 0, size:], h_n[3], "output t=0") < 1e-10
    assert max_err(tr.state("h", 1, 0)[-1], h_n[2], "h_n forward") < 1e-10
    assert max_err(tr.output[:, -1, :size], h_n[2], "output t=T-1") < 1e-10


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_previous_state_is_the_state_each_step_started_from(kind: str) -> None:
    case = replace(DOUBLE_BIDIR, module=kind, input_size=2, hidden_size=3)
    module, x, hx = build(case)
    tr = rnnviz.trace(module, x, hx)
    initial = {"h": hx[0], "c": hx[1]} if kind == "LSTM" else {"h": hx}
    for name, start in initial.items():
        for layer in range(2):
            for d in range(2):
                prev, now = tr.previous_state(name, layer, d), tr.state(name, layer, d)
                if d == 1:  # the reverse direction starts at t = T-1 and moves to t = 0
                    prev, now = prev.flip(0), now.flip(0)
                assert torch.equal(prev[0], start[2 * layer + d])
                assert torch.equal(prev[1:], now[:-1])
                assert not torch.equal(prev, now)


def test_dropout_is_ignored_and_training_mode_kept() -> None:
    torch.manual_seed(3)
    module = nn.LSTM(3, 6, num_layers=3, dropout=0.5, bidirectional=True).train()
    x = torch.randn(9, 2, 3)
    tr = rnnviz.trace(module, x)
    assert module.training and tr.matches
    eval_out = module_forward(module, x, None)[0]
    with torch.no_grad():
        train_out = module(x)[0]  # dropout active: differs from the eval forward
    assert max_err(train_out, eval_out, "train") > 1e-3
    assert max_err(tr.output, eval_out, "output") <= 1e-5
    assert module.training
