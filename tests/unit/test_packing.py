"""rnnviz.shapes.packing against torch: packed data and batch_sizes, h_n at each sequence's last real step, zeros past
each length after pad_packed_sequence, and a clear refusal for every batch that cannot be packed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn.utils.rnn import pack_padded_sequence

from rnnviz.core.packed import default_lengths, parse_lengths, validate_packing
from rnnviz.core.spec import CELL_TYPES, ModelSpec, build_model
from rnnviz.shapes.packing import packing_demo

TOL = 1e-5  # float32, values of size ~1
SEQ = 6
LENGTHS = (4, 6, 1, 3)  # unsorted on purpose, one full-length sequence


def _configs():
    for cell, batch_first, layers, bidirectional in itertools.product(CELL_TYPES, (False, True), (1, 2), (False, True)):
        yield ModelSpec(
            cell=cell,
            input_size=3,
            hidden_size=5,
            num_layers=layers,
            bidirectional=bidirectional,
            batch_first=batch_first,
        )
    yield ModelSpec(input_size=3, hidden_size=5, num_layers=2, bidirectional=True, batch_first=True, proj_size=2)


@pytest.mark.parametrize("spec", list(_configs()), ids=str)
def test_packing_demo_agrees_with_torch(spec):
    demo = packing_demo(spec, LENGTHS, SEQ)
    assert demo.matches
    # batch_sizes[t] = how many sequences have a step t; data has one row per real step
    assert demo.batch_sizes.tolist() == [sum(n > t for n in LENGTHS) for t in range(max(LENGTHS))]
    assert demo.data.shape == (sum(LENGTHS), spec.input_size)
    assert demo.sorted_indices.tolist() == sorted(range(4), key=lambda b: -LENGTHS[b])
    for row, (t, b) in enumerate(demo.data_origin):  # every row of data is step t of sequence b of the padded batch
        np.testing.assert_array_equal(demo.data[row], demo.padded[b, t])
    assert demo.mask.tolist() == [[t < n for t in range(SEQ)] for n in LENGTHS]
    assert np.all(demo.padded[~demo.mask] == 0)
    assert demo.past_length_max == 0.0
    assert demo.output_shape == ((4, SEQ) if spec.batch_first else (SEQ, 4)) + (spec.num_directions * spec.out_size,)
    assert demo.last_step_diffs.max() <= TOL and demo.unpacked_diffs.max() <= TOL
    # without packing, the shorter sequences' h_n includes the padding steps: it differs
    shorter = [b for b, n in enumerate(LENGTHS) if n < SEQ]
    assert all(demo.padded_run_diffs[b] > 1e-4 for b in shorter)


def test_h_n_is_the_last_real_step_independently():
    """Recompute the claim in the test itself: packed h_n[:, b] == the module run on sequence b alone."""
    spec = ModelSpec(cell="GRU", input_size=2, hidden_size=4, bidirectional=True)
    demo = packing_demo(spec, (5, 2, 3), 5)
    module = build_model(spec)
    padded = torch.from_numpy(demo.padded).float().transpose(0, 1)  # (T, B, I)
    with torch.no_grad():
        _, h_n = module(pack_padded_sequence(padded, torch.tensor([5, 2, 3]), enforce_sorted=False))
        for b, n in enumerate((5, 2, 3)):
            _, alone = module(padded[:n, b : b + 1])
            torch.testing.assert_close(h_n[:, b : b + 1], alone, atol=TOL, rtol=0)


def test_enforce_sorted_refusal_carries_torchs_own_message():
    with pytest.raises(RuntimeError) as direct:
        pack_padded_sequence(torch.zeros(SEQ, 4, 3), torch.tensor(LENGTHS), enforce_sorted=True)
    with pytest.raises(ValueError) as raised:
        packing_demo(ModelSpec(input_size=3), LENGTHS, SEQ, enforce_sorted=True)
    assert str(direct.value) in str(raised.value)
    assert packing_demo(ModelSpec(input_size=3), (6, 4, 3, 1), SEQ, enforce_sorted=True).matches


@pytest.mark.parametrize(
    ("lengths", "batch", "unbatched", "message"),
    [
        ((3,), 1, False, "a batch of one has nothing to pack"),
        ((3, 2), 2, True, "needs a batch axis"),
        ((3, 2), 3, False, "the batch has 3 sequences, got 2 lengths"),
        ((3, 0), 2, False, "every length to be at least 1"),
        ((7, 2), 2, False, "lengths cannot exceed the padded sequence length 6"),
    ],
)
def test_impossible_packing_is_explained(lengths, batch, unbatched, message):
    problems = validate_packing(lengths, batch, SEQ, unbatched)
    assert any(message in p for p in problems), problems
    if not unbatched and batch == len(lengths):
        with pytest.raises(ValueError, match=message):
            packing_demo(ModelSpec(), lengths, SEQ)


@pytest.mark.parametrize(("text", "expected"), [("5, 3, 2", (5, 3, 2)), ("5 3;2", (5, 3, 2)), (" 4 ,1 ", (4, 1))])
def test_parse_lengths(text, expected):
    assert parse_lengths(text) == expected


@pytest.mark.parametrize("text", ["", "  ", "5, x", "2.5, 1", "nan", "1e3", "12345678901"])
def test_parse_lengths_rejects_junk(text):
    with pytest.raises(ValueError, match="length"):
        parse_lengths(text)


@settings(max_examples=60, deadline=None)
@given(batch=st.integers(1, 64), seq_len=st.integers(1, 200))
def test_default_lengths_are_always_packable(batch, seq_len):
    lengths = default_lengths(batch, seq_len)
    assert len(lengths) == batch and lengths[0] == seq_len
    assert all(1 <= n <= seq_len for n in lengths) and list(lengths) == sorted(lengths, reverse=True)
    assert validate_packing(lengths, batch, seq_len) == ([] if batch > 1 else validate_packing((1,), 1, 1))
