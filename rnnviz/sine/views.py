"""The current sine model looked at: traced on the latest training window, and run on a long unseen stretch."""

from __future__ import annotations

from typing import NamedTuple

import torch

from rnnviz.core.trace import Trace, trace
from rnnviz.sine.trainer import Evaluation, SineTrainer, WindowPrediction


class ModelView(NamedTuple):
    trace: Trace  # rnnviz.trace of the recurrent module on window row 0 (batch of one), from its fed state
    window: WindowPrediction
    evaluation: Evaluation


def model_view(trainer: SineTrainer) -> ModelView:
    """The current model traced on the current window (row 0, from the state it was fed with) and evaluated on
    ``evaluation_stretch`` (20*pi, off the training grid)."""
    with trainer.lock:
        window = trainer.predict_window()
        x = torch.from_numpy(window.inputs).to(torch.float32).view(1, -1, 1)  # (1, T, 1), batch-first
        return ModelView(trace(trainer.model.rnn, x, trainer.window_state), window, trainer.evaluate())
