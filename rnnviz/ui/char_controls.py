"""The language-model page's widgets: run settings (sidebar) and what to sample; each bad value ends in a
clear st.error naming the widget, and the last valid choice stays in use."""
from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from rnnviz.char_model import stage_shapes
from rnnviz.char_samples import MAX_PREFIXES, MAX_SAMPLE_LENGTH, TEMPERATURE_RANGE, SampleSpec
from rnnviz.char_settings import CHOICES, INT_LIMITS, CharSettings
from rnnviz.tasks.chars import Vocabulary, visible
from rnnviz.ui.settings_form import parse_typed_number, show_setting_problems

#: Widget values survive a trip to another page and back.
KEEP = dict(persist_state="session")
LABELS = {
    "cell": "Cell type",
    "hidden_size": "Hidden size",
    "num_layers": "Layers",
    "input": "Input encoding",
    "embedding_size": "Embedding size",
    "num_steps": "num_steps (characters per window)",
    "batch_size": "Batch size (windows per batch)",
    "sampling": "Window sampling",
    "optimizer": "Optimizer",
    "lr": "Learning rate",
    "momentum": "Momentum",
    "clip": "Gradient clipping θ (max norm)",
    "epochs": "Epochs",
    "seed": "Seed",
}
SAMPLING_TEXT = {
    "adjacent": "adjacent (state carried, detached)",
    "random": "random (state reset every batch)",
}
LAST_SPEC_KEY = "lm.last_sample_spec"
#: Characters that Streamlit's markdown (st.error, st.info, labels) would read as formatting, emoji
#: shortcodes (":smile:"), colours (":red[...]") or LaTeX ("$").
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^])")


def plain(text: str) -> str:
    """``text`` (which may hold what a user typed or a file name) escaped so markdown shows it literally."""
    return _MARKDOWN.sub(r"\\\1", text.replace("\n", "⏎"))


def show_problems(error: ValueError, where: str) -> None:
    """One st.error per problem of a CharSettings error, naming the widget (user text escaped)."""
    show_setting_problems(error, LABELS, where, escape=plain)


def settings_sidebar() -> CharSettings | None:
    """The run settings from the sidebar (defaults: the classic exercise), or None after an st.error."""
    bar, d = st.sidebar, CharSettings()

    def number(name: str, step: float | None = None, **options):  # no min/max: CharSettings names the range
        low, high = INT_LIMITS.get(name, (None, None))
        help_text = options.pop("help", None) or (f"from {low} to {high:,}" if low is not None else None)
        return bar.number_input(LABELS[name], value=getattr(d, name), step=step, key=f"lm.{name}", help=help_text,
                                **options, **KEEP)  # fmt: skip

    bar.header("Model")
    cell = bar.selectbox(LABELS["cell"], CHOICES["cell"], index=CHOICES["cell"].index(d.cell), key="lm.cell", **KEEP)
    hidden_size = number("hidden_size")
    num_layers = bar.slider(LABELS["num_layers"], *INT_LIMITS["num_layers"], d.num_layers, key="lm.num_layers", **KEEP)
    input_kind = bar.radio(LABELS["input"], CHOICES["input"], horizontal=True, key="lm.input", **KEEP)
    embedding_size = number("embedding_size") if input_kind == "embedding" else d.embedding_size
    bar.header("Data")
    num_steps = number("num_steps")
    batch_size = number("batch_size")
    sampling = bar.radio(LABELS["sampling"], CHOICES["sampling"], format_func=SAMPLING_TEXT.get, key="lm.sampling",
                         **KEEP)  # fmt: skip
    bar.header("Optimizer")
    optimizer = bar.radio(LABELS["optimizer"], CHOICES["optimizer"], horizontal=True, key="lm.optimizer", **KEEP)
    lr_text = bar.text_input(LABELS["lr"], f"{d.lr:g}", key="lm.lr", help="e.g. 0.005 (Adam) or 1 (SGD)", **KEEP)
    momentum = number("momentum", 0.05, help="0 to 0.999") if optimizer == "SGD" else d.momentum
    clip = number("clip", 0.5, help="clip_grad_norm_(parameters, θ); 0 = no clipping")
    bar.header("Run")
    epochs = number("epochs")
    seed = number("seed")
    values = dict(
        cell=cell, hidden_size=hidden_size, num_layers=num_layers, input=input_kind, embedding_size=embedding_size,
        num_steps=num_steps, batch_size=batch_size, sampling=sampling, optimizer=optimizer,
        lr=parse_typed_number(lr_text), momentum=momentum, clip=clip, epochs=epochs, seed=seed,
    )  # fmt: skip
    try:
        return CharSettings(**values)
    except ValueError as error:
        show_problems(error, "in the sidebar")
        return None


