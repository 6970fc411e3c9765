"""``SineSettings``: every setting of a sin -> cos training run, frozen, hashable, validated, JSON round trip.

The defaults are the classic reference setup: ``nn.RNN(1, 32, batch_first=True)`` + ``nn.Linear(32, 1)``,
Adam lr 0.02, 300 steps of one 10-point window over [k*pi, (k+1)*pi], hidden state carried (detached).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rnnviz.training.settings import CELLS, OPTIMIZERS, TrainingSettings

HIDDEN_POLICIES = ("carry", "reset")


@dataclass(frozen=True)
class SineSettings(TrainingSettings):
    """A sin -> cos training run. Raises ValueError on construction, saying what to change, if invalid."""

    CHOICES: ClassVar = {"cell": CELLS, "optimizer": OPTIMIZERS, "hidden_policy": HIDDEN_POLICIES}
    #: Whole-number settings: (smallest, largest). The upper bounds keep a 2-core page responsive and a run's
    #: memory bounded (the full loss history is 8 bytes per step: 8 MB at the step limit).
    INT_LIMITS: ClassVar = {
        "hidden_size": (1, 512),
        "num_layers": (1, 4),
        "points": (2, 1000),
        "windows_per_batch": (1, 256),
        "steps": (1, 1_000_000),
        "seed": (0, 2**32 - 1),
    }
    #: Real-valued settings: (smallest, largest, smallest included?).
    FLOAT_LIMITS: ClassVar = {
        "lr": (0.0, 100.0, False),
        "momentum": (0.0, 0.999, True),
        "clip": (0.0, 1e6, True),  # 0 turns clipping off
        "noise": (0.0, 10.0, True),
    }
    DETAIL_COLUMNS: ClassVar = {
        "clip": "clip",
        "state": "hidden_policy",
        "points": "points",
        "batch": "windows_per_batch",
        "noise": "noise",
        "seed": "seed",
    }

    cell: str = "RNN"  # one of CELLS
    hidden_size: int = 32
    num_layers: int = 1
    lr: float = 0.02
    optimizer: str = "Adam"  # "Adam" or "SGD" (with ``momentum``)
    momentum: float = 0.9  # SGD only
    clip: float = 0.0  # max gradient norm (torch.nn.utils.clip_grad_norm_); 0 = no clipping
    points: int = 10  # samples per window, T
    windows_per_batch: int = 1  # B
    noise: float = 0.0  # std of Gaussian noise added to the input sin(x)
    steps: int = 300  # total optimizer steps
    seed: int = 1  # model init uses seed, input noise seed + 1 (private generators); 1 as in the classic tutorial
    hidden_policy: str = "carry"  # "carry": detached state goes to the next window; "reset": zeros each window

    @property
    def carries_state(self) -> bool:
        return self.hidden_policy == "carry"
