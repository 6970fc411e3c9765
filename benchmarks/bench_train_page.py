"""Training speed through the Train page's own per-tick code vs a bare PyTorch loop, in one process.

Target (sin -> cos issue): steps/s of training through the very code path the page uses, with the display
refreshing at least twice a second, divided by steps/s of a bare loop of the same model and data: >= 0.9.

* page path: ``rnnviz.ui.train_live.live_tick`` - the function the page's live fragment runs on every tick:
  ``LiveTrainer.tick`` (uncapped: ``Trainer.step_for(0.45 s)``), then every figure of the live view built and
  marshalled by Streamlit (progress, metrics, loss curve, current window, unseen-stretch evaluation, the
  traced gate/state heatmaps; ``st.plotly_chart`` serialises each figure to JSON; the model view is redrawn
  once a second and sent again as it was on the ticks in between, as on the page). Streamlit runs here in
  "bare mode" (no server): the elements are built exactly as in the app, then dropped instead of being sent.
  Not included: the websocket send and the browser's drawing (which the page does not wait for: uncapped, the
  fragment reruns itself at once) and the Streamlit rerun itself (about 2 ms per tick, measured in the app).
* bare loop: ``benchmarks/bench_train.py``'s ``bare_loop`` (the reproduce script's model, data and plain
  loop; no Trainer). Its losses must equal the page path's bit for bit.

The two paths are interleaved (one page tick, then a bare slice of the same wall time), so both see the same
load from other processes on a shared machine. Medians over ``--runs`` runs are printed, per wall second (the
target) and per CPU second of this thread; "refresh/s" is page ticks per second of page time and "max gap s"
the longest tick (the longest the display waits for a refresh).

Run: ``.venv/bin/python benchmarks/bench_train_page.py [--steps N] [--runs R] [--cells RNN LSTM GRU]``
"""
from __future__ import annotations

import argparse
import contextlib
import io
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import NamedTuple

import torch

logging.disable(logging.WARNING)  # Streamlit in bare mode warns about the missing server on every element
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_train import BareSlices  # noqa: E402  (a sibling script, not a package)

from rnnviz.train import TORCH_THREADS, SineSettings  # noqa: E402
from rnnviz.train_live import FAST_TICK_SECONDS, LiveTrainer, Pace  # noqa: E402
from rnnviz.ui.train_live import live_tick  # noqa: E402


class Run(NamedTuple):
    bare_wall: float  # steps per second
    page_wall: float
    bare_cpu: float  # steps per CPU second of this thread
    page_cpu: float
    refreshes_per_second: float
    longest_tick: float  # s
    drawing: float  # median seconds per tick spent outside training (figures, Streamlit elements)
    same_losses: bool


def interleaved_run(settings: SineSettings) -> Run:
    live, bare, cache = LiveTrainer(settings), BareSlices(settings), {}
    pace = Pace(None)  # as fast as possible: the case the ratio target is about
    page_time = page_cpu = longest = 0.0
    ticks, drawing = 0, []
    while not (live.trainer.finished and bare.done):
        if not live.trainer.finished:
            start, cpu, trained = time.perf_counter(), time.thread_time(), live.trainer.seconds_training
            live_tick(live, pace, running=True, cache=cache)
            tick = time.perf_counter() - start
            drawing.append(tick - (live.trainer.seconds_training - trained))
            page_time, page_cpu, ticks = page_time + tick, page_cpu + time.thread_time() - cpu, ticks + 1
            longest = max(longest, tick)
        if not bare.done:
            bare.run_slice(FAST_TICK_SECONDS)
    n_page, n_bare = live.trainer.steps_done, len(bare.losses)
    return Run(
        bare_wall=n_bare / bare.wall,
        page_wall=n_page / page_time,
        bare_cpu=n_bare / bare.cpu,
        page_cpu=n_page / page_cpu,
        refreshes_per_second=ticks / page_time,
        longest_tick=longest,
        drawing=statistics.median(drawing),
        same_losses=bare.losses == live.trainer.history,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000, help="steps per run (each path)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cells", nargs="+", default=["RNN", "LSTM", "GRU"])
    args = parser.parse_args()
    print(
        f"torch {torch.__version__}, {TORCH_THREADS} thread(s), {args.steps} steps per run and path, medians of "
        f"{args.runs} runs, uncapped ticks of {FAST_TICK_SECONDS} s of training + drawing"
    )
    print(
        f"{'cell':5} {'bare steps/s':>12} {'page steps/s':>12} {'ratio':>6} | {'bare cpu':>8} {'page cpu':>8} "
        f"{'ratio':>6} | {'refresh/s':>9} {'max tick s':>10} {'draw ms':>7} {'same losses':>11}"
    )
    for cell in args.cells:
        settings = SineSettings(cell=cell, steps=args.steps)
        with contextlib.redirect_stdout(io.StringIO()):  # bare mode prints a "use streamlit run" hint once
            interleaved_run(SineSettings(cell=cell, steps=50))  # warm-up
        runs = [interleaved_run(settings) for _ in range(args.runs)]

        def median(field: str, runs: list[Run] = runs) -> float:
            return statistics.median(getattr(run, field) for run in runs)

        print(
            f"{cell:5} {median('bare_wall'):>12.0f} {median('page_wall'):>12.0f} "
            f"{median('page_wall') / median('bare_wall'):>6.3f} | {median('bare_cpu'):>8.0f} "
            f"{median('page_cpu'):>8.0f} {median('page_cpu') / median('bare_cpu'):>6.3f} | "
            f"{median('refreshes_per_second'):>9.2f} {max(r.longest_tick for r in runs):>10.3f} "
            f"{median('drawing') * 1000:>7.1f} {str(all(r.same_losses for r in runs)):>11}"
        )


if __name__ == "__main__":
    main()
