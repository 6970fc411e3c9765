"""The two ways to cut a corpus into batches, and the held-out end of a text.

Batching follows "Dive into Deep Learning" (section 9.3), with a private ``torch.Generator``::

    adjacent: corpus[offset:] cut into B rows; batch k = columns k*T .. k*T+T-1 of every row, so row b of
              batch k+1 continues row b of batch k (a hidden state may be carried across, detached)
    random:   corpus[offset:] cut into windows of T; the windows shuffled, B of them per batch (reset state)

X and Y are (B, T) int64 indices, Y = X shifted by one character; the model takes X.T, time-major (T, B).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

SAMPLINGS = ("adjacent", "random")


def split_validation(text: str, fraction: float = 0.1, max_chars: int = 20_000) -> tuple[str, str]:
    """(training text, held-out validation text): the last ``fraction`` of ``text`` (at most ``max_chars``)."""
    held_out = min(int(len(text) * fraction), max_chars)
    return (text, "") if held_out < 2 else (text[:-held_out], text[-held_out:])


@dataclass(frozen=True, eq=False)
class EpochBatches:
    """One epoch's batches: ``batch(k)`` -> (X, Y), (B, T) int64 each, for k in range(len(self))."""

    rows_x: Tensor  # adjacent: (B, columns) rows of the corpus; random: the corpus from its offset (N',)
    rows_y: Tensor
    starts: Tensor | None  # random: shuffled window starts (num_batches * B,); adjacent: None
    batch_size: int
    num_steps: int
    count: int

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, k: int) -> tuple[Tensor, Tensor]:
        return self.batch(k)

    def batch(self, k: int) -> tuple[Tensor, Tensor]:
        t, b = self.num_steps, self.batch_size
        if self.starts is None:
            return self.rows_x[:, k * t : (k + 1) * t], self.rows_y[:, k * t : (k + 1) * t]
        positions = self.starts[k * b : (k + 1) * b, None] + torch.arange(t)  # (B, T)
        return self.rows_x[positions], self.rows_y[positions]


def batches_needed(batch_size: int, num_steps: int, sampling: str) -> int:
    """Fewest corpus characters that give one batch: the largest offset + B * T + 1 for the target shift."""
    return (num_steps if sampling == "adjacent" else num_steps - 1) + batch_size * num_steps + 1


def epoch_batches(
    indices: Tensor, batch_size: int, num_steps: int, sampling: str, generator: torch.Generator
) -> EpochBatches:
    """Cut ``indices`` (N,) into one epoch of (X, Y) batches; draws the offset (and the shuffle) from ``generator``.

    adjacent (d2l ``seq_data_iter_sequential``): offset in [0, T]; B rows of ``(N - offset - 1) // B`` chars.
    random (d2l ``seq_data_iter_random``): offset in [0, T - 1]; windows of T shuffled; B windows per batch.
    """
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling must be one of {', '.join(SAMPLINGS)}, got {sampling!r}")
    needed = batches_needed(batch_size, num_steps, sampling)
    if indices.shape[0] < needed:
        raise ValueError(
            f"the training text has {indices.shape[0]:,} characters, too few for one batch of {batch_size} × "
            f"{num_steps} ({needed:,} needed): lower the batch size or num_steps, or use a longer text."
        )
    if sampling == "adjacent":
        offset = int(torch.randint(0, num_steps + 1, (1,), generator=generator))
        tokens = ((indices.shape[0] - offset - 1) // batch_size) * batch_size
        rows_x = indices[offset : offset + tokens].reshape(batch_size, -1)  # (B, columns)
        rows_y = indices[offset + 1 : offset + 1 + tokens].reshape(batch_size, -1)
        return EpochBatches(rows_x, rows_y, None, batch_size, num_steps, rows_x.shape[1] // num_steps)
    offset = int(torch.randint(0, num_steps, (1,), generator=generator))
    corpus = indices[offset:]
    windows = (corpus.shape[0] - 1) // num_steps
    starts = torch.randperm(windows, generator=generator) * num_steps  # (windows,)
    count = windows // batch_size
    return EpochBatches(corpus[:-1], corpus[1:], starts[: count * batch_size], batch_size, num_steps, count)
