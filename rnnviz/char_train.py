"""Train a character language model in bounded chunks: ``CharTrainer(text, settings).step(n) -> losses``.

One step (truncated BPTT, "Dive into Deep Learning" 9.5/9.6)::

    X, Y = next batch of the epoch                     # (B, T) int64 each, adjacent or random windows
    logits, h_n = model(X.T, h)                        # (T*B, V); h = None (zeros) or the carried state
    loss = cross_entropy(logits, Y.T.reshape(-1))      # mean over T*B characters
    backward, clip_grad_norm_(θ), optimizer step
    h = h_n.detach() if adjacent else None             # carried value, no graph across batches

At the end of each epoch: training perplexity exp(mean loss over the epoch's characters), perplexity on the
held-out end of the text, then ``on_epoch`` callbacks (e.g. ``EpochSamples``). The state is reset at the
start of every epoch. A non-finite loss stops the run with ``stop_reason`` saying what to change.
The pieces shared with the sine trainer (threads, chunking, callbacks, advice) come from ``rnnviz.train``.
"""
from __future__ import annotations

import math
import threading
import time
from array import array
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from rnnviz.char_export import char_checkpoint_bytes, char_reproduce_script
from rnnviz.char_model import CharModel
from rnnviz.char_samples import MAX_SAMPLE_LENGTH, check_temperature
from rnnviz.char_settings import CharSettings
from rnnviz.sine_model import Hidden, detach_hidden
from rnnviz.tasks.chars import EpochBatches, Vocabulary, epoch_batches, split_validation
from rnnviz.train import CallbackMixin, check_step_count, check_time_budget, divergence_advice, use_torch_threads
from rnnviz.train_export import downsample


class EpochRecord(NamedTuple):
    epoch: int  # 1-based
    train_perplexity: float  # exp(mean cross-entropy over the epoch's training characters)
    validation_perplexity: float | None  # on the held-out end of the text (None when the text is too short)
    steps_done: int  # after this epoch
    seconds: float  # training time so far


