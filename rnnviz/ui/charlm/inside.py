"""Inside the model: trace the current model over a text and show units x characters, the text coloured by
one unit, and the units that follow simple features (bracket depth, quotes, position in line, vowels).

Before the model has trained a step, the section is a note and a button that shows it for the untrained model:
a page's first view does not draw a dozen widgets and four charts of a model nobody has trained yet.

The trace is redone only when the text, the layer or the model's weights (steps done) change; it is kept in
``lm.inside`` for this session.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import numpy as np
import streamlit as st

from rnnviz.charlm.inspect import (
    FEATURE_HELP,
    FEATURES,
    MAX_INSPECT_CHARS,
    best_units,
    character_features,
    top_units,
    trace_text,
    unit_correlations,
)
from rnnviz.charlm.trainer import CharTrainer
from rnnviz.core.trace import Trace
from rnnviz.figures.chars import char_activation_grid, coloured_text, feature_vs_units, unit_correlation_bars
from rnnviz.ui.common.badges import check_badge
from rnnviz.ui.common.chart import plotly_chart
from rnnviz.ui.common.downloads import figure_downloads
from rnnviz.ui.common.idle import on_idle
from rnnviz.ui.common.on_request import shown_once_trained
from rnnviz.ui.common.text import escape_markdown, table

CACHE_KEY = "lm.inside"
#: True once the user asked to look inside the untrained model (this session).
UNTRAINED_KEY = "lm.inside_untrained"
QUANTITY_TEXT = {
    "h": "hidden state h",
    "c": "cell state c",
    "i": "input gate i",
    "f": "forget gate f",
    "g": "candidate g",
    "o": "output gate o",
    "r": "reset gate r",
    "z": "update gate z",
    "n": "candidate n",
}


def cached_trace(trainer: CharTrainer, text: str) -> Trace:
    """The trace of ``text`` through the current weights (recomputed when the text or the weights changed)."""
    key = (id(trainer), trainer.steps_done, text)
    kept = st.session_state.get(CACHE_KEY)
    if kept is None or kept[0] != key:
        with trainer.lock:
            kept = (key, trace_text(trainer.model, trainer.vocabulary, text))
        st.session_state[CACHE_KEY] = kept
    return kept[1]


def drop_idle_trace(state: MutableMapping[str, Any], idle_minutes: float) -> None:
    """An idle session drops its kept trace (it is redone from the model when the page is used again)."""
    if CACHE_KEY in state:
        del state[CACHE_KEY]


on_idle("language model inside trace", drop_idle_trace)


def quantity_values(trace: Trace, quantity: str, layer: int) -> np.ndarray:
    """(N, H) values of a gate or state for the batch of one."""
    return trace.values(quantity, layer)[:, 0].numpy()


def inside_section(trainer: CharTrainer, default_text: str, text_name: str, running: bool = False) -> None:
    """The whole 'inside the model' part of the page: shown once the model has trained a step, or when asked."""
    note = (
        "This part appears once the model has trained a step: press **Start** above. To compare with later, "
        "you can look inside the untrained model now."
    )
    if not shown_once_trained(trainer.steps_done > 0, UNTRAINED_KEY, note, "Look inside the untrained model"):
        return
    text = st.text_area(
        f"A text to look at (at most {MAX_INSPECT_CHARS} characters of the model's vocabulary)",
        default_text[:MAX_INSPECT_CHARS],
        key=f"lm.inside_text.{text_name}",
        height=100,
    )
    try:
        trace = cached_trace(trainer, text)
    except ValueError as error:
        st.error(escape_markdown(str(error)[:1].upper() + str(error)[1:]), icon=":material/error:")
        return
    steps = f"{trainer.steps_done:,} step{'' if trainer.steps_done == 1 else 's'}"
    epochs = f"{trainer.epochs_done} epoch{'' if trainer.epochs_done == 1 else 's'}"
    st.caption(
        f"The model after {steps} ({epochs}), run from a zero state."
        + (
            " While it trains, this part shows it as of the last full page run: **Pause** to update it."
            if running
            else ""
        )
    )
    check_badge(trace)
    layers = trace.geometry.num_layers
    controls = st.columns(4)
    layer = controls[0].selectbox("Layer", range(layers), key="lm.inside_layer") if layers > 1 else 0
    names = ("h", *(("c",) if "c" in trace.state_names else ()), *trace.gate_names)
    quantity = controls[1].selectbox("Quantity", names, format_func=QUANTITY_TEXT.get, key="lm.inside_quantity")
    feature = controls[2].selectbox(
        "Feature",
        FEATURES,
        key="lm.inside_feature",
        help="; ".join(f"{name}: {meaning}" for name, meaning in FEATURE_HELP.items()),
    )
    hidden = quantity_values(trace, "h", layer)  # (N, H): features are matched against the hidden state
    units_total = hidden.shape[1]
    rows = controls[3].number_input("Units in the grid", 1, units_total, min(24, units_total), key="lm.inside_rows")
    features = character_features(text)
    correlations = unit_correlations(hidden, features[feature])
    ranked = top_units(correlations, units_total)
    shown = ranked[:rows]

    values = quantity_values(trace, quantity, layer)
    varies = bool(np.isfinite(correlations).any())
    which = f"units of h most correlated with “{feature}”" if varies else f"first units (“{feature}” is constant here)"
    grid = char_activation_grid(
        values[:, shown],
        text,
        shown,
        quantity=quantity,
        title=f"{QUANTITY_TEXT[quantity]}, layer {layer}: the {len(shown)} {which}",
    )
    plotly_chart(grid, key="lm.inside_grid")
    figure_downloads(grid, f"activations_{quantity}_layer{layer}", key="lm.inside_grid")

    best = int(ranked[0])
    chosen = st.number_input(
        "Colour the text by unit",
        0,
        units_total - 1,
        None,
        key="lm.inside_unit",
        placeholder=f"empty: the unit most correlated with “{feature}” (now {best})",
        help=f"0 to {units_total - 1}; leave empty for the unit that follows the feature most closely",
    )
    unit = best if chosen is None else int(chosen)
    coloured = coloured_text(
        text,
        values[:, unit],
        quantity=quantity,
        title=f"The text coloured by {QUANTITY_TEXT[quantity]} of unit {unit}, layer {layer}",
    )
    plotly_chart(coloured, key="lm.inside_coloured")
    figure_downloads(coloured, f"text_{quantity}_unit{unit}", key="lm.inside_coloured")

    if not varies:
        st.info(
            f"“{feature}” is the same for every character of this text (or undefined): type a text where it "
            "changes, e.g. with brackets, quotes, several lines or letters.",
            icon=":material/info:",
        )
        return
    left, right = st.columns(2)
    bars = unit_correlation_bars(correlations, ranked[:10], feature=feature)
    lines = feature_vs_units(text, features[feature], hidden[:, ranked[:3]], ranked[:3], feature_name=feature)
    for column, fig, name in ((left, bars, "units_correlated"), (right, lines, "feature_and_units")):
        with column:
            plotly_chart(fig, key=f"lm.inside.{name}")
            figure_downloads(fig, f"{name}_{feature.replace(' / ', '_').replace(' ', '_')}", key=f"lm.inside.{name}")
    matches = best_units(hidden, features)
    st.caption("The unit of h that follows each feature most closely on this text:")
    table(
        [  # – : the feature does not vary on this text
            (m.feature, m.unit if m.unit >= 0 else "–", f"{m.r:+.3f}" if m.unit >= 0 else "–", m.defined)
            for m in matches
        ],
        ["feature", "best unit", "Pearson r", "characters where defined"],
    )
