"""Training speed through the Train page's own per-tick code vs a bare PyTorch loop, in one process.

Target: steps/s of training through the very code path the page uses, with the display refreshing at least
twice a second, divided by steps/s of a bare loop of the same model and data: >= 0.9.

* page path: ``rnnviz.ui.training.live.live_tick`` with the sine page's ``draw_sine_run`` - what the page's
  live fragment runs on every tick: ``LiveRun.tick`` (uncapped: ``step_for(0.45 s)``) and every figure of the
  live view built and marshalled by Streamlit (progress, metrics, loss curve, current window, unseen-stretch
  evaluation, the traced gate/state heatmaps; ``st.plotly_chart`` serialises each figure to JSON; the model
  view is redrawn once a second and sent again as it was on the ticks in between, as on the page). Streamlit
  runs in "bare mode" (no server): the elements are built exactly as in the app, then dropped instead of sent.
  Not included: the websocket send and the browser's drawing, and the Streamlit rerun itself (~2 ms a tick).
* bare loop: the reproduce script's model, data and plain loop (``interleave.sine_bare_loop``).

Run: ``.venv/bin/python benchmarks/bench_train_page.py [--steps N] [--runs R] [--cells RNN LSTM GRU]``
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging

import torch

logging.disable(logging.WARNING)  # Streamlit in bare mode warns about the missing server on every element

from interleave import HEADER, BareSlices, interleaved_run, sine_bare_loop, table_row  # noqa: E402

from rnnviz.sine.settings import SineSettings  # noqa: E402
from rnnviz.sine.trainer import SineTrainer  # noqa: E402
from rnnviz.training.live import FAST_TICK_SECONDS, LiveRun, Pace  # noqa: E402
from rnnviz.training.loop import TORCH_THREADS  # noqa: E402
from rnnviz.ui.sine.panels import draw_sine_run  # noqa: E402
from rnnviz.ui.training.live import live_tick  # noqa: E402


def run(settings: SineSettings):
    live = LiveRun(SineTrainer(settings))
    live.resume()
    pace = Pace(None)  # as fast as possible: the case the ratio target is about
    return interleaved_run(
        live.trainer,
        lambda: live_tick(live, pace, draw_sine_run),
        BareSlices(sine_bare_loop(settings)),
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
    print(HEADER)
    for cell in args.cells:
        with contextlib.redirect_stdout(io.StringIO()):  # bare mode prints a "use streamlit run" hint once
            run(SineSettings(cell=cell, steps=50))  # warm-up
        print(table_row(cell, [run(SineSettings(cell=cell, steps=args.steps)) for _ in range(args.runs)]))


if __name__ == "__main__":
    main()
