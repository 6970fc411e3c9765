"""A synthetic language of nested brackets and letters whose true entropy per character is known exactly.

The text is a Markov chain whose state is the stack of open brackets (at most ``max_depth`` of them). With
stack ``s`` (depth d = len(s)) the next character is::

    '(' or '['         each with p_open / 2   if d < max_depth      (pushed onto the stack)
    the closer of s[-1]     with p_close      if d > 0              (')' for '(', ']' for '[': popped)
    '\\n'                   with p_newline    if d == 0
    one of ``letters``, uniformly, with the probability left over

The stack is a function of the text read so far (the text starts with an empty stack), so the best possible
predictor knows it, and its expected cross-entropy is the entropy rate of the chain::

    H = sum_d pi(d) * H(next | depth d)          nats per character; perplexity >= exp(H)

H(next | d) depends on the depth only (the closer is certain once the stack is known), and the depth is a
birth-death chain (up with p_open, down with p_close), so its stationary distribution is geometric:
pi(d) proportional to (p_open / p_close)**d, d = 0..max_depth. A model that does not track the stack pays
for it: it cannot know which closer comes, nor whether a newline or a closer is possible at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

OPENERS = "(["
CLOSER_OF = {"(": ")", "[": "]"}


@dataclass(frozen=True)
class BracketLanguage:
    """The chain's parameters; ``entropy_per_char`` is its exact entropy rate (nats per character)."""

    max_depth: int = 4
    p_open: float = 0.2  # split evenly between '(' and '['
    p_close: float = 0.3
    p_newline: float = 0.1
    letters: str = "abcd"

    def __post_init__(self) -> None:
        problems = []
        if isinstance(self.max_depth, bool) or not isinstance(self.max_depth, int) or not 1 <= self.max_depth <= 50:
            problems.append(f"max_depth must be a whole number from 1 to 50, got {self.max_depth!r}")
        for name in ("p_open", "p_close", "p_newline"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and 0 < value < 1):
                problems.append(f"{name} must be a probability strictly between 0 and 1, got {value!r}")
        if not problems and max(self.p_open + self.p_close, self.p_open + self.p_newline) >= 1:
            problems.append("p_open + p_close and p_open + p_newline must stay below 1 (letters need the rest)")
        if not self.letters or len(set(self.letters)) != len(self.letters) or set(self.letters) & set("()[]\n"):
            problems.append(f"letters must be distinct characters, not brackets or newline, got {self.letters!r}")
        if problems:
            raise ValueError("; ".join(problems))

    def next_char_probabilities(self, stack: str) -> dict[str, float]:
        """P(next character | open brackets ``stack``, e.g. '([' ); the probabilities sum to 1."""
        depth = len(stack)
        if depth > self.max_depth or set(stack) - set(OPENERS):
            raise ValueError(f"stack must be at most {self.max_depth} characters of {OPENERS!r}, got {stack!r}")
        probabilities: dict[str, float] = {}
        if depth < self.max_depth:
            for opener in OPENERS:
                probabilities[opener] = self.p_open / len(OPENERS)
        if depth > 0:
            probabilities[CLOSER_OF[stack[-1]]] = self.p_close
        if depth == 0:
            probabilities["\n"] = self.p_newline
        rest = 1.0 - sum(probabilities.values())
        for letter in self.letters:
            probabilities[letter] = rest / len(self.letters)
        return probabilities

    def depth_distribution(self) -> np.ndarray:
        """Stationary distribution of the depth, pi(d) for d = 0..max_depth: (max_depth + 1,), sums to 1.

        Detailed balance of the birth-death chain: pi(d) * p_open = pi(d + 1) * p_close.
        """
        weights = (self.p_open / self.p_close) ** np.arange(self.max_depth + 1, dtype=np.float64)
        return weights / weights.sum()

    def depth_entropy(self, depth: int) -> float:
        """H(next character | depth) in nats (the same for every stack of that depth)."""
        probabilities = self.next_char_probabilities(OPENERS[0] * depth).values()
        return -sum(p * math.log(p) for p in probabilities)

    def entropy_per_char(self) -> float:
        """The entropy rate H = sum_d pi(d) H(next | d), nats per character: no model's expected
        cross-entropy on this language can be lower."""
        pi = self.depth_distribution()
        return float(sum(pi[d] * self.depth_entropy(d) for d in range(self.max_depth + 1)))

    def perplexity_bound(self) -> float:
        """exp(entropy_per_char()): the lowest perplexity any model can reach on average."""
        return math.exp(self.entropy_per_char())

    def generate(self, length: int, seed: int = 0) -> str:
        """``length`` characters of the language from an empty stack, from a private numpy generator."""
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise ValueError(f"length must be a whole number >= 0, got {length!r}")
        uniforms = np.random.default_rng(seed).random(length).tolist()
        # per depth: the characters and their cumulative probabilities; the closer is a placeholder
        tables = []
        for depth in range(self.max_depth + 1):
            probabilities = self.next_char_probabilities(OPENERS[0] * depth)
            chars = ["CLOSE" if c == ")" else c for c in probabilities]
            tables.append((chars, np.cumsum(list(probabilities.values())).tolist()))
        stack: list[str] = []
        out = []
        for u in uniforms:
            chars, cumulative = tables[len(stack)]
            k = 0
            while k < len(cumulative) - 1 and u >= cumulative[k]:
                k += 1
            char = chars[k]
            if char == "CLOSE":
                char = CLOSER_OF[stack.pop()]
            elif char in CLOSER_OF:
                stack.append(char)
            out.append(char)
        return "".join(out)

    def stacks(self, text: str) -> list[str]:
        """The stack before each character of ``text`` (generated from an empty stack): N strings."""
        stack: list[str] = []
        before = []
        for char in text:
            before.append("".join(stack))
            if char in CLOSER_OF:
                stack.append(char)
            elif stack and char == CLOSER_OF[stack[-1]]:
                stack.pop()
        return before

    def cross_entropy(self, text: str) -> float:
        """Mean -log P(char | stack before it) over ``text`` under the true probabilities (nats per char):
        the empirical estimate of the entropy rate on a generated sample."""
        logs = [math.log(self.next_char_probabilities(s)[c]) for s, c in zip(self.stacks(text), text, strict=True)]
        return -sum(logs) / max(len(logs), 1)
