"""Check and normalise what ``module(x, hx)`` accepts into time-major, batched tensors.

Every check raises ValueError/TypeError in PyTorch's own terms (what was expected, what was given), so
``rnnviz.trace`` never returns a silently wrong answer for an input the module would reject.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from rnnviz.core.packed import Packing


@dataclass(frozen=True)
class Geometry:
    """The sizes of a module, read from its own attributes (a Cell has one layer, one direction)."""

    name: str  # "LSTM", "GRUCell", ...
    is_cell: bool
    input_size: int
    hidden_size: int  # H
    proj_size: int  # P, 0 when there is no projection
    num_layers: int  # L
    num_directions: int  # D
    batch_first: bool

    @property
    def out_size(self) -> int:
        """Size of h: proj_size when set, else hidden_size."""
        return self.proj_size or self.hidden_size


def geometry(module: nn.Module) -> Geometry:
    """Sizes of a supported module; assumes ``cells.kind_of`` already accepted it."""
    if isinstance(module, nn.RNNBase):
        return Geometry(
            type(module).__name__,
            False,
            module.input_size,
            module.hidden_size,
            getattr(module, "proj_size", 0),
            module.num_layers,
            2 if module.bidirectional else 1,
            module.batch_first,
        )
    return Geometry(type(module).__name__, True, module.input_size, module.hidden_size, 0, 1, 1, False)


@dataclass(frozen=True)
class CallArgs:
    """x as (T, B, I) and the initial states as (L*D, B, P) / (L*D, B, H), plus how to undo that."""

    x: torch.Tensor  # (T, B, I), time-major, batched; a PackedSequence padded with zeros
    h0: torch.Tensor  # (L*D, B, P)
    c0: torch.Tensor | None  # (L*D, B, H), LSTM only
    unbatched: bool
    packing: Packing | None = None  # the layout of a PackedSequence input


def _shape(t: torch.Tensor) -> str:
    return str(tuple(t.shape))


def _check_tensor(value: object, what: str, reference: torch.Tensor) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        accepted = "a torch.Tensor or a PackedSequence" if what == "input" else "a torch.Tensor"
        raise TypeError(f"{what} must be {accepted}, got {type(value).__name__}")
    if value.dtype != reference.dtype:
        raise TypeError(f"{what} must have the type {reference.dtype} (the module's dtype), got type {value.dtype}")
    if value.device != reference.device:
        raise ValueError(f"{what} is on {value.device} but the module's weights are on {reference.device}")
    return value


def normalise(module: nn.Module, geo: Geometry, kind: str, x: object, hx: object) -> CallArgs:
    """Validate ``x``/``hx`` as ``module(x, hx)`` would and return them time-major and batched."""
    weight = module.weight_ih if geo.is_cell else module.weight_ih_l0
    if isinstance(x, PackedSequence):
        return _normalise_packed(geo, kind, x, hx, weight)
    x = _check_tensor(x, "input", weight)
    batched_dim = 2 if geo.is_cell else 3
    if x.dim() not in (batched_dim - 1, batched_dim):
        raise ValueError(
            f"{geo.name}: Expected input to be {batched_dim - 1}D or {batched_dim}D, got {x.dim()}D tensor "
            f"of shape {_shape(x)}"
        )
    _check_features(x, geo)
    if 0 in x.shape:
        raise ValueError(f"input has an empty dimension: shape {_shape(x)}; sequence length and batch must be >= 1")
    unbatched = x.dim() == batched_dim - 1
    if geo.is_cell:
        x = x.reshape(1, 1, -1) if unbatched else x.unsqueeze(0)  # (1, B, I)
    elif unbatched:
        x = x.unsqueeze(1)  # (T, 1, I)
    elif geo.batch_first:
        x = x.transpose(0, 1)  # (B, T, I) -> (T, B, I)
    batch = x.shape[1]
    h0, c0 = _initial_states(geo, kind, hx, batch, unbatched, weight)
    return CallArgs(x, h0, c0, unbatched)


def _check_features(x: torch.Tensor, geo: Geometry) -> None:
    if not x.is_floating_point():
        raise TypeError(f"input must be a floating-point tensor, got {x.dtype} (did you forget an nn.Embedding?)")
    if x.shape[-1] != geo.input_size:
        raise ValueError(f"input.size(-1) must be equal to input_size. Expected {geo.input_size}, got {x.shape[-1]}")


def _normalise_packed(geo: Geometry, kind: str, x: PackedSequence, hx: object, weight: torch.Tensor) -> CallArgs:
    """A PackedSequence as the padded (T, B, I) batch (zeros past each length) and its layout."""
    if geo.is_cell:
        raise TypeError(
            f"{geo.name} takes one time step as a tensor, not a PackedSequence: pass a packed batch to "
            f"nn.{geo.name.removesuffix('Cell')}, or call the cell on each step's rows"
        )
    data = _check_tensor(x.data, "input (PackedSequence.data)", weight)
    if data.dim() != 2:
        raise ValueError(f"packed input data must be 2D (rows, input_size), got shape {_shape(data)}")
    _check_features(data, geo)
    packing = Packing.of(x)
    h0, c0 = _initial_states(geo, kind, hx, packing.batch, False, weight)
    return CallArgs(packing.padded(data), h0, c0, False, packing)


def _initial_states(
    geo: Geometry, kind: str, hx: object, batch: int, unbatched: bool, weight: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor | None]:
    layers_dirs = geo.num_layers * geo.num_directions
    if hx is None:
        h0 = weight.new_zeros(layers_dirs, batch, geo.out_size)
        c0 = weight.new_zeros(layers_dirs, batch, geo.hidden_size) if kind == "LSTM" else None
        return h0, c0
    if kind == "LSTM":
        if not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise TypeError(f"{geo.name} expects hx as a tuple (h_0, c_0), got {type(hx).__name__}")
        pairs = [(hx[0], geo.out_size, "hx[0] (h_0)"), (hx[1], geo.hidden_size, "hx[1] (c_0)")]
    else:
        if isinstance(hx, (tuple, list)):
            raise TypeError(f"{geo.name} expects hx as a single tensor h_0, got a {type(hx).__name__}")
        pairs = [(hx, geo.out_size, "hx")]
    states = []
    for value, size, what in pairs:
        value = _check_tensor(value, what, weight)
        if geo.is_cell:
            expected = (size,) if unbatched else (batch, size)
        else:
            expected = (layers_dirs, size) if unbatched else (layers_dirs, batch, size)
        if tuple(value.shape) != expected:
            layout = "unbatched " if unbatched else ""
            raise ValueError(
                f"Expected {what} of size {expected} for {layout}input, got {list(value.shape)}"
                + ("" if geo.is_cell else " (h_0/c_0 are (num_layers*num_directions, batch, size), never batch-first)")
            )
        states.append(value.reshape(layers_dirs, batch, size))
    return states[0], (states[1] if kind == "LSTM" else None)
