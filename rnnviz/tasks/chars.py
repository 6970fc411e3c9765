"""Character corpora that need no download, a vocabulary, and the two ways to cut a corpus into batches.

Corpora: the synthetic bracket language (``rnnviz.tasks.brackets``, exact entropy), Python source from the
standard library, English prose from Python's own help topics (``pydoc_data``), or text the user uploads
(checked: empty, binary, not UTF-8, one distinct character, too many distinct characters, too large).

Batching follows "Dive into Deep Learning" (section 9.3), with a private ``torch.Generator``::

    adjacent: corpus[offset:] cut into B rows; batch k = columns k*T .. k*T+T-1 of every row, so row b of
              batch k+1 continues row b of batch k (a hidden state may be carried across, detached)
    random:   corpus[offset:] cut into windows of T; the windows shuffled, B of them per batch (reset state)

X and Y are (B, T) int64 indices, Y = X shifted by one character; the model takes X.T, time-major (T, B).
"""
from __future__ import annotations

import sysconfig
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from rnnviz.tasks.brackets import BracketLanguage

#: Longer texts are cut to their first this many characters (one epoch then takes about a minute here).
MAX_CORPUS_CHARS = 1_000_000
#: Uploads above this many bytes are refused before decoding.
MAX_UPLOAD_BYTES = 8 * 2**20
MIN_CORPUS_CHARS = 100
#: A vocabulary larger than this is refused (Chinese text has a few thousand distinct characters).
MAX_VOCAB = 10_000
SAMPLINGS = ("adjacent", "random")
#: Standard-library modules whose source is the "Python source" corpus (all pure Python, in every install).
STDLIB_FILES = (
    "textwrap.py", "heapq.py", "fractions.py", "csv.py", "shlex.py", "calendar.py", "bisect.py",
    "colorsys.py", "queue.py", "string.py", "dataclasses.py",
)  # fmt: skip
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


def split_validation(text: str, fraction: float = 0.1, max_chars: int = 20_000) -> tuple[str, str]:
    """(training text, held-out validation text): the last ``fraction`` of ``text`` (at most ``max_chars``)."""
    held_out = min(int(len(text) * fraction), max_chars)
    return (text, "") if held_out < 2 else (text[:-held_out], text[-held_out:])


@dataclass(frozen=True, eq=False)
class EpochBatches:
    """One epoch's batches: ``batch(k)`` -> (X, Y), (B, T) int64 each, for k in range(len(self))."""

    rows_x: Tensor  # adjacent: (B, columns) rows of the corpus; random: the corpus from its offset (N',)
    rows_y: Tensor
    starts: Tensor | None  # random: shuffled window starts (num_batches * B,); adjacent: None
    batch_size: int
    num_steps: int
    count: int

    def __len__(self) -> int:
        return self.count

    def batch(self, k: int) -> tuple[Tensor, Tensor]:
        t, b = self.num_steps, self.batch_size
        if self.starts is None:
            return self.rows_x[:, k * t : (k + 1) * t], self.rows_y[:, k * t : (k + 1) * t]
        positions = self.starts[k * b : (k + 1) * b, None] + torch.arange(t)  # (B, T)
        return self.rows_x[positions], self.rows_y[positions]


def batches_needed(batch_size: int, num_steps: int, sampling: str) -> int:
    """Fewest corpus characters that give one batch: the largest offset + B * T + 1 for the target shift."""
    return (num_steps if sampling == "adjacent" else num_steps - 1) + batch_size * num_steps + 1


def epoch_batches(
    indices: Tensor, batch_size: int, num_steps: int, sampling: str, generator: torch.Generator
) -> EpochBatches:
    """Cut ``indices`` (N,) into one epoch of (X, Y) batches; draws the offset (and the shuffle) from ``generator``.

    adjacent (d2l ``seq_data_iter_sequential``): offset in [0, T]; B rows of ``(N - offset - 1) // B`` chars.
    random (d2l ``seq_data_iter_random``): offset in [0, T - 1]; windows of T shuffled; B windows per batch.
    """
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling must be one of {', '.join(SAMPLINGS)}, got {sampling!r}")
    needed = batches_needed(batch_size, num_steps, sampling)
    if indices.shape[0] < needed:
        raise ValueError(
            f"the training text has {indices.shape[0]:,} characters, too few for one batch of {batch_size} × "
            f"{num_steps} ({needed:,} needed): lower the batch size or num_steps, or use a longer text."
        )
    if sampling == "adjacent":
        offset = int(torch.randint(0, num_steps + 1, (1,), generator=generator))
        tokens = ((indices.shape[0] - offset - 1) // batch_size) * batch_size
        rows_x = indices[offset : offset + tokens].reshape(batch_size, -1)  # (B, columns)
        rows_y = indices[offset + 1 : offset + 1 + tokens].reshape(batch_size, -1)
        return EpochBatches(rows_x, rows_y, None, batch_size, num_steps, rows_x.shape[1] // num_steps)
    offset = int(torch.randint(0, num_steps, (1,), generator=generator))
    corpus = indices[offset:]
    windows = (corpus.shape[0] - 1) // num_steps
    starts = torch.randperm(windows, generator=generator) * num_steps  # (windows,)
    count = windows // batch_size
    return EpochBatches(corpus[:-1], corpus[1:], starts[: count * batch_size], batch_size, num_steps, count)