class CharTrainer(CallbackMixin):
    """Trains a ``CharModel`` on ``text`` for ``settings.epochs`` epochs, in chunks of the caller's choosing.

    Deterministic on CPU for a fixed torch version and thread count. ``lock`` is held while the model is
    trained or read, so a download made in another thread never sees a half-done optimizer step.
    """

    EVENTS = ("on_step", "on_epoch", "on_stop")

    def __init__(self, text: str, settings: CharSettings | None = None, vocabulary: Vocabulary | None = None):
        self.settings = s = settings if settings is not None else CharSettings()
        self.text = text
        self.vocabulary = vocabulary if vocabulary is not None else Vocabulary.from_text(text)
        problems = s.problems_with(self.vocabulary.size)
        if problems:
            raise ValueError("; ".join(problems))
        train_text, validation_text = split_validation(text)
        self._train = torch.from_numpy(self.vocabulary.encode(train_text))  # (N,) int64
        self._validation = torch.from_numpy(self.vocabulary.encode(validation_text))
        self._generator = torch.Generator().manual_seed(s.seed + 1)
        epoch_batches(self._train, s.batch_size, s.num_steps, s.sampling, torch.Generator())  # too short: raises
        self.threads = use_torch_threads()
        self.model = CharModel.from_settings(s, self.vocabulary.size)
        if s.optimizer == "Adam":
            self.optimizer: torch.optim.Optimizer = torch.optim.Adam(self.model.parameters(), lr=s.lr)
        else:
            self.optimizer = torch.optim.SGD(self.model.parameters(), lr=s.lr, momentum=s.momentum)
        self.lock = threading.RLock()
        self._init_callbacks()
        self._epoch: EpochBatches | None = None
        self._batch_index = 0
        self._hidden: Hidden | None = None
        self._epoch_loss_sum = 0.0  # sum of loss * characters over the current epoch
        self._epoch_chars = 0
        self._losses = array("d")  # every step's loss
        self._step_epochs = array("d")  # where each step ends, in epochs (1.5 = half way through epoch 2)
        self._epochs: list[EpochRecord] = []
        self._stop_reason: str | None = None
        self._diverged = False
        self._seconds = 0.0

    # ----- training ---------------------------------------------------------------------------------------
    def step(self, n: int = 1) -> list[float]:
        """Train up to ``n`` steps (fewer if the run finishes or diverges); returns their losses."""
        check_step_count(n)
        return self._run(n, None)

    def step_for(self, seconds: float, max_steps: int | None = None) -> list[float]:
        """Train for about ``seconds`` (at least one step unless finished), e.g. one chunk per UI refresh."""
        check_time_budget(seconds, max_steps)
        return self._run(math.inf if max_steps is None else max_steps, time.perf_counter() + seconds)

    def _run(self, max_steps: float, deadline: float | None) -> list[float]:
        losses: list[float] = []
        s, model, optimizer = self.settings, self.model, self.optimizer
        parameters, on_step, chars = list(model.parameters()), self._callbacks["on_step"], s.chars_per_step
        with self.lock:
            use_torch_threads(self.threads)
            start = time.perf_counter()
            try:
                while len(losses) < max_steps and not self.finished:
                    if self._epoch is None:  # a new epoch: new offset (and order), state from zeros
                        self._epoch = epoch_batches(self._train, s.batch_size, s.num_steps, s.sampling, self._generator)
                        self._batch_index, self._hidden = 0, None
                    x, y = self._epoch.batch(self._batch_index)  # (B, T) each
                    logits, h_n = model(x.T, self._hidden)  # (T*B, V)
                    loss = nn.functional.cross_entropy(logits, y.T.reshape(-1))
                    value = loss.item()
                    if not math.isfinite(value):
                        self._diverge(value)
                        break
                    optimizer.zero_grad()
                    loss.backward()
                    if s.clip > 0:
                        nn.utils.clip_grad_norm_(parameters, s.clip)
                    optimizer.step()
                    self._hidden = detach_hidden(h_n) if s.carries_state else None  # no graph across batches
                    self._losses.append(value)
                    self._epoch_loss_sum += value * chars
                    self._epoch_chars += chars
                    self._batch_index += 1
                    self._step_epochs.append(len(self._epochs) + self._batch_index / len(self._epoch))
                    losses.append(value)
                    for callback in on_step:
                        callback(self)
                    if self._batch_index >= len(self._epoch):
                        self._end_epoch(start)
                    if deadline is not None and time.perf_counter() >= deadline:
                        break
            finally:
                self._seconds += time.perf_counter() - start
        return losses

    def _end_epoch(self, chunk_start: float) -> None:
        train_ppl = math.exp(self._epoch_loss_sum / self._epoch_chars)
        seconds = self._seconds + time.perf_counter() - chunk_start
        record = EpochRecord(len(self._epochs) + 1, train_ppl, self.validation_perplexity(), self.steps_done, seconds)
        self._epochs.append(record)
        self._epoch, self._epoch_loss_sum, self._epoch_chars, self._hidden = None, 0.0, 0, None
        self._fire("on_epoch")
        if self.finished:
            self._stop_reason = f"Finished: all {self.settings.epochs} epochs done."
            self._fire("on_stop")

    def _diverge(self, value: float) -> None:
        self._diverged = True
        self._stop_reason = (
            f"Training diverged: the loss at step {self.steps_done + 1} (epoch {self.epochs_done + 1}) was {value} "
            f"(not a finite number), so the run stopped there; the {self.epochs_done} finished epochs and "
            f"{self.steps_done} finite losses before it are kept. "
            + divergence_advice(self.settings.lr, self.settings.clip)
        )
        self._fire("on_stop")

    def validation_perplexity(self) -> float | None:
        """exp(mean cross-entropy) on the held-out text, read as B parallel streams of T-character windows with
        the state carried (as in adjacent training). None when the held-out text is shorter than B*T + 1."""
        s, data = self.settings, self._validation
        columns = (data.shape[0] - 1) // s.batch_size
        if columns < 1:
            return None
        rows_x = data[: columns * s.batch_size].reshape(s.batch_size, columns)  # (B, columns)
        rows_y = data[1 : columns * s.batch_size + 1].reshape(s.batch_size, columns)
        total, hidden = 0.0, None
        with self.lock, torch.no_grad():
            for start in range(0, columns, s.num_steps):
                x, y = rows_x[:, start : start + s.num_steps], rows_y[:, start : start + s.num_steps]
                logits, hidden = self.model(x.T, hidden)
                total += nn.functional.cross_entropy(logits, y.T.reshape(-1), reduction="sum").item()
        return math.exp(total / (columns * s.batch_size))

    # ----- state ------------------------------------------------------------------------------------------
    @property
    def steps_done(self) -> int:
        return len(self._losses)

    @property
    def epochs_done(self) -> int:
        return len(self._epochs)

    @property
    def epoch_progress(self) -> tuple[int, int]:
        """(batches done, batches) of the epoch in progress; (0, 0) between epochs."""
        return (self._batch_index, len(self._epoch)) if self._epoch is not None else (0, 0)

    @property
    def finished(self) -> bool:
        """True once all epochs are done or the loss became non-finite."""
        return self._diverged or self.epochs_done >= self.settings.epochs

    @property
    def diverged(self) -> bool:
        return self._diverged

    @property
    def stop_reason(self) -> str | None:
        return self._stop_reason

    @property
    def epochs(self) -> list[EpochRecord]:
        """One record per finished epoch (a copy)."""
        return list(self._epochs)

    @property
    def train_chars(self) -> int:
        return int(self._train.shape[0])

    @property
    def validation_chars(self) -> int:
        return int(self._validation.shape[0])

    @property
    def seconds_training(self) -> float:
        return self._seconds

    @property
    def steps_per_second(self) -> float:
        return self.steps_done / self._seconds if self._seconds > 0 else 0.0

    @property
    def chars_per_second(self) -> float:
        """Training characters (B*T per step) per second of training time (epoch-end evaluation included)."""
        return self.steps_per_second * self.settings.chars_per_step

    def recent_perplexity(self, n: int = 20) -> float | None:
        """exp(mean loss of the last ``n`` steps): the perplexity now, within an epoch."""
        if not self._losses:
            return None
        return math.exp(sum(self._losses[-n:]) / len(self._losses[-n:]))

    def display_losses(self, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
        """(position in epochs, loss) of every step for plotting, each at most ``max_points`` long (bucket means).

        Copies first (``np.array``): a numpy view would stop the history from growing while it lives.
        """
        with self.lock:
            positions, losses = np.array(self._step_epochs), np.array(self._losses)
        return downsample(positions, max_points)[1], downsample(losses, max_points)[1]

    def history_csv(self) -> str:
        """``epoch,train_perplexity,validation_perplexity,steps,seconds``, one row per finished epoch."""
        rows = [
            f"{r.epoch},{r.train_perplexity!r},{'' if r.validation_perplexity is None else r.validation_perplexity!r},"
            f"{r.steps_done},{r.seconds:.3f}"
            for r in self._epochs
        ]
        return "epoch,train_perplexity,validation_perplexity,steps,seconds\n" + "".join(r + "\n" for r in rows)

    # ----- sampling ---------------------------------------------------------------------------------------
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

    # ----- export -----------------------------------------------------------------------------------------
    def checkpoint_bytes(self) -> bytes:
        """state_dict + vocabulary + settings JSON (loads with ``rnnviz.char_export.load_char_checkpoint``)."""
        with self.lock:
            return char_checkpoint_bytes(self.model, self.vocabulary, self.settings, self.steps_done, self.epochs_done)

    def reproduce_script(self) -> str:
        """A standalone plain-PyTorch script (the text embedded) that reruns this run from the start."""
        return char_reproduce_script(self.text, self.settings, self.threads)
