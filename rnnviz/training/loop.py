"""One training loop for every task: ``LoopTrainer(task).step(n) -> losses``, in chunks of the caller's choosing.

One step (truncated backpropagation through time)::

    batch = the epoch's next batch                     # a new epoch starts from a zero state
    loss, state_out = task.loss(batch, state)          # the task's forward pass and loss
    a NaN/inf loss stops the run, with advice          # the finite losses before it are kept
    optimizer.zero_grad(); loss.backward()
    clip_grad_norm_(parameters, θ)                     # when the settings' clip θ > 0
    optimizer.step()
    state = state_out.detach() if carried else None    # its value goes on, its graph stops here
    record the loss; on_step callbacks
    after an epoch's last batch: task.end_epoch(...), on_epoch callbacks; after the last epoch: on_stop
    (a task's end_epoch may end the run sooner with ``trainer.end_run(reason)``, e.g. once a task is solved)

The trainer knows nothing of any UI: a page calls ``step_for(seconds)`` per refresh, a script ``step(n)``.
``lock`` is held while the model is trained or read (a download made in another thread never sees a
half-done optimizer step). Deterministic on CPU for a fixed torch version and thread count.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import numpy as np
import torch
from torch import nn

from rnnviz.training.history import LossHistory, check_max_points, downsample
from rnnviz.training.settings import make_optimizer
from rnnviz.training.task import Hidden, TrainingTask, detach_hidden

#: Intra-op threads torch uses while training (set at every ``step``; torch's pool is process-wide).
#: 1, because (measured on the 2-core target, torch 2.13): these models are tiny (a 1x32 @ 32x32 matmul per
#: time step) and run no faster with 2; under load from other sessions 2 threads can be 10x slower (spinning
#: OpenMP workers); with 1, concurrent sessions spread over the cores by themselves; and the thread count
#: changes float results of large settings, so a fixed number keeps runs reproducible on any machine.
TORCH_THREADS = 1
EVENTS = ("on_step", "on_epoch", "on_stop")
TaskT = TypeVar("TaskT", bound=TrainingTask)


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
    if not (isinstance(seconds, int | float) and math.isfinite(seconds) and seconds >= 0):
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


class LoopTrainer(Generic[TaskT]):
    """Trains ``task.model`` on ``task``'s batches for ``task.epochs`` epochs; see the module docstring."""

    def __init__(self, task: TaskT) -> None:
        self.task = task
        self.settings = task.settings
        self.model = task.model
        self.optimizer = make_optimizer(task.settings, task.model)
        self.threads = use_torch_threads()
        self.lock = threading.RLock()
        events = EVENTS if task.counts_epochs else tuple(e for e in EVENTS if e != "on_epoch")  # one-epoch task
        self._callbacks: dict[str, list[Callable[[Any], None]]] = {event: [] for event in events}
        self._history = LossHistory()
        self._epoch: Any = None  # the batches of the epoch in progress, None between epochs
        self._batch_index = 0
        self._epochs: list[Any] = []  # what task.end_epoch returned, one per finished epoch
        self._epochs_done = 0
        self._state: Hidden | None = None  # carried into the next step (detached), None = zeros
        self.last_batch: Any = None  # the latest trained batch, and the state it was fed with
        self.last_state: Hidden | None = None
        self._stop_reason: str | None = None
        self._diverged = False
        self._ended = False  # ended early by the task (``end_run``)
        self._seconds = 0.0

    def add_callback(self, event: str, callback: Callable[[Any], None]) -> None:
        """Call ``callback(trainer)`` whenever ``event`` ("on_step", "on_epoch" when the task counts epochs, or
        "on_stop") happens."""
        if event not in self._callbacks:
            raise ValueError(f"event must be one of {', '.join(self._callbacks)}, got {event!r}")
        self._callbacks[event].append(callback)

    def _fire(self, event: str) -> None:
        for callback in self._callbacks.get(event, ()):
            callback(self)

    # ----- training ---------------------------------------------------------------------------------------
    def step(self, n: int = 1) -> list[float]:
        """Train up to ``n`` steps (fewer if the run finishes or diverges); returns their losses."""
        check_step_count(n)
        return self._run(n, None)

    def step_for(
        self, seconds: float, max_steps: int | None = None, stop: Callable[[], bool] | None = None
    ) -> list[float]:
        """Train for about ``seconds`` (at least one step unless finished), e.g. one chunk per UI refresh.

        ``stop``: asked before every step; True ends the chunk at once (a page's Pause, from another thread).
        """
        check_time_budget(seconds, max_steps)
        return self._run(math.inf if max_steps is None else max_steps, time.perf_counter() + seconds, stop)

    def _run(self, max_steps: float, deadline: float | None, stop: Callable[[], bool] | None = None) -> list[float]:
        losses: list[float] = []
        task, optimizer, history = self.task, self.optimizer, self._history
        carry, clip, on_step = self.settings.carries_state, self.settings.clip, self._callbacks["on_step"]
        parameters = list(self.model.parameters())
        with self.lock:
            use_torch_threads(self.threads)
            start = time.perf_counter()
            try:
                while len(losses) < max_steps and not self.finished and not (stop is not None and stop()):
                    if self._epoch is None:  # a new epoch, from a zero state
                        self._epoch, self._batch_index, self._state = task.epoch(self._epochs_done), 0, None
                        history.begin_epoch(len(self._epoch))
                    batch, state = self._epoch[self._batch_index], self._state
                    loss, state_out = task.loss(batch, state)
                    value = loss.item()
                    if not math.isfinite(value):
                        self._diverge(value)
                        break
                    optimizer.zero_grad()
                    loss.backward()
                    if clip > 0:
                        nn.utils.clip_grad_norm_(parameters, clip)
                    optimizer.step()
                    self._state = detach_hidden(state_out) if carry else None  # no graph across batches
                    self.last_batch, self.last_state = batch, state
                    history.append(value)
                    self._batch_index += 1
                    losses.append(value)
                    for callback in on_step:
                        callback(self)
                    if self._batch_index >= len(self._epoch):
                        self._end_epoch(self._seconds + time.perf_counter() - start)
                    if deadline is not None and time.perf_counter() >= deadline:
                        break
            finally:
                self._seconds += time.perf_counter() - start
        return losses

    def _end_epoch(self, seconds: float) -> None:
        record = self.task.end_epoch(self, self._history.epoch_losses(self._epochs_done), seconds)
        if record is not None:
            self._epochs.append(record)
        self._epoch, self._state = None, None
        self._epochs_done += 1
        self._fire("on_epoch")
        if self.finished:
            if not self._ended:
                done = f"{self.task.epochs} epochs" if self.task.counts_epochs else f"{self.steps_done} steps"
                self._stop_reason = f"Finished: all {done} done."
            self._fire("on_stop")

    def end_run(self, reason: str) -> None:
        """End the run now, for ``reason`` (e.g. "Solved at step 700: ..."): a task calls it from its ``end_epoch``
        when training on would add nothing; ``finished`` is then True and the on_stop callbacks fire."""
        self._ended, self._stop_reason = True, reason

    def _diverge(self, value: float) -> None:
        self._diverged = True
        where, kept = f"step {self.steps_done + 1}", f"{self.steps_done} finite losses"
        if self.task.counts_epochs:
            where += f" (epoch {self.epochs_done + 1})"
            kept = f"{self.epochs_done} finished epochs and {kept}"
        self._stop_reason = (
            f"Training diverged: the loss at {where} was {value} (not a finite number), so the run stopped there; "
            f"the {kept} before it are kept. " + divergence_advice(self.settings.lr, self.settings.clip)
        )
        self._fire("on_stop")

    # ----- state ------------------------------------------------------------------------------------------
    @property
    def steps_done(self) -> int:
        return len(self._history)

    @property
    def epochs_done(self) -> int:
        return self._epochs_done

    @property
    def epoch_progress(self) -> tuple[int, int]:
        """(batches done, batches) of the epoch in progress; (0, 0) between epochs."""
        return (self._batch_index, len(self._epoch)) if self._epoch is not None else (0, 0)

    @property
    def total_steps(self) -> int | None:
        """Steps in a whole run when a task knows them in advance (the sine task: ``steps``), else None."""
        return None

    @property
    def epochs(self) -> list[Any]:
        """What ``task.end_epoch`` returned for each finished epoch (a copy)."""
        return list(self._epochs)

    @property
    def finished(self) -> bool:
        """True once every epoch is done, the task ended the run (``end_run``) or the loss became non-finite."""
        return self._diverged or self._ended or self._epochs_done >= self.task.epochs

    @property
    def diverged(self) -> bool:
        return self._diverged

    @property
    def stop_reason(self) -> str | None:
        """Why the run ended (with what to change, if it diverged); None while it can still train."""
        return self._stop_reason

    @property
    def hidden_state(self) -> Hidden | None:
        """The state the next step starts from: detached (L, B, H) tensor(s), or None (zeros)."""
        return self._state

    @property
    def seconds_training(self) -> float:
        """Wall time spent inside ``step``/``step_for`` (callbacks and end-of-epoch work included)."""
        return self._seconds

    @property
    def steps_per_second(self) -> float:
        return self.steps_done / self._seconds if self._seconds > 0 else 0.0

    def results(self) -> dict[str, Any]:
        """What a comparison of runs shows of this run besides its losses (a task's trainer adds its own, e.g. a
        held-out score); nothing here."""
        return {}

    # ----- the loss history -------------------------------------------------------------------------------
    @property
    def history(self) -> list[float]:
        """Every step's loss (a copy; for plotting use ``display_history``)."""
        with self.lock:
            return self._history.values().tolist()

    @property
    def last_loss(self) -> float | None:
        return self._history.last

    def recent_losses(self, n: int = 50) -> np.ndarray:
        """The last ``n`` losses (fewer early in a run), a copy: e.g. the mean of the last 50 steps."""
        with self.lock:
            return self._history.recent(n)

    def display_history(self, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
        """(steps, losses), each at most ``max_points`` long (bucket means of long histories), for plotting."""
        check_max_points(max_points)
        with self.lock:
            losses = self._history.values()
        return downsample(losses, max_points)

    def display_epoch_history(self, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
        """(position in epochs, loss) of every step, each at most ``max_points`` long (bucket means)."""
        check_max_points(max_points)
        with self.lock:
            positions, losses = self._history.epoch_positions(), self._history.values()
        return downsample(positions, max_points)[1], downsample(losses, max_points)[1]

    def history_csv(self) -> str:
        """``step,loss`` for every step, losses at full precision (repr), one row per step."""
        with self.lock:
            return self._history.csv()
