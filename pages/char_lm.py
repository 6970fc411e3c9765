"""Language model: a character-level RNN trained live."""

import streamlit as st

from rnnviz.ui.shell import ensure_app_shell

ensure_app_shell()

st.title("Language model")
