"""Shared by the training benchmarks: a bare PyTorch loop run in slices between the page path's ticks, and the
table they print. Not a benchmark itself (``make bench`` runs only ``bench_*.py``).

Both paths train the same model on the same batches; they are interleaved (one page tick, then a bare slice of
the same wall time), so both see the same load from other processes on a shared machine. Speeds are reported
per wall second (the target) and per CPU second of this thread (torch uses 1 thread here; steadier when other
processes compete for the cores). The bare loop's losses must equal the page path's bit for bit.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterator
from typing import NamedTuple

import torch

from rnnviz.sine.settings import SineSettings
from rnnviz.sine.trainer import SineTrainer
from rnnviz.training.loop import LoopTrainer


def sine_bare_loop(settings: SineSettings) -> Iterator[float]:
    """Plain PyTorch, one step per ``next()``: the reproduce script's model, data and loop; yields each loss."""
    script: dict = {"__name__": "bare_loop"}
    exec(SineTrainer(settings).reproduce_script(), script)  # defines SineModel and sine_batch, sets the threads
    s = settings
    model = script["SineModel"](s.cell, s.hidden_size, s.num_layers, s.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=s.lr)
    noise_generator = torch.Generator().manual_seed(s.seed + 1)
    hidden = None
    for step in range(s.steps):
        x, target = script["sine_batch"](step, s.points, s.windows_per_batch, s.noise, noise_generator)
        prediction, h_n = model(x, hidden)
        loss = torch.nn.functional.mse_loss(prediction, target)
        value = loss.item()
        if not math.isfinite(value):
            return
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        hidden = tuple(h.detach() for h in h_n) if isinstance(h_n, tuple) else h_n.detach()
        yield value


class BareSlices:
    """A bare loop (an iterator of step losses), run in slices of about ``seconds`` between the page path's."""

    def __init__(self, steps: Iterator[float]) -> None:
        self.losses: list[float] = []
        self.wall = self.cpu = 0.0  # seconds spent in the bare loop (wall clock, this thread's CPU)
        self.done = False
        self._steps = steps

    def run_slice(self, seconds: float) -> None:
        start, cpu = time.perf_counter(), time.thread_time()
        deadline = start + seconds
        for loss in self._steps:
            self.losses.append(loss)
            if time.perf_counter() >= deadline:
                break
        else:
            self.done = True
        self.wall, self.cpu = self.wall + time.perf_counter() - start, self.cpu + time.thread_time() - cpu


class Run(NamedTuple):
    bare_wall: float  # steps per second
    page_wall: float
    bare_cpu: float  # steps per CPU second of this thread
    page_cpu: float
    refreshes_per_second: float  # page ticks per second of page time
    longest_tick: float  # s: the longest the display waits for a refresh
    drawing: float  # median seconds per tick spent outside training (figures, Streamlit elements)
    same_losses: bool


def interleaved_run(
    trainer: LoopTrainer, page_tick: Callable[[], None], bare: BareSlices, seconds: float | None = None
) -> Run:
    """Alternate ``page_tick()`` (which trains ``trainer`` and draws) with bare slices of the same wall time,
    until both finish (or until ``seconds`` of page time). Losses are compared over the steps both made."""
    page_time = page_cpu = longest = 0.0
    ticks, drawing = 0, []
    while not (trainer.finished and bare.done) and (seconds is None or page_time < seconds):
        tick = 0.0
        if not trainer.finished:
            start, cpu, trained = time.perf_counter(), time.thread_time(), trainer.seconds_training
            page_tick()
            tick = time.perf_counter() - start
            drawing.append(tick - (trainer.seconds_training - trained))
            page_time, page_cpu, ticks = page_time + tick, page_cpu + time.thread_time() - cpu, ticks + 1
            longest = max(longest, tick)
        if not bare.done:
            bare.run_slice(tick or 0.25)
    n = min(len(bare.losses), trainer.steps_done)
    return Run(
        bare_wall=len(bare.losses) / bare.wall,
        page_wall=trainer.steps_done / page_time,
        bare_cpu=len(bare.losses) / bare.cpu,
        page_cpu=trainer.steps_done / page_cpu,
        refreshes_per_second=ticks / page_time,
        longest_tick=longest,
        drawing=statistics.median(drawing),
        same_losses=n > 0 and bare.losses[:n] == trainer.history[:n],
    )


HEADER = (
    f"{'':5} {'bare steps/s':>12} {'page steps/s':>12} {'ratio':>6} | {'bare cpu':>8} {'page cpu':>8} {'ratio':>6} | "
    f"{'refresh/s':>9} {'max tick s':>10} {'draw ms':>7} {'same losses':>11}"
)


def table_row(name: str, runs: list[Run]) -> str:
    """Medians over ``runs`` (the longest tick: the maximum), as one line under ``HEADER``."""

    def median(field: str) -> float:
        return statistics.median(getattr(run, field) for run in runs)

    return (
        f"{name:5} {median('bare_wall'):>12.0f} {median('page_wall'):>12.0f} "
        f"{median('page_wall') / median('bare_wall'):>6.3f} | {median('bare_cpu'):>8.0f} "
        f"{median('page_cpu'):>8.0f} {median('page_cpu') / median('bare_cpu'):>6.3f} | "
        f"{median('refreshes_per_second'):>9.2f} {max(r.longest_tick for r in runs):>10.3f} "
        f"{median('drawing') * 1000:>7.1f} {str(all(r.same_losses for r in runs)):>11}"
    )
