"""The Language model page's hand-off: the model as it is now on Step through, reading a piece of its text."""

from __future__ import annotations

from collections.abc import Callable

from rnnviz.charlm.typed_text import MAX_TEXT_CHARS, char_input, without_unknown
from rnnviz.training.live import LiveRun
from rnnviz.ui.step.sources import Handoff


def char_handoff(text: str) -> Callable[[LiveRun], Handoff]:
    """A maker of the hand-off of a language-model run: its checkpoint, reading ``text`` (the piece the page's
    inside view shows, cut to what Step through reads)."""

    def make(live: LiveRun) -> Handoff:
        trainer = live.trainer
        piece = without_unknown(text, trainer.vocabulary)[:MAX_TEXT_CHARS]
        reading = char_input(trainer.model, trainer.vocabulary, piece)
        label = f"trained on Language model ({live.settings.cell}, {trainer.steps_done} steps)"
        what = f"a piece of its text ({len(piece)} characters)"
        return Handoff(label, trainer.checkpoint_bytes(), what, reading.values, None, "", text=piece)

    return make
