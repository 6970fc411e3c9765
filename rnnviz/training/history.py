"""The loss of every step of a run, and where each step falls in its epoch; bounded views for plotting.

Losses are kept in an ``array('d')`` (8 bytes a step). The trainer appends under its lock and every reader
copies under the same lock, so a page polling a run from another thread never sees a half-written step.
"""

from __future__ import annotations

from array import array

import numpy as np


def downsample(values: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """(steps, values) of a per-step series (N,), at most ``max_points`` long.

    Short series come back whole (steps 1..N). Longer ones are cut into ``max_points`` contiguous buckets of
    near-equal size; each gives its mean value at its mean 1-based step. O(N) in numpy, no Python loop.
    """
    n = values.shape[0]
    if n <= max_points:
        return np.arange(1, n + 1, dtype=np.float64), values.astype(np.float64, copy=True)
    edges = np.linspace(0, n, max_points + 1).astype(np.int64)  # bucket i = [edges[i], edges[i+1])
    means = np.add.reduceat(values, edges[:-1]) / np.diff(edges)
    steps = (edges[:-1] + edges[1:] + 1) / 2
    return steps, means


def check_max_points(max_points: object) -> None:
    if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 1:
        raise ValueError(f"max_points must be a whole number >= 1, got {max_points!r}")


class LossHistory:
    """Every step's loss, and the epochs' boundaries: ``epoch_positions()`` says where each step ends, in
    epochs (1.5 = half way through epoch 2)."""

    def __init__(self) -> None:
        self._losses = array("d")
        self._epoch_starts: list[int] = []  # step index (0-based) where each epoch begins
        self._epoch_lengths: list[int] = []  # its number of batches

    def __len__(self) -> int:
        return len(self._losses)

    def begin_epoch(self, batches: int) -> None:
        self._epoch_starts.append(len(self._losses))
        self._epoch_lengths.append(batches)

    def append(self, loss: float) -> None:
        self._losses.append(loss)

    @property
    def last(self) -> float | None:
        return self._losses[-1] if self._losses else None

    def values(self) -> np.ndarray:
        """Every loss so far, a copy: (steps,)."""
        return np.array(self._losses, dtype=np.float64)

    def recent(self, n: int) -> np.ndarray:
        """The last ``n`` losses (fewer early in a run), a copy."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a whole number >= 1, got {n!r}")
        return np.array(self._losses[-n:], dtype=np.float64)

    def epoch_losses(self, epoch: int) -> np.ndarray:
        """The losses of epoch ``epoch`` (0-based) so far."""
        start = self._epoch_starts[epoch]
        return np.array(self._losses[start : start + self._epoch_lengths[epoch]], dtype=np.float64)

    def epoch_positions(self) -> np.ndarray:
        """Where each step ends, in epochs: step j of an epoch e of n batches ends at e + j / n. (steps,)"""
        steps = np.arange(len(self._losses))
        starts = np.asarray(self._epoch_starts, dtype=np.int64)
        lengths = np.asarray(self._epoch_lengths, dtype=np.float64)
        epoch = np.searchsorted(starts, steps, side="right") - 1
        return epoch + (steps - starts[epoch] + 1) / lengths[epoch]

    def csv(self) -> str:
        """``step,loss`` for every step, losses at full precision (repr), one row per step."""
        return "step,loss\n" + "".join(f"{i},{value!r}\n" for i, value in enumerate(self._losses, start=1))
