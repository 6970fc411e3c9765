"""Where it breaks: train each cell at several sequence lengths T with a short budget, score every run on its
held-out sequences, and find where each cell stops solving the task.

A ``Sweep`` is a list of jobs (T, seed, cell), each a fresh ``MemoryTrainer`` with the plan's settings and that
cell, T and seed (stopping once solved). ``step_for(seconds)`` trains for about that long, so a page runs a sweep
in refresh-sized chunks and stays responsive; a job's result is kept when it ends. ``summary`` and ``breaks``
(``rnnviz.memory.crossover``) read the results.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import NamedTuple

from rnnviz.memory.settings import MemorySettings
from rnnviz.memory.trainer import MemoryTrainer
from rnnviz.training.settings import CELLS

#: A sweep is bounded: at most this many lengths, runs, seeds per (cell, T), and steps in all.
MAX_LENGTHS = 12
MAX_JOBS = 90
MAX_SEEDS = 10
MAX_TOTAL_STEPS = 200_000


def parse_lengths(text: str) -> tuple[int, ...]:
    """'5, 10 20' -> (5, 10, 20): whole numbers separated by commas or spaces; ValueError saying what is wrong."""
    words = text.replace(",", " ").split()
    if not words:
        raise ValueError("give at least one sequence length T, e.g. 5, 10, 20, 50")
    if len(words) > MAX_LENGTHS:
        raise ValueError(f"give at most {MAX_LENGTHS} lengths, got {len(words)}")
    lengths = []
    for word in words:
        if not word.isdigit() or int(word) < 2:
            raise ValueError(f"{word!r} is not a whole number of steps >= 2")
        lengths.append(int(word))
    return tuple(sorted(set(lengths)))


@dataclass(frozen=True)
class SweepPlan:
    """Every cell in ``cells`` at every T in ``lengths`` with ``seeds`` seeds (settings.seed, +1, ...), each run
    at most ``steps`` steps. Raises ValueError, saying what to change, if the sweep is not bounded."""

    settings: MemorySettings  # the model, batch and optimizer of every run (cell, length, seed, steps replaced)
    cells: tuple[str, ...] = CELLS
    lengths: tuple[int, ...] = (5, 10, 20, 50, 100)
    seeds: int = 1
    steps: int = 1000

    def __post_init__(self) -> None:
        problems = []
        if not self.cells or any(cell not in CELLS for cell in self.cells):
            problems.append(f"cells must be some of {', '.join(CELLS)}, got {', '.join(self.cells) or 'none'}")
        if not self.lengths:
            problems.append("lengths: give at least one sequence length T")
        if not 1 <= self.seeds <= MAX_SEEDS:
            problems.append(f"seeds must be a whole number from 1 to {MAX_SEEDS}, got {self.seeds}")
        if problems:
            raise ValueError("; ".join(problems))
        object.__setattr__(self, "lengths", tuple(sorted(set(self.lengths))))
        for length in (self.lengths[0], self.lengths[-1]):  # limits and memory: the longest T decides
            self.job_settings(self.cells[0], length, self.settings.seed)
        runs, total = len(self.jobs()), len(self.jobs()) * self.steps
        if runs > MAX_JOBS or total > MAX_TOTAL_STEPS:
            raise ValueError(
                f"runs: {runs} runs of up to {self.steps:,} steps ({total:,} steps in all) is more than a sweep "
                f"here may train (at most {MAX_JOBS} runs and {MAX_TOTAL_STEPS:,} steps): use fewer lengths, seeds, "
                "cells or steps per run"
            )

    def job_settings(self, cell: str, length: int, seed: int) -> MemorySettings:
        """The settings of one run (stopping once solved). ValueError if they are invalid."""
        return replace(self.settings, cell=cell, length=length, seed=seed, steps=self.steps, when_solved="stop")

    def jobs(self) -> list[tuple[str, int, int]]:
        """(cell, T, seed) of every run, shortest T first, then seed, then cell (a figure fills left to right)."""
        seeds = range(self.settings.seed, self.settings.seed + self.seeds)
        return [(cell, length, seed) for length in self.lengths for seed in seeds for cell in self.cells]


class SweepResult(NamedTuple):
    """One run of a sweep, as it ended."""

    cell: str
    length: int
    seed: int
    steps_done: int
    answered: float  # share of held-out sequences within TOLERANCE at the end
    mse: float
    solved_at: int | None  # the first step whose held-out score solved the task
    seconds: float  # training time
    diverged: bool

    @property
    def solved(self) -> bool:
        return self.solved_at is not None


def result_of(trainer: MemoryTrainer) -> SweepResult:
    """A finished run as a sweep keeps it: its last held-out score (scored now if the run ended between scores,
    e.g. when it diverged)."""
    s, last = trainer.settings, trainer.evaluations[-1] if trainer.evaluations else None
    answered, mse = (last.answered, last.mse) if last and last.step == trainer.steps_done else trainer.score()
    seconds = trainer.seconds_training
    return SweepResult(
        s.cell, s.length, s.seed, trainer.steps_done, answered, mse, trainer.solved_at, seconds, trainer.diverged
    )


class Sweep:
    """A ``SweepPlan`` being trained, job after job, in chunks of the caller's choosing."""

    def __init__(self, plan: SweepPlan) -> None:
        self.plan = plan
        self.results: list[SweepResult] = []
        self._jobs = plan.jobs()
        self._trainer: MemoryTrainer | None = None  # the job in progress
        self.paused = True  # a new sweep waits for ``resume``; ``pause`` stops a chunk in progress at its next step

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    @property
    def total(self) -> int:
        return len(self._jobs)

    @property
    def finished(self) -> bool:
        return len(self.results) == self.total

    @property
    def running(self) -> bool:
        return not self.paused and not self.finished

    @property
    def current(self) -> tuple[str, int, int] | None:
        """(cell, T, seed) of the job in progress or next, None once finished."""
        return None if self.finished else self._jobs[len(self.results)]

    @property
    def current_steps(self) -> int:
        return 0 if self._trainer is None else self._trainer.steps_done

    def step_for(self, seconds: float) -> None:
        """Train for about ``seconds`` (at least one step unless finished or paused), job after job."""
        deadline = time.perf_counter() + seconds
        while self.running:
            if self._trainer is None:
                self._trainer = MemoryTrainer(self.plan.job_settings(*self._jobs[len(self.results)]))
            self._trainer.step_for(max(deadline - time.perf_counter(), 0.0), stop=lambda: self.paused)
            if self._trainer.finished:
                self._end_job(self._trainer)
            if time.perf_counter() >= deadline:
                break

    def _end_job(self, trainer: MemoryTrainer) -> None:
        self.results.append(result_of(trainer))
        self._trainer = None

    def seconds_left(self) -> float | None:
        """At most about this many seconds to go (every remaining run at its full budget, at the speed so far per
        step and step of T); None before the first run has ended."""
        done = sum(r.steps_done * r.length for r in self.results)
        if not done:
            return None
        remaining = sum(self.plan.steps * length for _, length, _ in self._jobs[len(self.results) :])
        if self.current is not None:
            remaining -= self.current_steps * self.current[1]
        return sum(r.seconds for r in self.results) / done * remaining

    def csv(self) -> str:
        """One row per run: cell,T,seed,steps,answered,mse,solved_at,seconds,diverged."""
        header = "cell,T,seed,steps,answered,mse,solved_at,seconds,diverged\n"
        rows = "".join(
            f"{r.cell},{r.length},{r.seed},{r.steps_done},{r.answered!r},{r.mse!r},"
            f"{'' if r.solved_at is None else r.solved_at},{r.seconds:.3f},{r.diverged}\n"
            for r in self.results
        )
        return header + rows


class LengthSummary(NamedTuple):
    """One cell at one T, over its seeds."""

    cell: str
    length: int
    runs: int
    solved: int  # runs that solved the task
    answered: float  # mean held-out share answered
    steps_to_solve: float | None  # mean first solving step over the runs that solved

    @property
    def solved_here(self) -> bool:
        """Most of its runs solved the task (one run: that run)."""
        return 2 * self.solved >= self.runs and self.solved > 0


def summary(results: list[SweepResult]) -> list[LengthSummary]:
    """The results grouped by (cell, T), in the order cells first appear, T ascending."""
    groups: dict[tuple[str, int], list[SweepResult]] = {}
    for result in results:
        groups.setdefault((result.cell, result.length), []).append(result)
    cells = list(dict.fromkeys(r.cell for r in results))
    rows = []
    for (cell, length), runs in sorted(groups.items(), key=lambda item: (cells.index(item[0][0]), item[0][1])):
        solved = [r.solved_at for r in runs if r.solved_at is not None]
        answered = math.fsum(r.answered for r in runs) / len(runs)
        steps = sum(solved) / len(solved) if solved else None
        rows.append(LengthSummary(cell, length, len(runs), len(solved), answered, steps))
    return rows
