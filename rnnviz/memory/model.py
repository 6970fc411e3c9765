"""``MemoryModel``: a one-layer ``nn.RNN | LSTM | GRU`` (batch-first) whose last state a linear head reads.

    out, h_n = rnn(x)                  # x (B, T, 2) -> out (B, T, H)
    prediction = head(out[:, -1])      # (B, 1): the answer after the last step

Seeded like PyTorch's defaults (every parameter U(-1/sqrt(H), 1/sqrt(H))) from a private generator, so the
global RNG is never used and a plain-PyTorch script gets the same weights.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnnviz.memory.data import INPUT_SIZE
from rnnviz.memory.settings import EVALUATION_CHUNK, MemorySettings
from rnnviz.training.init import fill_like_pytorch_default, recurrent_class
from rnnviz.training.task import Hidden


class MemoryModel(nn.Module):
    """``nn.RNN | LSTM | GRU(2, H, batch_first=True)`` followed by ``nn.Linear(H, 1)`` on the last step."""

    def __init__(self, cell: str = "LSTM", hidden_size: int = 64, seed: int = 0) -> None:
        super().__init__()
        # built on the meta device (no init, no RNG), given real storage, then filled from the generator
        self.rnn: nn.RNNBase = recurrent_class(cell)(INPUT_SIZE, hidden_size, batch_first=True, device="meta")
        self.head = nn.Linear(hidden_size, 1, device="meta")
        self.to_empty(device="cpu")
        fill_like_pytorch_default(self, hidden_size, torch.Generator().manual_seed(seed))

    @classmethod
    def from_settings(cls, settings: MemorySettings) -> MemoryModel:
        return cls(settings.cell, settings.hidden_size, settings.seed)

    @property
    def cell(self) -> str:
        return {"RNN_TANH": "RNN"}.get(self.rnn.mode, self.rnn.mode)

    def forward(self, x: Tensor) -> tuple[Tensor, Hidden]:
        """x (B, T, 2) from a zero state -> the prediction after the last step (B, 1), and h_n."""
        out, h_n = self.rnn(x)  # out (B, T, H); h_n (1, B, H), or (h_n, c_n)
        return self.head(out[:, -1]), h_n


def predict(model: nn.Module, x: Tensor, chunk: int = EVALUATION_CHUNK) -> Tensor:
    """The model's answers for x (N, T, 2), ``chunk`` sequences at a time, without a graph: (N, 1)."""
    with torch.no_grad():
        return torch.cat([model(x[start : start + chunk])[0] for start in range(0, x.shape[0], chunk)])
