"""Where the step-through run comes from: the input (generated, typed, CSV), a packed batch, h0/c0, and the
model (built from the sidebar, uploaded, or handed over by a training page)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import streamlit as st

from rnnviz.core.packed import default_lengths, parse_lengths, validate_packing
from rnnviz.core.spec import ModelSpec
from rnnviz.experiment.csv_input import parse_csv
from rnnviz.experiment.parsing import InputError, parse_typed_values
from rnnviz.experiment.run import INITIAL_STATE_MODES, Experiment, InitialState
from rnnviz.sine.data import sine_task_input
from rnnviz.ui.common.model_choice import ModelChoice, model_label
from rnnviz.ui.step.char_text import reference_char_source, sample_experiment

#: A training page puts a ``Handoff`` here to show its model on the step-through page.
HANDOFF_KEY = "step.handoff"
INPUT_SOURCES = ("generated (sidebar)", "typed values", "CSV upload")


@dataclass(frozen=True, eq=False)
class Handoff:
    """A training page's model for Step through: its checkpoint, and the task's own input with its target."""

    label: str  # the model choice, e.g. "trained on Train: sin → cos (RNN, 300 steps)"
    checkpoint: bytes
    input_label: str  # the input choice, e.g. "the task's input: sin(x), x from 0 to 4π (37 points)"
    values: np.ndarray  # (T, features): the input
    target: np.ndarray | None  # (T, outputs): what the model is trained to output there (None: no target)
    target_name: str  # e.g. "cos(x)"
    text: str = ""  # a character model's input, as the text it reads

    def target_for(self, experiment: Experiment) -> np.ndarray | None:
        """The target when ``experiment`` reads this task input, else None."""
        values = experiment.sequence_values()
        same = values is not None and values.shape == self.values.shape and np.array_equal(values, self.values)
        return self.target if same else None


def current_handoff() -> Handoff | None:
    return st.session_state.get(HANDOFF_KEY)


MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # also .streamlit/config.toml's server.maxUploadSize (MB)


def _input_source(experiment: Experiment, handoff: Handoff | None, generated: bool = True) -> Experiment:
    """The input: the sidebar's signal (unless ``generated`` is False), typed values, a CSV, or the hand-off's."""
    sources = INPUT_SOURCES[0 if generated else 1 :] + ((handoff.input_label,) if handoff else ())
    source = st.radio(
        "Input sequence", sources, key="step.input_source", horizontal=True, index=len(sources) - 1 if handoff else 0
    )
    if handoff and source == handoff.input_label:
        return experiment.with_sequence(handoff.values)
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
        if upload is None:  # nothing to complain about yet: say what to do, show another input meanwhile
            fallback = "the generated input" if generated or handoff is None else handoff.input_label
            st.info(f"Upload a CSV file; until then {fallback} is shown.", icon=":material/upload_file:")
            return experiment if generated or handoff is None else experiment.with_sequence(handoff.values)
        return experiment.with_sequence(parse_csv(upload.getvalue(), MAX_UPLOAD_BYTES).values)
    return experiment


def _packing(experiment: Experiment, handoff: Handoff | None) -> Experiment:
    """Optionally pack the batch (``pack_padded_sequence(..., enforce_sorted=False)``): each sequence stops at
    its own length, in any order."""
    if not st.toggle("Pack the batch: each sequence stops at its own length", key="step.packed"):
        return experiment
    steps = experiment.sequence_shape[0] if experiment.sequence_shape else experiment.input_spec.seq_len
    batch = experiment.input_spec.batch
    automatic = default_lengths(batch, steps)
    text = st.text_input(
        "Lengths, one per batch item, any order (empty = automatic)",
        key="step.lengths",
        placeholder=", ".join(map(str, automatic)),
    )
    lengths = parse_lengths(text) if text.strip() else automatic
    problems = validate_packing(lengths, batch, steps)
    if problems:
        raise InputError("cannot pack this batch: " + "; ".join(problems))
    return replace(experiment, lengths=lengths)


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


def _model_source(experiment: Experiment, handoff: Handoff | None) -> Experiment:
    sources = ["built from the sidebar", "uploaded state_dict"] + ([handoff.label] if handoff else [])
    source = st.radio(
        "Model", sources, key="step.model_source", horizontal=True, index=len(sources) - 1 if handoff else 0
    )
    if source == "built from the sidebar":
        return experiment
    if handoff and source == handoff.label:
        batch_first = replace(experiment.model_spec, batch_first=True)
        return replace(experiment, checkpoint=handoff.checkpoint, model_spec=batch_first)
    upload = st.file_uploader(
        "state_dict of an nn.LSTM / nn.GRU / nn.RNN (torch.save(model.state_dict(), path))",
        type=["pt", "pth", "bin", "ckpt"],
        key="step.checkpoint",
    )
    batch_first = st.toggle(
        "the model was used with batch_first=True (a state_dict does not record it)", key="step.checkpoint_batch_first"
    )
    if upload is None:
        st.info(
            "Upload a state_dict file; until then the model built from the sidebar is shown.",
            icon=":material/upload_file:",
        )
        return experiment
    return replace(
        experiment, checkpoint=upload.getvalue(), model_spec=replace(experiment.model_spec, batch_first=batch_first)
    )


def reference_handoff(choice: ModelChoice) -> Handoff:
    """A trained sine reference model as a hand-off: its checkpoint with its task's own input and target."""
    reference = choice.reference
    task = sine_task_input(reference.model.settings.points)
    return Handoff(
        model_label(reference.model.name), reference.checkpoint, task.label, task.values, task.target, "cos(x)"
    )


def overview_experiment(choice: ModelChoice) -> Experiment:
    """What the Overview shows: a reference model on its task's input (sine) or its sample text (characters);
    your own model on the sidebar's input."""
    experiment = Experiment(choice.model_spec, choice.input_spec, choice.seed)
    if choice.task == "charlm":
        return sample_experiment(reference_char_source(choice.reference.model.name, choice.reference), experiment)
    if choice.task == "sine":
        handoff = reference_handoff(choice)
        return replace(experiment, checkpoint=handoff.checkpoint).with_sequence(handoff.values)
    return experiment


def experiment_controls(choice: ModelChoice) -> tuple[Experiment, list[str], Handoff | None]:
    """The experiment the controls describe, what is wrong with them (each problem says what to change), and
    the hand-off whose task input it may read (a trained sine model's, or a training page's).

    A section with a problem leaves its part of the experiment as it was, so the other sections still show.
    """
    experiment = Experiment(choice.model_spec, choice.input_spec, choice.seed)
    if choice.task == "sine":
        handoff = reference_handoff(choice)
        experiment = replace(experiment, checkpoint=handoff.checkpoint)
        sections = (lambda e, h: _input_source(e, h, generated=False), _packing)
    elif choice.task == "charlm":  # the input is the text typed on the page
        handoff, sections = None, ()
        experiment = replace(experiment, checkpoint=choice.reference.checkpoint)
    else:
        handoff = current_handoff()
        sections = (_model_source, _input_source, _packing)
    problems: list[str] = []
    label = {"sine": "Input sequence and initial state", "charlm": "Initial state"}.get(
        choice.task, "Input sequence, initial state and your own model"
    )
    with st.expander(label, icon=":material/tune:"):
        for section in sections:
            try:
                experiment = section(experiment, handoff)
            except ValueError as error:  # InputError, CheckpointError
                problems.append(str(error))
        experiment = replace(experiment, initial=_initial_state(choice.model_spec))
    return experiment, problems, handoff
