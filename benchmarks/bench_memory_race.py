"""Race speed through the Memory & gradients page's own per-tick code vs three bare PyTorch loops, in one process.

Target: the race (RNN, LSTM and GRU side by side, the page's defaults) trains at >= 0.9x the combined steps/s of
bare loops of the same models and data, with the display refreshing at least twice a second.

* page path: ``rnnviz.ui.training.live.live_tick`` with the page's ``draw_race`` on a ``LiveRace`` of three
  ``MemoryTrainer``s, uncapped: ``LiveRace.tick`` (the runs in lockstep, held-out scores included) and every element
  of the live view (progress, readouts, loss and score figures) built and marshalled by Streamlit in bare mode
  (no server: the elements are built as in the app, then dropped).
* bare loops: the reproduce script's own ``training`` generator of each cell (model, batches, plain loop, the same
  held-out scores and stop once solved), advanced in turn one step each; a finished one drops out.

Both paths are interleaved (``interleave.interleaved_run``: a page tick, then a bare slice of the same wall time)
and see the same batches: their losses, merged step by step across the cells, must be equal bit for bit.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_memory_race.py [--steps N] [--runs R] [--length T]``
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
from collections.abc import Iterator
from dataclasses import replace

import torch

logging.disable(logging.WARNING)  # Streamlit in bare mode warns about the missing server on every element

from interleave import HEADER, BareSlices, interleaved_run, table_row  # noqa: E402

from rnnviz.memory.settings import MemorySettings  # noqa: E402
from rnnviz.memory.trainer import MemoryTrainer  # noqa: E402
from rnnviz.training.live import FAST_TICK_SECONDS, Pace  # noqa: E402
from rnnviz.training.loop import TORCH_THREADS  # noqa: E402
from rnnviz.training.race import LiveRace  # noqa: E402
from rnnviz.training.settings import CELLS  # noqa: E402
from rnnviz.ui.memory.race import draw_race  # noqa: E402
from rnnviz.ui.training.live import live_tick  # noqa: E402


class RaceTotals:
    """What ``interleaved_run`` reads of a trainer, over every run of a race; ``history`` merges the runs' losses
    step by step (step 1 of each cell, then step 2, ...), the order in which ``bare_race`` yields them."""

    def __init__(self, race: LiveRace) -> None:
        self.runs = [run.trainer for run in race.runs]

    @property
    def finished(self) -> bool:
        return all(t.finished for t in self.runs)

    @property
    def steps_done(self) -> int:
        return sum(t.steps_done for t in self.runs)

    @property
    def seconds_training(self) -> float:
        return sum(t.seconds_training for t in self.runs)

    @property
    def history(self) -> list[float]:
        histories = [t.history for t in self.runs]
        longest = max(len(h) for h in histories)
        return [h[i] for i in range(longest) for h in histories if i < len(h)]


def bare_race(settings: list[MemorySettings]) -> Iterator[float]:
    """Plain PyTorch: each cell's reproduce-script loop, one step each in turn; yields every loss."""
    loops = []
    for s in settings:
        script: dict = {"__name__": "bare_loop"}
        exec(MemoryTrainer(s).reproduce_script(), script)  # defines MemoryModel and training, sets the threads
        model = script["MemoryModel"](s.cell, s.hidden_size, s.seed)
        loops.append(script["training"](model, s.to_dict()))
    while loops:
        for loop in list(loops):
            step = next(loop, None)
            if step is None:
                loops.remove(loop)
            else:
                yield step[0]


def run(settings: MemorySettings):
    per_cell = [replace(settings, cell=cell) for cell in CELLS]
    race = LiveRace([MemoryTrainer(s) for s in per_cell])
    race.resume()
    pace = Pace(None)  # as fast as possible: the case the ratio target is about
    return interleaved_run(RaceTotals(race), lambda: live_tick(race, pace, draw_race), BareSlices(bare_race(per_cell)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600, help="steps per cell and path (at most: solved runs stop)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--length", type=int, default=MemorySettings().length, help="sequence length T")
    args = parser.parse_args()
    settings = MemorySettings(steps=args.steps, length=args.length)
    print(
        f"torch {torch.__version__}, {TORCH_THREADS} thread(s), a race of {', '.join(CELLS)} at the page's defaults "
        f"(T = {settings.length}, {settings.hidden_size} units, batch {settings.batch_size}), at most {args.steps} "
        f"steps per cell and path, medians of {args.runs} runs, uncapped ticks of {FAST_TICK_SECONDS} s + drawing; "
        "steps/s are the three cells' together"
    )
    print(HEADER)
    with contextlib.redirect_stdout(io.StringIO()):  # bare mode prints a "use streamlit run" hint once
        run(replace(settings, steps=20))  # warm-up
    print(table_row("race", [run(settings) for _ in range(args.runs)]))


if __name__ == "__main__":
    main()
