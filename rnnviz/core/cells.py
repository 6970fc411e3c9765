"""The per-time-step equations of PyTorch's recurrent cells, run one direction of one layer at a time.

Notation (PyTorch's, see the docs of ``torch.nn.LSTM``/``GRU``/``RNN``); H is the hidden size, P the
LSTM projection size (P = H when there is no projection), B the batch, T the sequence length:

LSTM  (``weight_ih`` stacks W_ii|W_if|W_ig|W_io, shape (4H, I))::

    i_t = sigmoid(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)
    f_t = sigmoid(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
    g_t = tanh   (W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)
    o_t = sigmoid(W_io x_t + b_io + W_ho h_{t-1} + b_ho)
    c_t = f_t * c_{t-1} + i_t * g_t
    h_t = o_t * tanh(c_t)              (with proj_size P: h_t = W_hr (o_t * tanh(c_t)), size P)

GRU  (``weight_ih`` stacks W_ir|W_iz|W_in, shape (3H, I))::

    r_t = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
    z_t = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
    n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))     # r multiplies the hidden bias too
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}

RNN::

    h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)          (or relu)

The input projection ``W_ih x + b_ih`` is computed for all steps at once (one matmul); the loop does one
matmul per step. Arithmetic follows ATen's CPU cells (e.g. GRU's ``h = n + z * (h - n)``) so the trace
agrees with the module to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

GATE_NAMES: dict[str, tuple[str, ...]] = {
    "LSTM": ("i", "f", "g", "o"),
    "GRU": ("r", "z", "n"),
    "RNN_TANH": (),
    "RNN_RELU": (),
}
#: Row blocks of weight_ih / weight_hh, in PyTorch's stacking order (a vanilla RNN has one block, "h").
WEIGHT_BLOCKS: dict[str, tuple[str, ...]] = {**GATE_NAMES, "RNN_TANH": ("h",), "RNN_RELU": ("h",)}


def _kind(cell: str) -> str:
    return "RNN_TANH" if cell == "RNN" else cell


def quantity_names(cell: str, projected: bool = False) -> tuple[str, ...]:
    """Gates then states of a cell: LSTM ('i', 'f', 'g', 'o', 'h', 'c'), GRU ('r', 'z', 'n', 'h'), RNN ('h',);
    an LSTM with ``proj_size`` also has 'h_unprojected' = o * tanh(c). ``cell`` as in ``gate_count``."""
    kind = _kind(cell)
    states = ("h", "c") if kind == "LSTM" else ("h",)
    return GATE_NAMES[kind] + states + (("h_unprojected",) if projected else ())


def gate_count(cell: str) -> int:
    """How many row blocks ``weight_ih``/``weight_hh`` stack: LSTM 4, GRU 3, a vanilla RNN 1.

    ``cell`` is a module's ``mode`` ("LSTM", "GRU", "RNN_TANH", "RNN_RELU") or a training cell name ("RNN").
    """
    return len(WEIGHT_BLOCKS[_kind(cell)])


_CELL_KINDS = {nn.LSTMCell: "LSTM", nn.GRUCell: "GRU"}


def kind_of(module: nn.Module) -> str:
    """'LSTM', 'GRU', 'RNN_TANH' or 'RNN_RELU' for a supported module or cell; TypeError otherwise."""
    if isinstance(module, nn.RNNBase):
        if module.mode in ("LSTM", "GRU", "RNN_TANH", "RNN_RELU"):
            return module.mode
    elif isinstance(module, (nn.LSTMCell, nn.GRUCell)):
        return _CELL_KINDS[type(module)]
    elif isinstance(module, nn.RNNCell):
        return "RNN_TANH" if module.nonlinearity == "tanh" else "RNN_RELU"
    raise TypeError(
        f"rnnviz.trace expects a torch.nn.RNN, LSTM, GRU, RNNCell, LSTMCell or GRUCell, got {type(module).__name__}"
    )


@dataclass(frozen=True)
class LayerWeights:
    """The module's own parameters for one layer and direction (views, never copies)."""

    w_ih: torch.Tensor  # (G*H, I_layer)
    w_hh: torch.Tensor  # (G*H, P)
    b_ih: torch.Tensor | None  # (G*H,)
    b_hh: torch.Tensor | None  # (G*H,)
    w_hr: torch.Tensor | None  # (P, H), LSTM with proj_size only


