"""A training run made for a live page: bounded chunks per refresh, a pace, refresh statistics, run records.

A page refreshes every ``Pace.refresh_seconds`` and each refresh calls ``LiveRun.tick(pace)``::

    as fast as possible:  trainer.step_for(FAST_TICK_SECONDS)              # 0.45 s of training per 0.5 s
    capped at r steps/s:  trainer.step_for(FAST_TICK_SECONDS, max_steps=n)  # n = r * seconds since last tick

then draws the run. Works with any ``LoopTrainer``; nothing here imports streamlit, so the same object runs in
a script or a benchmark. Downloads are made in another thread of the server: everything that touches the
model holds the trainer's lock. A running run trains only while the process's ``TrainingGate`` lets it (at most
a few runs train at once); otherwise its ticks train nothing and ``runs_ahead`` says where it is in the queue.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from rnnviz.training.admission import TrainingGate, process_gate
from rnnviz.training.loop import LoopTrainer

#: Seconds of training per refresh when uncapped, and how often the page then refreshes: with the drawing
#: (~0.02 s) a tick ends just before the next refresh is due, so training gets ~90 % of the time and the
#: display refreshes twice a second.
FAST_TICK_SECONDS = 0.45
FAST_REFRESH_SECONDS = 0.5
#: Refresh interval bounds when capped (a slow cap refreshes once per step, up to once a second).
MIN_REFRESH_SECONDS, MAX_REFRESH_SECONDS = 0.25, 1.0
#: While a run waits for a training slot, its page refreshes this often: only its place in the queue changes,
#: and every refresh redraws its figures in the user's browser, on the machine of the sessions that train.
WAITING_REFRESH_SECONDS = 2.0
#: The runs table's "mean loss" is over this many last steps.
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


class Refresh(NamedTuple):
    """How a live page refreshes: every ``interval`` seconds, training ``tick_seconds`` per tick when uncapped."""

    interval: float
    tick_seconds: float


def live_refresh(pace: Pace, runs_ahead: int, training: int) -> Refresh:
    """How a running run's page refreshes, given its place in the queue and the runs ``training`` at once in its
    process (the gate's count).

    A run that waits refreshes every WAITING_REFRESH_SECONDS. A capped run refreshes at its pace. An uncapped
    run refreshes every FAST_REFRESH_SECONDS x ``training`` (at most MAX_REFRESH_SECONDS) and trains 90 % of
    that: the runs of one process share its interpreter, so two runs training at once each train about half as
    fast, and redrawing as often as a solo run would double the drawing per step (on the server and in every
    trainer's browser) while the training per refresh halves. Longer ticks keep the drawing per step that of a
    solo run; the steps trained are the same whatever the tick length (results are unchanged).
    """
    if runs_ahead:
        return Refresh(WAITING_REFRESH_SECONDS, FAST_TICK_SECONDS)
    if pace.capped:
        return Refresh(pace.refresh_seconds, FAST_TICK_SECONDS)
    interval = min(FAST_REFRESH_SECONDS * max(training, 1), MAX_REFRESH_SECONDS)
    return Refresh(interval, interval * FAST_TICK_SECONDS / FAST_REFRESH_SECONDS)


class TickReport(NamedTuple):
    steps: int  # steps trained in this tick
    seconds: float  # wall time of the tick's training


class Rates(NamedTuple):
    recent_speed: float  # steps per wall second over the last few seconds of ticks, drawing included
    refresh_rate: float  # ticks per second over the last few seconds
    seen_speed: float  # steps per wall second over every live stretch of the run: what the user watched


@dataclass(frozen=True, eq=False)
class RunRecord:
    """One run of a session as a comparison keeps it: its settings and a bounded copy of the loss history."""

    number: int
    settings: Any  # the task's settings: ``label()``, ``table_fields()``, ``detail_fields()``
    steps: np.ndarray  # (<= DISPLAY_POINTS,)
    losses: np.ndarray  # (<= DISPLAY_POINTS,)
    steps_done: int
    progress: dict  # {"steps": "60 / 60"} (and "epochs" for a task that counts them)
    last_loss: float | None
    recent_mean: float | None  # mean loss of the last RECENT_STEPS steps
    steps_per_second: float  # as the user saw it while the run trained (capped runs: about the cap)
    speed: str  # "capped at 50 steps/s", "as fast as possible", or "one step at a time"
    status: str  # "running", "waiting for a slot", "paused", "finished", "diverged"
    results: dict  # the task's own columns (``LoopTrainer.results``), e.g. a held-out score

    @property
    def label(self) -> str:
        return f"run {self.number}: {self.settings.label()}"

    def table_row(self) -> dict:
        run = {
            **self.progress,
            "last loss": self.last_loss,
            RECENT_COLUMN: self.recent_mean,
            "steps/s": round(self.steps_per_second),
            "speed": self.speed,
            "status": self.status,
            **self.results,
        }
        return {"run": self.number, **self.settings.table_fields(), **run, **self.settings.detail_fields()}


class RefreshStats:
    """How a live view has been refreshing: its ticks over the last STATS_SECONDS, and the steps trained per wall
    second while someone watched (pauses excluded)."""

    def __init__(self) -> None:
        self._ticks: deque[tuple[float, int]] = deque()  # (time, steps done) after each tick
        self._live_seconds = 0.0  # wall time between consecutive ticks
        self._live_steps = 0  # steps trained in ticks that followed a tick

    def restart(self) -> None:
        """Forget the recent ticks (after a pause: the paused time is no refresh interval)."""
        self._ticks.clear()

    def record(self, now: float, last_tick: float | None, trained: int, steps_done: int) -> None:
        """A tick at ``now`` trained ``trained`` steps (``steps_done`` in all); ``last_tick``: the one before."""
        if last_tick is not None:
            self._live_seconds += max(now - last_tick, 0.0)
            self._live_steps += trained
        self._ticks.append((time.perf_counter(), steps_done))
        while self._ticks and self._ticks[-1][0] - self._ticks[0][0] > STATS_SECONDS:
            self._ticks.popleft()

    def rates(self, fallback_speed: float) -> Rates:
        """``fallback_speed`` stands for the seen speed before two ticks were watched (e.g. one-step clicks)."""
        seen = self._live_steps / self._live_seconds if self._live_seconds > 0 else fallback_speed
        if len(self._ticks) < 2:
            return Rates(0.0, 0.0, seen)
        (t0, s0), (t1, s1) = self._ticks[0], self._ticks[-1]
        span = t1 - t0
        return Rates((s1 - s0) / span, (len(self._ticks) - 1) / span, seen) if span > 0 else Rates(0.0, 0.0, seen)


class LiveRun:
    """A ``LoopTrainer`` plus what a live page needs: a run number, running or paused, a pace clock, refresh
    statistics and its place at the ``gate`` (default: the process's). A new run is paused; ``resume`` starts
    it."""

    def __init__(self, trainer: LoopTrainer, number: int = 1, gate: TrainingGate | None = None) -> None:
        self.trainer = trainer
        self.number = number
        self.gate = process_gate() if gate is None else gate
        self._ahead = 0  # runs ahead of this one in the gate's queue at its latest tick (0: training)
        self._paused = True
        self._credit = 0.0  # fractional steps owed by a capped pace
        self._last_tick: float | None = None  # None: paused (the next tick starts a fresh pace clock)
        self._stats = RefreshStats()
        self._pace: Pace | None = None  # the pace of the latest tick
        #: Where a page keeps what it drew of this run between refreshes (e.g. figures redrawn once a second).
        self.page_cache: dict[str, Any] = {}

    @property
    def settings(self) -> Any:
        return self.trainer.settings

    @property
    def name(self) -> str:
        return f"Run {self.number}"

    @property
    def running(self) -> bool:
        """True between ``resume`` and ``pause``, until the run finishes or diverges."""
        return not self._paused and not self.trainer.finished

    @property
    def steps_done(self) -> int:
        return self.trainer.steps_done

    @property
    def finished(self) -> bool:
        return self.trainer.finished

    @property
    def runs_ahead(self) -> int:
        """0 while training (or not running); else how many runs wait ahead of this one for a training slot."""
        return self._ahead if self.running else 0

    # ----- training ---------------------------------------------------------------------------------------
    def tick(
        self, pace: Pace, now: float | None = None, *, seconds: float = FAST_TICK_SECONDS, max_steps: int | None = None
    ) -> TickReport:
        """Train one bounded chunk: ~``seconds`` when uncapped, else the steps the cap allows since the last tick
        (at most two refresh intervals' worth, so a late refresh does not cause a burst); never more than
        ``max_steps`` (e.g. to keep runs trained side by side in step)."""
        now = time.perf_counter() if now is None else now
        trainer = self.trainer
        with trainer.lock:
            if self._paused:  # paused while this tick waited for the lock: train nothing
                return TickReport(0, 0.0)
            self._ahead = self.gate.poll(self)
            if self._ahead:  # waiting for a slot: train nothing, and start a fresh pace clock once admitted
                self._restart_clock()
                return TickReport(0, 0.0)
            before = trainer.steps_done
            start = time.perf_counter()
            if pace.steps_per_second is None:
                trainer.step_for(seconds, max_steps=max_steps, stop=self._is_paused)
            else:
                elapsed = pace.refresh_seconds if self._last_tick is None else now - self._last_tick
                due = self._credit + pace.steps_per_second * min(max(elapsed, 0.0), 2 * pace.refresh_seconds)
                wanted = int(due + 1e-9)  # 0.1 s * 20 steps/s is 2 steps, not 1.9999999
                if max_steps is not None:
                    wanted = min(wanted, max_steps)
                trainer.step_for(seconds, max_steps=wanted, stop=self._is_paused)
                done = trainer.steps_done - before
                # a model slower than the cap owes nothing: it does not catch up later in a burst
                self._credit = max(due - wanted, 0.0) if done == wanted else 0.0
            trained, seconds = trainer.steps_done - before, time.perf_counter() - start
            self._stats.record(now, self._last_tick, trained, trainer.steps_done)
            self._last_tick, self._pace = now, pace
            self.gate.charge(self, seconds)
            if trainer.finished:
                self.gate.leave(self)
            return TickReport(trained, seconds)

    def _is_paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """Stop training at once: a tick in progress (in another thread) ends before its next step, and no tick
        trains until ``resume``. Safe to call twice. The run gives up its training slot (or its queue place)."""
        self._paused = True
        self._ahead = 0
        self.gate.leave(self)
        self._restart_clock()

    def resume(self) -> None:
        """Train on the next ticks, from a fresh pace clock (the paused time is not made up for)."""
        self._paused = False
        self._restart_clock()

    def _restart_clock(self) -> None:
        self._last_tick, self._credit = None, 0.0
        self._stats.restart()

    def step(self, n: int = 1) -> list[float]:
        """Pause and train exactly ``n`` more steps (fewer if the run ends): the page's "one step" button."""
        self.pause()
        return self.trainer.step(n)

    # ----- looking ----------------------------------------------------------------------------------------
    def rates(self) -> Rates:
        return self._stats.rates(self.trainer.steps_per_second)

    def status(self) -> str:
        trainer = self.trainer
        if trainer.diverged:
            return "diverged"
        if trainer.finished:
            return "finished"
        if self.running:
            return "waiting for a slot" if self._ahead else "running"
        return "paused"

    def progress(self) -> dict:
        """{"steps": "37 / 300"} for a run of known length, else {"steps": "37", "epochs": "1 / 30"}."""
        trainer = self.trainer
        total = trainer.total_steps
        progress = {"steps": f"{trainer.steps_done} / {total}" if total else f"{trainer.steps_done}"}
        if trainer.task.counts_epochs:
            progress["epochs"] = f"{trainer.epochs_done} / {trainer.task.epochs}"
        return progress

    def record(self) -> RunRecord:
        """This run for a comparison: settings and a bounded loss history (the full one is in ``history_csv``)."""
        trainer = self.trainer
        with trainer.lock:
            steps, losses = trainer.display_history(DISPLAY_POINTS)
            recent = trainer.recent_losses(RECENT_STEPS) if trainer.steps_done else np.empty(0)
            return RunRecord(
                number=self.number,
                settings=trainer.settings,
                steps=steps,
                losses=losses,
                steps_done=trainer.steps_done,
                progress=self.progress(),
                last_loss=trainer.last_loss,
                recent_mean=float(recent.mean()) if recent.size else None,
                steps_per_second=self.rates().seen_speed,
                speed=self._pace.describe() if self._pace is not None else "one step at a time",
                status=self.status(),
                results=trainer.results(),
            )

    def records(self) -> list[RunRecord]:
        """This run for a comparison, as a list (a race has one per run)."""
        return [self.record()]


def keep_runs(runs: list[RunRecord], record: RunRecord, max_runs: int) -> tuple[list[RunRecord], list[RunRecord]]:
    """``runs`` with ``record`` added (replacing an older record of the same run), at most ``max_runs`` long:
    (kept, dropped), the oldest dropped first."""
    kept = [r for r in runs if r.number != record.number] + [record]
    dropped = kept[: max(0, len(kept) - max_runs)]
    return kept[len(dropped) :], dropped
