"""The mistakes lab reproduces each documented behaviour on real modules; error texts come from torch at run time."""

from __future__ import annotations

import dataclasses
import inspect
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnviz.shapes.mistakes
from rnnviz.core.spec import CELL_TYPES, ModelSpec, build_model
from rnnviz.shapes.checks import random_tensor, run_module
from rnnviz.shapes.mistakes import MISTAKES, demo_sizes, run_mistake

SPECS = [
    ModelSpec(),
    ModelSpec(cell="GRU", input_size=3, hidden_size=7, num_layers=2, bidirectional=True, batch_first=True),
    ModelSpec(cell="RNN (tanh)", input_size=2, hidden_size=6, num_layers=3),
    ModelSpec(input_size=4, hidden_size=8, num_layers=2, proj_size=3, batch_first=True),
    ModelSpec(cell="GRU", input_size=3, hidden_size=16, num_layers=4, bidirectional=True),  # L*D = 8 > batch
]
IDS = [f"{s.cell}-L{s.num_layers}-D{s.num_directions}-P{s.proj_size}" for s in SPECS]


def _message(action) -> str:
    """The error torch raises for ``action``, obtained here in the test, independently of the lab."""
    try:
        action()
    except (RuntimeError, ValueError, IndexError, TypeError) as error:
        return f"{type(error).__name__}: {error}"
    raise AssertionError("expected torch to raise")


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_batch_first_data_into_sequence_first_model_is_silently_wrong(spec):
    outcome = run_mistake("batch_first_data", spec)
    assert not outcome.raised
    assert outcome.max_abs_diff > 1e-4  # same shape, different numbers
    assert outcome.wrong.split(":")[0] == outcome.right.split(":")[0]
    assert "batch_first=True" in outcome.fix and "batch_first" not in outcome.model


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_wrong_h0_shape_raises_torchs_error(spec):
    outcome = run_mistake("h0_shape", spec)
    batch, steps = demo_sizes(spec)
    rows = spec.num_layers * spec.num_directions
    module = build_model(spec)
    x = torch.zeros((batch, steps, spec.input_size) if spec.batch_first else (steps, batch, spec.input_size))
    h0 = torch.zeros(batch, rows, spec.out_size)
    hx = (h0, torch.zeros(rows, batch, spec.hidden_size)) if spec.cell == "LSTM" else h0
    assert outcome.error == _message(lambda: module(x, hx))
    assert f"({rows}, {batch}, {spec.out_size})" in outcome.error  # what torch expected: (L*D, B, P)
    assert outcome.fix == f"h0 = torch.zeros({rows}, {batch}, {spec.out_size})  # (L*D, B, P)"


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_expecting_h_n_batch_first(spec):
    outcome = run_mistake("h_n_batch_first", spec)
    batch, _ = demo_sizes(spec)
    rows = spec.num_layers * spec.num_directions
    if batch - 1 >= rows:  # h_n[batch - 1] is out of range: torch's IndexError
        assert outcome.error == _message(lambda: torch.zeros(rows, batch, spec.out_size)[batch - 1])
    else:  # silently a layer's states of every sequence, not one sequence's state
        assert not outcome.raised and outcome.max_abs_diff is None
        assert outcome.wrong.startswith(f"shape ({batch}, {spec.out_size})")
    assert outcome.right.startswith(f"shape ({spec.out_size},)")


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_view_instead_of_transpose_scrambles_sequences(spec):
    outcome = run_mistake("view_not_transpose", spec)
    assert not outcome.raised and outcome.max_abs_diff > 1e-5
    assert "transpose(0, 1)" in outcome.fix
    # the bug itself, shown on indices: view does not move axes
    steps, batch = 3, 2
    x = torch.arange(steps * batch).view(steps, batch)
    assert not torch.equal(x.view(batch, steps), x.transpose(0, 1))


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_last_output_of_a_bidirectional_model(spec):
    outcome = run_mistake("bidirectional_last", spec)
    assert not outcome.raised and outcome.max_abs_diff > 1e-4
    assert "bidirectional=True" in outcome.model
    assert re.search(r"forward final state \(max \|Δ\| = 0\.0e\+00\)", outcome.explanation), outcome.explanation
    # the fix equals the forward half at the last step and the reverse half at step 0
    bidirectional = dataclasses.replace(spec, bidirectional=True, batch_first=True)
    batch, steps = demo_sizes(bidirectional)
    output, h_n = run_module(
        build_model(bidirectional), random_tensor((batch, steps, spec.input_size), torch.float32, 1)
    )[:2]
    p = spec.out_size
    torch.testing.assert_close(torch.cat([output[:, -1, :p], output[:, 0, p:]], 1), torch.cat([h_n[-2], h_n[-1]], 1))


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_embedding_without_long_raises_torchs_error(spec):
    outcome = run_mistake("embedding_long", spec)
    embedding = torch.nn.Embedding(20, spec.input_size)
    assert outcome.error == _message(lambda: embedding(torch.zeros(3, 2, dtype=torch.float64)))
    assert outcome.fix == "output = model(embedding(ids.long()))[0]"
    assert outcome.right.startswith("shape (")


@pytest.mark.parametrize("key", ["batch_first_data", "view_not_transpose", "bidirectional_last"])
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_a_silent_mistake_shows_where_its_numbers_start_to_differ(key, spec):
    """Its first numbers often equal the fix's; the window starts where they stop being equal."""
    window = run_mistake(key, spec).window
    assert window is not None and window.differs.any()
    if spec == SPECS[0]:  # one layer, one direction: the window shows equal and differing values side by side
        assert not window.differs.all()
    np.testing.assert_array_equal(window.differs, np.abs(window.wrong - window.right) > window.tolerance)
    assert window.column_axis == "unit"


def test_error_texts_are_not_stored_in_the_lab():
    """Every message shown comes from a live torch call: none of torch's wording is in the module's source."""
    source = inspect.getsource(rnnviz.shapes.mistakes)
    for outcome in (run_mistake(key, spec) for key in MISTAKES for spec in SPECS[:2]):
        if outcome.raised:
            message = outcome.error.split(": ", 1)[1]
            assert message[:30] not in source


def test_every_mistake_runs_for_every_cell():
    for cell in CELL_TYPES:
        for key in MISTAKES:
            outcome = run_mistake(key, ModelSpec(cell=cell, input_size=2, hidden_size=4))
            assert outcome.title == MISTAKES[key][0] and outcome.fix and outcome.wrong_code
            assert outcome.raised or outcome.wrong


def test_unknown_mistake_lists_the_keys():
    with pytest.raises(KeyError, match="h0_shape"):
        run_mistake("nope", ModelSpec())


@settings(max_examples=80, deadline=None)
@given(input_size=st.integers(1, 12), hidden=st.integers(1, 12), layers=st.integers(1, 4), bidirectional=st.booleans())
def test_demo_sizes_never_collide(input_size, hidden, layers, bidirectional):
    spec = ModelSpec(input_size=input_size, hidden_size=hidden, num_layers=layers, bidirectional=bidirectional)
    batch, steps = demo_sizes(spec)
    taken = {layers * spec.num_directions, input_size, hidden, spec.num_directions * hidden}
    assert batch >= 2 and steps >= 2 and batch != steps and not {batch, steps} & taken
