"""The memory task separates the cells: success vs T over several seeds at the default settings, and the crossover.

Target: at the default settings (the adding problem at T = 50, 64 units, 64 sequences per step, Adam lr 0.01,
clip 1, at most 2000 steps, stopping once solved), the LSTM and the GRU solve the task with every seed and the
vanilla RNN with none, each run within 60 s of CPU. "Solved": 95 % of the 1,000 held-out sequences answered
within 0.04.

Every run is the page's own: a fresh ``MemoryTrainer`` of ``SweepPlan.job_settings`` (what the page's sweep
trains), timed in CPU seconds of this thread (torch uses one thread). Prints one row per cell and T, the verdict
at the default T, and the crossover in the page's words (``crossover_sentence``).

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_memory_task.py [--seeds 5] [--lengths 5 10 20 50 100]``
"""

from __future__ import annotations

import argparse
import time

import torch

from rnnviz.memory.crossover import crossover_sentence
from rnnviz.memory.settings import MemorySettings
from rnnviz.memory.sweep import SweepPlan, result_of, summary
from rnnviz.memory.trainer import MemoryTrainer
from rnnviz.training.loop import TORCH_THREADS
from rnnviz.training.settings import CELLS

CPU_LIMIT = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--lengths", type=int, nargs="+", default=[5, 10, 20, 50, 100])
    parser.add_argument("--steps", type=int, default=MemorySettings().steps, help="budget per run")
    args = parser.parse_args()
    defaults = MemorySettings()
    plan = SweepPlan(defaults, CELLS, tuple(args.lengths), args.seeds, args.steps)
    print(
        f"torch {torch.__version__}, {TORCH_THREADS} thread(s); {len(plan.jobs())} runs: {', '.join(CELLS)} at "
        f"T = {', '.join(map(str, plan.lengths))}, seeds {defaults.seed}..{defaults.seed + args.seeds - 1}, at most "
        f"{args.steps} steps each ({defaults.hidden_size} units, batch {defaults.batch_size}, {defaults.optimizer} lr "
        f"{defaults.lr:g}, clip {defaults.clip:g})",
        flush=True,
    )
    results, cpu = [], {}
    for job in plan.jobs():
        trainer = MemoryTrainer(plan.job_settings(*job))
        start = time.thread_time()
        trainer.step(args.steps)
        cpu[job] = time.thread_time() - start
        results.append(result_of(trainer))
        r = results[-1]
        solved = f"solved at {r.solved_at}" if r.solved else "not solved"
        print(f"  {r.cell:4} T={r.length:<4} seed {r.seed}: {solved:17} {100 * r.answered:5.1f} % answered, "
              f"{cpu[job]:5.1f} s CPU", flush=True)  # fmt: skip
    print(f"\n{'cell':5} {'T':>4} {'solved':>7} {'answered %':>10} {'steps to solve':>14} {'max CPU s':>9}")
    for row in summary(results):
        most = max(cpu[(row.cell, row.length, seed)] for seed in range(defaults.seed, defaults.seed + args.seeds))
        steps = "—" if row.steps_to_solve is None else f"{row.steps_to_solve:.0f}"
        print(f"{row.cell:5} {row.length:>4} {row.solved:>3}/{row.runs:<3} {100 * row.answered:>10.1f} "
              f"{steps:>14} {most:>9.1f}")  # fmt: skip
    if defaults.length in plan.lengths:
        at_default = {r.cell: r for r in summary(results) if r.length == defaults.length}
        runs = [job for job in plan.jobs() if job[1] == defaults.length]
        separated = at_default["LSTM"].solved == at_default["GRU"].solved == args.seeds and not at_default["RNN"].solved
        within = max(cpu[job] for job in runs) <= CPU_LIMIT
        print(
            f"\nAt the default T = {defaults.length}: LSTM {at_default['LSTM'].solved}/{args.seeds}, GRU "
            f"{at_default['GRU'].solved}/{args.seeds}, RNN {at_default['RNN'].solved}/{args.seeds} seeds solved; the "
            f"longest run took {max(cpu[job] for job in runs):.1f} s of CPU. Target (LSTM and GRU every seed, RNN "
            f"none, each within {CPU_LIMIT:.0f} s): {'met' if separated and within else 'NOT met'}."
        )
    print("\n" + crossover_sentence(summary(results)))


if __name__ == "__main__":
    main()
