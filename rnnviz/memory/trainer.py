"""The adding problem as a plug-in of the training loop, and ``MemoryTrainer``: that loop plus the held-out score.

One step::

    x, target = next batch of B sequences                # (B, T, 2), (B, 1); every sequence from a zero state
    prediction, _ = model(x)                             # (B, 1), read after the last step
    loss = mean((prediction - target)**2)

The loop (``rnnviz.training.loop``) does the rest: backward, clipping, the optimizer step, divergence. The run is
cut into evaluation periods of ``eval_every`` steps (the loop's epochs); after each, the held-out sequences are
scored, and a run set to stop when solved ends at the first score that solves the task.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from torch import Tensor, nn

from rnnviz.memory.data import SOLVED_RATE, AddingBatch, AddingStream, Score, held_out_set, score
from rnnviz.memory.export import CHECKPOINT_FORMAT, reproduce_script
from rnnviz.memory.model import MemoryModel, predict
from rnnviz.memory.settings import MemorySettings
from rnnviz.training.checkpoint import load_settings_checkpoint, load_weights, settings_checkpoint_bytes
from rnnviz.training.loop import LoopTrainer
from rnnviz.training.task import DrawnBatches, Hidden


class Evaluation(NamedTuple):
    """The held-out score after ``step`` steps."""

    step: int
    answered: float  # share of held-out sequences within TOLERANCE
    mse: float
    seconds: float  # training time so far


class MemoryTask:
    """The adding problem: B fresh sequences per step, MSE of the answer after the last step."""

    counts_epochs = False

    def __init__(self, settings: MemorySettings) -> None:
        self.settings = s = settings
        self.epochs = s.epochs
        self.model = MemoryModel.from_settings(s)
        self.stream = AddingStream(s.batch_size, s.length, seed=s.seed + 1)
        self.held_out = held_out_set(s.length)

    def epoch(self, index: int) -> DrawnBatches:
        """One evaluation period: the stream's next batches (drawn as they are read)."""
        s = self.settings
        return DrawnBatches(min(s.eval_every, s.steps - index * s.eval_every), lambda _: self.stream.next_batch())

    def loss(self, batch: AddingBatch, state: Hidden | None) -> tuple[Tensor, Hidden]:
        prediction, h_n = self.model(batch.x)  # (B, 1)
        return nn.functional.mse_loss(prediction, batch.target), h_n

    def score(self) -> Score:
        """The current model on the held-out sequences."""
        return score(predict(self.model, self.held_out.x), self.held_out.target)

    def end_epoch(self, trainer: LoopTrainer, losses: np.ndarray, seconds: float) -> Evaluation:
        result = self.score()
        if result.solved and self.settings.when_solved == "stop":
            trainer.end_run(
                f"Solved at step {trainer.steps_done}: {result.answered:.1%} of the held-out sequences are answered "
                f"within 0.04 (at least {SOLVED_RATE:.0%} needed)."
            )
        return Evaluation(trainer.steps_done, result.answered, result.mse, seconds)


class MemoryTrainer(LoopTrainer[MemoryTask]):
    """Trains a ``MemoryModel`` on the adding problem for ``settings.steps`` steps (or until solved).

    Deterministic: the same settings give the same losses and scores bit for bit on CPU (same torch version and
    thread count), and ``reproduce_script()`` gives the same numbers in plain PyTorch.
    """

    def __init__(self, settings: MemorySettings | None = None) -> None:
        super().__init__(MemoryTask(settings if settings is not None else MemorySettings()))
        self.model: MemoryModel = self.task.model
        self.settings: MemorySettings = self.task.settings

    @property
    def total_steps(self) -> int:
        return self.settings.steps

    @property
    def held_out(self) -> AddingBatch:
        return self.task.held_out

    @property
    def evaluations(self) -> list[Evaluation]:
        return self.epochs

    @property
    def solved_at(self) -> int | None:
        """The first step whose held-out score solved the task, None if none did."""
        return next((e.step for e in self.epochs if e.answered >= SOLVED_RATE), None)

    def score(self) -> Score:
        """The current model on the held-out sequences."""
        with self.lock:
            return self.task.score()

    def results(self) -> dict[str, Any]:
        last = self.epochs[-1] if self.epochs else None
        return {
            "held-out answered": None if last is None else round(100 * last.answered, 1),
            "solved at step": self.solved_at,
        }

    def evaluations_csv(self) -> str:
        """``step,answered,mse,seconds``, one row per held-out evaluation (answered: share within 0.04)."""
        rows = "".join(f"{e.step},{e.answered!r},{e.mse!r},{e.seconds:.3f}\n" for e in self.epochs)
        return "step,answered,mse,seconds\n" + rows

    def checkpoint_bytes(self) -> bytes:
        """``torch.save`` of {"format", "settings" (JSON), "state_dict", "steps_done"}: loads with
        ``torch.load(..., weights_only=True)`` and in the Step-through page."""
        with self.lock:
            return settings_checkpoint_bytes(CHECKPOINT_FORMAT, self.settings, self.model.state_dict(), self.steps_done)

    @classmethod
    def from_checkpoint(cls, data: bytes) -> MemoryTrainer:
        """A trainer with the checkpoint's settings and weights (fresh optimizer, empty history); ValueError for
        anything that is not an rnnviz memory checkpoint."""
        settings, state_dict = load_settings_checkpoint(data, CHECKPOINT_FORMAT, "memory", MemorySettings)
        trainer = cls(settings)
        load_weights(trainer.model, state_dict)
        return trainer

    def reproduce_script(self) -> str:
        """A standalone plain-PyTorch script that reruns this run and prints ``step,loss`` (``history_csv``)."""
        return reproduce_script(self.settings, threads=self.threads)


def held_out_sequence(trainer: MemoryTrainer, index: int) -> tuple[Tensor, float]:
    """Held-out sequence ``index``: x (T, 2) and its target."""
    held_out = trainer.held_out
    if not 0 <= index < held_out.x.shape[0]:
        raise ValueError(f"the held-out sequence must be one of 0..{held_out.x.shape[0] - 1}, got {index}")
    return held_out.x[index], float(held_out.target[index, 0])
