"""Loading a shipped reference model and its card; a missing or damaged file says which and how to rebuild it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from rnnviz.charlm.corpora import Vocabulary
from rnnviz.charlm.export import load_char_checkpoint
from rnnviz.charlm.model import CharModel
from rnnviz.reference.cards import CARD_FORMAT
from rnnviz.reference.catalog import REBUILD, REFERENCE_MODELS, ReferenceModel
from rnnviz.sine.trainer import SineTrainer


class ReferenceModelError(ValueError):
    """A reference model that cannot be loaded; the message names the file and says how to rebuild it."""


@dataclass(frozen=True, eq=False)
class Reference:
    """A shipped model: its catalog entry, its checkpoint bytes (as its training page exports them), its card."""

    model: ReferenceModel
    checkpoint: bytes
    card: dict

    def notable_units(self, quantity: str | None = None) -> list[dict]:
        return [u for u in self.card["notable_units"] if quantity is None or u["quantity"] == quantity]


def load_reference(name: str) -> Reference:
    """The reference model ``name`` (a key of ``REFERENCE_MODELS``) with its card."""
    if name not in REFERENCE_MODELS:
        raise ReferenceModelError(f"no reference model {name!r}; known are {', '.join(REFERENCE_MODELS)}")
    model = REFERENCE_MODELS[name]
    for path in (model.checkpoint_path, model.card_path):
        if not path.is_file():
            raise ReferenceModelError(f"{path.name} is missing from {path.parent}: run `{REBUILD}` to rebuild it")
    try:
        card = json.loads(model.card_path.read_text())
    except (OSError, ValueError) as error:
        raise ReferenceModelError(
            f"{model.card_path.name} is damaged ({error}): run `{REBUILD}` to rebuild it"
        ) from None
    if not isinstance(card, dict) or card.get("format") != CARD_FORMAT or card.get("name") != name:
        raise ReferenceModelError(f"{model.card_path.name} is not a card of {name}: run `{REBUILD}` to rebuild it")
    return Reference(model, model.checkpoint_path.read_bytes(), card)


def sine_trainer(reference: Reference) -> SineTrainer:
    """A trainer holding the sine model's weights (its history starts empty)."""
    try:
        return SineTrainer.from_checkpoint(reference.checkpoint)
    except ValueError as error:
        raise _damaged(reference) from error


def char_model(reference: Reference) -> tuple[CharModel, Vocabulary]:
    """The character model and its vocabulary."""
    try:
        model, vocabulary, _ = load_char_checkpoint(reference.checkpoint)
    except ValueError as error:
        raise _damaged(reference) from error
    return model, vocabulary


def _damaged(reference: Reference) -> ReferenceModelError:
    """The loader's own reason stays on ``__cause__`` for developers; the page says what to do."""
    path = reference.model.checkpoint_path
    return ReferenceModelError(f"{path.name} is damaged (it is not a checkpoint rnnviz can read): run `{REBUILD}`")
