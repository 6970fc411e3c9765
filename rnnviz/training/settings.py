"""What every task's settings share: validation against declared limits, a JSON round trip, the optimizer.

A task's settings are a frozen dataclass that inherits ``TrainingSettings`` and declares its limits::

    @dataclass(frozen=True)
    class SineSettings(TrainingSettings):
        CHOICES: ClassVar = {"cell": CELLS, "optimizer": OPTIMIZERS, ...}
        INT_LIMITS: ClassVar = {"hidden_size": (1, 512), ...}
        FLOAT_LIMITS: ClassVar = {"lr": (0.0, 100.0, False), ...}     # (smallest, largest, smallest allowed?)
        cell: str = "RNN"
        ...

Construction validates every field at once and raises one ValueError whose "; "-separated problems each start
with the field's name and say what to change (the pages turn each into an ``st.error`` naming its widget).
Every task's settings have ``cell``, ``hidden_size``, ``num_layers``, ``optimizer``, ``lr``, ``momentum``,
``clip`` and ``seed``, and say whether the hidden state is carried between batches (``carries_state``).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, fields
from typing import Any, ClassVar, Self

import torch
from torch import nn

CELLS = ("RNN", "LSTM", "GRU")
OPTIMIZERS = ("Adam", "SGD")


class TrainingSettings:
    """Base of every task's frozen settings dataclass: limits are declared as class attributes."""

    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {}
    INT_LIMITS: ClassVar[dict[str, tuple[int, int]]] = {}
    FLOAT_LIMITS: ClassVar[dict[str, tuple[float, float, bool]]] = {}
    #: Settings named in a run's label after its size ("LSTM 256×1, one-hot, Adam lr 0.005, seed 0").
    LABEL_FIELDS: ClassVar[tuple[str, ...]] = ()
    #: A comparison table's columns -> the settings they show, after the run's own columns.
    DETAIL_COLUMNS: ClassVar[dict[str, str]] = {}

    cell: str
    hidden_size: int
    num_layers: int
    optimizer: str
    lr: float
    momentum: float
    clip: float
    seed: int

    def __post_init__(self) -> None:
        problems = limit_problems(self, self.CHOICES, self.INT_LIMITS, self.FLOAT_LIMITS)
        if problems:
            raise ValueError("; ".join(problems))
        for name in self.FLOAT_LIMITS:  # 10 and 10.0 are the same setting: store floats, so repr/JSON agree
            object.__setattr__(self, name, float(getattr(self, name)))

    @property
    def carries_state(self) -> bool:
        """True when the (detached) hidden state goes on to the next batch, False when each starts from zeros."""
        raise NotImplementedError

    def label(self) -> str:
        """How a run with these settings is named in a comparison: 'RNN 32×1, Adam lr 0.02, seed 1'."""
        optimizer = self.optimizer if self.optimizer == "Adam" else f"SGD m={self.momentum:g}"
        details = "".join(f", {getattr(self, name)}" for name in self.LABEL_FIELDS)
        return (
            f"{self.cell} {self.hidden_size}×{self.num_layers}{details}, {optimizer} lr {self.lr:g}, seed {self.seed}"
        )

    def table_fields(self) -> dict[str, Any]:
        """The settings a comparison table shows before the run's own columns."""
        columns = {
            "cell": "cell",
            "hidden": "hidden_size",
            "layers": "num_layers",
            "optimizer": "optimizer",
            "lr": "lr",
        }
        return {column: getattr(self, name) for column, name in columns.items()}

    def detail_fields(self) -> dict[str, Any]:
        """The settings a comparison table shows after the run's own columns (``DETAIL_COLUMNS``)."""
        return {column: getattr(self, name) for column, name in self.DETAIL_COLUMNS.items()}

    def describe_range(self, name: str) -> str | None:
        """'from 1 to 512' for a limited field (a widget's help text), None for the others."""
        if name in self.INT_LIMITS:
            return "from {} to {:,}".format(*self.INT_LIMITS[name])
        if name in self.FLOAT_LIMITS:
            low, high, included = self.FLOAT_LIMITS[name]
            return f"{'from' if included else 'above'} {low:g}, up to {high:g}"
        return None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]  # every subclass is a dataclass

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Self:
        """Settings from ``to_json`` output; unknown names or bad values raise ValueError."""
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as error:
            raise ValueError(f"settings are not valid JSON: {error}") from None
        if not isinstance(data, dict):
            raise ValueError(f"settings JSON must be an object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown settings {', '.join(map(repr, unknown))}; known are {', '.join(sorted(known))}")
        return cls(**data)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def limit_problems(
    s: object,
    choices: dict[str, tuple[str, ...]],
    int_limits: dict[str, tuple[int, int]],
    float_limits: dict[str, tuple[float, float, bool]],
) -> list[str]:
    """Every attribute of ``s`` outside its allowed choices or limits, each saying what to change.

    ``choices``: name -> allowed strings; ``int_limits``: name -> (smallest, largest); ``float_limits``:
    name -> (smallest, largest, smallest allowed?).
    """
    problems = []
    for name, allowed in choices.items():
        if getattr(s, name) not in allowed:
            problems.append(f"{name} must be one of {', '.join(allowed)}, got {getattr(s, name)!r}")
    for name, (low, high) in int_limits.items():
        value = getattr(s, name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    for name, (low, high, low_included) in float_limits.items():
        value = getattr(s, name)
        inside = _is_number(value) and math.isfinite(value) and value <= high
        inside = inside and (value >= low if low_included else value > low)
        if not inside:
            lower = f"from {low}" if low_included else f"above {low}"
            problems.append(f"{name} must be a number {lower} up to {high}, got {value!r}")
    return problems


def make_optimizer(settings: TrainingSettings, model: nn.Module) -> torch.optim.Optimizer:
    """``torch.optim.Adam(lr)`` or ``torch.optim.SGD(lr, momentum)`` over the model's parameters."""
    if settings.optimizer == "Adam":
        return torch.optim.Adam(model.parameters(), lr=settings.lr)
    return torch.optim.SGD(model.parameters(), lr=settings.lr, momentum=settings.momentum)
