"""A training page's "Open in Step through": its model as it is now, with its task's input, on Step through.

The click is handled in a callback (a callback cannot switch pages, so it leaves a note that the page body
acts on): a plain ``if st.button(...)`` would miss clicks on a rerun that happens first.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from rnnviz.training.live import LiveRun
from rnnviz.training.race import LiveRace
from rnnviz.ui.common.model_choice import choose_own_model
from rnnviz.ui.common.sidebar import set_shared_control
from rnnviz.ui.step.char_text import TEXT_KEY, TEXT_PARAM
from rnnviz.ui.step.sources import HANDOFF_KEY, Handoff

STEP_PAGE = "app_pages/step_through.py"
GOTO_STEP_KEY = "step.goto"


Run = LiveRun | LiveRace  # what a training page trains: paused when its model is handed over


def _hand_over(run: Run, make: Callable[[Run], Handoff]) -> None:
    run.pause()
    handoff = make(run)
    st.session_state[HANDOFF_KEY] = handoff
    choose_own_model()  # Step through shows "your own" model: the one handed over
    if handoff.text:  # a character model reads this text first
        set_shared_control(TEXT_KEY, handoff.text, TEXT_PARAM)
    st.session_state[GOTO_STEP_KEY] = True


def handoff_button(
    run: Run,
    make: Callable[[Run], Handoff],
    key: str,
    container=st,
    help: str = "Shows this model, as it is now, on the Step-through page: every gate, state and equation.",
) -> None:
    """Show the run's model, as it is now, on the Step-through page (same session): ``make`` builds the hand-off."""
    container.button(
        "Open in Step through", key=key, icon=":material/step:", on_click=_hand_over, args=(run, make), help=help
    )
    if st.session_state.pop(GOTO_STEP_KEY, False):
        st.switch_page(STEP_PAGE)
