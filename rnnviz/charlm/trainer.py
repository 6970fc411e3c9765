"""A character language model as a plug-in of the training loop, and ``CharTrainer``: that loop plus sampling,
perplexities and exports.

One step (truncated BPTT, "Dive into Deep Learning" 9.5/9.6)::

    X, Y = next batch of the epoch                     # (B, T) int64 each, adjacent or random windows
    logits, h_n = model(X.T, h)                        # (T*B, V); h = None (zeros) or the carried state
    loss = cross_entropy(logits, Y.T.reshape(-1))      # mean over T*B characters

The loop (``rnnviz.training.loop``) does the rest: backward, clip_grad_norm_(θ), the optimizer step, the
state carried (detached) between adjacent batches and reset at the start of every epoch, divergence. At the end
of each epoch the task records the training perplexity exp(mean loss over the epoch's characters) and the
perplexity on the held-out end of the text; ``on_epoch`` callbacks then run (e.g. ``EpochSamples``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor, nn

from rnnviz.charlm.batches import EpochBatches, epoch_batches, split_validation
from rnnviz.charlm.corpora import Vocabulary
from rnnviz.charlm.export import char_checkpoint_bytes, char_reproduce_script
from rnnviz.charlm.model import CharModel
from rnnviz.charlm.samples import EpochSamples, Sampler, SampleSpec
from rnnviz.charlm.settings import CharSettings
from rnnviz.training.loop import LoopTrainer
from rnnviz.training.task import Hidden


class EpochRecord(NamedTuple):
    epoch: int  # 1-based
    train_perplexity: float  # exp(mean cross-entropy over the epoch's training characters)
    validation_perplexity: float | None  # on the held-out end of the text (None when the text is too short)
    steps_done: int  # after this epoch
    seconds: float  # training time so far


class CharTask:
    """Next-character prediction on a text: its training part cut into epochs of batches, its end held out."""

    counts_epochs = True

    def __init__(self, text: str, settings: CharSettings, vocabulary: Vocabulary) -> None:
        self.settings = s = settings
        self.epochs = s.epochs
        self.vocabulary = vocabulary
        problems = s.problems_with(vocabulary.size)
        if problems:
            raise ValueError("; ".join(problems))
        train_text, validation_text = split_validation(text)
        self.train = torch.from_numpy(vocabulary.encode(train_text))  # (N,) int64
        self.validation = torch.from_numpy(vocabulary.encode(validation_text))
        self._generator = torch.Generator().manual_seed(s.seed + 1)
        epoch_batches(self.train, s.batch_size, s.num_steps, s.sampling, torch.Generator())  # too short: raises
        self.model = CharModel.from_settings(s, vocabulary.size)

    def epoch(self, index: int) -> EpochBatches:
        """A new offset (and order, for random windows), drawn from the run's own generator."""
        s = self.settings
        return epoch_batches(self.train, s.batch_size, s.num_steps, s.sampling, self._generator)

    def loss(self, batch: tuple[Tensor, Tensor], state: Hidden | None) -> tuple[Tensor, Hidden]:
        x, y = batch  # (B, T) each
        logits, h_n = self.model(x.T, state)  # (T*B, V)
        return nn.functional.cross_entropy(logits, y.T.reshape(-1)), h_n

    def end_epoch(self, trainer: LoopTrainer, losses: np.ndarray, seconds: float) -> EpochRecord:
        chars, total = self.settings.chars_per_step, 0.0
        for value in losses.tolist():  # summed in order, as the reproduce script does: the same float
            total += value * chars
        train_perplexity = math.exp(total / (len(losses) * chars))
        epoch = trainer.epochs_done + 1
        return EpochRecord(epoch, train_perplexity, self.validation_perplexity(), trainer.steps_done, seconds)

    def validation_perplexity(self) -> float | None:
        """exp(mean cross-entropy) on the held-out text, read as B parallel streams of T-character windows with
        the state carried (as in adjacent training). None when the held-out text is shorter than B*T + 1."""
        s, data = self.settings, self.validation
        columns = (data.shape[0] - 1) // s.batch_size
        if columns < 1:
            return None
        rows_x = data[: columns * s.batch_size].reshape(s.batch_size, columns)  # (B, columns)
        rows_y = data[1 : columns * s.batch_size + 1].reshape(s.batch_size, columns)
        total, hidden = 0.0, None
        with torch.no_grad():
            for start in range(0, columns, s.num_steps):
                x, y = rows_x[:, start : start + s.num_steps], rows_y[:, start : start + s.num_steps]
                logits, hidden = self.model(x.T, hidden)
                total += nn.functional.cross_entropy(logits, y.T.reshape(-1), reduction="sum").item()
        return math.exp(total / (columns * s.batch_size))


