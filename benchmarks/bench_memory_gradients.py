"""Time to compute the Memory & gradients page's gradient views, and the finite-difference errors they report.

Target: the views of one state of the race (||dL/dh_t|| for RNN, LSTM and GRU with their finite-difference checks,
the LSTM's connectivity map and its forget-gate view with f clamped to 1: what the page computes when the models or
the sequence change) take <= 300 ms at T = 200 and hidden size 128. The page draws each view as soon as it is
computed, in this order (flows, map, forget-gate path), so the figures printed are each view's own time, when
each is on the screen (the sum up to it), and the sum of all.

Models: the page's ``MemoryModel``s (seeded as the race builds them; ``--train N`` trains each N steps first so the
gradients have a trained model's shape). Sequence: held-out sequence 0 of that T. Medians of ``--runs`` runs, each
part timed on its own (wall clock, and CPU time of this thread: torch runs on one thread; on a busy machine
the CPU time is what a quiet one would show as wall clock).

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_memory_gradients.py [--length 200] [--hidden 128] [--runs 5]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from rnnviz.memory.gradients import connectivity_map, forget_view, gradient_flow
from rnnviz.memory.settings import MemorySettings
from rnnviz.memory.trainer import MemoryTrainer, held_out_sequence
from rnnviz.training.loop import TORCH_THREADS
from rnnviz.training.settings import CELLS

TARGET_MS = 300


class Timed:
    """Wall-clock and CPU (this thread) milliseconds of a ``with`` block, added to ``times[part]``."""

    def __init__(self, times: dict[str, tuple[float, float]], part: str) -> None:
        self.times, self.part = times, part

    def __enter__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.thread_time()

    def __exit__(self, *_) -> None:
        self.times[self.part] = (1000 * (time.perf_counter() - self.wall), 1000 * (time.thread_time() - self.cpu))


def views_once(trainers: dict[str, MemoryTrainer], x: torch.Tensor, target: float) -> tuple[dict, list]:
    """Every view, as the page computes them; ({part: (wall ms, CPU ms)}, the finite-difference checks)."""
    times: dict[str, tuple[float, float]] = {}
    flows = {}
    for cell, trainer in trainers.items():
        with Timed(times, f"flow {cell}"):
            flows[cell] = gradient_flow(trainer.model, x, target)
    with Timed(times, "map LSTM"):
        connectivity_map(trainers["LSTM"].model, x)
    with Timed(times, "forget + f = 1"):
        forget_view(trainers["LSTM"].model, x, target, flows["LSTM"])
    return times, [check for flow in flows.values() for check in flow.checks]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--train", type=int, default=0, help="train each model this many steps first")
    args = parser.parse_args()
    settings = MemorySettings(length=args.length, hidden_size=args.hidden, steps=max(args.train, 1))
    trainers = {cell: MemoryTrainer(MemorySettings(**{**settings.to_dict(), "cell": cell})) for cell in CELLS}
    for trainer in trainers.values():
        trainer.step(args.train)
    x, target = held_out_sequence(trainers["LSTM"], 0)
    print(
        f"torch {torch.__version__}, {TORCH_THREADS} thread(s); T = {args.length}, hidden {args.hidden}, models "
        f"trained {args.train} steps; medians of {args.runs} runs (after one warm-up)"
    )
    views_once(trainers, x, target)  # warm-up
    runs = [views_once(trainers, x, target) for _ in range(args.runs)]
    print(f"  {'':16} {'wall ms':>9} {'CPU ms':>9}")
    for part in runs[0][0]:
        wall, cpu = (statistics.median(r[0][part][i] for r in runs) for i in (0, 1))
        print(f"  {part:16} {wall:9.1f} {cpu:9.1f}")
    views = {"flows (3 cells)": [p for p in runs[0][0] if p.startswith("flow")], "map LSTM": ["map LSTM"]}
    views["forget + f = 1"] = ["forget + f = 1"]
    print(f"  {'view':16} {'wall ms':>9} {'CPU ms':>9} {'on screen after':>16}")
    drawn = [0.0, 0.0]
    for view, parts in views.items():
        wall, cpu = (statistics.median(sum(r[0][p][i] for p in parts) for r in runs) for i in (0, 1))
        drawn = [drawn[0] + wall, drawn[1] + cpu]
        verdict = "met" if wall <= TARGET_MS else "NOT met"
        print(f"  {view:16} {wall:9.1f} {cpu:9.1f} {drawn[0]:12.1f} ms   (this view <= {TARGET_MS} ms: {verdict})")
    wall, cpu = (statistics.median(sum(t[i] for t in r[0].values()) for r in runs) for i in (0, 1))
    verdict = "met" if wall <= TARGET_MS else "NOT met"
    print(f"  {'all views':16} {wall:9.1f} {cpu:9.1f}   (all views <= {TARGET_MS} ms: {verdict})")
    checks = runs[0][1]
    worst = max(checks, key=lambda c: c.relative_error)
    print(
        f"finite differences ({len(checks)} checks, float64, central, eps 1e-5): largest relative error "
        f"{worst.relative_error:.1e} (at step {worst.step} of {args.length})"
    )


if __name__ == "__main__":
    main()
