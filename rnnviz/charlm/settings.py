"""``CharSettings``: every setting of a character language-model run, frozen, hashable, validated, JSON round trip.

Defaults follow the classic exercise ("Dive into Deep Learning", concise RNNs): 256 hidden units,
``num_steps`` T = 35, batch size B = 32, adjacent windows with the hidden state carried (detached) between
batches, gradient clipping at 1; Adam with lr 0.005 instead of the book's SGD lr 1 so that a run converges
in seconds to minutes on a CPU (SGD is one click away).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rnnviz.charlm.batches import SAMPLINGS
from rnnviz.core.cells import gate_count
from rnnviz.training.settings import CELLS, OPTIMIZERS, TrainingSettings

INPUTS = ("one-hot", "embedding")
#: One-hot inputs are (T, B, V): above this vocabulary size, use an embedding.
MAX_ONE_HOT_VOCAB = 1_000
#: A batch whose forward pass keeps more float32 values than this (~200 MB, as much again for gradients) is refused.
MAX_BATCH_FLOATS = 50_000_000


@dataclass(frozen=True)
class CharSettings(TrainingSettings):
    """A character language-model run. Raises ValueError on construction, saying what to change, if invalid."""

    CHOICES: ClassVar = {"cell": CELLS, "input": INPUTS, "sampling": SAMPLINGS, "optimizer": OPTIMIZERS}
    INT_LIMITS: ClassVar = {
        "hidden_size": (1, 1024),
        "num_layers": (1, 4),
        "embedding_size": (1, 1024),
        "num_steps": (1, 500),
        "batch_size": (1, 512),
        "epochs": (1, 10_000),
        "seed": (0, 2**32 - 1),
    }
    FLOAT_LIMITS: ClassVar = {
        "lr": (0.0, 100.0, False),
        "momentum": (0.0, 0.999, True),
        "clip": (0.0, 1e6, True),  # 0 turns clipping off
    }
    LABEL_FIELDS: ClassVar = ("input",)
    DETAIL_COLUMNS: ClassVar = {
        "clip": "clip",
        "input": "input",
        "T": "num_steps",
        "B": "batch_size",
        "sampling": "sampling",
        "seed": "seed",
    }

    cell: str = "LSTM"  # one of CELLS
    hidden_size: int = 256
    num_layers: int = 1
    input: str = "one-hot"  # "one-hot" (V inputs) or "embedding" (embedding_size inputs, learned)
    embedding_size: int = 64  # used with input == "embedding"
    num_steps: int = 35  # T, characters per window
    batch_size: int = 32  # B, windows per batch
    sampling: str = "adjacent"  # "adjacent" (state carried, detached) or "random" (state reset every batch)
    optimizer: str = "Adam"
    lr: float = 0.005
    momentum: float = 0.0  # SGD only
    clip: float = 1.0  # max gradient norm θ (torch.nn.utils.clip_grad_norm_); 0 = no clipping
    epochs: int = 30
    seed: int = 0  # model init uses seed; batch order seed + 1 (private generators)

    @property
    def carries_state(self) -> bool:
        """Adjacent windows carry the (detached) state to the next batch; random ones start from zeros."""
        return self.sampling == "adjacent"

    @property
    def chars_per_step(self) -> int:
        return self.num_steps * self.batch_size

    def input_size(self, vocab_size: int) -> int:
        return vocab_size if self.input == "one-hot" else self.embedding_size

    def batch_floats(self, vocab_size: int) -> int:
        """About how many float32 values one batch's forward pass keeps for backward:
        T*B * (inputs + layers * (gates + 2) * H + 2 * V)."""
        per_char = self.input_size(vocab_size) + self.num_layers * (gate_count(self.cell) + 2) * self.hidden_size
        return self.chars_per_step * (per_char + 2 * vocab_size)

    def problems_with(self, vocab_size: int) -> list[str]:
        """Reasons these settings cannot train on a vocabulary of ``vocab_size`` (empty when they can)."""
        if self.input == "one-hot" and vocab_size > MAX_ONE_HOT_VOCAB:
            return [
                f"the text has {vocab_size:,} distinct characters: one-hot inputs would be ({self.num_steps}, "
                f"{self.batch_size}, {vocab_size:,}) per batch. Choose the embedding input (at most "
                f"{MAX_ONE_HOT_VOCAB:,} characters for one-hot)."
            ]
        floats = self.batch_floats(vocab_size)
        if floats > MAX_BATCH_FLOATS:
            return [
                f"one batch would keep about {floats * 4 / 2**20:,.0f} MB of activations (at most "
                f"{MAX_BATCH_FLOATS * 4 / 2**20:,.0f} MB here): lower num_steps, the batch size, the hidden size or "
                "the layers"
            ]
        return []
