"""A typed text as a character model's input: the checks name what to change, unknown characters are named and
dropped only on request, and the rows are exactly what the model feeds its recurrent module."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnviz.charlm.corpora import Vocabulary
from rnnviz.charlm.model import CharModel
from rnnviz.charlm.typed_text import MAX_TEXT_CHARS, TextError, char_input, checked_text, without_unknown

VOCABULARY = Vocabulary(tuple("bcad()[]\n"))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="abcd()[]\nxyz é{}\t", min_size=1, max_size=80))
def test_unknown_characters_are_named_never_replaced(text):
    unknown = [c for c in dict.fromkeys(text) if c not in VOCABULARY.chars]
    kept = without_unknown(text, VOCABULARY)
    assert kept == "".join(c for c in text if c in VOCABULARY.chars)
    if unknown:
        with pytest.raises(TextError) as caught:
            checked_text(text, VOCABULARY)
        assert list(caught.value.unknown) == unknown
        assert "drop them" in str(caught.value)
    else:
        assert checked_text(text, VOCABULARY) == text
    if kept:
        assert checked_text(kept, VOCABULARY) == kept


def test_the_messages_say_what_to_change():
    with pytest.raises(TextError, match=r"the text is empty: type at least one character .*\( \) \[ \]"):
        checked_text("", VOCABULARY)
    with pytest.raises(TextError, match=f"401 characters, over the limit of {MAX_TEXT_CHARS}: shorten it"):
        checked_text("a" * (MAX_TEXT_CHARS + 1), VOCABULARY)
    with pytest.raises(TextError, match=r"no 'x', '␣' \(2 characters it never saw in training; it knows only b c a d"):
        checked_text("(x a)", VOCABULARY)
    assert checked_text("a" * MAX_TEXT_CHARS, VOCABULARY)


@pytest.mark.parametrize("input_kind", ["one-hot", "embedding"])
def test_the_rows_are_the_models_own_input(input_kind):
    model = CharModel(VOCABULARY.size, "LSTM", 8, 1, input_kind, 5, seed=3)
    text = "(a[b]c)\nd"
    typed = char_input(model, VOCABULARY, text)
    indices = torch.from_numpy(VOCABULARY.encode(text)).view(-1, 1)
    with torch.no_grad():
        own = model.encode(indices)[:, 0]  # (T, I) float32
    assert typed.values.dtype == np.float64 and typed.values.shape == (len(text), own.shape[1])
    assert torch.equal(torch.from_numpy(typed.values).float(), own)  # exact: float32 -> float64 -> float32
    assert typed.one_hot == (input_kind == "one-hot")
    if typed.one_hot:  # row t selects column indices[t] of W_ih
        assert (typed.values.argmax(1) == typed.indices).all() and (typed.values.sum(1) == 1).all()
    assert typed.labels == ("(", "a", "[", "b", "]", "c", ")", "⏎", "d")
    with pytest.raises(TextError):
        char_input(model, VOCABULARY, "(Q)")
