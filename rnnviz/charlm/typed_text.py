"""A typed text as a character model's input: checked (empty, too long, characters outside the vocabulary),
then turned into the recurrent module's input rows, one per character.

    text "(a)"  ->  indices (T,) = [4, 2, 5]  ->  x (T, I): one-hot rows (I = V) or embedding rows (I = E)

A one-hot row selects one column of W_ih: ``W_ih x_t = W_ih[:, j]`` for character j, so the input term of
every gate is that column (plus the biases). Characters outside the vocabulary are never mapped to something
else: ``TextError.unknown`` names them, and ``without_unknown`` drops them when the user asks to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from rnnviz.charlm.corpora import Vocabulary, visible
from rnnviz.charlm.model import CharModel

#: The longest text a character view traces (a step per character; longer texts are unreadable anyway).
MAX_TEXT_CHARS = 400


class TextError(ValueError):
    """A text that cannot be fed to the model; ``unknown`` lists the characters outside its vocabulary."""

    def __init__(self, message: str, unknown: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.unknown = unknown


def _listed(chars) -> str:
    return " ".join(visible(c) for c in chars)


def checked_text(text: str, vocabulary: Vocabulary, max_chars: int = MAX_TEXT_CHARS) -> str:
    """``text`` itself when the model can read it; else a ``TextError`` that says what to change."""
    if not text:
        raise TextError(f"the text is empty: type at least one character the model knows ({_listed(vocabulary.chars)})")
    if len(text) > max_chars:
        raise TextError(f"the text has {len(text):,} characters, over the limit of {max_chars}: shorten it")
    unknown = tuple(vocabulary.unknown(text))
    if unknown:
        shown = ", ".join(f"'{visible(c)}'" for c in unknown[:12]) + (" …" if len(unknown) > 12 else "")
        raise TextError(
            f"the model's vocabulary has no {shown} ({len(unknown)} character{'s' if len(unknown) > 1 else ''} it "
            f"never saw in training; it knows only {_listed(vocabulary.chars)}): drop them, or type only those",
            unknown,
        )
    return text


def without_unknown(text: str, vocabulary: Vocabulary) -> str:
    """``text`` with every character outside the vocabulary removed (what 'drop them' does)."""
    known = set(vocabulary.chars)
    return "".join(c for c in text if c in known)


@dataclass(frozen=True, eq=False)
class CharInput:
    """A checked text as the module's input: ``indices`` (T,) int64, ``values`` (T, I) float64 (exactly the
    float32 rows the model feeds its recurrent module), ``one_hot`` when row t is the one-hot of indices[t]."""

    text: str
    indices: np.ndarray
    values: np.ndarray
    one_hot: bool

    @property
    def labels(self) -> tuple[str, ...]:
        """A printable label per time step: the character ('⏎' for a newline, '␣' for a space)."""
        return tuple(visible(c) for c in self.text)


def char_input(model: CharModel, vocabulary: Vocabulary, text: str, max_chars: int = MAX_TEXT_CHARS) -> CharInput:
    """``text`` (checked: ``TextError``) encoded as ``model`` encodes it: one-hot or embedding rows (T, I)."""
    indices = vocabulary.encode(checked_text(text, vocabulary, max_chars))
    with torch.no_grad():
        rows = model.encode(torch.from_numpy(indices).view(-1, 1))[:, 0]  # (T, I) float32
    return CharInput(text, indices, rows.double().numpy(), one_hot=model.embedding is None)
