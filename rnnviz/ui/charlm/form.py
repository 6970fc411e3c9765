"""The language-model page's widgets: run settings (a sidebar form), what to sample, and the shapes of one
batch; each bad value ends in a clear st.error naming the widget, and the last valid choice stays in use."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from rnnviz.charlm.batches import SAMPLINGS
from rnnviz.charlm.corpora import Vocabulary, visible
from rnnviz.charlm.model import stage_shapes
from rnnviz.charlm.samples import MAX_PREFIXES, MAX_SAMPLE_LENGTH, TEMPERATURE_RANGE, SampleSpec
from rnnviz.charlm.settings import INPUTS, CharSettings
from rnnviz.training.settings import CELLS
from rnnviz.ui.common.settings_form import PERSIST, Field, Section, optimizer_fields, settings_sidebar
from rnnviz.ui.common.text import escape_markdown, table

SAMPLING_TEXT = {
    "adjacent": "adjacent (state carried, detached)",
    "random": "random (state reset every batch)",
}
LAST_SPEC_KEY = "lm.last_sample_spec"
#: Shown beside the sampling choice while it is greedy (tests/unit/test_char_train.py checks the claim).
GREEDY_NOTE = (
    "Greedy always takes the most likely next character, so it soon repeats itself (`cccc…`, `abab…` on the "
    "bracket language, where many characters are about equally likely). Choose temperature 1 to draw from the "
    "model's own probabilities: text like the training text."
)
FORM = (
    Section("Model"),
    Field("cell", "Cell type", "select", options=CELLS),
    Field("hidden_size", "Hidden size", "number"),
    Field("num_layers", "Layers", "slider"),
    Field("input", "Input encoding", "radio", options=INPUTS),
    Field("embedding_size", "Embedding size", "number", when=lambda values: values["input"] == "embedding"),
    Section("Data", folded=True),
    Field("num_steps", "num_steps (characters per window)", "number"),
    Field("batch_size", "Batch size (windows per batch)", "number"),
    Field("sampling", "Window sampling", "radio", options=SAMPLINGS, names=SAMPLING_TEXT),
    *optimizer_fields(
        lr_help="e.g. 0.005 (Adam) or 1 (SGD)",
        clip_label="Gradient clipping θ (max norm)",
        clip_help="clip_grad_norm_(parameters, θ); 0 = no clipping",
    ),
    Section("Run", folded=True),
    Field("epochs", "Epochs", "number"),
    Field("seed", "Seed", "number"),
)


def char_settings_sidebar() -> CharSettings | None:
    """The run settings from the sidebar (defaults: the classic exercise), or None after an st.error."""
    return settings_sidebar(CharSettings, FORM, prefix="lm")


def shapes_table(settings: CharSettings, vocab_size: int) -> None:
    """Every stage of one batch under these settings: text -> indices -> inputs -> outputs -> logits."""
    table(stage_shapes(settings, vocab_size), ["stage", "shape", "what it is"])


def _known_prefixes(prefixes: list[str], vocabulary: Vocabulary | None, last: SampleSpec) -> list[str]:
    """``prefixes`` without those that have characters outside ``vocabulary`` (each named in an st.error); when
    every prefix is left out, the last valid ones."""
    if vocabulary is None:
        return prefixes
    known = []
    for prefix in prefixes:
        unknown = vocabulary.unknown(prefix)
        if not unknown:
            known.append(prefix)
            continue
        shown = ", ".join(repr(visible(c)) for c in unknown[:10])
        st.error(
            escape_markdown(
                f"The prefix {prefix!r} has characters the model does not know: {shown}. Use only characters of "
                "the training text (see its vocabulary above); this prefix is left out."
            ),
            icon=":material/error:",
        )
    if prefixes and not known:
        st.info(
            escape_markdown(f"Until then, the last valid prefixes are used: {', '.join(map(repr, last.prefixes))}."),
            icon=":material/history:",
        )
        return list(last.prefixes)
    return known


def sample_controls(
    text_name: str, default_prefixes: str, vocabulary: Vocabulary | None, sample_now: Callable[[], None]
) -> SampleSpec:
    """Prefixes (one per line), greedy or a temperature, length, how often, and a **Sample now** button (its
    click calls ``sample_now``); returns the spec to use.

    A bad value shows an st.error and the last valid spec stays in use; prefixes with characters outside the
    vocabulary are left out, with an error naming the characters.
    """
    left, right = st.columns([2, 3])
    prefix_text = left.text_area(
        f"Prefixes to continue (one per line, at most {MAX_PREFIXES})",
        default_prefixes,
        key=f"lm.prefixes.{text_name}",
        height=90,
        **PERSIST,
    )
    left.button(
        "Sample now",
        key="lm.sample_now",
        icon=":material/edit_note:",
        help="Continue these prefixes with the model as it is now",
        on_click=sample_now,
    )
    mode = right.radio(
        "Sampling",
        ("greedy", "temperature"),
        horizontal=True,
        key="lm.sample_mode",
        **PERSIST,
        help="greedy: always the most likely next character; temperature: draw from softmax(logits / temperature)",
    )
    columns = right.columns(3)
    low, high = TEMPERATURE_RANGE
    temperature = columns[0].number_input(
        "Temperature",
        value=1.0,
        step=0.1,
        key="lm.temperature",
        disabled=mode == "greedy",
        help=f"from {low} to {high}: below 1 sharper, above 1 flatter than the model's own probabilities",
        **PERSIST,
    )
    length = columns[1].number_input(
        "Characters", value=80, step=10, key="lm.sample_length", help=f"1 to {MAX_SAMPLE_LENGTH}", **PERSIST
    )
    every = columns[2].number_input("Every … epochs", value=1, step=1, key="lm.sample_every", **PERSIST)
    if mode == "greedy":
        right.caption(GREEDY_NOTE)
    last = st.session_state.get(LAST_SPEC_KEY, SampleSpec())
    prefixes = _known_prefixes([line for line in prefix_text.split("\n") if line], vocabulary, last)
    try:
        spec = SampleSpec(tuple(prefixes[:MAX_PREFIXES]), length, None if mode == "greedy" else temperature, every)
    except ValueError as error:
        for problem in str(error).split("; "):
            st.error(
                escape_markdown(
                    f"Sampling: {problem}. The last valid choice ({last.mode}, {last.length} characters) is "
                    "used until this is fixed."
                ),
                icon=":material/error:",
            )
        return last
    st.session_state[LAST_SPEC_KEY] = spec
    return spec
