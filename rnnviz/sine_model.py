"""``SineModel``: a recurrent module (batch-first) with a linear head, seeded without the global RNG.

    prediction_t = W_head h_t + b_head        # h_t from nn.RNN | LSTM | GRU, x (B, T, 1) -> (B, T, 1)
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from rnnviz.train_settings import SineSettings

Hidden = Tensor | tuple[Tensor, Tensor]  # (L, B, H), or (h, c) for an LSTM; never batch-first


def detach_hidden(hidden: Hidden) -> Hidden:
    """The same values without their graph (truncated BPTT: no gradient flows into the previous window)."""
    return tuple(h.detach() for h in hidden) if isinstance(hidden, tuple) else hidden.detach()


def first_row(hidden: Hidden | None) -> Hidden | None:
    """The state of batch row 0: (L, 1, H) (or a pair of them); None stays None."""
    if hidden is None:
        return None
    return tuple(h[:, :1] for h in hidden) if isinstance(hidden, tuple) else hidden[:, :1]


class SineModel(nn.Module):
    """``nn.RNN | LSTM | GRU(1, H, L, batch_first=True)`` followed by ``nn.Linear(H, 1)`` at every step.

    Every parameter is drawn from U(-1/sqrt(H), 1/sqrt(H)) - PyTorch's default bounds for both the recurrent
    module and the head (fan_in = H) - with a private generator seeded by ``seed``: the global RNG is never
    used or disturbed (the modules are created on the meta device, then filled). The draws equal those of
    ``torch.manual_seed(seed)`` followed by default construction of the same two modules (same stream, order
    and bounds), so a plain-PyTorch script that seeds the global RNG gets the very same weights.
    """

    def __init__(self, cell: str = "RNN", hidden_size: int = 32, num_layers: int = 1, seed: int = 0):
        super().__init__()
        classes = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}
        if cell not in classes:
            raise ValueError(f"cell must be one of {', '.join(classes)}, got {cell!r}")
        # built on the meta device (no init, no RNG), then given real, uninitialised storage and filled below
        self.rnn: nn.RNNBase = classes[cell](1, hidden_size, num_layers, batch_first=True, device="meta")
        self.head = nn.Linear(hidden_size, 1, device="meta")
        self.to_empty(device="cpu")
        self.reset_parameters(torch.Generator().manual_seed(seed))

    @classmethod
    def from_settings(cls, settings: SineSettings) -> SineModel:
        return cls(settings.cell, settings.hidden_size, settings.num_layers, settings.seed)

    def reset_parameters(self, generator: torch.Generator) -> None:
        """Fill every parameter, in ``parameters()`` order, from U(-1/sqrt(H), 1/sqrt(H)) using ``generator``."""
        bound = 1.0 / math.sqrt(self.rnn.hidden_size)
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.uniform_(-bound, bound, generator=generator)

    def forward(self, x: Tensor, hx: Hidden | None = None) -> tuple[Tensor, Hidden]:
        """x (B, T, 1), hx as the recurrent module takes it (None = zeros) -> prediction (B, T, 1), h_n."""
        out, h_n = self.rnn(x, hx)  # out (B, T, H); h_n (L, B, H), never batch-first
        return self.head(out), h_n  # (B, T, 1)
