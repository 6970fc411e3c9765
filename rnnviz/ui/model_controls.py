"""Sidebar controls shared by the model pages; values survive page switches and live in the URL."""

from __future__ import annotations

import streamlit as st

from rnnviz.signals import MAX_BATCH, SIGNAL_KINDS, InputSpec
from rnnviz.spec import CELL_TYPES, LIMITS, ModelSpec

#: Widget options every shared control gets: kept across pages, shared in the URL query string.
SHARED = dict(persist_state="session", bind="query-params")


def model_spec_sidebar() -> ModelSpec | None:
    """Render the model controls in the sidebar; the spec, or None after showing what to change."""
    bar = st.sidebar
    bar.header("Model")
    cell = bar.selectbox("Cell type", list(CELL_TYPES), key="cell", **SHARED)
    input_size = bar.number_input("Input size", 1, LIMITS["input_size"], 1, key="input_size", **SHARED)
    hidden_size = bar.slider("Hidden size", 1, 256, 16, key="hidden_size", **SHARED)
    num_layers = bar.slider("Layers", 1, 4, 1, key="num_layers", **SHARED)
    bidirectional = bar.toggle("Bidirectional", False, key="bidirectional", **SHARED)
    batch_first = bar.toggle("batch_first=True", False, key="batch_first", **SHARED)
    proj_size = bar.number_input(
        "proj_size (LSTM only, 0 = off)", 0, LIMITS["hidden_size"], 0, key="proj_size", **SHARED
    )
    bias = bar.toggle("Bias (b_ih, b_hh)", True, key="bias", **SHARED)
    try:
        return ModelSpec(
            cell=cell,
            input_size=int(input_size),
            hidden_size=int(hidden_size),
            num_layers=int(num_layers),
            bidirectional=bool(bidirectional),
            batch_first=bool(batch_first),
            proj_size=int(proj_size),
            bias=bool(bias),
        )
    except ValueError as error:
        st.error(f"These model settings cannot be built: {error}.")
        return None


def input_spec_sidebar() -> tuple[InputSpec, int] | None:
    """Render the input and seed controls in the sidebar; (input spec, weight seed), or None after an error."""
    bar = st.sidebar
    bar.header("Input")
    kind = bar.selectbox("Signal", SIGNAL_KINDS, key="signal", **SHARED)
    seq_len = bar.slider("Sequence length", 1, 1000, 40, key="seq_len", **SHARED)
    batch = bar.slider("Batch size", 1, MAX_BATCH, 1, key="batch", **SHARED)
    seed = bar.number_input("Seed (weights and noise)", 0, 2**31 - 1, 0, key="seed", **SHARED)
    with bar.expander("Signal shape"):
        frequency = st.number_input("Cycles over the sequence (sine)", 0.0, 1000.0, 1.0, key="frequency", **SHARED)
        amplitude = st.number_input("Amplitude", -1e6, 1e6, 1.0, key="amplitude", **SHARED)
        phase = st.number_input("Phase (radians, sine)", -100.0, 100.0, 0.0, key="phase", **SHARED)
        noise = st.number_input("Noise (std of added Gaussian noise)", 0.0, 1e6, 0.0, key="noise", **SHARED)
    try:
        spec = InputSpec(
            kind=kind,
            seq_len=int(seq_len),
            batch=int(batch),
            frequency=float(frequency),
            amplitude=float(amplitude),
            phase=float(phase),
            noise=float(noise),
            seed=int(seed),
        )
        return spec, int(seed)
    except ValueError as error:
        st.error(f"This input cannot be generated: {error}.")
        return None
