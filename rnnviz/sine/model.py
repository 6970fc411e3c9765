"""``SineModel``: a recurrent module (batch-first) with a linear head, seeded without the global RNG.

prediction_t = W_head h_t + b_head        # h_t from nn.RNN | LSTM | GRU, x (B, T, 1) -> (B, T, 1)
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnnviz.sine.settings import SineSettings
from rnnviz.training.init import fill_like_pytorch_default, recurrent_class
from rnnviz.training.task import Hidden


class SineModel(nn.Module):
    """``nn.RNN | LSTM | GRU(1, H, L, batch_first=True)`` followed by ``nn.Linear(H, 1)`` at every step.

    Every parameter is drawn from U(-1/sqrt(H), 1/sqrt(H)) (``fill_like_pytorch_default``) with a private
    generator seeded by ``seed``: the global RNG is never used or disturbed.
    """

    def __init__(self, cell: str = "RNN", hidden_size: int = 32, num_layers: int = 1, seed: int = 0):
        super().__init__()
        # built on the meta device (no init, no RNG), then given real, uninitialised storage and filled below
        self.rnn: nn.RNNBase = recurrent_class(cell)(1, hidden_size, num_layers, batch_first=True, device="meta")
        self.head = nn.Linear(hidden_size, 1, device="meta")
        self.to_empty(device="cpu")
        fill_like_pytorch_default(self, hidden_size, torch.Generator().manual_seed(seed))

    @classmethod
    def from_settings(cls, settings: SineSettings) -> SineModel:
        return cls(settings.cell, settings.hidden_size, settings.num_layers, settings.seed)

    def forward(self, x: Tensor, hx: Hidden | None = None) -> tuple[Tensor, Hidden]:
        """x (B, T, 1), hx as the recurrent module takes it (None = zeros) -> prediction (B, T, 1), h_n."""
        out, h_n = self.rnn(x, hx)  # out (B, T, H); h_n (L, B, H), never batch-first
        return self.head(out), h_n  # (B, T, 1)
