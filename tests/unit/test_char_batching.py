"""Vocabulary and batching: adjacent windows really are adjacent, random ones cover the corpus.

The "corpus" in the batching tests is ``arange(N)``: every index is its own position, so a batch shows exactly
which stretch of the text it holds.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnviz.charlm.batches import batches_needed, epoch_batches, split_validation
from rnnviz.charlm.corpora import Vocabulary, visible

N, B, T = 5_003, 4, 7


def _epoch(sampling: str, seed: int = 0, n: int = N):
    return epoch_batches(torch.arange(n), B, T, sampling, torch.Generator().manual_seed(seed))


def test_vocabulary_orders_by_frequency_then_code_point_and_round_trips():
    vocabulary = Vocabulary.from_text("banana bread\n")
    # a x4; b, n x2 (tie: by code point); then '\n', ' ', d, e, r x1
    assert vocabulary.chars == ("a", "b", "n", "\n", " ", "d", "e", "r")
    counts = {c: "banana bread\n".count(c) for c in vocabulary.chars}
    keys = [(-counts[c], ord(c)) for c in vocabulary.chars]
    assert keys == sorted(keys)
    text = "bread and banana\n"
    indices = vocabulary.encode(text)
    assert indices.dtype == np.int64 and indices.shape == (len(text),)
    assert vocabulary.decode(indices) == text
    assert [vocabulary.chars[i] for i in indices] == list(text)


def test_unknown_characters_are_named():
    vocabulary = Vocabulary.from_text("abc")
    assert vocabulary.unknown("abxcyx") == ["x", "y"]
    with pytest.raises(ValueError, match=r"2 character\(s\) are not in the model's vocabulary of 3: 'x', 'y'"):
        vocabulary.encode("abxcyx")
    with pytest.raises(ValueError, match="distinct single characters"):
        Vocabulary(("a", "a"))
    assert visible("\n") == "⏎" and visible(" ") == "␣" and visible("\x07") == "U+0007" and visible("é") == "é"


def test_adjacent_batches_continue_each_other_row_by_row():
    epoch = _epoch("adjacent")
    previous = None
    for k in range(len(epoch)):
        x, y = epoch.batch(k)
        assert x.shape == y.shape == (B, T) and x.dtype == torch.int64
        assert torch.equal(y, x + 1)  # targets are the next characters
        assert torch.equal(x[:, 1:], x[:, :-1] + 1)  # each row is a contiguous stretch
        if previous is not None:
            assert torch.equal(x[:, 0], previous[:, -1] + 1)  # row b of batch k+1 continues row b of batch k
        previous = x
    offset = int(epoch.batch(0)[0][0, 0])
    assert 0 <= offset <= T
    row_length = (N - offset - 1) // B
    assert len(epoch) == row_length // T
    assert torch.equal(epoch.batch(0)[0][:, 0], offset + row_length * torch.arange(B))  # rows start far apart


def test_random_batches_are_shuffled_windows_that_cover_the_corpus():
    epoch = _epoch("random")
    starts = torch.cat([epoch.batch(k)[0][:, 0] for k in range(len(epoch))])
    offset = int(starts.min()) % T
    windows = (N - offset - 1) // T
    assert len(epoch) == windows // B
    assert len(set(starts.tolist())) == len(starts)  # no window twice
    assert set(((starts - offset) % T).tolist()) == {0}  # windows on the grid offset + j*T
    assert not torch.equal(starts, torch.sort(starts).values)  # shuffled
    for k in range(len(epoch)):
        x, y = epoch.batch(k)
        assert torch.equal(y, x + 1) and torch.equal(x[:, 1:], x[:, :-1] + 1)
    covered = np.zeros(N, dtype=bool)
    for seed in range(12):  # over a few epochs (new offsets), every character is read
        e = _epoch("random", seed)
        for k in range(len(e)):
            covered[e.batch(k)[0].numpy().ravel()] = True
    assert covered[: N - 1 - B * T].all()
    single = np.zeros(N, dtype=bool)  # one epoch covers all but less than B + 1 windows at the ends
    for k in range(len(epoch)):
        single[epoch.batch(k)[0].numpy().ravel()] = True
    assert single.sum() >= N - (B + 1) * T - T


def test_batching_is_seeded_and_checks_the_length():
    for sampling in ("adjacent", "random"):
        a, b = _epoch(sampling, seed=5), _epoch(sampling, seed=5)
        assert all(torch.equal(a.batch(k)[0], b.batch(k)[0]) for k in range(len(a)))
        needed = batches_needed(B, T, sampling)
        assert len(_epoch(sampling, n=needed)) >= 1
        with pytest.raises(ValueError, match=f"too few for one batch of {B} × {T}.*lower the batch size"):
            _epoch(sampling, n=needed - 1)
    with pytest.raises(ValueError, match="sampling must be one of"):
        _epoch("sideways")


def test_validation_split_is_the_end_of_the_text():
    train, held_out = split_validation("x" * 900 + "y" * 100)
    assert held_out == "y" * 100 and train == "x" * 900
    assert split_validation("abc") == ("abc", "")
    assert len(split_validation("a" * 1_000_000)[1]) == 20_000
