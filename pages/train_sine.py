"""Train: sin -> cos, live."""
import streamlit as st

st.title("Train: sin → cos")
