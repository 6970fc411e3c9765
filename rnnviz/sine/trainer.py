"""The sin -> cos task as a plug-in of the training loop, and ``SineTrainer``: that loop plus the task's views.

One step (truncated BPTT, as in the classic tutorial)::

    x, target = windows of sin / cos                      # (B, T, 1) each, batch-first
    prediction, h_n = model(x, h)                         # (B, T, 1); h_n (L, B, H) or (h_n, c_n)
    loss = mean((prediction - target)**2)                 # MSE over B*T points

The loop (``rnnviz.training.loop``) does the rest: backward, clipping, the optimizer step, carrying h
(detached) to the next window when ``hidden_policy == "carry"``, divergence. The whole run is one epoch of
``steps`` windows. ``SineTrainer(settings).step(settings.steps)`` trains a whole run.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor, nn

from rnnviz.sine.data import SineBatch, SineStretch, SineWindows, evaluation_stretch
from rnnviz.sine.export import checkpoint_bytes, load_checkpoint, reproduce_script
from rnnviz.sine.model import SineModel
from rnnviz.sine.settings import SineSettings
from rnnviz.training.checkpoint import load_weights
from rnnviz.training.loop import LoopTrainer
from rnnviz.training.task import DrawnBatches, Hidden, first_row


class WindowPrediction(NamedTuple):
    """The latest training window (row 0 of the batch) through the current model. All (T,) numpy arrays."""

    positions: np.ndarray  # radians
    inputs: np.ndarray  # sin(x) + noise, as the model saw it
    prediction: np.ndarray
    target: np.ndarray  # cos(x)


class Evaluation(NamedTuple):
    """A stretch through the current model: x = positions (N,), prediction and target (N,), their MSE."""

    x: np.ndarray
    prediction: np.ndarray
    target: np.ndarray
    mse: float


class SineTask:
    """The sin -> cos task: windows of sin(x) in, cos(x) out at every point, MSE loss, one epoch."""

    epochs = 1
    counts_epochs = False

    def __init__(self, settings: SineSettings) -> None:
        self.settings = s = settings
        self.model = SineModel.from_settings(s)
        self.windows = SineWindows(s.points, s.windows_per_batch, s.noise, noise_seed=s.seed + 1)

    def epoch(self, index: int) -> DrawnBatches:
        """The run's ``steps`` windows: item s is step s's batch (read in order: noise is drawn)."""
        return DrawnBatches(self.settings.steps, self.windows.batch)

    def loss(self, batch: SineBatch, state: Hidden | None) -> tuple[Tensor, Hidden]:
        prediction, h_n = self.model(batch.x, state)  # (B, T, 1)
        return nn.functional.mse_loss(prediction, batch.target), h_n

    def end_epoch(self, trainer: LoopTrainer, losses: np.ndarray, seconds: float) -> None:
        return None

    def first_batch(self) -> SineBatch:
        """Step 0's batch from an identically seeded stream (the training stream is not touched)."""
        s = self.settings
        return SineWindows(s.points, s.windows_per_batch, s.noise, noise_seed=s.seed + 1).batch(0)


class SineTrainer(LoopTrainer[SineTask]):
    """Trains ``SineModel`` on the sine task for ``settings.steps`` steps, in chunks of the caller's choosing.

    Deterministic: the same settings give the same loss history bit for bit on CPU (same torch version and
    thread count), and ``reproduce_script()`` gives the same numbers in plain PyTorch.
    """

    def __init__(self, settings: SineSettings | None = None) -> None:
        super().__init__(SineTask(settings if settings is not None else SineSettings()))
        self.model: SineModel = self.task.model
        self.settings: SineSettings = self.task.settings
        self._first_batch = self.task.first_batch()

    @property
    def total_steps(self) -> int:
        return self.settings.steps

    @property
    def window_state(self) -> Hidden | None:
        """The state row 0 of the latest window was fed with: (L, 1, H) (a pair for an LSTM), None = zeros.

        With ``predict_window().inputs`` it is exactly what ``predict_window`` runs (e.g. to trace the window).
        """
        return first_row(self.last_state)

    def predict_window(self) -> WindowPrediction:
        """Row 0 of the latest training batch (before the first step: step 0's) through the current weights,
        from the state it was fed with."""
        with self.lock, torch.no_grad():
            batch = self.last_batch if self.last_batch is not None else self._first_batch
            prediction, _ = self.model(batch.x[:1], self.window_state)  # (1, T, 1)
        return WindowPrediction(
            positions=batch.positions[0].numpy().copy(),
            inputs=batch.x[0, :, 0].numpy().copy(),
            prediction=prediction[0, :, 0].numpy().copy(),
            target=batch.target[0, :, 0].numpy().copy(),
        )

    def evaluate(self, stretch: SineStretch | None = None) -> Evaluation:
        """Run ``stretch`` (default: ``evaluation_stretch(points=settings.points)``) through the model.

        It is fed in chunks of ``points`` samples from a zero state, the state carried between chunks or
        reset, as in training. Returns positions, prediction, target (N,) and their MSE.
        """
        stretch = stretch if stretch is not None else evaluation_stretch(points=self.settings.points)
        chunk, carry = self.settings.points, self.settings.carries_state
        hidden: Hidden | None = None
        pieces = []
        with self.lock, torch.no_grad():
            for start in range(0, stretch.length, chunk):
                prediction, h_n = self.model(stretch.x[:, start : start + chunk], hidden)  # (1, <=T, 1)
                hidden = h_n if carry else None
                pieces.append(prediction)
            prediction = torch.cat(pieces, dim=1)  # (1, N, 1)
            mse = nn.functional.mse_loss(prediction, stretch.target).item()
        return Evaluation(
            x=stretch.positions.numpy().copy(),
            prediction=prediction[0, :, 0].numpy().copy(),
            target=stretch.target[0, :, 0].numpy().copy(),
            mse=mse,
        )

    def checkpoint_bytes(self) -> bytes:
        """``torch.save`` of {"format", "settings" (JSON string), "state_dict", "steps_done"}.

        Only tensors, strings and ints: it loads with ``torch.load(..., weights_only=True)``.
        """
        with self.lock:
            return checkpoint_bytes(self.model.state_dict(), self.settings, self.steps_done)

    @classmethod
    def from_checkpoint(cls, data: bytes) -> SineTrainer:
        """A trainer with the checkpoint's settings and weights (fresh optimizer, empty history).

        Loads with ``weights_only=True``; anything that is not an rnnviz sine checkpoint raises ValueError.
        Training it further starts a new run (from window 0) from these weights.
        """
        settings, state_dict = load_checkpoint(data)
        trainer = cls(settings)
        load_weights(trainer.model, state_dict)
        return trainer

    def reproduce_script(self) -> str:
        """A standalone plain-PyTorch script that reruns this run and prints ``step,loss`` (``history_csv``)."""
        return reproduce_script(self.settings, threads=self.threads)