def shapes_table(settings: CharSettings, vocab_size: int) -> None:
    """Every stage of one batch under these settings: text -> indices -> inputs -> outputs -> logits."""
    rows = stage_shapes(settings, vocab_size)
    st.dataframe(pd.DataFrame(rows, columns=["stage", "shape", "what it is"]), hide_index=True, width="stretch")


def sample_controls(text_name: str, default_prefixes: str, vocabulary: Vocabulary | None) -> SampleSpec:
    """Prefixes (one per line), greedy or a temperature, length, how often; returns the spec to use.

    A bad value shows an st.error and the last valid spec stays in use; prefixes with characters outside the
    vocabulary are left out, with an error naming the characters.
    """
    left, right = st.columns([2, 3])
    prefix_text = left.text_area(
        f"Prefixes to continue (one per line, at most {MAX_PREFIXES})", default_prefixes,
        key=f"lm.prefixes.{text_name}", height=90, **KEEP,
    )  # fmt: skip
    mode = right.radio("Sampling", ("greedy", "temperature"), horizontal=True, key="lm.sample_mode", **KEEP,
                       help="greedy: always the most likely next character; temperature: draw from "
                       "softmax(logits / temperature)")  # fmt: skip
    columns = right.columns(3)
    low, high = TEMPERATURE_RANGE
    temperature = columns[0].number_input(
        "Temperature", value=1.0, step=0.1, key="lm.temperature", disabled=mode == "greedy",
        help=f"from {low} to {high}: below 1 sharper, above 1 flatter than the model's own probabilities", **KEEP,
    )  # fmt: skip
    length = columns[1].number_input("Characters", value=80, step=10, key="lm.sample_length",
                                     help=f"1 to {MAX_SAMPLE_LENGTH}", **KEEP)  # fmt: skip
    every = columns[2].number_input("Every … epochs", value=1, step=1, key="lm.sample_every", **KEEP)
    prefixes = [line for line in prefix_text.split("\n") if line]
    if vocabulary is not None:
        for prefix in list(prefixes):
            unknown = vocabulary.unknown(prefix)
            if unknown:
                shown = ", ".join(repr(visible(c)) for c in unknown[:10])
                st.error(
                    plain(f"The prefix {prefix!r} has characters the model does not know: {shown}. Use only "
                          "characters of the training text (see its vocabulary above); this prefix is left out."),
                    icon=":material/error:",
                )  # fmt: skip
                prefixes.remove(prefix)
    last = st.session_state.get(LAST_SPEC_KEY, SampleSpec())
    try:
        spec = SampleSpec(
            tuple(prefixes[:MAX_PREFIXES]), length, None if mode == "greedy" else temperature, every
        )
    except ValueError as error:
        for problem in str(error).split("; "):
            st.error(plain(f"Sampling: {problem}. The last valid choice ({last.mode}, {last.length} characters) is "
                           "used until this is fixed."), icon=":material/error:")  # fmt: skip
        return last
    st.session_state[LAST_SPEC_KEY] = spec
    return spec
