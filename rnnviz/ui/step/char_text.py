"""Step through on a character model: a typed text as the input, one character per time step.

The text is checked against the model's vocabulary (``rnnviz.charlm.typed_text``): characters it does not know
are named and dropped only when the user asks. What each step read is recovered from the traced input itself
(``text_of``), so the labels always belong to the run on screen, even when it is the last valid one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import streamlit as st

from rnnviz.charlm.corpora import Vocabulary, visible
from rnnviz.charlm.model import CharModel
from rnnviz.charlm.typed_text import MAX_TEXT_CHARS, TextError, char_input, input_term_notes, text_of, without_unknown
from rnnviz.core.trace import Trace
from rnnviz.experiment.run import Experiment
from rnnviz.figures.chars import coloured_text
from rnnviz.reference.inputs import bracket_sample_line
from rnnviz.reference.load import Reference, char_model
from rnnviz.ui.common.model_choice import ModelChoice
from rnnviz.ui.common.sidebar import set_shared_control, shared_control
from rnnviz.ui.step.view import Slice

TEXT_KEY, TEXT_PARAM = "step.text", "text"
UNIT_KEY = "step.unit"


@st.cache_resource(show_spinner=False)
def cached_char_model(name: str, _reference: Reference) -> tuple[CharModel, Vocabulary]:
    return char_model(_reference)


@st.cache_data(show_spinner=False)
def sample_text() -> str:
    return bracket_sample_line()


def sample_experiment(choice: ModelChoice) -> Experiment:
    """The chosen character model reading its sample text (a deeply nested line it never trained on)."""
    reference = choice.reference
    model, vocabulary = cached_char_model(reference.model.name, reference)
    experiment = replace(Experiment(choice.model_spec, choice.input_spec, choice.seed), checkpoint=reference.checkpoint)
    return experiment.with_sequence(char_input(model, vocabulary, sample_text()).values)


def _drop_unknown(vocabulary: Vocabulary) -> None:
    set_shared_control(TEXT_KEY, without_unknown(st.session_state[TEXT_KEY], vocabulary), TEXT_PARAM)


def text_controls(choice: ModelChoice) -> tuple[Experiment, list[str], Experiment]:
    """The text area (URL ``text``), the experiment reading it, the problems with the text (said with a button
    that drops the characters the model does not know), and the experiment reading the sample text."""
    reference = choice.reference
    model, vocabulary = cached_char_model(reference.model.name, reference)
    known = "".join(visible(c) for c in vocabulary.chars)
    text = shared_control(
        st.text_area,
        f"Text the model reads, one character per time step (up to {MAX_TEXT_CHARS}; it knows {known})",
        TEXT_KEY,
        sample_text(),
        param=TEXT_PARAM,
        height=90,
    )
    experiment = replace(Experiment(choice.model_spec, choice.input_spec, choice.seed), checkpoint=reference.checkpoint)
    sample = sample_experiment(choice)
    try:
        reading = char_input(model, vocabulary, text)
    except TextError as error:
        if error.unknown:
            st.button("Drop them", key="step.drop_unknown", on_click=_drop_unknown, args=(vocabulary,))
        return sample, [str(error)], sample
    return experiment.with_sequence(reading.values), [], sample


@dataclass(frozen=True)
class Reading:
    """The text a character model's run read: its characters as step labels, and per step what x_t selects."""

    text: str
    labels: tuple[str, ...]
    notes: list[str]


def reading_of(choice: ModelChoice, experiment: Experiment) -> Reading | None:
    """What the run on screen read, when it is the chosen character model reading a text; else None."""
    if choice.task != "charlm" or experiment.checkpoint != choice.reference.checkpoint:
        return None
    values = experiment.sequence_values()
    model, vocabulary = cached_char_model(choice.reference.model.name, choice.reference)
    text = None if values is None else text_of(values, model, vocabulary)
    if not text:
        return None
    labels = tuple(visible(c) for c in text)
    return Reading(text, labels, input_term_notes(text, vocabulary, one_hot=model.embedding is None))


def _pick_unit(unit: int) -> None:
    set_shared_control(UNIT_KEY, unit, "unit")


def notable_unit_buttons(reference: Reference) -> None:
    """One button per notable unit of the model's card; a click shows that unit (before the unit picker draws)."""
    notable = reference.notable_units()
    units = list(dict.fromkeys(u["unit"] for u in notable))
    if not units:
        return
    st.caption("Notable units (from the model card): " + "; ".join(dict.fromkeys(u["says"] for u in notable)))
    columns = st.columns(len(units) + 3)
    for column, unit in zip(columns, units, strict=False):
        column.button(f"unit {unit}", key=f"step.notable.{unit}", on_click=_pick_unit, args=(unit,))


def coloured_reading(reading: Reading, view: Slice, trace: Trace) -> None:
    """The text coloured by the chosen unit's cell state (or hidden state), as on the Language model page."""
    quantity = "c" if "c" in trace.state_names else "h"
    values = view.values(quantity)[:, view.unit]
    title = f"The text coloured by unit {view.unit}'s {quantity}_t ({view.where})"
    st.plotly_chart(
        coloured_text(reading.text, np.asarray(values), quantity=quantity, title=title), key="step.coloured_text"
    )
