"""A training page's "Open in Step through": its model as it is now, with its task's input, on Step through.

The click is handled in a callback (a callback cannot switch pages, so it leaves a note that the page body
acts on): a plain ``if st.button(...)`` would miss clicks on a rerun that happens first.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from rnnviz.ui.common.model_choice import choose_own_model
from rnnviz.ui.common.sidebar import set_shared_control
from rnnviz.ui.step.char_text import TEXT_KEY, TEXT_PARAM
from rnnviz.ui.step.sources import HANDOFF_KEY, Handoff
from rnnviz.ui.training.session import Live, RunSession

STEP_PAGE = "app_pages/step_through.py"
GOTO_STEP_KEY = "step.goto"


def _hand_over(session: RunSession, make: Callable[[Live], Handoff]) -> None:
    run = session.current()
    if run is None:  # put away meanwhile (an idle session)
        return
    run.pause()
    handoff = make(run)
    st.session_state[HANDOFF_KEY] = handoff
    choose_own_model()  # Step through shows "your own" model: the one handed over
    if handoff.text:  # a character model reads this text first
        set_shared_control(TEXT_KEY, handoff.text, TEXT_PARAM)
    st.session_state[GOTO_STEP_KEY] = True


def handoff_button(
    session: RunSession,
    make: Callable[[Live], Handoff],
    key: str,
    container=st,
    help: str = "Shows this model, as it is now, on the Step-through page: every gate, state and equation.",
) -> None:
    """Show the session's current run's model, as it is now, on the Step-through page: ``make`` builds the
    hand-off. The callback gets the session, not the run: a widget's arguments stay in the session state, and an
    idle session must be able to give its run back."""
    container.button(
        "Open in Step through", key=key, icon=":material/step:", on_click=_hand_over, args=(session, make), help=help
    )
    if st.session_state.pop(GOTO_STEP_KEY, False):
        st.switch_page(STEP_PAGE)
