"""A checkpoint's linear head (e.g. the sine model's ``head``: prediction_t = W_head h_t + b_head) and its
prediction on a traced run, checked against the head applied to the module's own output."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

from rnnviz.core.trace import Trace


class LinearHead(NamedTuple):
    name: str  # the key prefix in the checkpoint, e.g. "head"
    module: nn.Linear

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(f"{self.name}.{part}" for part, _ in self.module.named_parameters())


def linear_head(extra: dict[str, torch.Tensor], in_features: int) -> LinearHead | None:
    """The one linear layer among a checkpoint's other tensors that reads the recurrent output: a
    ``<name>.weight`` (O, in_features) with, if present, its ``<name>.bias`` (O,). None when there is none, or
    more than one (then which one reads the output is not known)."""
    found = []
    for key, weight in extra.items():
        name, _, part = key.rpartition(".")
        if part != "weight" or weight.dim() != 2 or weight.shape[1] != in_features or not weight.is_floating_point():
            continue
        bias = extra.get(f"{name}.bias")
        if bias is not None and tuple(bias.shape) != (weight.shape[0],):
            continue
        layer = nn.Linear(in_features, weight.shape[0], bias=bias is not None, dtype=weight.dtype)
        layer.load_state_dict({"weight": weight} | ({"bias": bias} if bias is not None else {}))
        found.append(LinearHead(name, layer.eval()))
    return found[0] if len(found) == 1 else None


class HeadPrediction(NamedTuple):
    """``head(output)`` of a traced run, and how far it is from the head applied to the module's own output."""

    head: LinearHead
    values: np.ndarray  # (T, B, O), time-major: row t is the prediction after input t
    max_abs_error: float
    tolerance: float

    @property
    def matches(self) -> bool:
        return self.max_abs_error <= self.tolerance


def _time_major(output: torch.Tensor | PackedSequence, batch_first: bool) -> torch.Tensor:
    """(T, B, F) from a module's output in its own layout; an unbatched output (T, F) gets a batch of one; a
    packed output is padded with NaN past each sequence's length."""
    if isinstance(output, PackedSequence):
        return pad_packed_sequence(output, padding_value=float("nan"))[0]
    if output.dim() == 2:
        return output.unsqueeze(1)
    return output.transpose(0, 1) if batch_first else output


def head_prediction(head: LinearHead, module: nn.RNNBase, x: torch.Tensor, hx: object, trace: Trace) -> HeadPrediction:
    """prediction_t = W_head output_t + b_head, from the trace's output; checked against ``head(module(x, hx))``.

    The tolerance is the trace's, times the largest row sum of |W_head| (how much the head can grow an error).
    """
    with torch.no_grad():
        dtype = head.module.weight.dtype
        traced = head.module(_time_major(trace.output, module.batch_first).to(dtype))
        own = head.module(_time_major(module.eval()(x, hx)[0], module.batch_first).to(dtype))
        gain = max(1.0, float(head.module.weight.abs().sum(1).max()))
    error = float(np.nan_to_num((traced - own).abs().numpy(), nan=0.0).max()) if traced.numel() else 0.0
    values = traced.numpy()
    return HeadPrediction(head, values, error, trace.tolerance * gain)
