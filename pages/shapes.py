"""Shapes & layouts: every tensor and parameter shape of the configured module."""
import streamlit as st

st.title("Shapes & layouts")
