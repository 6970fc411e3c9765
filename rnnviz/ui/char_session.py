"""Per-session state of the language-model page, in one place (nothing here is shared between users).

Keys: ``lm.trainer`` the current ``CharTrainer`` (None until the corpus and settings allow one),
``lm.trainer_key`` the (corpus, settings) it was built for, ``lm.samples`` its ``EpochSamples`` log,
``lm.running``, ``lm.build_error`` why no trainer could be built for the current choices, ``lm.trainer_entropy``
the exact entropy per character of the trainer's text (None unless it is the synthetic language),
``lm.trainer_corpus`` that text's name.
The button callbacks run before the script (Streamlit ``on_click``), so the page draws the new state.
"""
from __future__ import annotations

import streamlit as st

from rnnviz.char_samples import EpochSamples, SampleSpec
from rnnviz.char_settings import CharSettings
from rnnviz.char_train import CharTrainer
from rnnviz.tasks.chars import Corpus

TRAINER_KEY = "lm.trainer"
BUILT_FOR_KEY = "lm.trainer_key"
SAMPLES_KEY = "lm.samples"
RUNNING_KEY = "lm.running"
BUILD_ERROR_KEY = "lm.build_error"
ENTROPY_KEY = "lm.trainer_entropy"
CORPUS_NAME_KEY = "lm.trainer_corpus"


def init_state() -> None:
    for key, value in ((TRAINER_KEY, None), (BUILT_FOR_KEY, None), (SAMPLES_KEY, None), (RUNNING_KEY, False)):
        st.session_state.setdefault(key, value)


def corpus_key(corpus: Corpus) -> tuple:
    return corpus.name, corpus.size, hash(corpus.text)


def current_trainer() -> CharTrainer | None:
    return st.session_state.get(TRAINER_KEY)


def current_samples() -> EpochSamples | None:
    return st.session_state.get(SAMPLES_KEY)


def is_running() -> bool:
    return bool(st.session_state.get(RUNNING_KEY)) and current_trainer() is not None


def _build(corpus: Corpus, settings: CharSettings) -> CharTrainer | None:
    """A fresh trainer (and sample log) for these choices; on a ValueError keep the old ones and remember why."""
    try:
        trainer = CharTrainer(corpus.text, settings, corpus.vocabulary)
    except ValueError as error:
        st.session_state[BUILD_ERROR_KEY] = str(error)
        return None
    st.session_state[BUILD_ERROR_KEY] = None
    old = current_samples()
    samples = EpochSamples(old.spec if old is not None else SampleSpec())
    trainer.add_callback("on_epoch", samples)
    st.session_state[TRAINER_KEY], st.session_state[SAMPLES_KEY] = trainer, samples
    st.session_state[BUILT_FOR_KEY] = (corpus_key(corpus), settings)
    st.session_state[ENTROPY_KEY] = corpus.entropy_per_char
    st.session_state[CORPUS_NAME_KEY] = corpus.name
    return trainer


def trainer_for(corpus: Corpus | None, settings: CharSettings | None) -> CharTrainer | None:
    """The current trainer. One that has not trained yet follows the corpus and settings; one that has keeps
    its own until Reset (so changing a widget never throws away a run)."""
    trainer = current_trainer()
    if corpus is None or settings is None or (trainer is not None and trainer.steps_done > 0):
        return trainer
    if trainer is not None and st.session_state[BUILT_FOR_KEY] == (corpus_key(corpus), settings):
        st.session_state[BUILD_ERROR_KEY] = None
        return trainer
    built = _build(corpus, settings)
    if built is None:  # the current choices cannot train: drop an untrained trainer built for older ones
        st.session_state[TRAINER_KEY] = None
        st.session_state[BUILT_FOR_KEY] = None
    return built


def follows(corpus: Corpus | None, settings: CharSettings | None) -> bool:
    """True when the current trainer was built for exactly this corpus and these settings."""
    if corpus is None or settings is None:
        return True
    return st.session_state.get(BUILT_FOR_KEY) == (corpus_key(corpus), settings)


def trainer_entropy() -> float | None:
    """Entropy per character (nats) of the current trainer's text, when known exactly."""
    return st.session_state.get(ENTROPY_KEY)


def trainer_corpus_name() -> str:
    """Name of the current trainer's text (widget keys that hold text of it include this name)."""
    return st.session_state.get(CORPUS_NAME_KEY, "")


def build_error() -> str | None:
    return st.session_state.get(BUILD_ERROR_KEY)


# ----- button callbacks ---------------------------------------------------------------------------------------
def start() -> None:
    trainer = current_trainer()
    st.session_state[RUNNING_KEY] = trainer is not None and not trainer.finished


def pause() -> None:
    st.session_state[RUNNING_KEY] = False


def reset(corpus: Corpus | None, settings: CharSettings | None) -> None:
    """Stop and begin a fresh, untrained run with the current corpus and settings."""
    st.session_state[RUNNING_KEY] = False
    if corpus is not None and settings is not None:
        _build(corpus, settings)


def sample_now() -> None:
    trainer, samples = current_trainer(), current_samples()
    if trainer is not None and samples is not None:
        samples.take(trainer, trainer.epochs_done)


def stop_running() -> None:
    st.session_state[RUNNING_KEY] = False
