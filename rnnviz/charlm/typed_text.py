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


def input_rows(model: CharModel, vocabulary: Vocabulary) -> np.ndarray:
    """The input row of every character of the vocabulary: (V, I) float64, row j = x_t when character j is read."""
    with torch.no_grad():
        return model.encode(torch.arange(vocabulary.size).view(-1, 1))[:, 0].double().numpy()


def text_of(values: np.ndarray, model: CharModel, vocabulary: Vocabulary) -> str | None:
    """The text whose input rows are ``values`` (T, I): row t equal to character j's row reads j. None when some
    row is no character's row (the sequence did not come from a text)."""
    rows = input_rows(model, vocabulary)
    if values.ndim != 2 or values.shape[1] != rows.shape[1]:
        return None
    matches = (values[:, None, :] == rows[None]).all(-1)  # (T, V)
    if not matches.any(1).all():
        return None
    return vocabulary.decode(matches.argmax(1))


def input_term_notes(text: str, vocabulary: Vocabulary, one_hot: bool) -> list[str]:
    """Per step, what the input term of the gates is for the character read: with a one-hot x_t of character j,
    W_ih x_t = W_ih[:, j], column j of W_ih; with an embedding, x_t = E[j], row j of the embedding table."""
    notes = []
    for char, j in zip(text, vocabulary.encode(text).tolist(), strict=True):
        if one_hot:
            notes.append(
                f"x_t is the one-hot vector of '{visible(char)}' (vocabulary index {j}), so W_ih x_t = W_ih[:, {j}]: "
                f"the input term of every gate is column {j} of W_ih."
            )
        else:
            notes.append(f"x_t = E[{j}], the embedding row of '{visible(char)}' (vocabulary index {j}).")
    return notes
