"""Where the step-through run comes from: the input (generated, typed, CSV), h0/c0, and the model
(built from the sidebar, uploaded, or handed over by a training page)."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np
import streamlit as st

from rnnviz.core.spec import ModelSpec
from rnnviz.experiment.csv_input import parse_csv
from rnnviz.experiment.parsing import InputError, parse_typed_values
from rnnviz.experiment.run import INITIAL_STATE_MODES, Experiment, InitialState
from rnnviz.experiment.signals import InputSpec

#: A training page puts a ``Handoff`` here to show its model (and the sequence it looked at) on this page.
HANDOFF_KEY = "step.handoff"
INPUT_SOURCES = ("generated (sidebar)", "typed values", "CSV upload")


class Handoff(NamedTuple):
    """A model handed over by a training page: how the model source is labelled, its checkpoint bytes (loaded by
    ``rnnviz.core.checkpoints.load_checkpoint``, batch-first), and optionally an input sequence (seq, features)."""

    label: str
    checkpoint: bytes
    sequence: np.ndarray | None = None

    @property
    def sequence_label(self) -> str:
        return f"the sequence handed over with the model {self.label}"


MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # also .streamlit/config.toml's server.maxUploadSize (MB)


def _input_source(experiment: Experiment) -> Experiment:
    handoff: Handoff | None = st.session_state.get(HANDOFF_KEY)
    handed = handoff is not None and handoff.sequence is not None
    sources = INPUT_SOURCES + ((handoff.sequence_label,) if handed else ())
    source = st.radio(
        "Input sequence", sources, key="step.input_source", horizontal=True, index=len(sources) - 1 if handed else 0
    )
    if handed and source == handoff.sequence_label:
        return experiment.with_sequence(handoff.sequence)
    if source == "typed values":
        text = st.text_area(
            "Values: one row per feature, comma or space separated (time runs left to right)",
            "0, 0.5, 1, 0.5, 0, -0.5, -1, -0.5",
            key="step.typed",
        )
        return experiment.with_sequence(parse_typed_values(text))
    if source == "CSV upload":
        upload = st.file_uploader(
            "CSV: one column per feature, one line per time step", type=["csv", "txt"], key="step.csv"
        )
        if upload is None:
            raise InputError("upload a CSV file, or pick another input sequence")
        return experiment.with_sequence(parse_csv(upload.getvalue(), MAX_UPLOAD_BYTES).values)
    return experiment


def _initial_state(spec: ModelSpec) -> InitialState:
    mode = st.radio(
        "Initial state h0" + (" and c0" if spec.mode == "LSTM" else ""),
        INITIAL_STATE_MODES,
        key="step.initial",
        horizontal=True,
    )
    if mode == "random":
        return InitialState("random", scale=st.slider("std of the random state", 0.0, 3.0, 0.5, key="step.scale"))
    if mode == "typed":
        hint = "one number for all entries, or one row of values per (layer×direction, batch item)"
        h0 = st.text_area(f"h0 ({hint})", "0.1", key="step.h0_text")
        c0 = st.text_area(f"c0 ({hint})", "0.0", key="step.c0_text") if spec.mode == "LSTM" else ""
        return InitialState("typed", h0_text=h0, c0_text=c0)
    return InitialState()


def _model_source(experiment: Experiment) -> Experiment:
    handoff: Handoff | None = st.session_state.get(HANDOFF_KEY)
    sources = ["built from the sidebar", "uploaded state_dict"] + ([handoff.label] if handoff else [])
    source = st.radio(
        "Model", sources, key="step.model_source", horizontal=True, index=len(sources) - 1 if handoff else 0
    )
    if source == "built from the sidebar":
        return experiment
    if handoff and source == handoff.label:
        spec = replace(experiment.model_spec, batch_first=True)
        return replace(experiment, checkpoint=handoff.checkpoint, model_spec=spec)
    upload = st.file_uploader(
        "state_dict of an nn.LSTM / nn.GRU / nn.RNN (torch.save(model.state_dict(), path))",
        type=["pt", "pth", "bin", "ckpt"],
        key="step.checkpoint",
    )
    batch_first = st.toggle(
        "the model was used with batch_first=True (a state_dict does not record it)", key="step.checkpoint_batch_first"
    )
    if upload is None:
        raise InputError("upload a state_dict file, or build the model from the sidebar")
    return replace(
        experiment, checkpoint=upload.getvalue(), model_spec=replace(experiment.model_spec, batch_first=batch_first)
    )


def experiment_controls(model_spec: ModelSpec, input_spec: InputSpec, seed: int) -> tuple[Experiment, list[str]]:
    """The experiment the controls describe, and what is wrong with them (each problem says what to change).

    A section with a problem leaves its part of the experiment as it was, so the other sections still show.
    """
    experiment = Experiment(model_spec, input_spec, seed)
    problems: list[str] = []
    with st.expander("Input sequence, initial state and your own model", icon=":material/tune:"):
        for section in (_model_source, _input_source):
            try:
                experiment = section(experiment)
            except ValueError as error:  # InputError, CheckpointError
                problems.append(str(error))
        experiment = replace(experiment, initial=_initial_state(model_spec))
    return experiment, problems
