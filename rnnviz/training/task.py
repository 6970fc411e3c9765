"""The task plug-in of the one training loop, and the recurrent state the loop carries between batches.

A task brings only its data and its loss (like minGPT's ``Trainer``, where "nothing in this file has anything
to do with GPT"): the loop (``rnnviz.training.loop.LoopTrainer``) does everything else. An epoch is whatever
a task calls one: the sine task has one epoch of ``steps`` windows; a language model has ``epochs`` passes
over its text; a task can evaluate at the end of each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from torch import Tensor, nn

from rnnviz.training.settings import TrainingSettings

if TYPE_CHECKING:
    from rnnviz.training.loop import LoopTrainer

Hidden = Tensor | tuple[Tensor, Tensor]  # (L, B, H), or (h, c) for an LSTM; never batch-first


class TrainingTask(Protocol):
    """What a task gives the loop. ``model`` is trained; ``settings`` hold the optimizer, lr, momentum,
    clip and seed and say whether the state is carried (``settings.carries_state``)."""

    settings: TrainingSettings
    model: nn.Module
    #: Epochs in a whole run (the run is finished after the last one).
    epochs: int
    #: True when messages should speak of epochs ("the loss at step 31 (epoch 2)"); a one-epoch task says steps.
    counts_epochs: bool

    def epoch(self, index: int) -> Sequence[Any]:
        """The batches of epoch ``index`` (0-based), in order. Every epoch starts from a zero state."""
        ...

    def loss(self, batch: Any, state: Hidden | None) -> tuple[Tensor, Hidden]:
        """The loss of one batch (a scalar with its graph) and the model's final state, from ``state``."""
        ...

    def end_epoch(self, trainer: LoopTrainer, losses: np.ndarray, seconds: float) -> Any:
        """The work after an epoch (e.g. a held-out evaluation); what it returns is kept in ``trainer.epochs``
        (None keeps nothing). ``losses`` (batches,) are the epoch's training losses, ``seconds`` the time so far."""
        ...


def detach_hidden(hidden: Hidden) -> Hidden:
    """The same values without their graph (truncated BPTT: no gradient flows into the previous batch)."""
    return tuple(h.detach() for h in hidden) if isinstance(hidden, tuple) else hidden.detach()


def first_row(hidden: Hidden | None) -> Hidden | None:
    """The state of batch row 0: (L, 1, H) (or a pair of them); None stays None."""
    if hidden is None:
        return None
    return tuple(h[:, :1] for h in hidden) if isinstance(hidden, tuple) else hidden[:, :1]


class DrawnBatches(Sequence):
    """An epoch of ``count`` batches made when read: item i is ``make(i)``. Read in order (the loop does) when
    ``make`` draws from a generator, e.g. noise or fresh sequences."""

    def __init__(self, count: int, make: Callable[[int], Any]) -> None:
        self.count, self.make = count, make

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> Any:  # type: ignore[override]
        return self.make(index)