def layer_weights(module: nn.Module, layer: int = 0, direction: int = 0) -> LayerWeights:
    """Read weight_ih_l{layer}[_reverse] and friends from a module (or weight_ih etc. from a Cell)."""
    suffix = (f"_l{layer}" + ("_reverse" if direction == 1 else "")) if isinstance(module, nn.RNNBase) else ""

    def param(name: str) -> torch.Tensor | None:
        value = getattr(module, name + suffix, None)
        return None if value is None else value.detach()

    return LayerWeights(param("weight_ih"), param("weight_hh"), param("bias_ih"), param("bias_hh"), param("weight_hr"))


#: Gate clamps for one layer and direction: gate name -> (value, input positions t where it is forced).
Clamps = dict[str, tuple[float, frozenset[int]]]


@dataclass(frozen=True)
class DirectionRecord:
    """Everything one direction of one layer computed; time-major, row t belongs to input position t."""

    input_term: torch.Tensor  # (T, B, G*H)  W_ih x_t + b_ih
    hidden_term: torch.Tensor  # (T, B, G*H)  W_hh h_{t-1} + b_hh
    gates: torch.Tensor  # (T, B, G*H)  post-activation gates (G = 0 for a vanilla RNN)
    h: torch.Tensor  # (T, B, P)    hidden state after step t
    c: torch.Tensor | None  # (T, B, H)  LSTM cell state after step t
    h_unprojected: torch.Tensor | None  # (T, B, H)  o_t * tanh(c_t), LSTM with proj_size only
    h0: torch.Tensor  # (B, P)
    c0: torch.Tensor | None  # (B, H)
    weights: LayerWeights  # a snapshot of the parameters this record was computed with


def snapshot(weights: LayerWeights) -> LayerWeights:
    """A copy of the parameters, kept with a record: later training steps do not change what it was computed with."""
    return LayerWeights(*(None if w is None else w.clone() for w in vars(weights).values()))


def _apply_clamps(kind: str, clamps: Clamps | None, t: int, gate_t: torch.Tensor, names: tuple[str, ...]) -> None:
    """Force the gates ``names`` of step t (rows of ``gate_t``, (B, G*H)) to their clamped values, in place."""
    if not clamps:
        return
    hidden = gate_t.shape[1] // len(GATE_NAMES[kind])
    for name in names:
        if name in clamps and t in clamps[name][1]:
            k = GATE_NAMES[kind].index(name)
            gate_t[:, k * hidden : (k + 1) * hidden] = clamps[name][0]


