"""What the Memory & gradients page draws of its race on every refresh (``draw_race``, the live fragment's draw):
how each run ended, progress, one readout per cell, the loss curves and the held-out scores."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from rnnviz.figures.memory import race_losses, race_scores
from rnnviz.memory.data import CHANCE_RATE, SOLVED_RATE, TOLERANCE
from rnnviz.memory.trainer import MemoryTrainer
from rnnviz.training.live import DISPLAY_POINTS, LiveRun
from rnnviz.training.race import LiveRace
from rnnviz.ui.common.chart import plotly_chart


def trainers(race: LiveRace) -> dict[str, MemoryTrainer]:
    """cell -> trainer of every run of the race."""
    return {run.settings.cell: run.trainer for run in race.runs}


def run_of(race: LiveRace, cell: str) -> LiveRun:
    return next(run for run in race.runs if run.settings.cell == cell)


def loss_figure(race: LiveRace) -> go.Figure:
    curves = {cell: trainer.display_history(DISPLAY_POINTS) for cell, trainer in trainers(race).items()}
    return race_losses(curves, total_steps=race.runs[0].settings.steps)


def score_figure(race: LiveRace) -> go.Figure:
    """The held-out scores so far; drawn again only when a run has a new score (kept with the race)."""
    scored = tuple(len(t.evaluations) for t in trainers(race).values())
    shown = race.page_cache.get("scores")
    if shown is None or shown[0] != scored:
        curves = {
            cell: (np.array([e.step for e in t.evaluations]), np.array([e.answered for e in t.evaluations]))
            for cell, t in trainers(race).items()
        }
        shown = race.page_cache["scores"] = (scored, race_scores(curves, total_steps=race.runs[0].settings.steps))
    return shown[1]


def outcome(trainer: MemoryTrainer) -> str:
    """'step 800: solved at step 700', 'step 40: first score at step 100', 'step 2,000: not solved', ..."""
    if trainer.diverged:
        what = "diverged"
    elif trainer.solved_at is not None:
        what = f"solved at step {trainer.solved_at:,}"
    elif not trainer.evaluations:
        what = f"first score at step {min(trainer.settings.eval_every, trainer.settings.steps):,}"
    else:
        what = "not solved" if trainer.finished else "not solved yet"
    return f"step {trainer.steps_done:,}: {what}"


def readouts(race: LiveRace, running: bool) -> None:
    """One metric per cell (the held-out share answered) and the race's speed."""
    runs = trainers(race)
    columns = st.columns(len(runs) + 2)
    for column, (cell, trainer) in zip(columns, runs.items(), strict=False):
        last = trainer.evaluations[-1] if trainer.evaluations else None
        column.metric(
            f"{cell}: answered",
            "—" if last is None else f"{last.answered:.1%}",
            help=f"Share of the {trainer.held_out.x.shape[0]:,} held-out sequences answered within {TOLERANCE:g} at "
            f"the latest score; {SOLVED_RATE:.0%} solves the task, always answering 1 gets {CHANCE_RATE:.1%}.",
        )
        column.caption(outcome(trainer))
    rates = race.rates()
    columns[-2].metric(
        "Steps per second",
        f"{rates.recent_speed if running and rates.recent_speed else rates.seen_speed:,.0f}",
        help="Steps of all runs together per second of wall time, drawing included.",
    )
    columns[-1].metric("Refreshes per second", f"{rates.refresh_rate:.1f}" if running else "—")


def draw_race(race: LiveRace, running: bool) -> None:
    """How runs ended, progress, readouts, and the loss and score curves of every cell."""
    for run in race.runs:
        trainer = run.trainer
        if trainer.diverged:
            st.error(f"{run.name} ({run.settings.cell}): {trainer.stop_reason}", icon=":material/warning:")
        elif trainer.finished:
            st.success(f"{run.name} ({run.settings.cell}): {trainer.stop_reason}", icon=":material/check_circle:")
    total, done = race.runs[0].settings.steps, race.steps_done
    st.progress(min(done / total, 1.0), text=f"Step {done:,} of at most {total:,}")
    readouts(race, running)
    left, right = st.columns(2)
    plotly_chart(loss_figure(race), key="memory.race.loss", where=left)
    plotly_chart(score_figure(race), key="memory.race.score", where=right)
