"""Training speed through the page's code path vs a bare PyTorch loop of the same model and data.

Target (sin -> cos issue): steps/s of training through the code path a page uses, with the display
refreshed at least twice a second, divided by steps/s of a bare loop in the same process, is >= 0.9.

* page path: ``Trainer.step_for(--interval)`` (``--chunking steps``: ``Trainer.step(n)`` with n sized from
  ``trainer.steps_per_second``), then a simulated refresh asking for everything a page draws
  (``display_history``, ``predict_window``, ``evaluate``); refreshes count in the page's time.
  (Plotly/Streamlit rendering is not part of the library and is not simulated.)
* bare loop: the model class and data function of ``trainer.reproduce_script()`` with its plain loop
  (forward, MSE, ``.item()``, finite check, zero_grad, backward, Adam step, detach; default settings
  apart from cell and steps) - no Trainer involved. Its losses must equal the trainer's bit for bit.

The two are interleaved slice by slice (a page chunk + refresh, then a bare slice of the same wall time),
so both see the same load from other processes on a shared machine. Each of ``--runs`` runs trains both
for ``--steps`` steps; medians over runs are printed, per wall-clock second (the target) and per CPU
second of this thread (torch uses 1 thread here; steadier when other processes compete for the cores).

Run: ``.venv/bin/python benchmarks/bench_train.py [--steps N] [--runs R] [--interval S] [--cells RNN ...]``
"""
from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Iterator
from typing import NamedTuple

import torch

from rnnviz.train import TORCH_THREADS, SineSettings, Trainer


def bare_loop(settings: SineSettings) -> Iterator[float]:
    """Plain PyTorch, one step per ``next()``: the reproduce script's model, data and loop; yields each loss."""
    script: dict = {"__name__": "bare_loop"}
    exec(Trainer(settings).reproduce_script(), script)  # defines SineModel and sine_batch, sets the threads
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
    """The bare loop, run in slices of about ``seconds`` between the page path's, so both see the same load."""

    def __init__(self, settings: SineSettings) -> None:
        self.losses: list[float] = []
        self.wall = self.cpu = 0.0  # seconds spent in the bare loop (wall clock, this thread's CPU)
        self.done = False
        self._steps = bare_loop(settings)

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
    refreshes_per_second: float  # page refreshes per second of page time
    longest_gap: float  # longest page time between two refreshes, s
    same_losses: bool


def interleaved_run(settings: SineSettings, interval: float, by_time: bool) -> Run:
    """Train the page path and the bare loop side by side, alternating slices of about ``interval`` s."""
    trainer, bare = Trainer(settings), BareSlices(settings)
    page_time = page_cpu = longest_gap = 0.0
    refreshes, chunk = 0, 50
    while not (trainer.finished and bare.done):
        if not trainer.finished:
            start, cpu = time.perf_counter(), time.thread_time()
            if by_time:
                trainer.step_for(interval)
            else:
                trainer.step(chunk)
                chunk = max(1, int(trainer.steps_per_second * interval))
            trainer.display_history(2000)  # what the page draws: loss curve, current window, long stretch
            trainer.predict_window()
            trainer.evaluate()
            gap = time.perf_counter() - start
            page_time, page_cpu, refreshes = page_time + gap, page_cpu + time.thread_time() - cpu, refreshes + 1
            longest_gap = max(longest_gap, gap)
        if not bare.done:
            bare.run_slice(interval)
    n_page, n_bare = trainer.steps_done, len(bare.losses)
    return Run(
        bare_wall=n_bare / bare.wall,
        page_wall=n_page / page_time,
        bare_cpu=n_bare / bare.cpu,
        page_cpu=n_page / page_cpu,
        refreshes_per_second=refreshes / page_time,
        longest_gap=longest_gap,
        same_losses=bare.losses == trainer.history,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000, help="steps per run (each path)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--interval", type=float, default=0.25, help="target seconds between refreshes")
    parser.add_argument("--chunking", choices=["time", "steps"], default="time", help="step_for or step(n)")
    parser.add_argument("--cells", nargs="+", default=["RNN", "LSTM", "GRU"])
    args = parser.parse_args()
    print(
        f"torch {torch.__version__}, {TORCH_THREADS} thread(s), {args.steps} steps per run and path, medians of "
        f"{args.runs} runs, refresh target every {args.interval} s, chunks by {args.chunking}"
    )
    print(
        f"{'cell':5} {'bare steps/s':>12} {'page steps/s':>12} {'ratio':>6} | {'bare cpu':>8} {'page cpu':>8} "
        f"{'ratio':>6} | {'refresh/s':>9} {'max gap s':>9} {'same losses':>11}"
    )
    for cell in args.cells:
        settings = SineSettings(cell=cell, steps=args.steps)
        interleaved_run(SineSettings(cell=cell, steps=50), args.interval, args.chunking == "time")  # warm-up
        runs = [interleaved_run(settings, args.interval, args.chunking == "time") for _ in range(args.runs)]

        def median(field: str, runs: list[Run] = runs) -> float:
            return statistics.median(getattr(run, field) for run in runs)

        print(
            f"{cell:5} {median('bare_wall'):>12.0f} {median('page_wall'):>12.0f} "
            f"{median('page_wall') / median('bare_wall'):>6.3f} | {median('bare_cpu'):>8.0f} "
            f"{median('page_cpu'):>8.0f} {median('page_cpu') / median('bare_cpu'):>6.3f} | "
            f"{median('refreshes_per_second'):>9.1f} {max(r.longest_gap for r in runs):>9.3f} "
            f"{str(all(r.same_losses for r in runs)):>11}"
        )


if __name__ == "__main__":
    main()
