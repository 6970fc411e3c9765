"""The page's sweep: every chosen cell at several sequence lengths T, short budgets, success vs T and the crossover
said in words. It trains in chunks in its own fragment (the page stays responsive) and never alongside the race.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from rnnviz.figures.export import MIME_TYPES
from rnnviz.figures.memory import success_vs_length
from rnnviz.memory.crossover import crossover_sentence
from rnnviz.memory.settings import MemorySettings
from rnnviz.memory.sweep import MAX_SEEDS, Sweep, SweepPlan, parse_lengths, summary
from rnnviz.training.live import FAST_REFRESH_SECONDS, FAST_TICK_SECONDS
from rnnviz.ui.common.chart import plotly_chart
from rnnviz.ui.common.downloads import figure_downloads
from rnnviz.ui.common.text import escape_markdown
from rnnviz.ui.training.session import RunSession

SWEEP_KEY = "memory.sweep"
DEFAULT_LENGTHS = "3, 5, 10, 20, 50"
DEFAULT_SWEEP_STEPS = 1000


def current_sweep() -> Sweep | None:
    return st.session_state.get(SWEEP_KEY)


def sweep_plan(settings: MemorySettings | None, cells: tuple[str, ...]) -> SweepPlan | None:
    """The sweep the controls describe, or None after an st.error saying what to change."""
    columns = st.columns(3)
    text = columns[0].text_input(
        "Sequence lengths T",
        DEFAULT_LENGTHS,
        key="memory.sweep.lengths",
        help="Whole numbers from 2, separated by commas or spaces.",
    )
    seeds = columns[1].number_input("Seeds per cell and T", value=1, step=1, key="memory.sweep.seeds")
    steps = columns[2].number_input(
        "Steps per run (at most)", value=DEFAULT_SWEEP_STEPS, step=250, key="memory.sweep.steps"
    )
    if settings is None:
        st.info("Fix the settings in the sidebar to plan a sweep.", icon=":material/tune:")
        return None
    try:
        lengths = parse_lengths(text)
    except ValueError as error:
        st.error(escape_markdown(f"Sequence lengths T: {error}."), icon=":material/error:")
        return None
    if not 1 <= steps <= settings.INT_LIMITS["steps"][1]:
        st.error(f"Steps per run must be a whole number from 1 to {settings.INT_LIMITS['steps'][1]:,}, got {steps}.")
        return None
    if not 1 <= seeds <= MAX_SEEDS:
        st.error(f"Seeds per cell and T must be a whole number from 1 to {MAX_SEEDS}, got {seeds}.")
        return None
    try:
        return SweepPlan(settings, cells, lengths, int(seeds), int(steps))
    except ValueError as error:
        st.error(escape_markdown(f"This sweep cannot run: {error}."), icon=":material/error:")
        return None


def _start(plan: SweepPlan, race: RunSession) -> None:
    st.session_state[SWEEP_KEY] = Sweep(plan)
    _resume(race)


def _resume(race: RunSession) -> None:
    race.pause()  # one thing trains at a time: the machine's cores are shared
    current_sweep().resume()


def _pause() -> None:
    current_sweep().pause()


def _clear() -> None:
    st.session_state[SWEEP_KEY] = None


def sweep_buttons(plan: SweepPlan | None, race: RunSession) -> None:
    sweep = current_sweep()
    columns = st.columns([1.6, 1.2, 1.2, 4])
    columns[0].button(
        "Run the sweep",
        key="memory.sweep.start",
        icon=":material/play_arrow:",
        type="primary",
        disabled=plan is None or (sweep is not None and sweep.running),
        on_click=_start,
        args=(plan, race),
        help="Trains a fresh run of each cell at each T (the race pauses); the results are drawn as they come.",
    )
    running = sweep is not None and sweep.running
    columns[1].button(
        "Stop" if running else "Resume",
        key="memory.sweep.pause",
        icon=":material/pause:" if running else ":material/resume:",
        disabled=sweep is None or sweep.finished,
        on_click=_pause if running else _resume,
        args=() if running else (race,),
    )
    columns[2].button(
        "Clear", key="memory.sweep.clear", icon=":material/delete:", disabled=sweep is None, on_click=_clear
    )


def _curves(sweep: Sweep) -> tuple[dict, dict]:
    rows = summary(sweep.results)
    means = {
        cell: (
            np.array([r.length for r in rows if r.cell == cell]),
            np.array([r.answered for r in rows if r.cell == cell]),
        )
        for cell in dict.fromkeys(r.cell for r in rows)
    }
    runs = {
        cell: (np.array([r.length for r in sweep.results if r.cell == cell]),
               np.array([r.answered for r in sweep.results if r.cell == cell]))
        for cell in means
    }  # fmt: skip
    return means, runs


def sweep_figure(sweep: Sweep):
    means, runs = _curves(sweep)
    return success_vs_length(means, runs, lengths=sweep.plan.lengths, complete=sweep.finished)


def draw_sweep(sweep: Sweep) -> None:
    """Progress, success vs T, the crossover in words, the table and the downloads."""
    done, total = len(sweep.results), sweep.total
    if sweep.finished:
        text = f"All {total} runs done."
    else:
        cell, length, seed = sweep.current
        left = sweep.seconds_left()
        eta = f" · at most about {left / 60:.1f} min left" if left is not None else ""
        state = "training" if sweep.running else "stopped"
        text = (
            f"Run {done + 1} of {total} ({state}): {cell} at T = {length}, seed {seed}, step {sweep.current_steps}{eta}"
        )
    st.progress(done / total, text=text)
    rows = summary(sweep.results)
    if not rows:
        st.caption("The first result appears when the first run ends.")
        return
    figure = sweep_figure(sweep)
    plotly_chart(figure, key="memory.sweep.figure")
    st.markdown(crossover_sentence(rows, complete=sweep.finished))
    table = pd.DataFrame(
        [
            {
                "cell": r.cell,
                "T": r.length,
                "runs": r.runs,
                "solved": r.solved,
                "answered (%)": round(100 * r.answered, 1),
                "steps to solve (mean)": None if r.steps_to_solve is None else round(r.steps_to_solve),
            }
            for r in rows
        ]
    )
    st.dataframe(table, hide_index=True, key="memory.sweep.table")
    columns = st.columns([1.4, 3])
    columns[0].download_button(
        "Sweep results (CSV, one row per run)",
        data=sweep.csv,
        file_name="memory_sweep.csv",
        mime=MIME_TYPES["csv"],
        key="memory.sweep.csv",
        icon=":material/download:",
        on_click="ignore",
    )
    with columns[1]:
        figure_downloads(figure, "memory_sweep", key="memory.sweep.figure_files")


def sweep_section(settings: MemorySettings | None, cells: tuple[str, ...], race: RunSession) -> None:
    """Controls, buttons, and a fragment that trains the sweep a chunk at a time while it runs."""
    plan = sweep_plan(settings, cells)
    sweep = current_sweep()
    if sweep is not None and sweep.running and race.is_running():  # the race was started: it has the cores
        sweep.pause()
        st.info("The sweep stopped while the race trains: press Resume to go on.", icon=":material/pause:")
    sweep_buttons(plan, race)

    @st.fragment(run_every=FAST_REFRESH_SECONDS if sweep is not None and sweep.running else None)
    def sweep_fragment() -> None:
        sweep = current_sweep()
        if sweep is None:
            st.caption("Each run is a fresh model of the sidebar's settings at one T, stopped once it solves the task.")
            return
        was_running = sweep.running
        draw_sweep(sweep)  # drawn first: the browser fades a fragment's elements while its run goes on
        if was_running:
            sweep.step_for(FAST_TICK_SECONDS)
            if sweep.finished:
                st.rerun(scope="app")  # the buttons outside this fragment change

    sweep_fragment()
