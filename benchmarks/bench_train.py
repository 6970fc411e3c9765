"""Training speed through the library's chunked code path vs a bare PyTorch loop of the same model and data.

Target: steps/s of training through the code path a page uses, with the display refreshed at least twice a
second, divided by steps/s of a bare loop in the same process, is >= 0.9.

* page path: ``SineTrainer.step_for(--interval)`` (``--chunking steps``: ``step(n)`` with n sized from
  ``steps_per_second``), then everything a page asks for on a refresh (``display_history``, ``predict_window``,
  ``evaluate``). Plotly/Streamlit rendering is not part of the library and is not simulated here
  (``bench_train_page.py`` times the page's own tick).
* bare loop: the model class and data function of ``reproduce_script()`` with its plain loop (forward, MSE,
  ``.item()``, finite check, zero_grad, backward, Adam step, detach) - no rnnviz trainer involved.

Run: ``.venv/bin/python benchmarks/bench_train.py [--steps N] [--runs R] [--interval S] [--cells RNN ...]``
"""

from __future__ import annotations

import argparse

import torch
from interleave import HEADER, BareSlices, interleaved_run, sine_bare_loop, table_row

from rnnviz.sine.settings import SineSettings
from rnnviz.sine.trainer import SineTrainer
from rnnviz.training.loop import TORCH_THREADS


def run(settings: SineSettings, interval: float, by_time: bool):
    trainer, chunk = SineTrainer(settings), [50]

    def page_tick() -> None:
        if by_time:
            trainer.step_for(interval)
        else:
            trainer.step(chunk[0])
            chunk[0] = max(1, int(trainer.steps_per_second * interval))
        trainer.display_history(2000)  # what the page draws: loss curve, current window, long stretch
        trainer.predict_window()
        trainer.evaluate()

    return interleaved_run(trainer, page_tick, BareSlices(sine_bare_loop(settings)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000, help="steps per run (each path)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--interval", type=float, default=0.25, help="target seconds between refreshes")
    parser.add_argument("--chunking", choices=["time", "steps"], default="time", help="step_for or step(n)")
    parser.add_argument("--cells", nargs="+", default=["RNN", "LSTM", "GRU"])
    args = parser.parse_args()
    by_time = args.chunking == "time"
    print(
        f"torch {torch.__version__}, {TORCH_THREADS} thread(s), {args.steps} steps per run and path, medians of "
        f"{args.runs} runs, refresh target every {args.interval} s, chunks by {args.chunking}"
    )
    print(HEADER)
    for cell in args.cells:
        run(SineSettings(cell=cell, steps=50), args.interval, by_time)  # warm-up
        runs = [run(SineSettings(cell=cell, steps=args.steps), args.interval, by_time) for _ in range(args.runs)]
        print(table_row(cell, runs))


if __name__ == "__main__":
    main()
