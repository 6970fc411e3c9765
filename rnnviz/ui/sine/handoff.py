"""The sine page's hand-off: show the model as it is now on the Step-through page, reading the task's input."""

from __future__ import annotations

import streamlit as st

from rnnviz.sine.data import training_stretch
from rnnviz.training.live import LiveRun
from rnnviz.ui.step.sources import HANDOFF_KEY, Handoff

STEP_PAGE = "app_pages/step_through.py"
GOTO_STEP_KEY = "train.goto_step"


#: The task's input on Step through: this many training windows, read in one go (the state is carried
#: between windows in training); a run that resets the state between windows gets one window.
HANDOFF_WINDOWS = 4


def handoff_label(live: LiveRun) -> str:
    return f"trained on Train: sin → cos ({live.settings.cell}, {live.trainer.steps_done} steps)"


def sine_handoff(live: LiveRun) -> Handoff:
    """The run's model as it is now, with the task's input: its first training windows, clean, and cos(x)."""
    s = live.settings
    windows = HANDOFF_WINDOWS if s.carries_state else 1
    stretch = training_stretch(windows, s.points)
    what = "π, the first training window" if windows == 1 else f"{windows}π, the first {windows} training windows"
    return Handoff(
        label=handoff_label(live),
        checkpoint=live.trainer.checkpoint_bytes(),
        input_label=f"the task's input: sin(x), x from 0 to {what} ({stretch.length} points)",
        values=stretch.x[0].double().numpy(),  # (T, 1)
        target=stretch.target[0].double().numpy(),  # (T, 1)
        target_name="cos(x)",
    )


def _hand_over(live: LiveRun) -> None:
    live.pause()
    st.session_state[HANDOFF_KEY] = sine_handoff(live)
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
