"""Model cards computed from the model itself: what it was trained on, how well it does, and its notable units.

A card is a claim about a model, so it is never written by hand: ``sine_card`` and ``char_card`` measure a
trained model (the build stores the result next to the checkpoint) and the tests measure the shipped model
again and compare. A notable unit is the one whose state follows a signal most closely (Pearson r over a text
or stretch the model never trained on), e.g. "unit 43: corr(c, bracket depth) = 0.95".
"""

from __future__ import annotations

import math

import numpy as np
import torch

from rnnviz.charlm.corpora import Vocabulary, brackets_corpus
from rnnviz.charlm.inspect import character_features, top_units, unit_correlations
from rnnviz.charlm.model import CharModel
from rnnviz.charlm.trainer import CharTrainer
from rnnviz.core.trace import Trace, trace
from rnnviz.sine.data import evaluation_stretch
from rnnviz.sine.trainer import SineTrainer
from rnnviz.training.live import RECENT_STEPS

CARD_FORMAT = "rnnviz.card.v1"
#: Character features a bracket model's units are matched against (the others are constant on this language).
CHAR_FEATURES = ("bracket depth", "position in line")


def notable_unit(states: np.ndarray, signal: np.ndarray, quantity: str, signal_name: str) -> dict:
    """The unit whose ``quantity`` (states (N, H)) follows ``signal`` (N,) most closely: unit, r and a sentence."""
    r = unit_correlations(states, signal)
    unit = int(top_units(r, 1)[0])
    value = float(r[unit])
    return {
        "unit": unit,
        "quantity": quantity,
        "signal": signal_name,
        "r": round(value, 4),
        "says": f"unit {unit}: corr({quantity}, {signal_name}) = {value:.2f}",
    }


def _states(tr: Trace) -> dict[str, np.ndarray]:
    """Every state of layer 0 of a batch-of-one trace: 'h' (and 'c'), (N, H) each."""
    return {name: tr.state(name)[:, 0].double().numpy() for name in tr.state_names if name in ("h", "c")}


def sine_stretch_trace(trainer: SineTrainer) -> tuple[Trace, np.ndarray, np.ndarray]:
    """The recurrent module traced over the unseen evaluation stretch in one go (the state carried, as in
    training with ``hidden_policy="carry"``): (trace, input sin(x) (N,), target cos(x) (N,))."""
    stretch = evaluation_stretch(points=trainer.settings.points)
    with trainer.lock:
        traced = trace(trainer.model.rnn, stretch.x)  # (1, N, 1): batch-first, like the model
    return traced, stretch.x[0, :, 0].double().numpy(), stretch.target[0, :, 0].double().numpy()


def measure_sine(trainer: SineTrainer) -> dict:
    """What can be measured again on the model alone: the unseen-stretch MSE and the notable units."""
    traced, inputs, target = sine_stretch_trace(trainer)
    states = _states(traced)
    notable = [notable_unit(states[q], target, q, "cos x") for q in states]
    notable += [notable_unit(states["h"], inputs, "h", "sin x")]
    metrics = {"MSE on the unseen 20π stretch": trainer.evaluate().mse, "trace matches the module": traced.matches}
    return {"metrics": metrics, "notable_units": notable}


def sine_card(trainer: SineTrainer) -> dict:
    """What a sin -> cos model learned: its losses and the units that follow cos(x) and sin(x) most closely."""
    s = trainer.settings
    measured = measure_sine(trainer)
    training = {f"mean loss, last {RECENT_STEPS} steps": float(trainer.recent_losses(RECENT_STEPS).mean())}
    return {
        "format": CARD_FORMAT,
        "task": "sine",
        "trained_on": f"windows of sin(x) -> cos(x), {s.points} points per window of π, state carried between windows",
        "settings": s.to_dict(),
        "steps": trainer.steps_done,
        "torch": torch.__version__,
        "training": training,
        **measured,
    }


def bracket_held_out(chars: int, seed: int) -> str:
    """A freshly generated text of the bracket language, which no model saw in training."""
    return brackets_corpus(chars, seed).text


def measure_char(model: CharModel, vocabulary: Vocabulary, held_out: str, entropy_per_char: float) -> dict:
    """What can be measured again on the model alone: its perplexity on ``held_out`` against the exact bound,
    and the units of c and h that follow the nesting depth (and the position in the line) most closely."""
    indices = torch.from_numpy(vocabulary.encode(held_out)).view(-1, 1)  # (N, 1)
    with torch.no_grad():
        traced = trace(model.rnn, model.encode(indices))
        logits, _ = model(indices[:-1])
        loss = torch.nn.functional.cross_entropy(logits, indices[1:, 0]).item()
    states = _states(traced)
    features = character_features(held_out)
    notable = [notable_unit(states[q], features[f], q, f) for f in CHAR_FEATURES for q in ("c", "h") if q in states]
    metrics = {
        "perplexity bound exp(H)": math.exp(entropy_per_char),
        "perplexity on a fresh text": math.exp(loss),
        "trace matches the module": traced.matches,
    }
    return {"metrics": metrics, "held_out_chars": len(held_out), "notable_units": notable}


def char_card(trainer: CharTrainer, held_out: str) -> dict:
    """What a bracket-language model learned: its perplexities against the exact bound, and its notable units."""
    with trainer.lock:
        measured = measure_char(trainer.model, trainer.vocabulary, held_out, trainer.entropy_per_char)
    last = trainer.epochs[-1]
    return {
        "format": CARD_FORMAT,
        "task": "charlm",
        "trained_on": f"{len(trainer.text):,} characters of the synthetic nested-bracket language (max depth 4)",
        "settings": trainer.settings.to_dict(),
        "vocabulary": list(trainer.vocabulary.chars),
        "steps": trainer.steps_done,
        "epochs": trainer.epochs_done,
        "torch": torch.__version__,
        "training": {"held-out perplexity (end of the training text)": last.validation_perplexity},
        **measured,
    }
