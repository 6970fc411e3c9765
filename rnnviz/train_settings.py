"""``SineSettings``: every setting of a sin -> cos training run, frozen, hashable, validated, JSON round trip.

The defaults are the classic reference setup: ``nn.RNN(1, 32, batch_first=True)`` + ``nn.Linear(32, 1)``,
Adam lr 0.02, 300 steps of one 10-point window over [k*pi, (k+1)*pi], hidden state carried (detached).
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from typing import TypeVar

CELLS = ("RNN", "LSTM", "GRU")
OPTIMIZERS = ("Adam", "SGD")
HIDDEN_POLICIES = ("carry", "reset")
_S = TypeVar("_S")
#: Whole-number settings: (smallest, largest). The upper bounds keep a 2-core page responsive and a run's
#: memory bounded (the full loss history is 8 bytes per step: 8 MB at the step limit).
INT_LIMITS = {
    "hidden_size": (1, 512),
    "num_layers": (1, 4),
    "points": (2, 1000),
    "windows_per_batch": (1, 256),
    "steps": (1, 1_000_000),
    "seed": (0, 2**32 - 1),
}
#: Real-valued settings: (smallest, largest, lower bound included?).
FLOAT_LIMITS = {
    "lr": (0.0, 100.0, False),
    "momentum": (0.0, 0.999, True),
    "clip": (0.0, 1e6, True),  # 0 turns clipping off
    "noise": (0.0, 10.0, True),
}


@dataclass(frozen=True)
class SineSettings:
    """A sin -> cos training run. Raises ValueError on construction, saying what to change, if invalid."""

    cell: str = "RNN"  # one of CELLS
    hidden_size: int = 32
    num_layers: int = 1
    lr: float = 0.02
    optimizer: str = "Adam"  # "Adam" or "SGD" (with ``momentum``)
    momentum: float = 0.9  # SGD only
    clip: float = 0.0  # max gradient norm (torch.nn.utils.clip_grad_norm_); 0 = no clipping
    points: int = 10  # samples per window, T
    windows_per_batch: int = 1  # B
    noise: float = 0.0  # std of Gaussian noise added to the input sin(x)
    steps: int = 300  # total optimizer steps
    seed: int = 1  # model init uses seed, input noise seed + 1 (private generators); 1 as in the classic tutorial
    hidden_policy: str = "carry"  # "carry": detached state goes to the next window; "reset": zeros each window

    def __post_init__(self) -> None:
        problems = validate_settings(self)
        if problems:
            raise ValueError("; ".join(problems))
        for name in FLOAT_LIMITS:  # 10 and 10.0 are the same setting: store floats, so repr/JSON agree
            object.__setattr__(self, name, float(getattr(self, name)))

    @property
    def carries_state(self) -> bool:
        return self.hidden_policy == "carry"

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SineSettings:
        """Settings from ``to_json`` output; unknown names or bad values raise ValueError."""
        return settings_from_json(cls, text)


def settings_from_json(cls: type[_S], text: str) -> _S:
    """An instance of the settings dataclass ``cls`` from its JSON object; unknown names or bad values raise
    ValueError (shared by every task's settings: ``SineSettings``, ``rnnviz.char_settings.CharSettings``)."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as error:
        raise ValueError(f"settings are not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"settings JSON must be an object, got {type(data).__name__}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown settings {', '.join(map(repr, unknown))}; known are {', '.join(sorted(known))}")
    return cls(**data)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def validate_settings(s: SineSettings) -> list[str]:
    """Every reason ``s`` cannot run, each saying what to change (empty when valid)."""
    choices = {"cell": CELLS, "optimizer": OPTIMIZERS, "hidden_policy": HIDDEN_POLICIES}
    return limit_problems(s, choices, INT_LIMITS, FLOAT_LIMITS)


def limit_problems(
    s: object,
    choices: dict[str, tuple[str, ...]],
    int_limits: dict[str, tuple[int, int]],
    float_limits: dict[str, tuple[float, float, bool]],
) -> list[str]:
    """Every attribute of ``s`` outside its allowed choices or limits, each saying what to change.

    ``choices``: name -> allowed strings; ``int_limits``: name -> (smallest, largest); ``float_limits``:
    name -> (smallest, largest, smallest allowed?). Shared by every task's settings.
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
