"""Look inside a character model: trace it over a text, compute simple per-character features, and find the
hidden units whose activation follows a feature most closely (Pearson correlation over the characters).

Column t of every array belongs to character t: ``h_t`` is the state *after* reading it, and each feature is
its value after that character (e.g. the bracket depth once a '(' has been read is one more).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from rnnviz.charlm.corpora import Vocabulary
from rnnviz.charlm.model import CharModel
from rnnviz.charlm.typed_text import MAX_TEXT_CHARS, char_input
from rnnviz.core.trace import Trace, trace

#: The inside view traces at most this many characters.
MAX_INSPECT_CHARS = MAX_TEXT_CHARS
FEATURES = ("bracket depth", "inside quotes", "position in line", "vowel / consonant")
FEATURE_HELP = {
    "bracket depth": "open ( [ { minus closed ) ] } so far (never below 0)",
    "inside quotes": "1 inside '…' or \"…\" (a quote opens and the same quote closes; a newline ends it), else 0",
    "position in line": "characters since the last newline (0 at the newline)",
    "vowel / consonant": "1 for a vowel (a e i o u), 0 for another Latin letter; other characters are left out",
}
OPENING, CLOSING = "([{", ")]}"
VOWELS = set("aeiouAEIOU")


def character_features(text: str) -> dict[str, np.ndarray]:
    """Every feature of ``FEATURES`` for each character of ``text``: name -> (N,) float64 (NaN = not defined)."""
    n = len(text)
    depth, position, vowel = np.zeros(n), np.zeros(n), np.zeros(n)
    level, column = 0, 0
    for t, char in enumerate(text):
        if char in OPENING:
            level += 1
        elif char in CLOSING:
            level = max(level - 1, 0)
        column = 0 if char == "\n" else column + 1
        depth[t], position[t] = level, column
        vowel[t] = 1.0 if char in VOWELS else (0.0 if char.isascii() and char.isalpha() else np.nan)
    return {
        "bracket depth": depth,
        "inside quotes": _inside_quotes(text),
        "position in line": position,
        "vowel / consonant": vowel,
    }


def _inside_quotes(text: str) -> np.ndarray:
    """1 from an opening quote up to and including its closing quote, else 0: (N,)."""
    inside = np.zeros(len(text))
    quote = None
    for t, char in enumerate(text):
        if char == "\n":
            quote = None
        elif quote is None and char in "'\"":
            quote = char
            inside[t] = 1.0
        elif quote is not None:
            inside[t] = 1.0
            if char == quote:
                quote = None
    return inside


def unit_correlations(activations: np.ndarray, feature: np.ndarray) -> np.ndarray:
    """Pearson r between each unit's activation and the feature over the characters where it is defined.

    activations (N, H), feature (N,) with NaN where undefined -> (H,); NaN for a constant unit or feature.
    """
    activations = np.asarray(activations, dtype=np.float64)
    keep = ~np.isnan(feature)
    a, f = activations[keep], feature[keep]
    if a.shape[0] < 2:
        return np.full(activations.shape[1], np.nan)
    a = a - a.mean(axis=0)
    f = f - f.mean()
    denominator = np.sqrt((a * a).sum(axis=0) * (f * f).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a * f[:, None]).sum(axis=0) / denominator
    return np.where(denominator > 1e-12, r, np.nan)


def top_units(correlations: np.ndarray, k: int = 10) -> np.ndarray:
    """Indices of the ``k`` units with the largest |r| (NaN last), strongest first."""
    strength = np.nan_to_num(np.abs(correlations), nan=-1.0)
    return np.argsort(-strength, kind="stable")[:k]


class FeatureMatch(NamedTuple):
    feature: str
    unit: int  # the unit with the largest |r|, or -1 when the feature is constant on this text
    r: float  # its correlation (NaN when undefined)
    defined: int  # characters where the feature is defined


def best_units(activations: np.ndarray, features: dict[str, np.ndarray]) -> list[FeatureMatch]:
    """For each feature, the unit that follows it most closely (activations (N, H))."""
    matches = []
    for name, values in features.items():
        r = unit_correlations(activations, values)
        unit = int(top_units(r, 1)[0])
        defined = int((~np.isnan(values)).sum())
        matches.append(FeatureMatch(name, unit if np.isfinite(r[unit]) else -1, float(r[unit]), defined))
    return matches


def pick_inspect_text(text: str, length: int = 200, candidates: int = 100) -> str:
    """A ``length``-character piece of ``text`` that starts at a line and on which as many ``FEATURES`` as
    possible vary (e.g. code with brackets, quotes and several lines), then with the most distinct characters."""
    starts = [0] + [i + 1 for i, char in enumerate(text[: -length or None]) if char == "\n"][: candidates - 1]

    def score(piece: str) -> tuple[int, int]:
        features = [v for v in character_features(piece).values() if np.isfinite(v).any()]
        return sum(int(np.nanmax(v) > np.nanmin(v)) for v in features), len(set(piece))

    return max((text[start : start + length] for start in starts), key=score, default=text[:length])


def trace_text(model: CharModel, vocabulary: Vocabulary, text: str) -> Trace:
    """``rnnviz.trace`` of the model's recurrent module on ``text`` (batch of one) from a zero state.

    Raises ``TextError`` for an empty text, one longer than MAX_INSPECT_CHARS, or unknown characters.
    """
    rows = char_input(model, vocabulary, text, MAX_INSPECT_CHARS).values  # (N, V or E)
    x = torch.from_numpy(rows).to(torch.float32).unsqueeze(1)  # (N, 1, I), sequence-first like the module
    return trace(model.rnn, x)
