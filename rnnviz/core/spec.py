"""Frozen, hashable descriptions of a recurrent model, validated with messages that say what to change.

``ModelSpec`` -> ``build_model(spec, seed)`` gives a real ``torch.nn.RNN | LSTM | GRU`` with seeded
weights; the same spec and seed always give the same weights.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import torch
from torch import nn

#: User-facing cell names -> (torch class, RNN nonlinearity or None)
CELL_TYPES: dict[str, tuple[type[nn.RNNBase], str | None]] = {
    "LSTM": (nn.LSTM, None),
    "GRU": (nn.GRU, None),
    "RNN (tanh)": (nn.RNN, "tanh"),
    "RNN (relu)": (nn.RNN, "relu"),
}
DTYPES = {"float32": torch.float32, "float64": torch.float64}
#: Upper bounds that keep a page responsive on a 2-core machine; torch itself has no such limits.
LIMITS = {"input_size": 512, "hidden_size": 1024, "num_layers": 8}


@dataclass(frozen=True)
class ModelSpec:
    """A recurrent module's constructor arguments. Raises ValueError on construction if invalid."""

    cell: str = "LSTM"  # a key of CELL_TYPES
    input_size: int = 1
    hidden_size: int = 16
    num_layers: int = 1
    bidirectional: bool = False
    bias: bool = True
    batch_first: bool = False
    proj_size: int = 0  # LSTM only; 0 = no projection
    dtype: str = "float32"

    def __post_init__(self) -> None:
        problems = validate(self)
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def mode(self) -> str:
        """torch's ``module.mode`` (and ``Trace.kind``): 'LSTM', 'GRU', 'RNN_TANH' or 'RNN_RELU'."""
        cls, nonlinearity = CELL_TYPES[self.cell]
        return f"RNN_{nonlinearity.upper()}" if nonlinearity else cls.__name__

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def out_size(self) -> int:
        """Size of h (and of each direction's part of output): proj_size if set, else hidden_size."""
        return self.proj_size or self.hidden_size

    def to_dict(self) -> dict:
        return asdict(self)


def validate(spec: ModelSpec) -> list[str]:
    """Every reason ``spec`` cannot be built, each saying what to change (empty when valid)."""
    problems = []
    if spec.cell not in CELL_TYPES:
        problems.append(f"cell must be one of {', '.join(CELL_TYPES)}, got {spec.cell!r}")
    if spec.dtype not in DTYPES:
        problems.append(f"dtype must be one of {', '.join(DTYPES)}, got {spec.dtype!r}")
    for name, upper in LIMITS.items():
        value = getattr(spec, name)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= upper:
            problems.append(f"{name} must be a whole number from 1 to {upper}, got {value!r}")
    if isinstance(spec.proj_size, bool) or not isinstance(spec.proj_size, int) or spec.proj_size < 0:
        problems.append(f"proj_size must be 0 (off) or a positive whole number, got {spec.proj_size!r}")
    elif spec.proj_size:
        if spec.cell != "LSTM":
            problems.append(f"proj_size is only supported by LSTM (PyTorch), not {spec.cell}: set it to 0")
        elif isinstance(spec.hidden_size, int) and spec.proj_size >= spec.hidden_size:
            problems.append(
                f"proj_size has to be smaller than hidden_size (PyTorch), got proj_size={spec.proj_size} "
                f">= hidden_size={spec.hidden_size}"
            )
    return problems


def build_model(spec: ModelSpec, seed: int = 0) -> nn.RNNBase:
    """A real torch module for ``spec`` with PyTorch's default initialisation under ``torch.manual_seed(seed)``."""
    cls, nonlinearity = CELL_TYPES[spec.cell]
    kwargs = dict(
        input_size=spec.input_size,
        hidden_size=spec.hidden_size,
        num_layers=spec.num_layers,
        bias=spec.bias,
        batch_first=spec.batch_first,
        bidirectional=spec.bidirectional,
        dtype=DTYPES[spec.dtype],
    )
    if nonlinearity is not None:
        kwargs["nonlinearity"] = nonlinearity
    if spec.proj_size:
        kwargs["proj_size"] = spec.proj_size
    with torch_seed(seed):
        module = cls(**kwargs)
    return module.eval()


@contextmanager
def torch_seed(seed: int) -> Iterator[None]:
    """Run the block under ``torch.manual_seed(seed)`` (PyTorch's default initialisation stays reproducible),
    then restore the global generator: building a model never disturbs the caller's random numbers."""
    generator_state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        yield
    finally:
        torch.random.set_rng_state(generator_state)


def torch_constructor(spec: ModelSpec) -> str:
    """The Python expression that builds ``spec``, e.g. ``torch.nn.LSTM(1, 16, batch_first=True)``."""
    cls, nonlinearity = CELL_TYPES[spec.cell]
    args = [str(spec.input_size), str(spec.hidden_size)]
    defaults = ModelSpec()
    for name in ("num_layers", "bias", "batch_first", "bidirectional", "proj_size"):
        if getattr(spec, name) != getattr(defaults, name):
            args.append(f"{name}={getattr(spec, name)!r}")
    if nonlinearity == "relu":
        args.append("nonlinearity='relu'")
    if spec.dtype != "float32":
        args.append(f"dtype=torch.{spec.dtype}")
    return f"torch.nn.{cls.__name__}({', '.join(args)})"
