"""Language-model page: training speed through the page's own code vs a bare PyTorch loop, and convergence
on the synthetic bracket language against its exact entropy bound. Prints figures; not a test.

1. Speed (target >= 0.9). Steps per second (each of B x T characters) of training through
   ``rnnviz.ui.training.live.live_tick`` with the page's ``draw_char_run``, what the page's live fragment runs
   on every tick (draw the numbers, perplexity curve and samples with Streamlit in bare mode, i.e. built and
   marshalled but not sent; then ``step_for(0.45 s)`` with the page's on-epoch work: held-out perplexity and
   samples from two prefixes), divided by steps per second of a bare loop of the same model on the same
   batches: the ``train()`` generator of the run's own reproduce script (plain PyTorch, no rnnviz), executed in
   this process. Interleaved as in ``interleave.py``; the losses must agree bit for bit.
2. Convergence. An LSTM with the page's default settings on the default synthetic text (200,000 characters):
   the held-out perplexity per epoch against exp(H), until it is within 10 % of it and for ``--epochs`` epochs
   at most (or ``--seconds`` of training).

Run: ``.venv/bin/python benchmarks/bench_char_lm.py [--speed-seconds S] [--epochs E] [--seconds T]``
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import math

import torch

logging.disable(logging.WARNING)  # Streamlit in bare mode warns about the missing server on every element

from interleave import HEADER, BareSlices, Run, interleaved_run, table_row  # noqa: E402

from rnnviz.charlm.corpora import Corpus, brackets_corpus  # noqa: E402
from rnnviz.charlm.samples import SampleSpec  # noqa: E402
from rnnviz.charlm.settings import CharSettings  # noqa: E402
from rnnviz.charlm.trainer import CharTrainer  # noqa: E402
from rnnviz.training.live import FAST_TICK_SECONDS, LiveRun, Pace  # noqa: E402
from rnnviz.training.loop import TORCH_THREADS  # noqa: E402
from rnnviz.ui.charlm.panels import draw_char_run  # noqa: E402
from rnnviz.ui.training.live import live_tick  # noqa: E402


def bare_steps(trainer: CharTrainer):
    """The run's reproduce script (plain PyTorch) executed here: its ``train()`` generator of step losses."""
    namespace: dict = {"__name__": "reproduce"}
    exec(compile(trainer.reproduce_script(), "reproduce_char_lm.py", "exec"), namespace)
    return namespace["train"]()


def speed(settings: CharSettings, corpus: Corpus, seconds: float) -> Run:
    trainer = CharTrainer(
        corpus.text,
        settings,
        name=corpus.name,
        entropy_per_char=corpus.entropy_per_char,
        samples=SampleSpec(prefixes=("((", "a[b")),
    )
    live = LiveRun(trainer)
    live.resume()

    def page_tick() -> None:
        live_tick(live, Pace(None), draw_char_run)

    return interleaved_run(trainer, page_tick, BareSlices(bare_steps(trainer)), seconds)


def convergence(settings: CharSettings, text: str, entropy: float, seconds: float) -> None:
    bound = math.exp(entropy)
    trainer = CharTrainer(text, settings)
    print(
        f"entropy bound exp(H) = {bound:.4f} (H = {entropy:.5f} nats/char); {trainer.train_chars:,} training and "
        f"{trainer.validation_chars:,} held-out characters, {settings.cell} {settings.hidden_size}, T = "
        f"{settings.num_steps}, B = {settings.batch_size}, {settings.optimizer} lr {settings.lr:g}, clip "
        f"{settings.clip:g}"
    )
    print(f"{'epoch':>5} {'train s':>8} {'train ppl':>9} {'held-out':>9} {'/ bound':>8}")
    reached = None
    while not trainer.finished and trainer.seconds_training < seconds:
        before = trainer.epochs_done
        trainer.step_for(1.0)
        for record in trainer.epochs[before:]:
            ratio = record.validation_perplexity / bound
            print(
                f"{record.epoch:>5} {record.seconds:>8.1f} {record.train_perplexity:>9.4f} "
                f"{record.validation_perplexity:>9.4f} {ratio:>8.4f}",
                flush=True,
            )
            if reached is None and ratio <= 1.10:
                reached = record
    best = min(trainer.epochs, key=lambda r: r.validation_perplexity)
    if reached is None:
        print(f"NOT within 10 % of the bound after {trainer.seconds_training:.0f} s of training")
    else:
        print(f"within 10 % of the bound after epoch {reached.epoch}: {reached.seconds:.1f} s of training")
    print(
        f"best held-out perplexity {best.validation_perplexity:.4f} = {best.validation_perplexity / bound:.4f} × the "
        f"bound (epoch {best.epoch}, {best.seconds:.1f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed-seconds", type=float, default=8.0, help="page time per speed run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30, help="convergence: at most this many epochs")
    parser.add_argument("--seconds", type=float, default=90.0, help="convergence: at most this much training time")
    args = parser.parse_args()
    corpus = brackets_corpus()
    ticks = f"page ticks of {FAST_TICK_SECONDS} s of training + drawing"
    print(f"torch {torch.__version__}, {TORCH_THREADS} thread(s); {ticks}")
    print("\n== 1. steps/s (B x T characters each): page code path vs bare PyTorch loop (same model and batches)")
    print(HEADER)
    for cell in ("LSTM", "GRU", "RNN"):
        settings = CharSettings(cell=cell)
        with contextlib.redirect_stdout(io.StringIO()):  # bare mode prints a "use streamlit run" hint once
            speed(settings, corpus, 1.0)  # warm-up
        print(table_row(cell, [speed(settings, corpus, args.speed_seconds) for _ in range(args.runs)]))
    print("\n== 2. convergence on the synthetic bracket language (LSTM, page defaults)")
    convergence(CharSettings(epochs=args.epochs), corpus.text, corpus.entropy_per_char, args.seconds)


if __name__ == "__main__":
    main()
