"""A part of a page that waits for a trained model: until the model has trained a step, it is a note and a button
that shows it anyway, for the untrained model, for the rest of the session. A first load then does not compute
and draw views nobody has asked for yet (the Language model's inside view, the Memory page's gradient views)."""

from __future__ import annotations

import streamlit as st


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
