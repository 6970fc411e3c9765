"""Input sequences for a model: sine, random normal, step and impulse, laid out as the module expects.

``make_input(spec, input_size, batch_first, dtype)`` returns x of shape (batch, seq, input_size) when
batch_first else (seq, batch, input_size). Feature j of a sine is phase-shifted by j * pi / input_size so
the features differ; batch item b is phase-shifted by b * pi / 4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

SIGNAL_KINDS = ("sine", "random normal", "step", "impulse")
MAX_SEQ_LEN = 5000
MAX_BATCH = 64


@dataclass(frozen=True)
class InputSpec:
    """A generated input sequence. Raises ValueError on construction if a setting is out of range."""

    kind: str = "sine"
    seq_len: int = 40
    batch: int = 1
    frequency: float = 1.0  # cycles over the whole sequence
    amplitude: float = 1.0
    phase: float = 0.0  # radians
    noise: float = 0.0  # std of added Gaussian noise
    seed: int = 0

    def __post_init__(self) -> None:
        problems = []
        if self.kind not in SIGNAL_KINDS:
            problems.append(f"kind must be one of {', '.join(SIGNAL_KINDS)}, got {self.kind!r}")
        if not 1 <= self.seq_len <= MAX_SEQ_LEN:
            problems.append(f"sequence length must be from 1 to {MAX_SEQ_LEN}, got {self.seq_len}")
        if not 1 <= self.batch <= MAX_BATCH:
            problems.append(f"batch size must be from 1 to {MAX_BATCH}, got {self.batch}")
        for name in ("frequency", "amplitude", "phase", "noise"):
            value = getattr(self, name)
            if not math.isfinite(value) or abs(value) > 1e6:
                problems.append(f"{name} must be a finite number of at most 1e6 in size, got {value!r}")
        if self.noise < 0:
            problems.append(f"noise must be >= 0, got {self.noise}")
        if problems:
            raise ValueError("; ".join(problems))


def make_input(
    spec: InputSpec, input_size: int, batch_first: bool = False, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """The input tensor for ``spec``: (batch, seq, input_size) if batch_first else (seq, batch, input_size)."""
    t = torch.arange(spec.seq_len, dtype=torch.float64)  # (T,)
    shift = (
        torch.arange(spec.batch, dtype=torch.float64).view(1, -1, 1) * math.pi / 4
        + torch.arange(input_size, dtype=torch.float64).view(1, 1, -1) * math.pi / input_size
    )  # (1, B, I)
    if spec.kind == "sine":
        angle = 2 * math.pi * spec.frequency * t / spec.seq_len + spec.phase
        x = spec.amplitude * torch.sin(angle.view(-1, 1, 1) + shift)
    elif spec.kind == "random normal":
        generator = torch.Generator().manual_seed(spec.seed)
        x = spec.amplitude * torch.randn(spec.seq_len, spec.batch, input_size, generator=generator, dtype=torch.float64)
    else:
        onset = spec.seq_len // 4
        x = torch.zeros(spec.seq_len, spec.batch, input_size, dtype=torch.float64)
        if spec.kind == "step":
            x[onset:] = spec.amplitude
        else:
            x[onset] = spec.amplitude
    if spec.noise:
        generator = torch.Generator().manual_seed(spec.seed + 1)
        x = x + spec.noise * torch.randn(x.shape, generator=generator, dtype=torch.float64)
    x = x.to(dtype)  # (T, B, I)
    return x.transpose(0, 1).contiguous() if batch_first else x
