"""Seeded initialisation without the global RNG: the same seed gives the same weights in any process.

A model is created on the meta device (no storage, no random draws), given real storage, then filled here.
"""

from __future__ import annotations

import math

import torch
from torch import nn

#: The recurrent module of each cell family the training pages build.
RECURRENT_CLASSES: dict[str, type[nn.RNNBase]] = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}


def recurrent_class(cell: str) -> type[nn.RNNBase]:
    """``nn.RNN``, ``nn.LSTM`` or ``nn.GRU`` for "RNN", "LSTM" or "GRU"; ValueError otherwise."""
    if cell not in RECURRENT_CLASSES:
        raise ValueError(f"cell must be one of {', '.join(RECURRENT_CLASSES)}, got {cell!r}")
    return RECURRENT_CLASSES[cell]


def fill_like_pytorch_default(model: nn.Module, hidden_size: int, generator: torch.Generator) -> None:
    """Fill every parameter, in ``parameters()`` order, from ``generator``: nn.Embedding weights from N(0, 1),
    everything else from U(-1/sqrt(H), 1/sqrt(H)), PyTorch's default bounds for a recurrent module and for a
    Linear head that reads h (fan_in = H).

    The draws equal those of ``torch.manual_seed(seed)`` followed by default construction of the same modules
    when they are made in ``parameters()`` order, so a plain-PyTorch script that seeds the global RNG and
    fills its parameters the same way gets the very same weights.
    """
    normal = {id(p) for m in model.modules() if isinstance(m, nn.Embedding) for p in m.parameters()}
    bound = 1.0 / math.sqrt(hidden_size)
    with torch.no_grad():
        for parameter in model.parameters():
            if id(parameter) in normal:
                parameter.normal_(0.0, 1.0, generator=generator)
            else:
                parameter.uniform_(-bound, bound, generator=generator)
