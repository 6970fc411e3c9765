"""A race: runs of one task with different cells (say RNN, LSTM, GRU on the same data and seed), trained side by
side for a live page.

The runs are paused and resumed together, and each refresh trains every running one in lockstep::

    as fast as possible:  each trains up to step (most steps any has done) + k, where k is sized from the
                          runs' measured seconds per step so that the whole tick takes ~its ``seconds``
                          (FAST_TICK_SECONDS, longer while other runs train in the process: ``live_refresh``)
    capped at r steps/s:  each trains what the cap allows (r steps per second each, the same for all of them),
                          at most the k above

so the curves of a page show the runs after the same number of steps (a run that finishes, e.g. once solved,
drops out and the others share the time). Lockstep comes first: when the machine slows down within a tick, the
tick takes longer (up to LOCKSTEP_LIMIT_SECONDS a run) rather than leave a run behind.

A ``LiveRace`` offers what ``RunSession`` and the live fragment use of a ``LiveRun`` (running, pause, resume, step,
tick, records, ...), so a page runs a race like a single run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from rnnviz.training.admission import TrainingGate, process_gate
from rnnviz.training.live import FAST_TICK_SECONDS, LiveRun, Pace, Rates, RefreshStats, RunRecord, TickReport
from rnnviz.training.loop import LoopTrainer

#: A run's share of an uncapped tick is its k steps, whatever they take, up to this (a safety net: k is sized
#: from measured speeds, so this is reached only when a step suddenly takes many times longer).
LOCKSTEP_LIMIT_SECONDS = 10 * FAST_TICK_SECONDS


class LiveRace:
    """``trainers`` as ``LiveRun``s numbered ``first_number``, ``first_number + 1``, ...; a new race is paused."""

    def __init__(self, trainers: Sequence[LoopTrainer], first_number: int = 1) -> None:
        if not trainers:
            raise ValueError("a race needs at least one trainer")
        # the race takes one training slot of the process's gate as a whole: its runs train in lockstep, so
        # none of them may wait for a slot while the others train
        self.gate = process_gate()
        self._ahead = 0
        own = TrainingGate(len(trainers))
        self.runs = tuple(LiveRun(trainer, first_number + index, own) for index, trainer in enumerate(trainers))
        self._stats = RefreshStats()
        # a pause (a button, in another script run) waits for a tick in progress: the runs stop in lockstep
        self._ticking = threading.Lock()
        self._last_tick: float | None = None
        #: Where a page keeps what it drew of this race between refreshes.
        self.page_cache: dict[str, Any] = {}

    # ----- what RunSession reads ---------------------------------------------------------------------------------
    @property
    def number(self) -> int:
        return self.runs[0].number

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(run.number for run in self.runs)

    @property
    def name(self) -> str:
        """'Run 4', or 'Runs 4–6' for a race of three."""
        first, last = self.numbers[0], self.numbers[-1]
        return f"Run {first}" if first == last else f"Runs {first}–{last}"

    @property
    def running(self) -> bool:
        return any(run.running for run in self.runs)

    @property
    def steps_done(self) -> int:
        """The most steps any run has trained (in lockstep, all of them have)."""
        return max(run.trainer.steps_done for run in self.runs)

    @property
    def finished(self) -> bool:
        return all(run.trainer.finished for run in self.runs)

    # ----- training ---------------------------------------------------------------------------------------------
    @property
    def runs_ahead(self) -> int:
        """0 while training (or not running); else how many runs wait ahead of this race for a training slot."""
        return self._ahead if self.running else 0

    def pause(self) -> None:
        """Stop every run after the tick in progress, if any (a tick of ~its ``seconds``): in lockstep."""
        with self._ticking:
            self._ahead = 0
            self.gate.leave(self)
            for run in self.runs:
                run.pause()
            self._restart_clock()

    def resume(self) -> None:
        for run in self.runs:
            if not run.trainer.finished:
                run.resume()
        self._restart_clock()

    def _restart_clock(self) -> None:
        self._last_tick = None
        self._stats.restart()

    def step(self, n: int = 1) -> list[float]:
        """Pause, then train every unfinished run ``n`` more steps; returns their losses, run after run."""
        self.pause()
        return [loss for run in self.runs if not run.trainer.finished for loss in run.step(n)]

    def tick(self, pace: Pace, now: float | None = None, *, seconds: float = FAST_TICK_SECONDS) -> TickReport:
        """Train every running run one bounded chunk of ~``seconds``, in lockstep (see the module docstring)."""
        with self._ticking:
            return self._tick(pace, now, seconds)

    def _tick(self, pace: Pace, now: float | None, seconds: float) -> TickReport:
        now = time.perf_counter() if now is None else now
        running = [run for run in self.runs if run.running]
        if not running:
            self.gate.leave(self)
            return TickReport(0, 0.0)
        self._ahead = self.gate.poll(self)
        if self._ahead:  # waiting for a slot: nothing trains, and the pace clocks start afresh once admitted
            self._restart_clock()
            for run in running:
                run.resume()
            return TickReport(0, 0.0)
        start, before = time.perf_counter(), sum(run.trainer.steps_done for run in self.runs)
        if pace.capped:  # the cap allows every run the same steps (one clock), within what fits in a tick
            fits = self._fitting_steps(running, seconds)
            for run in running:
                run.tick(pace, now, seconds=LOCKSTEP_LIMIT_SECONDS, max_steps=fits)
        else:
            target = max(run.trainer.steps_done for run in running) + (self._fitting_steps(running, seconds) or 1)
            for run in running:
                wanted = target - run.trainer.steps_done
                if wanted > 0:
                    run.tick(pace, now, seconds=LOCKSTEP_LIMIT_SECONDS, max_steps=wanted)
        trained, seconds = sum(run.trainer.steps_done for run in self.runs) - before, time.perf_counter() - start
        self._stats.record(now, self._last_tick, trained, before + trained)
        self._last_tick = now
        self.gate.charge(self, seconds)
        return TickReport(trained, seconds)

    @staticmethod
    def _fitting_steps(running: list[LiveRun], seconds: float) -> int | None:
        """Steps each running run can train for the tick to take ~``seconds`` at their measured speeds
        (None until every one of them has a measured speed)."""
        trainers = [run.trainer for run in running]
        if any(t.steps_done == 0 or t.seconds_training <= 0 for t in trainers):
            return None
        seconds_per_step = sum(t.seconds_training / t.steps_done for t in trainers)
        return max(1, int(seconds / seconds_per_step))

    # ----- looking ----------------------------------------------------------------------------------------------
    def rates(self) -> Rates:
        """Steps per second of all runs together, and refreshes per second."""
        seconds = sum(run.trainer.seconds_training for run in self.runs)
        steps = sum(run.trainer.steps_done for run in self.runs)
        return self._stats.rates(steps / seconds if seconds > 0 else 0.0)

    def records(self) -> list[RunRecord]:
        """Every run that has trained, for a comparison."""
        return [run.record() for run in self.runs if run.trainer.steps_done > 0]
