"""Train the reference models with the app's own trainers and write them, with their cards, to assets/models.

    python -m rnnviz.reference.build            # every model (``make models``)
    python -m rnnviz.reference.build sine-lstm  # one of them

Deterministic: the same torch version and thread count (the trainers use 1 thread) give the same weights, so
a rebuild reproduces the shipped files' losses. A bracket model whose best unit does not follow the nesting
depth to ``DEPTH_CORRELATION_TARGET`` is refused rather than shipped with a weaker claim.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from rnnviz.charlm.corpora import brackets_corpus
from rnnviz.charlm.trainer import CharTrainer
from rnnviz.reference.cards import bracket_held_out, char_card, sine_card
from rnnviz.reference.catalog import (
    BRACKET_HELD_OUT_CHARS,
    BRACKET_HELD_OUT_SEED,
    BRACKET_TRAIN_CHARS,
    BRACKET_TRAIN_SEED,
    DEPTH_CORRELATION_TARGET,
    MODELS_DIR,
    REFERENCE_MODELS,
    ReferenceModel,
)
from rnnviz.sine.trainer import SineTrainer


def train(model: ReferenceModel) -> tuple[SineTrainer | CharTrainer, dict]:
    """The trained model's trainer and its card."""
    if model.task == "sine":
        trainer = SineTrainer(model.settings)
        trainer.step(model.settings.steps)
        return trainer, sine_card(trainer)
    corpus = brackets_corpus(BRACKET_TRAIN_CHARS, BRACKET_TRAIN_SEED)
    trainer = CharTrainer(
        corpus.text, model.settings, corpus.vocabulary, name=corpus.name, entropy_per_char=corpus.entropy_per_char
    )
    _train_to_the_end(trainer)
    card = char_card(trainer, bracket_held_out(BRACKET_HELD_OUT_CHARS, BRACKET_HELD_OUT_SEED))
    depth = max(abs(u["r"]) for u in card["notable_units"] if u["signal"] == "bracket depth" and u["quantity"] == "c")
    if depth < DEPTH_CORRELATION_TARGET:
        raise RuntimeError(
            f"{model.name}: the best unit's cell state follows the bracket depth only to |r| = {depth:.3f} "
            f"(< {DEPTH_CORRELATION_TARGET}); train it longer (epochs) before shipping it"
        )
    return trainer, card


def _train_to_the_end(trainer: CharTrainer) -> None:
    while not trainer.finished:
        trainer.step(1_000)


def write(model: ReferenceModel, trainer: SineTrainer | CharTrainer, card: dict) -> None:
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    model.checkpoint_path.write_bytes(trainer.checkpoint_bytes())
    card = {"name": model.name, "title": model.title, **card}
    model.card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"models to build (default: all of {', '.join(REFERENCE_MODELS)})")
    names = parser.parse_args(argv).names or list(REFERENCE_MODELS)
    unknown = [name for name in names if name not in REFERENCE_MODELS]
    if unknown:
        sys.exit(f"unknown models {unknown}; known are {', '.join(REFERENCE_MODELS)}")
    for name in names:
        model = REFERENCE_MODELS[name]
        start = time.perf_counter()
        trainer, card = train(model)
        write(model, trainer, card)
        size = model.checkpoint_path.stat().st_size
        notable = "; ".join(unit["says"] for unit in card["notable_units"][:2])
        seconds = time.perf_counter() - start
        print(f"{name}: {trainer.steps_done} steps in {seconds:.0f} s, {size / 1024:.0f} KB; {notable}")


if __name__ == "__main__":
    main()
