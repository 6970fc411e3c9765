"""The buttons of a training page (Start / Pause-Resume / One step / Reset) and its speed control."""

from __future__ import annotations

from collections.abc import Hashable

import streamlit as st

from rnnviz.training.live import Pace
from rnnviz.ui.training.session import Live, RunSession

#: Speed choices (steps per second); the last one means no cap.
FAST = "as fast as possible"
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, FAST)


def run_buttons(session: RunSession, recipe: Hashable | None, live: Live | None) -> list:
    """Start (a new run once the current one trained), Pause/Resume, One step and Reset; returns the row's
    remaining columns for the page (e.g. the speed control)."""
    running = session.is_running()
    columns = st.columns([1.5, 1.2, 1.2, 1.1, 4], vertical_alignment="bottom")
    fresh = live is not None and live.steps_done == 0 and session.follows(recipe)
    ns = session.namespace
    columns[0].button(
        "Start" if fresh else "Start new run",
        key=f"{ns}.start",
        icon=":material/play_arrow:",
        type="primary",
        disabled=recipe is None or (running and fresh),
        on_click=session.start,
        args=(recipe,),
        help="Train the run shown below (a run that has trained is kept in the comparison and a new one begins).",
    )
    can_resume = live is not None and not live.finished and live.steps_done > 0
    columns[1].button(
        "Pause" if running else "Resume",
        key=f"{ns}.pause",
        icon=":material/pause:" if running else ":material/resume:",
        disabled=not (running or can_resume),
        on_click=session.pause if running else session.resume,
    )
    columns[2].button(
        "One step",
        key=f"{ns}.step",
        icon=":material/skip_next:",
        disabled=live is None and recipe is None,
        on_click=session.one_step,
        args=(recipe,),
    )
    columns[3].button(
        "Reset",
        key=f"{ns}.reset",
        icon=":material/restart_alt:",
        disabled=live is None,
        on_click=session.reset,
        args=(recipe,),
        help="Stop and begin a fresh, untrained run; the current one stays in the comparison.",
    )
    return columns[4:]


def speed_control(key: str, default: float | str) -> Pace:
    """A speed slider: a cap in steps per second so a person can watch, or as fast as possible."""
    speed = st.select_slider(
        "Speed (training steps per second)",
        SPEEDS,
        default,
        key=key,
        help="A cap lets you watch the loss and the model change; uncapped trains as fast as this machine can.",
        persist_state="session",
    )
    return Pace(None if speed == FAST else float(speed))
