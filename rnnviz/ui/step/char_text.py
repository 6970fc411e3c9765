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
from rnnviz.charlm.export import load_char_checkpoint
from rnnviz.charlm.model import CharModel
from rnnviz.charlm.typed_text import MAX_TEXT_CHARS, TextError, char_input, input_term_notes, text_of, without_unknown
from rnnviz.core.trace import Trace
from rnnviz.experiment.run import Experiment
from rnnviz.figures.chars import coloured_text
from rnnviz.reference.inputs import bracket_sample_line
from rnnviz.reference.load import Reference, char_model
from rnnviz.ui.common.chart import plotly_chart
from rnnviz.ui.common.model_choice import ModelChoice
from rnnviz.ui.common.sidebar import set_shared_control, shared_control
from rnnviz.ui.step.view import Slice

TEXT_KEY, TEXT_PARAM = "step.text", "text"
UNIT_KEY = "step.unit"


@dataclass(frozen=True, eq=False)
class CharSource:
    """A character model Step through can run on a text: its checkpoint, model, vocabulary, the text it reads
    first, and the notable units of its card (none for your own)."""

    checkpoint: bytes
    model: CharModel
    vocabulary: Vocabulary
    sample: str
    notable: tuple[dict, ...] = ()


@st.cache_resource(show_spinner=False)
def reference_char_source(name: str, _reference: Reference) -> CharSource:
    """A reference character model reading its sample line (a deeply nested line it never trained on)."""
    model, vocabulary = char_model(_reference)
    notable = tuple(_reference.notable_units())
    return CharSource(_reference.checkpoint, model, vocabulary, bracket_sample_line(), notable)


@st.cache_resource(show_spinner=False, max_entries=8)
def checkpoint_char_source(checkpoint: bytes) -> CharSource | None:
    """The character model in an uploaded or handed-over checkpoint (the Language model page's), or None when
    the checkpoint is not one; it reads its vocabulary, each character once, until a text is typed."""
    try:
        model, vocabulary, _ = load_char_checkpoint(checkpoint)
    except ValueError:
        return None
    return CharSource(checkpoint, model, vocabulary, "".join(vocabulary.chars)[:MAX_TEXT_CHARS])


def char_source(choice: ModelChoice, experiment: Experiment) -> CharSource | None:
    """The character model the page runs: the chosen reference one, or the one in your model's checkpoint."""
    if choice.task == "charlm":
        return reference_char_source(choice.reference.model.name, choice.reference)
    if choice.reference is None and experiment.checkpoint is not None:
        return checkpoint_char_source(experiment.checkpoint)
    return None


def sample_experiment(source: CharSource, experiment: Experiment) -> Experiment:
    """``experiment`` with ``source``'s model reading its sample text."""
    values = char_input(source.model, source.vocabulary, source.sample).values
    return replace(experiment, checkpoint=source.checkpoint).with_sequence(values)


def _drop_unknown(vocabulary: Vocabulary) -> None:
    set_shared_control(TEXT_KEY, without_unknown(st.session_state[TEXT_KEY], vocabulary), TEXT_PARAM)


def text_controls(source: CharSource, experiment: Experiment) -> tuple[Experiment, list[str], Experiment, bool]:
    """The text area (URL ``text``) and ``experiment`` reading it, the problems with the text, ``experiment``
    reading the sample text, and whether the text has characters the model does not know (``drop_button``)."""
    known = "".join(visible(c) for c in source.vocabulary.chars)
    text = shared_control(
        st.text_area,
        f"Text the model reads, one character per time step (up to {MAX_TEXT_CHARS}; it knows {known})",
        TEXT_KEY,
        source.sample,
        param=TEXT_PARAM,
        height=90,
    )
    sample = sample_experiment(source, experiment)
    try:
        reading = char_input(source.model, source.vocabulary, text)
    except TextError as error:
        return sample, [str(error)], sample, bool(error.unknown)
    return sample.with_sequence(reading.values), [], sample, False


def drop_button(source: CharSource) -> None:
    """ "Drop them": the text without the characters the model does not know (shown under the error)."""
    st.button("Drop them", key="step.drop_unknown", on_click=_drop_unknown, args=(source.vocabulary,))


@dataclass(frozen=True)
class Reading:
    """The text a character model's run read: its characters as step labels, and per step what x_t selects."""

    text: str
    labels: tuple[str, ...]
    notes: list[str]


def reading_of(source: CharSource | None, experiment: Experiment) -> Reading | None:
    """What the run on screen read, when it is ``source``'s model reading a text; else None."""
    if source is None or experiment.checkpoint != source.checkpoint:
        return None
    values = experiment.sequence_values()
    text = None if values is None else text_of(values, source.model, source.vocabulary)
    if not text:
        return None
    labels = tuple(visible(c) for c in text)
    return Reading(text, labels, input_term_notes(text, source.vocabulary, one_hot=source.model.embedding is None))


def _pick_unit(unit: int) -> None:
    set_shared_control(UNIT_KEY, unit, "unit")


def notable_unit_buttons(notable: list[dict] | tuple[dict, ...]) -> None:
    """One button per notable unit of a model card; a click shows that unit (before the unit picker draws)."""
    units = list(dict.fromkeys(u["unit"] for u in notable))
    if not units:
        return
    st.caption("Notable units (from the model card): " + "; ".join(dict.fromkeys(u["says"] for u in notable)))
    with st.container(horizontal=True):
        for unit in units:
            st.button(f"unit {unit}", key=f"step.notable.{unit}", on_click=_pick_unit, args=(unit,))


def coloured_reading(reading: Reading, view: Slice, trace: Trace) -> None:
    """The text coloured by the chosen unit's cell state (or hidden state), as on the Language model page."""
    quantity = "c" if "c" in trace.state_names else "h"
    values = view.values(quantity)[:, view.unit]
    title = f"The text coloured by unit {view.unit}'s {quantity}_t ({view.where})"
    plotly_chart(
        coloured_text(reading.text, np.asarray(values), quantity=quantity, title=title), key="step.coloured_text"
    )
