"""The sine page's hand-off: show the model as it is now on the Step-through page, reading the task's input."""

from __future__ import annotations

import streamlit as st

from rnnviz.sine.data import TASK_INPUT_WINDOWS, sine_task_input
from rnnviz.training.live import LiveRun
from rnnviz.ui.common.model_choice import choose_own_model
from rnnviz.ui.step.sources import HANDOFF_KEY, Handoff

STEP_PAGE = "app_pages/step_through.py"
GOTO_STEP_KEY = "train.goto_step"


def handoff_label(live: LiveRun) -> str:
    return f"trained on Train: sin → cos ({live.settings.cell}, {live.trainer.steps_done} steps)"


def sine_handoff(live: LiveRun) -> Handoff:
    """The run's model as it is now, with the task's input: its first training windows, clean, and cos(x); a run
    that resets the state between windows gets one window."""
    s = live.settings
    task = sine_task_input(s.points, TASK_INPUT_WINDOWS if s.carries_state else 1)
    return Handoff(handoff_label(live), live.trainer.checkpoint_bytes(), task.label, task.values, task.target, "cos(x)")


def _hand_over(live: LiveRun) -> None:
    live.pause()
    st.session_state[HANDOFF_KEY] = sine_handoff(live)
    choose_own_model()
    st.session_state[GOTO_STEP_KEY] = True


def handoff_button(live: LiveRun) -> None:
    """Show the current model on the Step-through page (same session): its checkpoint goes along.

    The click is handled in a callback (a callback cannot switch pages, so it leaves a note that the page body
    acts on): a plain ``if st.button(...)`` would miss clicks on a rerun that happens first.
    """
    st.button(
        "Open in Step through",
        key="train.handoff",
        icon=":material/step:",
        on_click=_hand_over,
        args=(live,),
        help="Shows this model, as it is now, on the Step-through page: every gate, state and equation.",
    )
    if st.session_state.pop(GOTO_STEP_KEY, False):
        st.switch_page(STEP_PAGE)
