"""The model a model page shows: a trained reference model (the default), or your own.

The choice is a shared sidebar control (``?model=sine-lstm``, kept across pages). A reference model fixes the
sizes (the sidebar says so and shows its card); only the layout (batch_first) stays a choice. "your own" keeps
the sidebar's sizes (an untrained, seeded model), an upload, or a model handed over by a training page. A
reference model that cannot be loaded is said, with its file and how to rebuild it, and the untrained model is
shown instead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st

from rnnviz.core.spec import ModelSpec, torch_constructor
from rnnviz.experiment.signals import InputSpec
from rnnviz.reference.catalog import REFERENCE_MODELS
from rnnviz.reference.inputs import module_spec
from rnnviz.reference.load import Reference, ReferenceModelError, load_reference
from rnnviz.ui.common.sidebar import input_spec_sidebar, model_spec_sidebar, set_shared_control, shared_control

MODEL_KEY = "model"
CUSTOM = "custom"
DEFAULT_MODEL = "sine-lstm"
MODEL_CHOICES = (*REFERENCE_MODELS, CUSTOM)


#: Short enough for the sidebar's select box; the model card says the rest.
SHORT_LABELS = {
    "sine-lstm": "sin → cos LSTM (trained)",
    "sine-gru": "sin → cos GRU (trained)",
    "sine-rnn": "sin → cos RNN (trained)",
    "brackets-lstm": "Brackets LSTM (trained)",
    CUSTOM: "Your own model",
}


def model_label(name: str) -> str:
    return SHORT_LABELS.get(name) or REFERENCE_MODELS[name].title


def choose_own_model() -> None:
    """Switch the model choice to "Your own" (a training page hands its model over): call it in a callback."""
    set_shared_control(MODEL_KEY, CUSTOM)


def first_notable_unit(reference: Reference | None) -> int:
    """The unit a page shows first: the first notable unit of a reference model's card, else unit 0."""
    notable = reference.notable_units() if reference is not None else []
    return int(notable[0]["unit"]) if notable else 0


@dataclass(frozen=True)
class ModelChoice:
    """What the sidebar chose: a reference model (its spec read from its weights) or your own sizes."""

    reference: Reference | None
    model_spec: ModelSpec
    input_spec: InputSpec
    seed: int

    @property
    def task(self) -> str | None:
        """'sine' or 'charlm' for a reference model, None for your own."""
        return None if self.reference is None else self.reference.model.task


@st.cache_resource(show_spinner=False)
def cached_reference(name: str) -> tuple[Reference, ModelSpec]:
    """The shipped model ``name`` and its module's spec, read once per process (ReferenceModelError if broken)."""
    reference = load_reference(name)
    try:
        return reference, module_spec(reference)
    except ValueError as error:  # CheckpointError: the .pt file is not a checkpoint
        path = reference.model.checkpoint_path
        raise ReferenceModelError(f"{path.name} is damaged ({error}): run `make models` to rebuild it") from None


def _card(reference: Reference, spec: ModelSpec) -> None:
    """The reference model's card in the sidebar: its fixed sizes, what it learned, its notable units."""
    card = reference.card
    bar = st.sidebar
    bar.caption(
        f"Sizes fixed by the model: `{torch_constructor(spec)}`. It reads its task's own input; choose “Your own "
        "model” to change the sizes or the signal."
    )
    with bar.expander("Model card", icon=":material/badge:"):
        st.markdown(f"**{card['title']}**, trained on {card['trained_on']} ({card['steps']} steps).")
        for name, value in {**card["training"], **card["metrics"]}.items():
            if isinstance(value, float):
                st.markdown(f"- {name}: {value:.4g}")
        st.markdown("Notable units:\n" + "\n".join(f"- {unit['says']}" for unit in card["notable_units"]))


def sidebar_model_choice() -> ModelChoice:
    """Render the model choice (and, for your own model, the sizes and input controls); stops the page after
    showing what to change when the sidebar's settings cannot be built."""
    bar = st.sidebar
    bar.header("Model")
    name = shared_control(
        bar.selectbox, "Model", MODEL_KEY, DEFAULT_MODEL, options=MODEL_CHOICES, format_func=model_label
    )
    if name != CUSTOM:
        try:
            reference, spec = cached_reference(name)
        except ReferenceModelError as error:
            st.error(f"{error}. The untrained model is shown instead.", icon=":material/error:")
        else:
            batch_first = shared_control(bar.toggle, "batch_first=True", "batch_first", False)
            _card(reference, spec)
            # a trained model reads its task's input (or a typed text): the sidebar's signal does not apply
            return ModelChoice(reference, replace(spec, batch_first=bool(batch_first)), InputSpec(), 0)
    model_spec = model_spec_sidebar(header=False)
    inputs = input_spec_sidebar()
    if model_spec is None or inputs is None:
        st.stop()
    return ModelChoice(None, model_spec, *inputs)
