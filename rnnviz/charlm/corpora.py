"""Character corpora that need no download, and a vocabulary.

Corpora: the synthetic bracket language (``rnnviz.charlm.brackets``, exact entropy), Python source from the
standard library, English prose from Python's own help topics (``pydoc_data``), or text the user uploads
(checked: empty, binary, not UTF-8, one distinct character, too many distinct characters, too large).
"""

from __future__ import annotations

import sysconfig
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from rnnviz.charlm.brackets import BracketLanguage

#: Longer texts are cut to their first this many characters (one epoch then takes about a minute here).
MAX_CORPUS_CHARS = 1_000_000
#: Uploads above this many bytes are refused before decoding.
MAX_UPLOAD_BYTES = 8 * 2**20
MIN_CORPUS_CHARS = 100
#: A vocabulary larger than this is refused (Chinese text has a few thousand distinct characters).
MAX_VOCAB = 10_000
#: Standard-library modules whose source is the "Python source" corpus (all pure Python, in every install).
STDLIB_FILES = (
    "textwrap.py",
    "heapq.py",
    "fractions.py",
    "csv.py",
    "shlex.py",
    "calendar.py",
    "bisect.py",
    "colorsys.py",
    "queue.py",
    "string.py",
    "dataclasses.py",
)
BRACKETS_NAME = "Nested brackets (synthetic)"
PYTHON_NAME = "Python source (standard library)"
PROSE_NAME = "English prose (Python's help topics)"
#: How whitespace is drawn where a character must be visible (figure labels, vocabulary lists).
VISIBLE = {"\n": "⏎", " ": "␣", "\t": "⇥", "\r": "␍"}


def visible(char: str) -> str:
    """A printable stand-in for whitespace and control characters ('\\n' -> '⏎', ' ' -> '␣')."""
    if char in VISIBLE:
        return VISIBLE[char]
    return char if char.isprintable() else f"U+{ord(char):04X}"


def _codes(text: str) -> np.ndarray:
    """Unicode code points of ``text``: (N,) uint32, without a Python loop."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


@dataclass(frozen=True)
class Vocabulary:
    """Index <-> character. ``chars[i]`` is the character of index i, most frequent first (ties by code point)."""

    chars: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(set(self.chars)) != len(self.chars) or any(len(c) != 1 for c in self.chars):
            raise ValueError("a vocabulary is a sequence of distinct single characters")

    @classmethod
    def from_text(cls, text: str) -> Vocabulary:
        codes, counts = np.unique(_codes(text), return_counts=True)
        order = np.lexsort((codes, -counts))  # by count descending, then code point
        return cls(tuple(chr(int(c)) for c in codes[order]))

    @property
    def size(self) -> int:
        return len(self.chars)

    @cached_property
    def _lookup(self) -> tuple[np.ndarray, np.ndarray]:
        codes = np.array([ord(c) for c in self.chars], dtype=np.uint32)
        order = np.argsort(codes)
        return codes[order], order.astype(np.int64)  # sorted code points, their indices

    def unknown(self, text: str) -> list[str]:
        """Distinct characters of ``text`` that are not in the vocabulary, in order of first appearance."""
        known = set(self.chars)
        return list(dict.fromkeys(c for c in text if c not in known))

    def encode(self, text: str) -> np.ndarray:
        """Indices of ``text``'s characters: (N,) int64. Unknown characters raise ValueError naming them."""
        codes = _codes(text)
        sorted_codes, indices = self._lookup
        position = np.minimum(np.searchsorted(sorted_codes, codes), len(sorted_codes) - 1)
        if not np.array_equal(sorted_codes[position], codes):
            missing = self.unknown(text)
            shown = ", ".join(repr(c) for c in missing[:10]) + (" …" if len(missing) > 10 else "")
            raise ValueError(
                f"{len(missing)} character(s) are not in the model's vocabulary of {self.size}: {shown}. "
                "Use only characters of the training text."
            )
        return indices[position]

    def decode(self, indices: np.ndarray | list[int]) -> str:
        return "".join(self.chars[int(i)] for i in indices)

    def to_json_list(self) -> list[str]:
        return list(self.chars)


