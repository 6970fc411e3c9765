"""The sin -> cos task: read windows of sin(x), output cos(x) at every point.

Window k covers [k*pi, (k+1)*pi] with ``points`` samples, both ends included (so consecutive windows share
an end point, as in the classic tutorial). A training step feeds ``windows_per_batch`` = B windows as B
parallel streams: row b of step s is window ``k = s + b``, so every row is a continuous stream and a hidden
state carried from row b of step s belongs to the window just before row b of step s + 1.

Positions are computed in float64 and the signals rounded to float32 once, so x stays exact however long a
run is. Noise on the input comes from a private, seeded ``torch.Generator`` (never the global RNG).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor


def window_positions(first_window: int, windows: int, points: int) -> Tensor:
    """Positions (radians) of ``windows`` consecutive windows starting at ``first_window``: (windows, points).

    Row b is window k = first_window + b: ``(k + linspace(0, 1, points)) * pi``, float64.
    """
    k = torch.arange(first_window, first_window + windows, dtype=torch.float64).unsqueeze(1)  # (B, 1)
    return (k + torch.linspace(0.0, 1.0, points, dtype=torch.float64)) * math.pi  # (B, T)


@dataclass(frozen=True, eq=False)
class SineBatch:
    """One training step's data, batch-first."""

    positions: Tensor  # (B, T) float64, radians
    x: Tensor  # (B, T, 1) float32: sin(positions) + noise
    target: Tensor  # (B, T, 1) float32: cos(positions), never noisy


class SineWindows:
    """The stream of training batches: ``batch(s)`` is step s's (B, T, 1) input and target.

    Call ``batch`` for s = 0, 1, 2, ... in order: each call with noise > 0 draws the next B*T normal numbers
    from the private generator seeded with ``noise_seed``, so the same seed gives the same batches.
    """

    def __init__(self, points: int = 10, windows_per_batch: int = 1, noise: float = 0.0, noise_seed: int = 1):
        if points < 2 or windows_per_batch < 1 or not noise >= 0.0:
            raise ValueError(
                f"need points >= 2, windows_per_batch >= 1 and noise >= 0, got points={points}, "
                f"windows_per_batch={windows_per_batch}, noise={noise}"
            )
        self.points = points
        self.windows_per_batch = windows_per_batch
        self.noise = float(noise)
        self.generator = torch.Generator().manual_seed(noise_seed)

    def batch(self, step: int) -> SineBatch:
        """Windows ``step .. step + B - 1`` as rows: x, target (B, T, 1) float32, positions (B, T) float64."""
        positions = window_positions(step, self.windows_per_batch, self.points)  # (B, T)
        x = torch.sin(positions).to(torch.float32).unsqueeze(-1)  # (B, T, 1)
        target = torch.cos(positions).to(torch.float32).unsqueeze(-1)  # (B, T, 1)
        if self.noise > 0.0:
            x = x + self.noise * torch.randn(x.shape, generator=self.generator)
        return SineBatch(positions=positions, x=x, target=target)


@dataclass(frozen=True, eq=False)
class SineStretch:
    """A long, clean stretch of the signal for evaluation (batch of one)."""

    positions: Tensor  # (N,) float64, radians
    x: Tensor  # (1, N, 1) float32: sin(positions)
    target: Tensor  # (1, N, 1) float32: cos(positions)

    @property
    def length(self) -> int:
        return int(self.positions.shape[0])


def evaluation_stretch(length: float = 20 * math.pi, points: int = 10, start: float = math.pi / 4) -> SineStretch:
    """A stretch of ``length`` radians from ``start`` at the training spacing pi / (points - 1), noise-free.

    The default starts a quarter period off the training grid (training windows always start at k*pi), so
    no sample coincides with a training point, and it runs far longer than one window (20*pi = 10 windows).
    Returns positions (N,), x and target (1, N, 1) with N = round(length / spacing) + 1.
    """
    if not (math.isfinite(length) and length > 0):
        raise ValueError(f"length must be a positive number of radians, got {length!r}")
    if points < 2:
        raise ValueError(f"points must be at least 2 (the spacing is pi / (points - 1)), got {points!r}")
    if not math.isfinite(start):
        raise ValueError(f"start must be a finite number of radians, got {start!r}")
    spacing = math.pi / (points - 1)
    n = round(length / spacing) + 1
    positions = start + spacing * torch.arange(n, dtype=torch.float64)  # (N,)
    x = torch.sin(positions).to(torch.float32).view(1, n, 1)
    target = torch.cos(positions).to(torch.float32).view(1, n, 1)
    return SineStretch(positions=positions, x=x, target=target)


#: The task's input shown with a model (Step through, the reference models): this many training windows, read
#: in one go (training carries the state from window to window).
TASK_INPUT_WINDOWS = 4


def training_stretch(windows: int, points: int = 10) -> SineStretch:
    """The first ``windows`` training windows as one clean stretch on the training grid: 0 to windows·pi, each
    shared end point once, N = windows * (points - 1) + 1 positions. What a model trained with its state carried
    from window to window reads in one go."""
    if windows < 1:
        raise ValueError(f"windows must be at least 1, got {windows!r}")
    return evaluation_stretch(windows * math.pi, points, start=0.0)


class SineTaskInput(NamedTuple):
    """sin(x) (T, 1) on the training grid, the target cos(x) (T, 1), and how to say it."""

    label: str
    values: np.ndarray
    target: np.ndarray


def sine_task_input(points: int, windows: int = TASK_INPUT_WINDOWS) -> SineTaskInput:
    """The first ``windows`` training windows (of ``points`` points each) as one stretch, with cos(x)."""
    stretch = training_stretch(windows, points)
    what = "π, the first training window" if windows == 1 else f"{windows}π, the first {windows} training windows"
    return SineTaskInput(
        f"the task's input: sin(x), x from 0 to {what} ({stretch.length} points)",
        stretch.x[0].double().numpy(),  # (T, 1)
        stretch.target[0].double().numpy(),  # (T, 1)
    )
