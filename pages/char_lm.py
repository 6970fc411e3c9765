"""Language model: a character-level RNN trained live."""
import streamlit as st

st.title("Language model")
