"""What a reference model reads when a page shows it, and its module's spec.

A sine model reads its task's own input (``rnnviz.sine.data.sine_task_input``); a bracket model reads a line of
freshly generated bracket text (never trained on), the most deeply nested of the first lines, so that a unit
that counts depth has something to count.
"""

from __future__ import annotations

from rnnviz.charlm.inspect import character_features
from rnnviz.core.checkpoints import load_checkpoint
from rnnviz.core.spec import ModelSpec
from rnnviz.reference.cards import bracket_held_out
from rnnviz.reference.catalog import BRACKET_HELD_OUT_SEED
from rnnviz.reference.load import Reference

#: The sample line of a bracket model is at most this long (one step per character).
SAMPLE_LINE_CHARS = 72


def bracket_sample_line(chars: int = 2_000, seed: int = BRACKET_HELD_OUT_SEED) -> str:
    """The most deeply nested line (then the longest) among the first lines of a fresh bracket text that fit in
    ``SAMPLE_LINE_CHARS`` characters, its newline included."""
    lines = [line + "\n" for line in bracket_held_out(chars, seed).split("\n")[:-1]]
    fitting = [line for line in lines if len(line) <= SAMPLE_LINE_CHARS]
    return max(fitting, key=lambda line: (character_features(line)["bracket depth"].max(), len(line)))


def module_spec(reference: Reference, batch_first: bool = False) -> ModelSpec:
    """The recurrent module's spec as read from the weights, in the layout ``batch_first`` asks for."""
    return load_checkpoint(reference.checkpoint, batch_first=batch_first).spec
