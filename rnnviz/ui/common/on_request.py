"""Parts of a page drawn only on request, so that a first load does not compute and draw what nobody has asked for
yet: a part that waits for a trained model (until the model has trained a step, a note and a button that shows it
anyway, for the untrained model, for the rest of the session: the Language model's inside view, the Memory page's
gradient views), and an expander whose contents are drawn only while it is open (Export, What if?, the training
steps in PyTorch)."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator


def expander_when_open(label: str, *, icon: str, key: str) -> DeltaGenerator | None:
    """The expander ``label`` (state in ``st.session_state[key]``; a click on it reruns the page, or the fragment
    it is drawn in): itself to draw into while it is open, None while it is closed (then draw nothing in it)."""
    expander = st.expander(label, icon=icon, key=key, on_change="rerun")
    return expander if expander.open else None


def shown_once_trained(trained: bool, key: str, note: str, label: str) -> bool:
    """True if the part is to be drawn: the model has trained, or the user pressed the button ``label`` this
    session (``st.session_state[key]``; the button's key is ``<key>.button``). Otherwise draws ``note`` (a
    caption) and the button, and returns False."""
    if trained or st.session_state.get(key):
        return True
    st.caption(note)
    st.button(
        label, key=f"{key}.button", icon=":material/visibility:", on_click=lambda: st.session_state.update({key: True})
    )
    return False
