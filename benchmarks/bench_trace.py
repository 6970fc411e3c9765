"""How much slower is ``rnnviz.trace`` than the module's own forward? Prints medians and ratios.

Targets: at hidden 256, seq 500, batch 8 the ratio trace / forward is <= 3; at
hidden 32, seq 50, batch 1 a trace takes under 10 ms. ``trace`` includes its own call of the module's
forward (the check behind ``max_abs_error``), so the ratio counts that too.

Run: ``.venv/bin/python benchmarks/bench_trace.py [--repeats N]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import rnnviz

CASES = [("LSTM", 32, 50, 1), ("GRU", 32, 50, 1), ("LSTM", 256, 500, 8), ("GRU", 256, 500, 8)]


def median_seconds(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, medians of {args.repeats} runs")
    print(f"{'cell':5} {'hidden':>6} {'seq':>5} {'batch':>5} {'forward ms':>11} {'trace ms':>9} {'ratio':>6}")
    for cell, hidden, seq, batch in CASES:
        torch.manual_seed(0)
        module = getattr(torch.nn, cell)(hidden, hidden).eval()
        x = torch.randn(seq, batch, hidden)

        def forward(module=module, x=x):
            with torch.no_grad():
                module(x)

        forward_s = median_seconds(forward, args.repeats)
        trace_s = median_seconds(lambda module=module, x=x: rnnviz.trace(module, x), args.repeats)
        print(
            f"{cell:5} {hidden:>6} {seq:>5} {batch:>5} {forward_s * 1e3:>11.2f} {trace_s * 1e3:>9.2f} "
            f"{trace_s / forward_s:>6.2f}"
        )


if __name__ == "__main__":
    main()
