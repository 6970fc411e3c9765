"""Sampling from a character model (greedy or with a temperature), and samples taken while it trains: an
``on_epoch`` callback that keeps a bounded log.

    samples = EpochSamples(SampleSpec(prefixes=("the ",), every=2))
    trainer.add_callback("on_epoch", samples)     # after epochs 2, 4, ... (and the last): sample each prefix

The spec can be replaced between epochs (``samples.spec = ...``): later samples use it, earlier ones stay.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import torch

from rnnviz.charlm.corpora import Vocabulary
from rnnviz.training.task import Hidden

if TYPE_CHECKING:
    from rnnviz.charlm.model import CharModel
    from rnnviz.charlm.trainer import CharTrainer

#: Temperatures outside this range are refused (0 divides by zero: use greedy; huge ones give noise).
TEMPERATURE_RANGE = (0.05, 10.0)
MAX_SAMPLE_LENGTH = 2_000
#: The log keeps at most this many samples (the oldest go first).
MAX_SAMPLES = 300
MAX_PREFIXES = 5


def check_temperature(temperature: float | None) -> None:
    """None is greedy; otherwise a finite number in TEMPERATURE_RANGE, else ValueError saying what to change."""
    if temperature is None:
        return
    low, high = TEMPERATURE_RANGE
    if not (isinstance(temperature, int | float) and math.isfinite(temperature) and low <= temperature <= high):
        zero = " (0 would divide the logits by zero: for always the most likely character, choose greedy)"
        raise ValueError(
            f"temperature must be from {low} to {high} (1 = the model's own probabilities), got {temperature!r}"
            + (zero if isinstance(temperature, int | float) and temperature == 0 else "")
        )


class Sampler:
    """Continue a prefix with a character model; ``lock`` is held while the model is read."""

    def __init__(self, model: CharModel, vocabulary: Vocabulary, lock: threading.RLock) -> None:
        self.model, self.vocabulary, self.lock = model, vocabulary, lock

    def _prefix_state(self, prefix: str) -> tuple[torch.Tensor, Hidden]:
        """Run ``prefix`` from a zero state: logits after its last character (V,) and the state."""
        if not prefix:
            raise ValueError("the prefix is empty: type at least one character for the model to start from")
        indices = torch.from_numpy(self.vocabulary.encode(prefix)).view(-1, 1)  # (P, 1); unknown chars raise
        logits, hidden = self.model(indices)  # (P, V)
        return logits[-1], hidden

    def next_char_probabilities(self, prefix: str, temperature: float = 1.0) -> np.ndarray:
        """P(next character | prefix) = softmax(logits / temperature): (V,) in vocabulary order."""
        check_temperature(temperature)
        with self.lock, torch.no_grad():
            logits, _ = self._prefix_state(prefix)
            return torch.softmax(logits.double() / temperature, dim=0).numpy()

    def sample(self, prefix: str, length: int = 100, temperature: float | None = None, seed: int = 0) -> str:
        """``prefix`` followed by ``length`` characters: greedy (argmax) if ``temperature`` is None, else drawn
        from softmax(logits / temperature) with a private generator seeded by ``seed``."""
        check_temperature(temperature)
        if isinstance(length, bool) or not isinstance(length, int) or not 0 <= length <= MAX_SAMPLE_LENGTH:
            raise ValueError(f"length must be a whole number from 0 to {MAX_SAMPLE_LENGTH}, got {length!r}")
        generator = torch.Generator().manual_seed(seed)
        out: list[int] = []
        with self.lock, torch.no_grad():
            logits, hidden = self._prefix_state(prefix)
            for _ in range(length):
                if temperature is None:
                    index = int(torch.argmax(logits))
                else:
                    probabilities = torch.softmax(logits.double() / temperature, dim=0)
                    index = int(torch.multinomial(probabilities, 1, generator=generator))
                out.append(index)
                logits, hidden = self.model(torch.tensor([[index]]), hidden)  # (1, V)
                logits = logits[0]
        return prefix + self.vocabulary.decode(out)


@dataclass(frozen=True)
class SampleSpec:
    """What to sample: from each prefix, ``length`` characters, greedy (temperature None) or with a temperature,
    every ``every`` epochs. Raises ValueError saying what to change."""

    prefixes: tuple[str, ...] = ("the ",)
    length: int = 80
    temperature: float | None = None  # None = greedy
    every: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        problems = []
        if not 1 <= len(self.prefixes) <= MAX_PREFIXES or not all(self.prefixes):
            problems.append(f"give 1 to {MAX_PREFIXES} prefixes, none of them empty")
        length_ok = isinstance(self.length, int) and not isinstance(self.length, bool)
        if not (length_ok and 1 <= self.length <= MAX_SAMPLE_LENGTH):
            problems.append(f"length must be a whole number from 1 to {MAX_SAMPLE_LENGTH}, got {self.length!r}")
        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            problems.append(f"every must be a whole number of epochs >= 1, got {self.every!r}")
        try:
            check_temperature(self.temperature)
        except ValueError as error:
            problems.append(str(error))
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def mode(self) -> str:
        return "greedy" if self.temperature is None else f"temperature {self.temperature:g}"


class Sample(NamedTuple):
    draw: int  # 1, 2, ...: the samples taken together (after an epoch, or on request) share a draw
    epoch: int
    prefix: str
    mode: str  # "greedy" or "temperature 0.8"
    text: str  # prefix + continuation


class EpochSamples:
    """``on_epoch`` callback: every ``spec.every`` epochs (and after the last one) sample each prefix.

    A prefix with characters the model does not know is skipped; ``skipped`` says which and why. Every sample
    of every draw has a seed of its own, so drawing again at the same epoch gives new samples.
    """

    def __init__(self, spec: SampleSpec | None = None) -> None:
        self.spec = spec if spec is not None else SampleSpec()
        self.samples: list[Sample] = []
        self.skipped: dict[str, str] = {}
        self.draws = 0

    def __call__(self, trainer: CharTrainer) -> None:
        epoch = trainer.epochs_done
        if epoch % self.spec.every == 0 or trainer.finished:
            self.take(trainer, epoch)

    def take(self, trainer: CharTrainer, epoch: int) -> list[Sample]:
        """Sample every prefix of the spec now (one draw), labelled with ``epoch``; returns the new samples."""
        spec, new = self.spec, []
        self.draws += 1
        for index, prefix in enumerate(spec.prefixes):
            seed = spec.seed + MAX_PREFIXES * self.draws + index  # its own random characters for every sample
            try:
                text = trainer.sample(prefix, spec.length, spec.temperature, seed=seed)
            except ValueError as error:
                self.skipped[prefix] = str(error)
                continue
            self.skipped.pop(prefix, None)
            new.append(Sample(self.draws, epoch, prefix, spec.mode, text))
        self.samples = (self.samples + new)[-MAX_SAMPLES:]
        return new

    def latest(self) -> list[Sample]:
        """The samples of the most recent draw that has any (one epoch, one mode)."""
        if not self.samples:
            return []
        last = self.samples[-1].draw
        return [s for s in self.samples if s.draw == last]

    def as_text(self) -> str:
        """Every sample, oldest first, as plain text for download."""
        blocks = [
            f"=== draw {s.draw}, epoch {s.epoch}, {s.mode}, prefix {s.prefix!r}\n{s.text}\n" for s in self.samples
        ]
        return "\n".join(blocks)
