"""rnnviz: look inside real PyTorch recurrent modules, one time step at a time.

>>> import torch, rnnviz
>>> lstm = torch.nn.LSTM(3, 8, batch_first=True)
>>> tr = rnnviz.trace(lstm, torch.randn(2, 5, 3))
>>> tr.gate("f").shape, tr.matches          # (seq, batch, hidden), time-major
(torch.Size([5, 2, 8]), True)

This package never imports streamlit; only ``rnnviz.ui`` does.
"""
from rnnviz.numerics import FirstNonFinite
from rnnviz.trace import Trace, trace

__all__ = ["FirstNonFinite", "Trace", "trace"]