@dataclass(frozen=True, eq=False)
class Corpus:
    """A text to train on: its name, its characters, and the exact entropy bound when it is known."""

    name: str
    text: str
    entropy_per_char: float | None = None  # nats; known for the synthetic language only
    notes: tuple[str, ...] = field(default=())  # e.g. "cut to the first 1,000,000 characters"

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary.from_text(self.text)

    @property
    def size(self) -> int:
        return len(self.text)


def brackets_corpus(length: int = 200_000, seed: int = 0, language: BracketLanguage | None = None) -> Corpus:
    """``length`` characters of the bracket language (default parameters), with its exact entropy."""
    language = language or BracketLanguage()
    return Corpus(BRACKETS_NAME, language.generate(length, seed), language.entropy_per_char())


def python_source_corpus(max_chars: int = 200_000) -> Corpus:
    """Source of a few pure-Python standard-library modules (``STDLIB_FILES``), joined, at most ``max_chars``."""
    folder = Path(sysconfig.get_path("stdlib"))
    texts = [(folder / name).read_text(encoding="utf-8") for name in STDLIB_FILES if (folder / name).is_file()]
    if not texts:
        raise ValueError(f"the standard library's source files are not installed in {folder}: pick another corpus")
    return Corpus(PYTHON_NAME, "\n".join(texts)[:max_chars])


def prose_corpus(max_chars: int = 200_000) -> Corpus:
    """English prose: Python's built-in help topics (``pydoc_data.topics``, the reference manual's text)."""
    try:
        from pydoc_data.topics import topics
    except ImportError:  # pragma: no cover - stripped-down Python installs
        raise ValueError("this Python has no pydoc_data help topics: pick another corpus") from None
    return Corpus(PROSE_NAME, "\n".join(topics[k] for k in sorted(topics))[:max_chars])


def _looks_binary(text: str) -> bool:
    """More than 1 % control characters other than tab, newline, carriage return, form feed."""
    controls = sum(1 for c in text[:100_000] if ord(c) < 32 and c not in "\t\n\r\f\v")
    return controls > 0.01 * min(len(text), 100_000)


def upload_corpus(name: str, data: bytes) -> Corpus:
    """A corpus from an uploaded file's bytes; raises ValueError saying what to change when it cannot be one.

    Refused: empty, larger than MAX_UPLOAD_BYTES, binary (NUL bytes or many control characters), not UTF-8,
    fewer than MIN_CORPUS_CHARS characters, a single distinct character, more than MAX_VOCAB distinct ones.
    Text longer than MAX_CORPUS_CHARS is cut (``notes`` says so). A UTF-8 byte-order mark is dropped.
    """
    label = f"The file {name!r}"
    if not data.strip():
        raise ValueError(f"{label} is empty: upload a UTF-8 .txt file with at least {MIN_CORPUS_CHARS} characters.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"{label} is {len(data) / 2**20:.1f} MB; upload at most {MAX_UPLOAD_BYTES // 2**20} MB of text "
            f"(only the first {MAX_CORPUS_CHARS:,} characters are used anyway)."
        )
    if b"\x00" in data[:100_000]:
        raise ValueError(f"{label} looks binary (it contains NUL bytes): upload plain text saved as UTF-8 (.txt).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{label} is not UTF-8 text: byte 0x{data[error.start]:02x} at position {error.start:,} cannot be "
            "decoded. Save it as UTF-8 (in a text editor: Save as… with encoding UTF-8) and upload it again."
        ) from None
    if _looks_binary(text):
        raise ValueError(f"{label} looks binary (many control characters): upload plain text saved as UTF-8.")
    notes = []
    if len(text) > MAX_CORPUS_CHARS:
        notes.append(f"Only the first {MAX_CORPUS_CHARS:,} of its {len(text):,} characters are used.")
        text = text[:MAX_CORPUS_CHARS]
    if len(text) < MIN_CORPUS_CHARS:
        raise ValueError(f"{label} has only {len(text)} characters: upload at least {MIN_CORPUS_CHARS}.")
    corpus = Corpus(f"Your text: {name}", text, notes=tuple(notes))
    distinct = corpus.vocabulary.size
    if distinct < 2:
        raise ValueError(
            f"{label} has a single distinct character ({visible(text[0])!r}): there is nothing to predict. "
            "Upload a text with at least two different characters."
        )
    if distinct > MAX_VOCAB:
        raise ValueError(f"{label} has {distinct:,} distinct characters; at most {MAX_VOCAB:,} fit: use another text")
    return corpus
