"""The live part of the language-model page: one fragment that draws the run and trains a bounded chunk.

While a run trains, the fragment reruns every ``REFRESH_SECONDS`` on its own (the rest of the page stays
responsive) and each run draws the current numbers, perplexity curve and latest samples, then trains for
``TICK_SECONDS`` (``CharTrainer.step_for``). Drawing first: the browser fades the elements of a fragment run
that is still going, so drawn after training they would look stale most of the time. No thread is used, so
training stops when the session ends. ``live_tick`` is a plain function: the benchmark calls it directly.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from rnnviz.char_samples import EpochSamples
from rnnviz.char_train import CharTrainer
from rnnviz.figures.chars import perplexity_curve
from rnnviz.ui import char_session as session
from rnnviz.ui.char_controls import plain

TICK_SECONDS = 0.45
REFRESH_SECONDS = 0.5
#: Say "overfitting" once the held-out perplexity is this much above its best.
OVERFIT_RATIO = 1.02


def perplexity_figure(trainer: CharTrainer, entropy_per_char: float | None) -> go.Figure:
    records = trainer.epochs
    validation = [np.nan if r.validation_perplexity is None else r.validation_perplexity for r in records]
    step_epochs, losses = trainer.display_losses(1000)
    return perplexity_curve(
        np.array([r.epoch for r in records]),
        np.array([r.train_perplexity for r in records]),
        np.array(validation),
        total_epochs=trainer.settings.epochs,
        bound=None if entropy_per_char is None else math.exp(entropy_per_char),
        step_epochs=step_epochs,
        step_perplexity=np.exp(losses),
    )


def numbers(trainer: CharTrainer, entropy_per_char: float | None) -> None:
    """Progress and the numbers of the run so far."""
    s = trainer.settings
    done, batches = trainer.epoch_progress
    within = f", batch {done} of {batches} of epoch {trainer.epochs_done + 1}" if batches else ""
    progress = f"Epoch {trainer.epochs_done} of {s.epochs} done{within}"
    st.progress(min(trainer.epochs_done / s.epochs, 1.0), text=progress)
    last = trainer.epochs[-1] if trainer.epochs_done else None
    columns = st.columns(5)
    recent = trainer.recent_perplexity()
    columns[0].metric("Perplexity now", "—" if recent is None else f"{recent:.3f}", help="exp(mean loss of the last "
                      "20 steps)")  # fmt: skip
    columns[1].metric("Training, last epoch", "—" if last is None else f"{last.train_perplexity:.3f}",
                      help="perplexity over the epoch's training characters")  # fmt: skip
    held_out = None if last is None else last.validation_perplexity
    bound_ratio = ""
    if held_out is not None and entropy_per_char is not None:
        bound_ratio = f"{held_out / math.exp(entropy_per_char):.3f} × the bound"
    columns[2].metric("Held-out, last epoch", "—" if held_out is None else f"{held_out:.3f}", bound_ratio or None,
                      delta_color="off", delta_arrow="off", help="perplexity on the end of the text, never trained "
                      "on")  # fmt: skip
    columns[3].metric("Characters / s", f"{trainer.chars_per_second:,.0f}", help="training characters (B × T per "
                      "step) per second of training time")  # fmt: skip
    columns[4].metric("Steps / s", f"{trainer.steps_per_second:.1f}")


def latest_samples(samples: EpochSamples | None) -> None:
    """The newest sample of each prefix, and every earlier one in a table (newest first)."""
    if samples is None or not samples.samples:
        st.caption("Samples appear here after each epoch (or press **Sample now**).")
    else:
        latest = samples.latest()
        st.markdown(f"**Samples after epoch {latest[0].epoch}, {latest[0].mode}** (each starts with its prefix)")
        for sample in latest:  # user text only ever as code: no markdown, no HTML
            st.code(sample.text, language=None, wrap_lines=True)
        if len(samples.samples) > len(samples.latest()):
            with st.expander(f"All {len(samples.samples)} samples, newest first", icon=":material/history:"):
                rows = [s._asdict() for s in reversed(samples.samples)]
                st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if samples is not None:
        for prefix, reason in samples.skipped.items():
            st.warning(plain(f"Prefix {prefix!r} was skipped: {reason}"), icon=":material/warning:")


def live_tick(
    trainer: CharTrainer, samples: EpochSamples | None, entropy_per_char: float | None, running: bool
) -> go.Figure:
    """Draw the run (numbers, perplexity curve, samples), then train one chunk if ``running``; returns the
    perplexity figure that was drawn."""
    if trainer.diverged:
        st.error(trainer.stop_reason, icon=":material/warning:")
    elif trainer.finished:
        st.success(trainer.stop_reason, icon=":material/check_circle:")
    numbers(trainer, entropy_per_char)
    figure = perplexity_figure(trainer, entropy_per_char)
    left, right = st.columns([3, 2])
    left.plotly_chart(figure, key="lm.perplexity")
    held_out = [r.validation_perplexity for r in trainer.epochs if r.validation_perplexity is not None]
    if len(held_out) >= 3 and held_out[-1] > OVERFIT_RATIO * min(held_out):
        left.caption(
            f"The held-out perplexity has risen from its best, {min(held_out):.3f}, while the training one falls: "
            "the model is memorising this text rather than learning its rules (overfitting). A longer text, a "
            "smaller model or fewer epochs help."
        )
    with right:
        latest_samples(samples)
    if running:
        try:
            trainer.step_for(TICK_SECONDS)
        except RuntimeError as error:  # e.g. out of memory: stop, keep the run, say what to change
            session.stop_running()
            st.error(f"Training stopped: {str(error)[:300]}. Make the model or the batch smaller and press Reset.",
                     icon=":material/error:")  # fmt: skip
    return figure


def live_section(entropy_per_char: float | None) -> None:
    """The live view as one fragment that trains and redraws on its own while the run trains."""

    @st.fragment(run_every=REFRESH_SECONDS if session.is_running() else None)
    def live_fragment() -> None:
        trainer = session.current_trainer()
        if trainer is None:
            return
        if session.is_running() and trainer.finished:
            session.stop_running()
            st.rerun(scope="app")  # the buttons outside this fragment change
        live_tick(trainer, session.current_samples(), entropy_per_char, session.is_running())

    live_fragment()
