"""What the language-model page draws of its run on every refresh (``draw_char_run``, the live fragment's
``draw``): the numbers, the perplexity curve against the entropy bound, and the latest samples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from rnnviz.charlm.samples import EpochSamples
from rnnviz.charlm.trainer import CharTrainer
from rnnviz.figures.chars import perplexity_curve
from rnnviz.training.live import LiveRun
from rnnviz.ui.common.chart import plotly_chart
from rnnviz.ui.common.text import code_block, escape_markdown

#: Say "overfitting" once the held-out perplexity is this much above its best.
OVERFIT_RATIO = 1.02


def perplexity_figure(trainer: CharTrainer) -> go.Figure:
    records = trainer.epochs
    validation = [np.nan if r.validation_perplexity is None else r.validation_perplexity for r in records]
    step_epochs, losses = trainer.display_epoch_history(1000)
    return perplexity_curve(
        np.array([r.epoch for r in records]),
        np.array([r.train_perplexity for r in records]),
        np.array(validation),
        total_epochs=trainer.settings.epochs,
        bound=None if trainer.entropy_per_char is None else math.exp(trainer.entropy_per_char),
        step_epochs=step_epochs,
        step_perplexity=np.exp(losses),
    )


def numbers(live: LiveRun) -> None:
    """Progress and the numbers of the run so far."""
    trainer: CharTrainer = live.trainer
    entropy_per_char, s = trainer.entropy_per_char, trainer.settings
    done, batches = trainer.epoch_progress
    within = f", batch {done} of {batches} of epoch {trainer.epochs_done + 1}" if batches else ""
    progress = f"Epoch {trainer.epochs_done} of {s.epochs} done{within}"
    st.progress(min(trainer.epochs_done / s.epochs, 1.0), text=progress)
    last = trainer.epochs[-1] if trainer.epochs_done else None
    columns = st.columns(5)
    recent = trainer.recent_perplexity()
    columns[0].metric(
        "Perplexity now", "—" if recent is None else f"{recent:.3f}", help="exp(mean loss of the last 20 steps)"
    )
    columns[1].metric(
        "Training, last epoch",
        "—" if last is None else f"{last.train_perplexity:.3f}",
        help="perplexity over the epoch's training characters",
    )
    held_out = None if last is None else last.validation_perplexity
    bound_ratio = ""
    if held_out is not None and entropy_per_char is not None:
        bound_ratio = f"{held_out / math.exp(entropy_per_char):.3f} × the bound"
    columns[2].metric(
        "Held-out, last epoch",
        "—" if held_out is None else f"{held_out:.3f}",
        bound_ratio or None,
        delta_color="off",
        delta_arrow="off",
        help="perplexity on the end of the text, never trained on",
    )
    columns[3].metric(
        "Characters / s",
        f"{trainer.chars_per_second:,.0f}",
        help="training characters (B × T per step) per second of training time",
    )
    columns[4].metric(
        "Steps / s", f"{live.rates().seen_speed:.1f}", help="steps per second of wall time, as you watched the run"
    )


def latest_samples(samples: EpochSamples | None) -> None:
    """The newest sample of each prefix, and every earlier one in a table (newest first)."""
    if samples is None or not samples.samples:
        st.caption("Samples appear here after each epoch (or press **Sample now**).")
    else:
        latest = samples.latest()
        st.markdown(f"**Samples after epoch {latest[0].epoch}, {latest[0].mode}** (each starts with its prefix)")
        for sample in latest:  # user text only ever escaped: no markdown, no HTML
            code_block(sample.text)
        if len(samples.samples) > len(samples.latest()):
            with st.expander(f"All {len(samples.samples)} samples, newest first", icon=":material/history:"):
                rows = [s._asdict() for s in reversed(samples.samples)]
                st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if samples is not None:
        for prefix, reason in samples.skipped.items():
            st.warning(escape_markdown(f"Prefix {prefix!r} was skipped: {reason}"), icon=":material/warning:")


def draw_char_run(live: LiveRun, running: bool) -> None:
    """The run's state (finished or diverged), numbers, perplexity curve and latest samples."""
    trainer: CharTrainer = live.trainer
    if trainer.diverged:
        st.error(trainer.stop_reason, icon=":material/warning:")
    elif trainer.finished:
        st.success(trainer.stop_reason, icon=":material/check_circle:")
    with trainer.lock:  # one consistent snapshot, even if a tick runs in another script thread
        numbers(live)
        figure = perplexity_figure(trainer)
    left, right = st.columns([3, 2])
    plotly_chart(figure, key="lm.perplexity", where=left)
    held_out = [r.validation_perplexity for r in trainer.epochs if r.validation_perplexity is not None]
    if len(held_out) >= 3 and held_out[-1] > OVERFIT_RATIO * min(held_out):
        left.caption(
            f"The held-out perplexity has risen from its best, {min(held_out):.3f}, while the training one falls: "
            "the model is memorising this text rather than learning its rules (overfitting). A longer text, a "
            "smaller model or fewer epochs help."
        )
    with right:
        latest_samples(trainer.samples)
