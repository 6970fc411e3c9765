"""A ``Trainer`` made for a live page: bounded chunks per refresh, a pace, a lock, snapshots and run records.

A page refreshes every ``Pace.refresh_seconds`` and each refresh calls ``LiveTrainer.tick(pace)``::

    as fast as possible:  trainer.step_for(FAST_TICK_SECONDS)              # 0.45 s of training per 0.5 s
    capped at r steps/s:  trainer.step_for(FAST_TICK_SECONDS, max_steps=n)  # n = r * seconds since last tick

then draws ``view()`` (loss curve, current window, numbers) and now and then ``model_view(layer)`` (the current
model traced on the current window, and on a long unseen stretch). Downloads are generated in another thread
of the server, so every method that touches the model holds ``lock``: a checkpoint is never taken halfway
through an optimizer step. Nothing here imports streamlit; the same object runs in a script or a benchmark.
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch

from rnnviz.trace import Trace, trace
from rnnviz.train import Evaluation, Trainer, WindowPrediction
from rnnviz.train_settings import SineSettings

#: Seconds of training per refresh when uncapped, and how often the page then refreshes: with the drawing
#: (~0.02 s) a tick ends just before the next refresh is due, so training gets ~90 % of the time and the
#: display refreshes twice a second.
FAST_TICK_SECONDS = 0.45
FAST_REFRESH_SECONDS = 0.5
#: Refresh interval bounds when capped (a slow cap refreshes once per step, up to once a second).
MIN_REFRESH_SECONDS, MAX_REFRESH_SECONDS = 0.25, 1.0
#: The runs table's "mean loss" is over this many last steps (the issue's reference figures use 50).
RECENT_STEPS = 50
RECENT_COLUMN = f"mean loss, last {RECENT_STEPS}"
#: Loss curves are drawn with at most this many points (bucket means); the CSV keeps every step.
DISPLAY_POINTS = 2000
#: Refresh statistics cover the last this many seconds.
STATS_SECONDS = 5.0


@dataclass(frozen=True)
class Pace:
    """How fast a live run trains: ``steps_per_second`` = None for as fast as possible, else a cap (> 0)."""

    steps_per_second: float | None = None

    def __post_init__(self) -> None:
        rate = self.steps_per_second
        if rate is not None and not (isinstance(rate, int | float) and math.isfinite(rate) and rate > 0):
            raise ValueError(f"steps_per_second must be None (as fast as possible) or a number > 0, got {rate!r}")

    @property
    def capped(self) -> bool:
        return self.steps_per_second is not None

    @property
    def refresh_seconds(self) -> float:
        """How often the page asks for a tick."""
        if self.steps_per_second is None:
            return FAST_REFRESH_SECONDS
        return min(max(1.0 / self.steps_per_second, MIN_REFRESH_SECONDS), MAX_REFRESH_SECONDS)

    def describe(self) -> str:
        rate = self.steps_per_second
        return "as fast as possible" if rate is None else f"capped at {rate:g} steps/s"


class TickReport(NamedTuple):
    steps: int  # steps trained in this tick
    seconds: float  # wall time of the tick's training


class LiveView(NamedTuple):
    """What the live part of a page draws after a tick."""

    steps: np.ndarray  # (<= DISPLAY_POINTS,) step numbers of the loss curve (bucket means when long)
    losses: np.ndarray  # (<= DISPLAY_POINTS,)
    window: WindowPrediction  # the latest training window through the current weights
    steps_done: int
    total_steps: int
    last_loss: float | None
    training_speed: float  # steps per second of training alone (Trainer.steps_per_second)
    effective_speed: float  # steps per wall second over the last few seconds of ticks, drawing included
    refresh_rate: float  # ticks per second over the last few seconds
    finished: bool
    diverged: bool
    stop_reason: str | None


class ModelView(NamedTuple):
    """The current model looked at: traced on the current window, and run on a long unseen stretch."""

    trace: Trace  # rnnviz.trace of the recurrent module on window row 0 (batch of one), from its fed state
    window: WindowPrediction
    evaluation: Evaluation


@dataclass(frozen=True, eq=False)
class RunRecord:
    """One run of a session as the comparison keeps it: settings and a bounded copy of the loss history."""

    number: int
    settings: SineSettings
    steps: np.ndarray  # (<= DISPLAY_POINTS,)
    losses: np.ndarray  # (<= DISPLAY_POINTS,)
    steps_done: int
    last_loss: float | None
    recent_mean: float | None  # mean loss of the last RECENT_STEPS steps
    steps_per_second: float
    status: str  # "running", "paused", "finished", "diverged"

    @property
    def label(self) -> str:
        s = self.settings
        optimizer = s.optimizer if s.optimizer == "Adam" else f"SGD m={s.momentum:g}"
        return f"run {self.number}: {s.cell} {s.hidden_size}×{s.num_layers}, {optimizer} lr {s.lr:g}, seed {s.seed}"

    def table_row(self) -> dict:
        s = self.settings
        return {
            "run": self.number,
            "cell": s.cell,
            "hidden": s.hidden_size,
            "layers": s.num_layers,
            "optimizer": s.optimizer,
            "lr": s.lr,
            "steps": f"{self.steps_done} / {s.steps}",
            "last loss": self.last_loss,
            RECENT_COLUMN: self.recent_mean,
            "steps/s": round(self.steps_per_second),
            "status": self.status,
            "clip": s.clip,
            "state": s.hidden_policy,
            "points": s.points,
            "batch": s.windows_per_batch,
            "noise": s.noise,
            "seed": s.seed,
        }


class LiveTrainer:
    """A ``Trainer`` plus what a live page needs: a run number, a pace clock, refresh statistics, a lock."""

    def __init__(self, settings: SineSettings, number: int = 1) -> None:
        self.trainer = Trainer(settings)
        self.number = number
        self.lock = threading.Lock()
        self._credit = 0.0  # fractional steps owed by a capped pace
        self._last_tick: float | None = None  # None: paused (the next tick starts a fresh pace clock)
        self._ticks: deque[tuple[float, int]] = deque()  # (time, steps_done) after each tick

    @property
    def settings(self) -> SineSettings:
        return self.trainer.settings

    # ----- training ---------------------------------------------------------------------------------------
    def tick(self, pace: Pace, now: float | None = None) -> TickReport:
        """Train one bounded chunk: ~FAST_TICK_SECONDS when uncapped, else the steps the cap allows since the
        last tick (at most two refresh intervals' worth, so a late refresh does not cause a burst)."""
        now = time.perf_counter() if now is None else now
        with self.lock:
            before = self.trainer.steps_done
            start = time.perf_counter()
            if pace.steps_per_second is None:
                self.trainer.step_for(FAST_TICK_SECONDS)
            else:
                elapsed = pace.refresh_seconds if self._last_tick is None else now - self._last_tick
                due = self._credit + pace.steps_per_second * min(max(elapsed, 0.0), 2 * pace.refresh_seconds)
                wanted = int(due + 1e-9)  # 0.1 s * 20 steps/s is 2 steps, not 1.9999999
                self.trainer.step_for(FAST_TICK_SECONDS, max_steps=wanted)
                done = self.trainer.steps_done - before
                # a model slower than the cap owes nothing: it does not catch up later in a burst
                self._credit = max(due - wanted, 0.0) if done == wanted else 0.0
            seconds = time.perf_counter() - start
            self._last_tick = now
            self._ticks.append((time.perf_counter(), self.trainer.steps_done))
            while self._ticks and self._ticks[-1][0] - self._ticks[0][0] > STATS_SECONDS:
                self._ticks.popleft()
            return TickReport(self.trainer.steps_done - before, seconds)

    def pause(self) -> None:
        """Stop the pace clock: the next tick after a pause does not make up for the paused time."""
        self._last_tick, self._credit = None, 0.0
        self._ticks.clear()

    def step(self, n: int = 1) -> list[float]:
        """Train exactly ``n`` more steps (fewer if the run ends), e.g. the page's "one step" button."""
        with self.lock:
            return self.trainer.step(n)

    # ----- looking ----------------------------------------------------------------------------------------
    def _rates(self) -> tuple[float, float]:
        if len(self._ticks) < 2:
            return 0.0, 0.0
        (t0, s0), (t1, s1) = self._ticks[0], self._ticks[-1]
        span = t1 - t0
        return ((s1 - s0) / span, (len(self._ticks) - 1) / span) if span > 0 else (0.0, 0.0)

    def view(self, max_points: int = DISPLAY_POINTS) -> LiveView:
        with self.lock:
            t = self.trainer
            steps, losses = t.display_history(max_points)
            effective, refresh = self._rates()
            return LiveView(
                steps=steps,
                losses=losses,
                window=t.predict_window(),
                steps_done=t.steps_done,
                total_steps=t.settings.steps,
                last_loss=t.last_loss,
                training_speed=t.steps_per_second,
                effective_speed=effective,
                refresh_rate=refresh,
                finished=t.finished,
                diverged=t.diverged,
                stop_reason=t.stop_reason,
            )

    def model_view(self) -> ModelView:
        """The current model traced on the current window (row 0, from the state it was fed with) and evaluated
        on ``evaluation_stretch`` (20*pi, off the training grid)."""
        with self.lock:
            t = self.trainer
            window = t.predict_window()
            x = torch.from_numpy(window.inputs).to(torch.float32).view(1, -1, 1)  # (1, T, 1), batch-first
            return ModelView(trace=trace(t.model.rnn, x, t.window_state), window=window, evaluation=t.evaluate())

    def status(self, running: bool = False) -> str:
        t = self.trainer
        if t.diverged:
            return "diverged"
        if t.finished:
            return "finished"
        return "running" if running else "paused"

    def record(self, running: bool = False) -> RunRecord:
        """This run for the comparison: settings and a bounded loss history (the full one is in ``history_csv``)."""
        with self.lock:
            t = self.trainer
            steps, losses = t.display_history(DISPLAY_POINTS)
            recent = t.recent_losses(RECENT_STEPS)
            return RunRecord(
                number=self.number,
                settings=t.settings,
                steps=steps,
                losses=losses,
                steps_done=t.steps_done,
                last_loss=t.last_loss,
                recent_mean=float(recent.mean()) if recent.size else None,
                steps_per_second=t.steps_per_second,
                status=self.status(running),
            )

    # ----- export -----------------------------------------------------------------------------------------
    def checkpoint_bytes(self) -> bytes:
        with self.lock:
            return self.trainer.checkpoint_bytes()

    def history_csv(self) -> str:
        with self.lock:
            return self.trainer.history_csv()

    def reproduce_script(self) -> str:
        return self.trainer.reproduce_script()


def keep_runs(runs: list[RunRecord], record: RunRecord, max_runs: int) -> tuple[list[RunRecord], list[RunRecord]]:
    """``runs`` with ``record`` added (replacing an older record of the same run), at most ``max_runs`` long:
    (kept, dropped), the oldest dropped first."""
    kept = [r for r in runs if r.number != record.number] + [record]
    dropped = kept[: max(0, len(kept) - max_runs)]
    return kept[len(dropped) :], dropped
