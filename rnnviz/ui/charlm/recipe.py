"""What a language-model run is built from (a text and its settings), and how the page builds its trainer."""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from rnnviz.charlm.corpora import Corpus
from rnnviz.charlm.samples import SampleSpec
from rnnviz.charlm.settings import CharSettings
from rnnviz.charlm.trainer import CharTrainer
from rnnviz.ui.charlm.form import LAST_SPEC_KEY


@dataclass(frozen=True)
class CharRecipe:
    """A text and settings; two recipes are equal when their texts have the same name, size and hash."""

    corpus: Corpus = field(compare=False, hash=False)
    corpus_key: tuple[str, int, int]
    settings: CharSettings

    @classmethod
    def of(cls, corpus: Corpus, settings: CharSettings) -> CharRecipe:
        return cls(corpus, (corpus.name, corpus.size, hash(corpus.text)), settings)


def build_char_trainer(recipe: CharRecipe) -> CharTrainer:
    """A fresh trainer for ``recipe``, sampling with the page's current sample choices (ValueError if the
    settings cannot train on this text)."""
    corpus = recipe.corpus
    return CharTrainer(
        corpus.text,
        recipe.settings,
        corpus.vocabulary,
        name=corpus.name,
        entropy_per_char=corpus.entropy_per_char,
        samples=st.session_state.get(LAST_SPEC_KEY, SampleSpec()),
    )
