"""Shapes & layouts: every tensor and parameter shape of the configured module."""

import streamlit as st

from rnnviz.ui.shell import ensure_app_shell

ensure_app_shell()

st.title("Shapes & layouts")
