"""The reference models rnnviz ships: what each is, how it is trained, and where its files are.

Every model is trained by the project's own trainers (``make models`` runs ``rnnviz.reference.build``),
deterministically, and saved in ``assets/models/`` as the very checkpoint its training page exports
(``<name>.pt``: state_dict + settings JSON, loads with ``torch.load(..., weights_only=True)``) next to its card
(``<name>.card.json``: what it learned, computed at build time, never written by hand).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rnnviz.charlm.settings import CharSettings
from rnnviz.sine.settings import SineSettings

MODELS_DIR = Path(__file__).resolve().parents[2] / "assets" / "models"
REBUILD = "make models"
#: The bracket-language text a character model is trained on, and the held-out text its card is measured on.
BRACKET_TRAIN_CHARS, BRACKET_TRAIN_SEED = 100_000, 0
BRACKET_HELD_OUT_CHARS, BRACKET_HELD_OUT_SEED = 4_000, 12_345
#: A bracket model is kept only if one unit's cell state follows the nesting depth at least this closely.
DEPTH_CORRELATION_TARGET = 0.9


@dataclass(frozen=True)
class ReferenceModel:
    """One shipped model: ``task`` is "sine" or "charlm"; ``settings`` the training page's settings."""

    name: str
    title: str
    task: str
    settings: SineSettings | CharSettings

    @property
    def checkpoint_path(self) -> Path:
        return MODELS_DIR / f"{self.name}.pt"

    @property
    def card_path(self) -> Path:
        return MODELS_DIR / f"{self.name}.card.json"


REFERENCE_MODELS = {
    model.name: model
    for model in (
        ReferenceModel("sine-lstm", "LSTM trained on sin → cos", "sine", SineSettings(cell="LSTM")),
        ReferenceModel("sine-gru", "GRU trained on sin → cos", "sine", SineSettings(cell="GRU")),
        ReferenceModel("sine-rnn", "RNN trained on sin → cos", "sine", SineSettings(cell="RNN")),
        ReferenceModel(
            "brackets-lstm",
            "LSTM language model of nested brackets",
            "charlm",
            CharSettings(hidden_size=64, lr=0.01, epochs=5, seed=0),
        ),
    )
}
