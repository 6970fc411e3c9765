"""Choose the text to learn: the synthetic bracket language, Python source, English prose, or an upload.

Bundled corpora are immutable and the same for everyone, so they are built once per process
(``st.cache_resource``); an upload is checked (``rnnviz.tasks.chars.upload_corpus``) and kept in this session
only (``lm.upload_corpus``). A bad upload shows what to change and the last good text stays in use.
"""

from __future__ import annotations

import math
from collections.abc import MutableMapping
from typing import Any

import streamlit as st

from rnnviz.charlm.corpora import (
    BRACKETS_NAME,
    MAX_CORPUS_CHARS,
    PROSE_NAME,
    PYTHON_NAME,
    Corpus,
    brackets_corpus,
    prose_corpus,
    python_source_corpus,
    upload_corpus,
    visible,
)
from rnnviz.ui.common.idle import held, on_idle
from rnnviz.ui.common.text import code_block, escape_markdown

KINDS = {
    "brackets": "Nested brackets (synthetic, exact entropy)",
    "python": "Python source (standard library)",
    "prose": "English prose (Python's help topics)",
    "upload": "Your own text (upload a .txt)",
}
UPLOAD_KEY = "lm.upload_corpus"  # (file id, Corpus) of the last good upload
UPLOADER_KEY = "lm.upload"
#: Prefixes to sample from, per bundled text (an upload starts from its own first characters).
DEFAULT_PREFIXES = {BRACKETS_NAME: "((\na[b", PYTHON_NAME: "def \nimport ", PROSE_NAME: "The \nIn "}
BRACKET_LENGTHS = (20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000)
DEFAULT_BRACKET_LENGTH = 200_000


@st.cache_resource(max_entries=8, show_spinner="Generating the text…")
def cached_brackets(length: int, seed: int) -> Corpus:
    return brackets_corpus(length, seed)


@st.cache_resource(max_entries=2, show_spinner="Reading the text…")
def cached_bundled(kind: str) -> Corpus:
    return python_source_corpus() if kind == "python" else prose_corpus()


def _uploaded_corpus() -> Corpus | None:
    """The uploaded file as a corpus; on a bad file an error and the last good upload (if any)."""
    upload = st.file_uploader(
        "A UTF-8 text file (a book, song lyrics, code; any language)",
        key=UPLOADER_KEY,
        help=f"At most {MAX_CORPUS_CHARS:,} characters are used. Nothing is stored beyond this browser session.",
    )
    kept = st.session_state.get(UPLOAD_KEY)
    if upload is None:
        if kept is None:
            st.info("Upload a text file to train on it.", icon=":material/upload_file:")
            return None
        return kept[1]
    if kept is not None and kept[0] == upload.file_id:
        return kept[1]
    try:
        corpus = upload_corpus(upload.name, upload.getvalue())
    except ValueError as error:
        st.error(escape_markdown(str(error)), icon=":material/error:")
        if kept is not None:
            st.info(escape_markdown(f"Still using the last good text, {kept[1].name!r}."), icon=":material/history:")
            return kept[1]
        return None
    st.session_state[UPLOAD_KEY] = (upload.file_id, corpus)
    return corpus


def drop_idle_upload_corpus(state: MutableMapping[str, Any], idle_minutes: float) -> None:
    """An idle session drops the corpus read from its upload while the uploader still holds that file (it is
    read again on the next run); a kept text that is no longer in the uploader stays."""
    kept, upload = held(state, UPLOAD_KEY), held(state, UPLOADER_KEY)
    if kept is not None and upload is not None and upload.file_id == kept[0]:
        del state[UPLOAD_KEY]


on_idle("language model upload", drop_idle_upload_corpus)


def corpus_picker() -> Corpus | None:
    """The text chosen as a corpus (None while there is none, e.g. before an upload), with its summary."""
    kind = st.radio("Text to learn", list(KINDS), format_func=KINDS.__getitem__, key="lm.corpus_kind", horizontal=True)
    try:
        if kind == "brackets":
            length = st.select_slider(
                "Length of the generated text (characters)",
                BRACKET_LENGTHS,
                value=DEFAULT_BRACKET_LENGTH,
                key="lm.bracket_length",
                format_func=lambda n: f"{n:,}",
            )
            corpus = cached_brackets(length, 0)
        elif kind == "upload":
            corpus = _uploaded_corpus()
        else:
            corpus = cached_bundled(kind)
    except ValueError as error:  # e.g. a Python install without its standard-library sources
        st.error(escape_markdown(str(error)), icon=":material/error:")
        corpus = None
    if corpus is not None:
        corpus_summary(corpus)
    return corpus


def corpus_summary(corpus: Corpus) -> None:
    """Size, vocabulary and a sample of the text (shown as code: never as HTML)."""
    for note in corpus.notes:
        st.warning(note, icon=":material/content_cut:")
    vocabulary = corpus.vocabulary
    numbers = st.columns(3)
    numbers[0].metric("Characters", f"{corpus.size:,}")
    numbers[1].metric("Vocabulary (distinct characters)", f"{vocabulary.size:,}")
    if corpus.entropy_per_char is not None:
        numbers[2].metric(
            "Best possible perplexity",
            f"{math.exp(corpus.entropy_per_char):.3f}",
            help=f"exp(H), H = {corpus.entropy_per_char:.4f} nats per character, computed exactly from the "
            "generator: no model can do better on average.",
        )
    with st.expander(escape_markdown(f"A sample of “{corpus.name}” and its vocabulary"), icon=":material/description:"):
        code_block(corpus.text[:600])
        shown = " ".join(visible(c) for c in vocabulary.chars[:300])
        more = f" … and {vocabulary.size - 300:,} more" if vocabulary.size > 300 else ""
        st.caption(escape_markdown(f"Vocabulary, most frequent first: {shown}{more}"))


def default_prefixes(corpus_name: str, text: str) -> str:
    """Prefixes to start from: fixed ones for the bundled texts, the first characters of an upload."""
    return DEFAULT_PREFIXES.get(corpus_name, text[:4].split("\n")[0] or text[:1])
