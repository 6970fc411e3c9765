"""Train a recurrent model on sin -> cos in bounded chunks: ``Trainer(settings).step(n) -> losses``.

One step (truncated BPTT, as in the classic tutorial)::

    x, target = windows of sin / cos                      # (B, T, 1) each, batch-first
    prediction, h_n = model(x, h)                         # (B, T, 1); h_n (L, B, H) or (h_n, c_n)
    loss = mean((prediction - target)**2)                 # MSE over B*T points
    backward, clip (optional), optimizer step
    h = h_n.detach() if hidden_policy == "carry" else None   # carried value, no graph across windows

The trainer knows nothing of any UI: a page calls ``step(n)`` or ``step_for(seconds)`` per refresh and draws
``display_history`` / ``predict_window``; a script calls ``step(settings.steps)``. Callbacks (``on_step``,
``on_stop``) work like minGPT's. A non-finite loss stops the run with ``stop_reason`` saying what to change.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from rnnviz.sine_model import Hidden, SineModel, detach_hidden, first_row
from rnnviz.tasks.sine import SineBatch, SineStretch, SineWindows, evaluation_stretch
from rnnviz.train_export import checkpoint_bytes, downsample, load_checkpoint, reproduce_script
from rnnviz.train_settings import SineSettings

__all__ = ["TORCH_THREADS", "Evaluation", "SineModel", "SineSettings", "Trainer", "WindowPrediction"]

#: Intra-op threads torch uses while training (set at every ``step``; torch's pool is process-wide).
#: 1, because (measured on the 2-core target, torch 2.13): these models are tiny (a 1x32 @ 32x32 matmul per
#: time step) and run no faster with 2; under load from other sessions 2 threads can be 10x slower (spinning
#: OpenMP workers); with 1, concurrent sessions spread over the cores by themselves; and the thread count
#: changes float results of large settings, so a fixed number keeps runs reproducible on any machine.
TORCH_THREADS = 1
Callback = Callable[["Trainer"], None]


def use_torch_threads(threads: int = TORCH_THREADS) -> int:
    """Make torch use exactly ``threads`` intra-op threads (process-wide); returns the number."""
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def check_step_count(n: object) -> None:
    """Raise ValueError unless ``n`` is a whole number of steps >= 0 (the argument of ``step(n)``)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a whole number of steps >= 0, got {n!r}")


def check_time_budget(seconds: float, max_steps: object) -> None:
    """Raise ValueError unless ``step_for(seconds, max_steps)`` got a finite ``seconds`` >= 0 and a valid cap."""
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
    if max_steps is not None and (isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 0):
        raise ValueError(f"max_steps must be None or a whole number >= 0, got {max_steps!r}")


def divergence_advice(lr: float, clip: float) -> str:
    """What to change after a non-finite loss: 'Lower the learning rate (now 1, e.g. to 0.1) or ...'."""
    clipping = (
        f"lower the gradient clipping norm (now {clip:g}, e.g. to {clip / 10:g})"
        if clip > 0
        else "turn on gradient clipping (e.g. clip = 1)"
    )
    return f"Lower the learning rate (now {lr:g}, e.g. to {lr / 10:g}) or {clipping}."


class CallbackMixin:
    """minGPT-style callbacks for a trainer: ``add_callback(event, fn)``, then ``fn(trainer)`` on each event.

    A subclass names its events in ``EVENTS`` and calls ``_init_callbacks()`` in its ``__init__``.
    """

    EVENTS: tuple[str, ...] = ()

    def _init_callbacks(self) -> None:
        self._callbacks: dict[str, list[Callable]] = {event: [] for event in self.EVENTS}

    def add_callback(self, event: str, callback: Callable) -> None:
        """Call ``callback(trainer)`` whenever ``event`` (one of ``EVENTS``) happens."""
        if event not in self._callbacks:
            raise ValueError(f"event must be one of {', '.join(self.EVENTS)}, got {event!r}")
        self._callbacks[event].append(callback)

    def _fire(self, event: str) -> None:
        for callback in self._callbacks[event]:
            callback(self)


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


