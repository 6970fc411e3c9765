"""Step through's prediction section: a checkpoint's linear head on the traced output (the sine model's
cos(x) prediction), against the task's target when the run reads the task's own input."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from rnnviz.charlm.corpora import visible
from rnnviz.experiment.prediction import HeadPrediction, head_prediction
from rnnviz.experiment.run import Experiment, build_run
from rnnviz.figures import sequence_lines
from rnnviz.figures.chars import next_character_heatmap
from rnnviz.figures.style import SIGNAL_COLOURS
from rnnviz.ui.common.badges import verdict
from rnnviz.ui.common.chart import plotly_chart
from rnnviz.ui.step.char_text import CharSource, Reading
from rnnviz.ui.step.sources import Handoff
from rnnviz.ui.step.traced import cached_traced_run


@st.cache_data(max_entries=32, show_spinner=False)
def cached_head_prediction(experiment: Experiment) -> HeadPrediction | None:
    """The head's prediction on the experiment's traced run, or None when its model has no linear head."""
    run = build_run(experiment)
    if run.head is None:
        return None
    return head_prediction(run.head, run.module, run.x, run.hx, cached_traced_run(experiment))


def prediction_section(
    experiment: Experiment,
    batch: int,
    handoff: Handoff | None,
    reading: Reading | None = None,
    source: CharSource | None = None,
) -> None:
    """The head's prediction (and the target of ``handoff``'s task input, when the run reads it) as lines over
    the time steps; nothing without a head."""
    prediction = cached_head_prediction(experiment)
    if prediction is None:
        return
    head = prediction.head
    values = prediction.values[:, batch]  # (T, O)
    layer = head.module
    st.markdown(
        f"**What the model outputs:** `{head.name}(h_t)`, the checkpoint's nn.Linear({layer.in_features} → "
        f"{layer.out_features}) applied to h_t at every step"
    )
    if reading is not None and source is not None:  # a character model: a score for every next character
        _next_character_scores(values, head.name, batch, reading, source)
    else:
        _against_target(values, head.name, batch, experiment, handoff)
    verdict(
        prediction.matches,
        f"{head.name}(traced output) vs {head.name}(module output): max |Δ| = {prediction.max_abs_error:.1e} "
        f"(tolerance {prediction.tolerance:.0e})",
    )


def _next_character_scores(values: np.ndarray, name: str, batch: int, reading: Reading, source: CharSource) -> None:
    """values (T, V): the head's score (logit) of each character of the vocabulary coming next."""
    probabilities = torch.softmax(torch.from_numpy(values), dim=1).numpy()
    chars = "".join(source.vocabulary.chars)
    plotly_chart(next_character_heatmap(probabilities, chars, reading.labels), key="step.prediction.next")
    guesses = "".join(visible(chars[j]) for j in values.argmax(1))
    st.caption(f"{name}(h_t) is a score (logit) per character; the highest is the model's guess after each step:")
    st.text(guesses)


def _against_target(values: np.ndarray, name: str, batch: int, experiment: Experiment, handoff: Handoff | None) -> None:
    """values (T, O) as lines, with the hand-off's target when the run reads its task input."""
    target = handoff.target_for(experiment) if handoff is not None else None
    suffixes = [f"[{o}]" for o in range(values.shape[1])] if values.shape[1] > 1 else [""]
    series = {f"prediction{suffix}": values[:, o] for o, suffix in enumerate(suffixes)}
    colours = {"prediction": SIGNAL_COLOURS["prediction"]}
    if target is not None:
        series |= {f"target {handoff.target_name}{suffix}": target[:, o] for o, suffix in enumerate(suffixes)}
        colours[f"target {handoff.target_name}"] = SIGNAL_COLOURS["target"]
        mse = float(np.mean((values - target) ** 2))
        title = f"{name}(h_t) vs the target {handoff.target_name}: MSE {mse:.3g}, batch item {batch}"
    else:
        title = f"{name}(h_t), batch item {batch} (this input has no target: pick the task's input to see one)"
    plotly_chart(sequence_lines(series, title=title, y_title="output", colours=colours), key="step.prediction.lines")
