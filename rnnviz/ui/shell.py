"""Keep every page inside app.py's navigation, even on the first deep link after the server starts."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure_app_shell() -> None:
    """Rerun through app.py when Streamlit ran this page file on its own.

    With a ``pages/`` folder next to app.py, Streamlit starts in its legacy multipage mode and, until
    app.py has once called ``st.navigation``, a first visit to ``/step_through`` runs that file alone: no
    page config, the wrong sidebar. Switching the process to ``st.navigation`` mode and rerunning makes
    app.py run first and then route to the same page (upstream: streamlit issues 8860 and 9992).
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