class Trainer(CallbackMixin):
    """Trains ``SineModel`` on the sine task for ``settings.steps`` steps, in chunks of the caller's choosing.

    Deterministic: the same settings give the same loss history bit for bit on CPU (same torch version and
    thread count), and ``reproduce_script()`` gives the same numbers in plain PyTorch.
    """

    EVENTS = ("on_step", "on_stop")

    def __init__(self, settings: SineSettings | None = None) -> None:
        self.settings = settings if settings is not None else SineSettings()
        self.threads = use_torch_threads()
        s = self.settings
        self.model = SineModel.from_settings(s)
        if s.optimizer == "Adam":
            self.optimizer: torch.optim.Optimizer = torch.optim.Adam(self.model.parameters(), lr=s.lr)
        else:
            self.optimizer = torch.optim.SGD(self.model.parameters(), lr=s.lr, momentum=s.momentum)
        self._data = SineWindows(s.points, s.windows_per_batch, s.noise, noise_seed=s.seed + 1)
        self._hidden: Hidden | None = None  # carried into the next step (detached), None = zeros
        # Every finite loss, 8 bytes per step, allocated once (the OS maps pages as they are written): never
        # resized, so a reader in another thread (a page polling a training thread) cannot disturb a step.
        self._losses = np.empty(s.steps, dtype=np.float64)
        self._steps_done = 0
        self._init_callbacks()
        self._stop_reason: str | None = None
        self._diverged = False
        self._seconds = 0.0
        # What predict_window shows: the last trained batch and the state fed with it. Before the first
        # step, step 0's batch from an identically seeded stream (the training stream is not touched).
        self._last_batch: SineBatch = SineWindows(s.points, s.windows_per_batch, s.noise, s.seed + 1).batch(0)
        self._last_hidden: Hidden | None = None

    # ----- training ---------------------------------------------------------------------------------------
    def step(self, n: int = 1) -> list[float]:
        """Train up to ``n`` steps (fewer if the run finishes or diverges); returns their losses."""
        check_step_count(n)
        return self._run(n, None)

    def step_for(self, seconds: float, max_steps: int | None = None) -> list[float]:
        """Train for about ``seconds`` (at least one step unless finished), e.g. one chunk per UI refresh."""
        check_time_budget(seconds, max_steps)
        limit = self.settings.steps if max_steps is None else max_steps
        return self._run(limit, time.perf_counter() + seconds)

    def _run(self, max_steps: int, deadline: float | None) -> list[float]:
        losses: list[float] = []
        model, optimizer, data, stored = self.model, self.optimizer, self._data, self._losses
        carry, clip, on_step = self.settings.carries_state, self.settings.clip, self._callbacks["on_step"]
        parameters = list(model.parameters())
        use_torch_threads(self.threads)
        start = time.perf_counter()
        try:
            while len(losses) < max_steps and not self.finished:
                batch = data.batch(self._steps_done)
                hx = self._hidden
                prediction, h_n = model(batch.x, hx)  # (B, T, 1)
                loss = nn.functional.mse_loss(prediction, batch.target)
                value = loss.item()
                if not math.isfinite(value):
                    self._diverge(value)
                    break
                optimizer.zero_grad()
                loss.backward()
                if clip > 0:
                    nn.utils.clip_grad_norm_(parameters, clip)
                optimizer.step()
                self._hidden = detach_hidden(h_n) if carry else None  # truncated BPTT: no graph across steps
                self._last_batch, self._last_hidden = batch, hx
                stored[self._steps_done] = value
                self._steps_done += 1
                losses.append(value)
                for callback in on_step:
                    callback(self)
                if deadline is not None and time.perf_counter() >= deadline:
                    break
        finally:
            self._seconds += time.perf_counter() - start
        if self.finished and self._stop_reason is None:
            self._stop_reason = f"Finished: all {self.settings.steps} steps done."
            self._fire_stop()
        return losses

    def _diverge(self, value: float) -> None:
        self._diverged = True
        self._stop_reason = (
            f"Training diverged: the loss at step {self.steps_done + 1} was {value} (not a finite number), so the "
            f"run stopped there; the {self.steps_done} finite losses before it are kept. "
            + divergence_advice(self.settings.lr, self.settings.clip)
        )
        self._fire_stop()

    def _fire_stop(self) -> None:
        self._fire("on_stop")

    # ----- state ------------------------------------------------------------------------------------------
    @property
    def steps_done(self) -> int:
        return self._steps_done

    @property
    def finished(self) -> bool:
        """True once all steps are done or the loss became non-finite."""
        return self._diverged or self._steps_done >= self.settings.steps

    @property
    def diverged(self) -> bool:
        return self._diverged

    @property
    def stop_reason(self) -> str | None:
        """Why the run ended (with what to change, if it diverged); None while it can still train."""
        return self._stop_reason

    @property
    def history(self) -> list[float]:
        """Every step's loss (a copy; for plotting use ``display_history``)."""
        return self._losses[: self._steps_done].tolist()

    @property
    def last_loss(self) -> float | None:
        return float(self._losses[self._steps_done - 1]) if self._steps_done else None

    @property
    def hidden_state(self) -> Hidden | None:
        """The state the next step starts from: detached (L, B, H) tensor(s), or None (zeros)."""
        return self._hidden

    @property
    def seconds_training(self) -> float:
        """Wall time spent inside ``step``/``step_for`` (callbacks included)."""
        return self._seconds

    @property
    def steps_per_second(self) -> float:
        return self.steps_done / self._seconds if self._seconds > 0 else 0.0

    @property
    def window_state(self) -> Hidden | None:
        """The state row 0 of the latest window was fed with: (L, 1, H) (a pair for an LSTM), None = zeros.

        With ``predict_window().inputs`` it is exactly what ``predict_window`` runs (e.g. to trace the window).
        """
        return first_row(self._last_hidden)

    def recent_losses(self, n: int = 50) -> np.ndarray:
        """The last ``n`` losses (fewer early in a run), a copy: e.g. the mean of the last 50 steps."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a whole number >= 1, got {n!r}")
        return self._losses[max(0, self._steps_done - n) : self._steps_done].copy()

    def display_history(self, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
        """(steps, losses), each at most ``max_points`` long (bucket means of long histories), for plotting.

        O(steps) in numpy without copying the history; the output size is bounded whatever the run length.
        """
        if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 1:
            raise ValueError(f"max_points must be a whole number >= 1, got {max_points!r}")
        return downsample(self._losses[: self._steps_done], max_points)

    def history_csv(self) -> str:
        """``step,loss`` for every step, losses at full precision (repr), one row per step."""
        rows = [f"{i},{value!r}" for i, value in enumerate(self.history, start=1)]
        return "step,loss\n" + "".join(row + "\n" for row in rows)

    # ----- looking at the model ---------------------------------------------------------------------------
    def predict_window(self) -> WindowPrediction:
        """Row 0 of the latest training batch through the current weights, from the state it was fed with."""
        batch = self._last_batch
        with torch.no_grad():
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
        with torch.no_grad():
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

    # ----- export -----------------------------------------------------------------------------------------
    def checkpoint_bytes(self) -> bytes:
        """``torch.save`` of {"format", "settings" (JSON string), "state_dict", "steps_done"}.

        Only tensors, strings and ints: it loads with ``torch.load(..., weights_only=True)``.
        """
        return checkpoint_bytes(self.model.state_dict(), self.settings, self.steps_done)

    @classmethod
    def from_checkpoint(cls, data: bytes) -> Trainer:
        """A Trainer with the checkpoint's settings and weights (fresh optimizer, empty history).

        Loads with ``weights_only=True``; anything that is not an rnnviz sine checkpoint raises ValueError.
        Training it further starts a new run (from window 0) from these weights.
        """
        settings, state_dict = load_checkpoint(data)
        trainer = cls(settings)
        try:
            trainer.model.load_state_dict(state_dict)
        except RuntimeError as error:
            raise ValueError(f"the checkpoint's weights do not fit its settings: {error}") from None
        return trainer

    def reproduce_script(self) -> str:
        """A standalone plain-PyTorch script that reruns this run and prints ``step,loss`` (``history_csv``)."""
        return reproduce_script(self.settings, threads=self.threads)
