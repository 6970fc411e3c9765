"""Language-model page: training speed through the page's own code vs a bare PyTorch loop, and convergence
on the synthetic bracket language against its exact entropy bound. Prints figures; not a test.

1. Speed (target >= 0.9). Characters per second of training through ``rnnviz.ui.char_live.live_tick``, the
   function the page's live fragment runs on every tick (draw the numbers, perplexity curve and samples with
   Streamlit in bare mode, i.e. built and marshalled but not sent; then ``CharTrainer.step_for(0.45 s)`` with
   the page's on-epoch work: held-out perplexity and samples from two prefixes), divided by characters per
   second of a bare loop of the same model on the same batches: the ``train()`` generator of the run's own
   reproduce script (plain PyTorch, no rnnviz), executed in this process. The two are interleaved (one page
   tick, then a bare slice of the same length) so both see the same load from other processes; their losses
   must agree bit for bit.
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
import statistics
import time

import torch

logging.disable(logging.WARNING)  # Streamlit in bare mode warns about the missing server on every element

from rnnviz.char_samples import EpochSamples, SampleSpec  # noqa: E402
from rnnviz.char_settings import CharSettings  # noqa: E402
from rnnviz.char_train import CharTrainer  # noqa: E402
from rnnviz.tasks.chars import brackets_corpus  # noqa: E402
from rnnviz.train import TORCH_THREADS  # noqa: E402
from rnnviz.ui.char_live import TICK_SECONDS, live_tick  # noqa: E402


def bare_steps(trainer: CharTrainer):
    """The run's reproduce script (plain PyTorch) executed here: its ``train()`` generator of step losses."""
    namespace: dict = {"__name__": "reproduce"}
    exec(compile(trainer.reproduce_script(), "reproduce_char_lm.py", "exec"), namespace)
    return namespace["train"]()


def speed(settings: CharSettings, text: str, entropy: float, seconds: float) -> dict:
    trainer = CharTrainer(text, settings)
    samples = EpochSamples(SampleSpec(prefixes=("((", "a[b")))
    trainer.add_callback("on_epoch", samples)
    bare, bare_losses = bare_steps(trainer), []
    page_time = bare_time = 0.0
    drawing = []
    while page_time < seconds:
        start, trained = time.perf_counter(), trainer.seconds_training
        live_tick(trainer, samples, entropy, running=True)
        tick = time.perf_counter() - start
        page_time += tick
        drawing.append(tick - (trainer.seconds_training - trained))
        start = time.perf_counter()
        deadline = start + tick
        for loss in bare:
            bare_losses.append(loss)
            if time.perf_counter() >= deadline:
                break
        bare_time += time.perf_counter() - start
    chars = settings.chars_per_step
    n = min(len(bare_losses), trainer.steps_done)
    history = list(trainer._losses)
    return {
        "page": trainer.steps_done * chars / page_time,
        "bare": len(bare_losses) * chars / bare_time,
        "draw_ms": statistics.median(drawing) * 1000,
        "ticks": len(drawing),
        "epochs": trainer.epochs_done,
        "same": history[:n] == bare_losses[:n],
        "compared": n,
    }


def convergence(settings: CharSettings, text: str, entropy: float, seconds: float) -> None:
    bound = math.exp(entropy)
    trainer = CharTrainer(text, settings)
    print(f"entropy bound exp(H) = {bound:.4f} (H = {entropy:.5f} nats/char); {trainer.train_chars:,} training and "
          f"{trainer.validation_chars:,} held-out characters, {settings.cell} {settings.hidden_size}, T = "
          f"{settings.num_steps}, B = {settings.batch_size}, {settings.optimizer} lr {settings.lr:g}, clip "
          f"{settings.clip:g}")  # fmt: skip
    print(f"{'epoch':>5} {'train s':>8} {'train ppl':>9} {'held-out':>9} {'/ bound':>8}")
    reached = None
    while not trainer.finished and trainer.seconds_training < seconds:
        before = trainer.epochs_done
        trainer.step_for(1.0)
        for record in trainer.epochs[before:]:
            ratio = record.validation_perplexity / bound
            print(f"{record.epoch:>5} {record.seconds:>8.1f} {record.train_perplexity:>9.4f} "
                  f"{record.validation_perplexity:>9.4f} {ratio:>8.4f}", flush=True)  # fmt: skip
            if reached is None and ratio <= 1.10:
                reached = record
    best = min(trainer.epochs, key=lambda r: r.validation_perplexity)
    if reached is None:
        print(f"NOT within 10 % of the bound after {trainer.seconds_training:.0f} s of training")
    else:
        print(f"within 10 % of the bound after epoch {reached.epoch}: {reached.seconds:.1f} s of training")
    print(f"best held-out perplexity {best.validation_perplexity:.4f} = {best.validation_perplexity / bound:.4f} × the "
          f"bound (epoch {best.epoch}, {best.seconds:.1f} s)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed-seconds", type=float, default=8.0, help="page time per speed run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30, help="convergence: at most this many epochs")
    parser.add_argument("--seconds", type=float, default=90.0, help="convergence: at most this much training time")
    args = parser.parse_args()
    corpus = brackets_corpus()
    print(f"torch {torch.__version__}, {TORCH_THREADS} thread(s); page ticks of {TICK_SECONDS} s of training + drawing")
    print("\n== 1. characters/s: page code path vs bare PyTorch loop (same model, same batches, same process)")
    print(f"{'cell':5} {'bare chars/s':>12} {'page chars/s':>12} {'ratio':>6} {'draw ms':>7} {'ticks':>5} "
          f"{'epochs':>6} {'same losses':>16}")  # fmt: skip
    for cell in ("LSTM", "GRU", "RNN"):
        settings = CharSettings(cell=cell)
        with contextlib.redirect_stdout(io.StringIO()):  # bare mode prints a "use streamlit run" hint once
            speed(settings, corpus.text, corpus.entropy_per_char, 1.0)  # warm-up
        runs = [speed(settings, corpus.text, corpus.entropy_per_char, args.speed_seconds) for _ in range(args.runs)]
        bare = statistics.median(r["bare"] for r in runs)
        page = statistics.median(r["page"] for r in runs)
        same = all(r["same"] for r in runs)
        print(f"{cell:5} {bare:>12,.0f} {page:>12,.0f} {page / bare:>6.3f} "
              f"{statistics.median(r['draw_ms'] for r in runs):>7.1f} {runs[0]['ticks']:>5} {runs[0]['epochs']:>6} "
              f"{str(same) + ' (' + str(min(r['compared'] for r in runs)) + ')':>16}")  # fmt: skip
    print("\n== 2. convergence on the synthetic bracket language (LSTM, page defaults)")
    convergence(CharSettings(epochs=args.epochs), corpus.text, corpus.entropy_per_char, args.seconds)


if __name__ == "__main__":
    main()