def run_direction(
    kind: str,
    weights: LayerWeights,
    xs: torch.Tensor,
    h0: torch.Tensor,
    c0: torch.Tensor | None,
    reverse: bool,
    clamps: Clamps | None = None,
    restarts: torch.Tensor | None = None,
) -> DirectionRecord:
    """Run one direction of one layer over ``xs`` (T, B, I) from state h0 (B, P) [and c0 (B, H)].

    ``clamps`` (interventions only) force gates to fixed values at chosen steps before the states use them.
    ``restarts`` (T, B) bool: rows that start afresh from h0/c0 at step t (a packed batch's reverse direction
    starts each sequence at its own last step; the steps past it are computed but not used).
    """
    steps, batch = xs.shape[0], xs.shape[1]
    gate_width = weights.w_ih.shape[0]  # G*H
    hidden = weights.w_hh.shape[0] // len(WEIGHT_BLOCKS[kind])
    input_term = F.linear(xs, weights.w_ih, weights.b_ih)  # (T, B, G*H)
    hidden_term = xs.new_empty(steps, batch, gate_width)
    gates = xs.new_empty(steps, batch, gate_width if GATE_NAMES[kind] else 0)
    hs = xs.new_empty(steps, batch, h0.shape[-1])
    cs = xs.new_empty(steps, batch, hidden) if kind == "LSTM" else None
    unprojected = xs.new_empty(steps, batch, hidden) if weights.w_hr is not None else None
    w_hh_t = weights.w_hh.t()  # (P, G*H), a view
    w_hr_t = None if weights.w_hr is None else weights.w_hr.t()  # (H, P)
    # Per-step views, made once (unbind is one call); each step then writes into the record's buffers in place:
    # one matmul and a few element-wise ops, with no Python-level slicing inside the loop.
    gh_t, gi_t, gate_t, h_t = hidden_term.unbind(0), input_term.unbind(0), gates.unbind(0), hs.unbind(0)
    blocks = [gates[..., k * hidden : (k + 1) * hidden].unbind(0) for k in range(len(GATE_NAMES[kind]))]
    if kind == "LSTM":
        i_t, f_t, g_t, o_t = blocks
        if_t, c_t = gates[..., : 2 * hidden].unbind(0), cs.unbind(0)
        cell_h_t = h_t if unprojected is None else unprojected.unbind(0)
    elif kind == "GRU":
        r_t, z_t, n_t = blocks
        rz_t = gates[..., : 2 * hidden].unbind(0)
        gi_rz_t, gi_n_t = input_term[..., : 2 * hidden].unbind(0), input_term[..., 2 * hidden :].unbind(0)
        gh_rz_t, gh_n_t = hidden_term[..., : 2 * hidden].unbind(0), hidden_term[..., 2 * hidden :].unbind(0)
    h, c = h0, c0
    for t in reversed(range(steps)) if reverse else range(steps):
        if restarts is not None:
            starting = restarts[t].unsqueeze(1)  # (B, 1)
            h = torch.where(starting, h0, h)
            c = None if c is None else torch.where(starting, c0, c)
        if weights.b_hh is None:
            torch.mm(h, w_hh_t, out=gh_t[t])  # W_hh h_{t-1}
        else:
            torch.addmm(weights.b_hh, h, w_hh_t, out=gh_t[t])  # W_hh h_{t-1} + b_hh
        if kind == "LSTM":
            torch.add(gh_t[t], gi_t[t], out=gate_t[t])  # pre-activations, then each block's activation in place
            if_t[t].sigmoid_()
            g_t[t].tanh_()
            o_t[t].sigmoid_()
            _apply_clamps(kind, clamps, t, gate_t[t], ("i", "f", "g", "o"))
            c = torch.mul(f_t[t], c, out=c_t[t]).addcmul_(i_t[t], g_t[t])  # f * c_{t-1} + i * g
            h = torch.tanh(c, out=cell_h_t[t]).mul_(o_t[t])  # o * tanh(c_t)
            if w_hr_t is not None:
                h = torch.mm(h, w_hr_t, out=h_t[t])  # W_hr (o * tanh(c_t))
        elif kind == "GRU":
            torch.add(gh_rz_t[t], gi_rz_t[t], out=rz_t[t]).sigmoid_()
            _apply_clamps(kind, clamps, t, gate_t[t], ("r", "z"))
            n = (
                torch.mul(gh_n_t[t], r_t[t], out=n_t[t]).add_(gi_n_t[t]).tanh_()
            )  # tanh(W_in x + b_in + r*(W_hn h + b_hn))
            _apply_clamps(kind, clamps, t, gate_t[t], ("n",))
            h = torch.sub(h, n, out=h_t[t]).mul_(z_t[t]).add_(n)  # n + z * (h - n) == (1 - z) * n + z * h_{t-1}
        else:
            h = torch.add(gh_t[t], gi_t[t], out=h_t[t])
            if kind == "RNN_TANH":
                h.tanh_()
            else:
                h.relu_()
    return DirectionRecord(input_term, hidden_term, gates, hs, cs, unprojected, h0, c0, snapshot(weights))
