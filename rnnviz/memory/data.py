"""The adding problem (Hochreiter & Schmidhuber 1997; the uRNN paper's version): a long-range memory task.

A sequence has T steps of two features: a value drawn from U(0, 1) and a marker that is 1 at exactly two
steps, one in the first half and one in the second. The answer, read from the model's output after the last
step, is the sum of the two marked values::

    x_t = (value_t, marker_t)            t = 0 .. T-1,  value_t ~ U(0, 1)
    marker_t = 1 at t = a (0 <= a < T//2) and at t = b (T//2 <= b < T), else 0
    target = value_a + value_b           in [0, 2]

The first marked value has to be kept for at least T//2 steps while everything else is ignored. A sequence
counts as answered when |prediction - target| < TOLERANCE (Hochreiter's 0.04); a model solves the task when it
answers SOLVED_RATE of the held-out sequences. Always answering 1 (the mean) gives an MSE of 1/6 and answers
CHANCE_RATE = 1 - (1 - 0.04)**2 of them: the sum of two U(0, 1) has a triangular density, 1 - |s - 1|.

Every batch comes from a private ``torch.Generator`` (never the global RNG): the same seed gives the same
batches, and a standalone script reuses ``adding_batch`` itself (it is copied into the script as source).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

#: A sequence is answered when the prediction is within this of the target (Hochreiter & Schmidhuber 1997).
TOLERANCE = 0.04
#: A model solves the task when it answers this share of the held-out sequences.
SOLVED_RATE = 0.95
#: Answered share and MSE of always answering 1, the best guess without memory.
CHANCE_RATE = 1.0 - (1.0 - TOLERANCE) ** 2
CHANCE_MSE = 1.0 / 6.0
#: Inputs per step: the value and the marker.
INPUT_SIZE = 2
#: Held-out sequences: drawn once per length from their own fixed seed, so every run with the same T is judged
#: on the very same sequences.
HELD_OUT_SIZE = 1000
HELD_OUT_SEED = 20_250_611


class AddingBatch(NamedTuple):
    """Sequences of the adding problem, batch-first."""

    x: Tensor  # (B, T, 2) float32: value, marker
    target: Tensor  # (B, 1) float32: the sum of the two marked values
    marks: Tensor  # (B, 2) int64: the marked steps a < T//2 <= b


def adding_batch(batch_size: int, length: int, generator: torch.Generator) -> tuple[Tensor, Tensor, Tensor]:
    """``batch_size`` sequences of ``length`` >= 2 steps: x (B, T, 2), target (B, 1), marks (B, 2).

    Draws, in this order, B*T values, then B first and B second marked steps from ``generator``.
    """
    values = torch.rand(batch_size, length, generator=generator)  # (B, T)
    half = length // 2
    first = torch.randint(0, half, (batch_size,), generator=generator)
    second = torch.randint(half, length, (batch_size,), generator=generator)
    rows = torch.arange(batch_size)
    markers = torch.zeros(batch_size, length)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = torch.stack([values, markers], dim=-1)  # (B, T, 2)
    target = (values[rows, first] + values[rows, second]).unsqueeze(1)  # (B, 1)
    return x, target, torch.stack([first, second], dim=1)


def check_length(length: int) -> None:
    if isinstance(length, bool) or not isinstance(length, int) or length < 2:
        raise ValueError(f"the sequence length T must be a whole number >= 2 (one marker in each half), got {length!r}")


class AddingStream:
    """The training batches of a run: ``next_batch()`` draws the next B sequences from the run's generator."""

    def __init__(self, batch_size: int, length: int, seed: int) -> None:
        check_length(length)
        self.batch_size, self.length = batch_size, length
        self.generator = torch.Generator().manual_seed(seed)

    def next_batch(self) -> AddingBatch:
        return AddingBatch(*adding_batch(self.batch_size, self.length, self.generator))


def held_out_set(length: int, size: int = HELD_OUT_SIZE) -> AddingBatch:
    """The held-out sequences of length T (the same for every run with this T): x (N, T, 2), target (N, 1)."""
    check_length(length)
    return AddingBatch(*adding_batch(size, length, torch.Generator().manual_seed(HELD_OUT_SEED)))


class Score(NamedTuple):
    """Predictions judged against targets."""

    answered: float  # share of sequences with |error| < TOLERANCE
    mse: float

    @property
    def solved(self) -> bool:
        return self.answered >= SOLVED_RATE


def score(prediction: Tensor, target: Tensor) -> Score:
    """The share of |prediction - target| < TOLERANCE and the MSE, over (N, 1) tensors."""
    error = (prediction - target).abs()
    return Score(float((error < TOLERANCE).float().mean()), float(error.pow(2).mean()))
