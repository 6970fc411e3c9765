"""Every clamp's sentence rests on an identity; it holds on the clamped run and not on the unclamped one."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnviz.core.cells import GATE_NAMES
from rnnviz.core.clamp_effects import check_identity, clamp_effect
from rnnviz.core.interventions import GateClamp, Intervention, intervene
from rnnviz.core.spec import ModelSpec, build_model
from rnnviz.core.trace import trace

STEPS = 7


@settings(max_examples=80, deadline=None)
@given(
    kind=st.sampled_from(["LSTM", "GRU"]),
    gate_index=st.integers(0, 3),
    value=st.one_of(st.sampled_from([0.0, 1.0]), st.floats(-1.0, 1.0, allow_nan=False)),
    seed=st.integers(0, 2**16),
    layers=st.integers(1, 2),
    bidirectional=st.booleans(),
    projected=st.booleans(),
    first=st.integers(0, STEPS - 1),
    dtype=st.sampled_from(["float32", "float64"]),
)
def test_the_identity_holds_at_the_clamped_steps(
    kind, gate_index, value, seed, layers, bidirectional, projected, first, dtype
):
    gates = GATE_NAMES[kind]
    gate = gates[gate_index % len(gates)]
    spec = ModelSpec(
        cell=kind,
        input_size=2,
        hidden_size=5,
        num_layers=layers,
        bidirectional=bidirectional,
        proj_size=3 if projected and kind == "LSTM" else 0,
        dtype=dtype,
    )
    module = build_model(spec, seed)
    x = torch.randn(STEPS, 3, 2, generator=torch.Generator().manual_seed(seed), dtype=module.weight_ih_l0.dtype)
    layer, direction = layers - 1, int(bidirectional)
    steps = tuple(range(first, STEPS))
    clamp = GateClamp(gate, value, steps, layer, direction)
    clamped = intervene(module, x, Intervention(clamps=(clamp,)))
    effect = clamp_effect(kind, gate, value)
    check = check_identity(effect, clamped, steps, layer, direction)
    assert check.holds, (effect.sentence, check)
    assert effect.sentence.startswith(f"{gate} = {value:g}: ")


@pytest.mark.parametrize(("kind", "gate", "value"), [("LSTM", "f", 1.0), ("LSTM", "o", 0.0), ("GRU", "z", 1.0)])
def test_the_identity_does_not_hold_without_the_clamp(kind, gate, value):
    module = build_model(ModelSpec(cell=kind, hidden_size=8), 0)
    unclamped = trace(module, torch.randn(STEPS, 2, 1, generator=torch.Generator().manual_seed(1)))
    check = check_identity(clamp_effect(kind, gate, value), unclamped, tuple(range(STEPS)))
    assert not check.holds and check.residual > 1e-3


def test_the_sentences_of_the_issue_and_gates_that_do_not_exist():
    assert clamp_effect("LSTM", "f", 1.0).sentence == "f = 1: the cell keeps everything it had; c_t only adds i ⊙ g."
    assert clamp_effect("LSTM", "f", 1.0).identity == "c_t = c_{t-1} + i_t ⊙ g_t"
    assert clamp_effect("GRU", "z", 1.0).identity == "h_t = h_{t-1}"
    with pytest.raises(KeyError, match="no gate 'f'"):
        clamp_effect("GRU", "f", 1.0)
