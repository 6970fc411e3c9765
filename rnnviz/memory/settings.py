"""``MemorySettings``: every setting of an adding-problem run, frozen, hashable, validated, JSON round trip.

The defaults separate the cells in about a minute of CPU: at T = 50 an LSTM and a GRU with 64 units solve the
task within 2000 steps of 64 sequences (Adam lr 0.01, gradient clipping at 1) and a vanilla RNN does not
(``benchmarks/bench_memory_task.py`` runs 5 seeds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rnnviz.core.cells import gate_count
from rnnviz.memory.data import HELD_OUT_SIZE, INPUT_SIZE
from rnnviz.training.settings import CELLS, OPTIMIZERS, TrainingSettings

WHEN_SOLVED = ("stop", "keep training")
#: A run whose training batch (kept for backward) or held-out pass would hold more float32 numbers than this
#: (~400 MB) is refused before anything is allocated.
MAX_FLOATS = 100_000_000
#: Held-out sequences are run through the model this many at a time (no graph kept: ``model.predict``).
EVALUATION_CHUNK = 250


@dataclass(frozen=True)
class MemorySettings(TrainingSettings):
    """An adding-problem run. Raises ValueError on construction, saying what to change, if invalid."""

    CHOICES: ClassVar = {"cell": CELLS, "optimizer": OPTIMIZERS, "when_solved": WHEN_SOLVED}
    INT_LIMITS: ClassVar = {
        "length": (2, 100_000),  # the memory check below refuses long sequences the machine cannot hold
        "hidden_size": (1, 512),
        "num_layers": (1, 1),  # one layer: every gradient view reads one sequence of states
        "batch_size": (1, 1024),
        "steps": (1, 1_000_000),
        "eval_every": (1, 100_000),
        "seed": (0, 2**32 - 1),
    }
    FLOAT_LIMITS: ClassVar = {
        "lr": (0.0, 100.0, False),
        "momentum": (0.0, 0.999, True),
        "clip": (0.0, 1e6, True),  # 0 turns clipping off
    }
    DETAIL_COLUMNS: ClassVar = {"T": "length", "batch": "batch_size", "clip": "clip", "seed": "seed"}

    cell: str = "LSTM"  # one of CELLS
    length: int = 50  # T, steps per sequence
    hidden_size: int = 64
    num_layers: int = 1
    batch_size: int = 64  # B, sequences per step
    optimizer: str = "Adam"
    lr: float = 0.01
    momentum: float = 0.9  # SGD only
    clip: float = 1.0  # max gradient norm (torch.nn.utils.clip_grad_norm_); 0 = no clipping
    steps: int = 2000  # at most this many optimizer steps
    eval_every: int = 100  # the held-out sequences are scored after every this many steps (and at the end)
    when_solved: str = "stop"  # "stop": end the run at the first evaluation that solves the task
    seed: int = 0  # model init uses seed; the training batches seed + 1 (private generators)

    def __post_init__(self) -> None:
        super().__post_init__()
        floats = self.largest_floats()
        if floats > MAX_FLOATS:
            raise ValueError(
                f"length is too long for this machine: {self.batch_size} sequences of {self.length:,} steps with "
                f"{self.hidden_size} units would need about {floats * 4 / 2**20:,.0f} MB (at most "
                f"{MAX_FLOATS * 4 / 2**20:,.0f} MB here; nothing was allocated): lower T, the batch size or the "
                "hidden size"
            )

    @property
    def carries_state(self) -> bool:
        """Every sequence starts from a zero state: nothing is carried between batches."""
        return False

    @property
    def epochs(self) -> int:
        """Evaluation periods in a whole run: ``steps`` cut into ``eval_every`` steps (the last may be shorter)."""
        return -(-self.steps // self.eval_every)

    def largest_floats(self) -> int:
        """About how many float32 numbers a run holds at most: the held-out sequences, plus the larger of one
        training batch (inputs, gates and states kept for backward, as much again for their gradients) and one
        held-out chunk's outputs."""
        per_step = INPUT_SIZE + (gate_count(self.cell) + 2) * self.hidden_size
        training = 2 * self.batch_size * self.length * per_step
        evaluation = min(EVALUATION_CHUNK, HELD_OUT_SIZE) * self.length * self.hidden_size
        return HELD_OUT_SIZE * self.length * INPUT_SIZE + max(training, evaluation)

    def label(self) -> str:
        """'LSTM 64, T=50, Adam lr 0.01, seed 0': how a run is named in a comparison."""
        optimizer = self.optimizer if self.optimizer == "Adam" else f"SGD m={self.momentum:g}"
        return f"{self.cell} {self.hidden_size}, T={self.length}, {optimizer} lr {self.lr:g}, seed {self.seed}"