class CharTrainer(LoopTrainer[CharTask]):
    """Trains a ``CharModel`` on ``text`` for ``settings.epochs`` epochs, in chunks of the caller's choosing.

    ``name`` and ``entropy_per_char`` say what the text is (the synthetic language's exact entropy, in nats,
    bounds the perplexity: exp(H)). With a ``samples`` spec, ``samples`` is an ``on_epoch`` log of samples
    (``EpochSamples``), else None.
    """

    def __init__(
        self,
        text: str,
        settings: CharSettings | None = None,
        vocabulary: Vocabulary | None = None,
        *,
        name: str = "",
        entropy_per_char: float | None = None,
        samples: SampleSpec | None = None,
    ) -> None:
        vocabulary = vocabulary if vocabulary is not None else Vocabulary.from_text(text)
        super().__init__(CharTask(text, settings if settings is not None else CharSettings(), vocabulary))
        self.model: CharModel = self.task.model
        self.settings: CharSettings = self.task.settings
        self.text, self.vocabulary = text, vocabulary
        self.name, self.entropy_per_char = name, entropy_per_char
        self.sampler = Sampler(self.model, vocabulary, self.lock)
        self.samples = EpochSamples(samples) if samples is not None else None
        if self.samples is not None:
            self.add_callback("on_epoch", self.samples)

    @property
    def train_chars(self) -> int:
        return int(self.task.train.shape[0])

    @property
    def validation_chars(self) -> int:
        return int(self.task.validation.shape[0])

    @property
    def chars_per_second(self) -> float:
        """Training characters (B*T per step) per second of training time (epoch-end evaluation included)."""
        return self.steps_per_second * self.settings.chars_per_step

    def validation_perplexity(self) -> float | None:
        """The held-out perplexity of the model as it is now (see ``CharTask.validation_perplexity``)."""
        with self.lock:
            return self.task.validation_perplexity()

    def recent_perplexity(self, n: int = 20) -> float | None:
        """exp(mean loss of the last ``n`` steps): the perplexity now, within an epoch."""
        recent = self.recent_losses(n) if self.steps_done else None
        return None if recent is None else math.exp(sum(recent.tolist()) / len(recent))

    def epochs_csv(self) -> str:
        """``epoch,train_perplexity,validation_perplexity,steps,seconds``, one row per finished epoch."""
        rows = [
            f"{r.epoch},{r.train_perplexity!r},{'' if r.validation_perplexity is None else r.validation_perplexity!r},"
            f"{r.steps_done},{r.seconds:.3f}"
            for r in self.epochs
        ]
        return "epoch,train_perplexity,validation_perplexity,steps,seconds\n" + "".join(r + "\n" for r in rows)

    def sample(self, prefix: str, length: int = 100, temperature: float | None = None, seed: int = 0) -> str:
        """``prefix`` and ``length`` more characters (see ``Sampler.sample``)."""
        return self.sampler.sample(prefix, length, temperature, seed)

    def next_char_probabilities(self, prefix: str, temperature: float = 1.0) -> np.ndarray:
        """P(next character | prefix) = softmax(logits / temperature): (V,) in vocabulary order."""
        return self.sampler.next_char_probabilities(prefix, temperature)

    def checkpoint_bytes(self) -> bytes:
        """state_dict + vocabulary + settings JSON (loads with ``rnnviz.charlm.export.load_char_checkpoint``)."""
        with self.lock:
            return char_checkpoint_bytes(self.model, self.vocabulary, self.settings, self.steps_done, self.epochs_done)

    def reproduce_script(self) -> str:
        """A standalone plain-PyTorch script (the text embedded) that reruns this run from the start."""
        return char_reproduce_script(self.text, self.settings, self.threads)
