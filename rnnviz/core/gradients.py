"""Gradients through a recurrent module, by autograd, with the module's own parameters.

``nn.RNN | LSTM | GRU`` run a whole sequence in one call, so the states h_t inside it are not tensors autograd can
be asked about. ``rerun`` runs the same module one step at a time through PyTorch's own cell functions
(``torch.rnn_tanh_cell``, ``rnn_relu_cell``, ``lstm_cell``, ``gru_cell``: what ``nn.RNNCell`` / ``LSTMCell`` /
``GRUCell`` call) with the module's own parameter tensors, so that every h_t (and c_t) is a node of the graph,
and checks its outputs against the module's forward. On top of it:

    state_gradients            dL/dh_t (and dL/dc_t) for every t: one backward pass
    finite_differences         the same derivatives from central differences of the module's own forward
    connectivity               ||dy_s/dx_t|| for chosen output steps s and every input step t (0 for t > s)
    forget_path                prod_{k=t+1}^{T-1} f_k: dc_{T-1}/dc_t of an LSTM along the cell path alone
    forget_gate_open           a copy of an nn.LSTM whose forget gate is exactly 1 at every step

One layer, one direction, no projection; one sequence x (T, I) from a zero state.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor, nn

from rnnviz.core.cells import kind_of
from rnnviz.core.numerics import max_abs_difference, tolerance_for

_CELLS = {
    "RNN_TANH": torch.rnn_tanh_cell,
    "RNN_RELU": torch.rnn_relu_cell,
    "LSTM": torch.lstm_cell,
    "GRU": torch.gru_cell,
}
#: ``forget_gate_open`` sets the forget gate's bias to this and its weights to 0: sigmoid(1e4) is exactly 1.0 in
#: float32 and float64 (exp(-1e4) underflows to 0), so f_t = 1 at every step and every unit.
OPEN_FORGET_BIAS = 1e4
Readout = Callable[[Tensor], Tensor]  # hidden states (B, H) -> one number per row, (B,) or (B, 1)


def _kind(module: nn.Module) -> str:
    """The module's kind, after checking it is one plain layer (what the views here read)."""
    kind = kind_of(module)
    if not isinstance(module, nn.RNNBase):
        raise TypeError(f"expected an nn.RNN, nn.LSTM or nn.GRU, got {type(module).__name__}")
    if module.num_layers != 1 or module.bidirectional or getattr(module, "proj_size", 0):
        raise ValueError("gradient views read one layer in one direction without projection")
    return kind


def _parameters(module: nn.RNNBase) -> tuple[Tensor | None, ...]:
    return tuple(getattr(module, name, None) for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"))


@dataclass(frozen=True, eq=False)
class Rerun:
    """One sequence run step by step with the module's own parameters; every state is a graph node."""

    kind: str
    x: Tensor  # (T, I): a leaf that requires grad
    h: tuple[Tensor, ...]  # T states h_t, each (1, H)
    c: tuple[Tensor, ...] | None  # LSTM: T cell states c_t, each (1, H)
    max_abs_error: float  # against the module's own forward on x
    tolerance: float

    @property
    def matches(self) -> bool:
        return self.max_abs_error <= self.tolerance

    @property
    def states(self) -> Tensor:
        """h_t for every t, (T, H), detached."""
        return torch.cat(self.h).detach()


def rerun(module: nn.Module, x: Tensor, *, cell_path_only: bool = False) -> Rerun:
    """Run ``module`` on one sequence ``x`` (T, I) from zeros, one step at a time, keeping the graph.

    ``cell_path_only`` (LSTM): every step's gates read h_{t-1} detached, so the only path from c_{t-1} to c_t is
    c_t = f_t * c_{t-1} + ...: then dc_{T-1}/dc_t = diag(prod f_k) exactly (the forward values do not change).
    """
    kind = _kind(module)
    if cell_path_only and kind != "LSTM":
        raise ValueError(f"only an LSTM has a cell path; this module is {kind}")
    cell, parameters = _CELLS[kind], _parameters(module)
    x = x.detach().clone().requires_grad_(True)
    h = x.new_zeros(1, module.hidden_size)
    c = h if kind == "LSTM" else None
    hs, cs = [], []
    for x_t in x.split(1):  # (1, I) each; one graph node hands every step its input's gradient
        if kind == "LSTM":
            h, c = cell(x_t, (h.detach() if cell_path_only else h, c), *parameters)
            cs.append(c)
        else:
            h = cell(x_t, h, *parameters)
        hs.append(h)
    with torch.no_grad():
        reference = module(x.detach().unsqueeze(0 if module.batch_first else 1))[0].reshape(x.shape[0], -1)
    error = max_abs_difference(torch.cat(hs).detach(), reference)
    return Rerun(kind, x, tuple(hs), tuple(cs) if cs else None, error, tolerance_for(x, (reference,))[0])


class StateGradients(NamedTuple):
    """Gradients with respect to the graph's nodes: h_t moves only what reads it (step t + 1, a readout); c_t
    moves h_t = o_t * tanh(c_t) and step t + 1."""

    h: np.ndarray  # (T, H): dL/dh_t
    c: np.ndarray | None  # (T, H): dL/dc_t (LSTM)
    x: np.ndarray  # (T, I): dL/dx_t

    def norms(self) -> tuple[np.ndarray, np.ndarray | None]:
        """(||dL/dh_t||, ||dL/dc_t|| or None), each (T,)."""
        return np.linalg.norm(self.h, axis=1), None if self.c is None else np.linalg.norm(self.c, axis=1)


def state_gradients(run: Rerun, loss: Tensor) -> StateGradients:
    """dL/dh_t, dL/dc_t and dL/dx_t for every t, from one backward pass of the scalar ``loss``."""
    states = [*run.h, *(run.c or ())]
    grads = torch.autograd.grad(loss, [*states, run.x], allow_unused=True, materialize_grads=True)
    steps = len(run.h)
    h = torch.cat(grads[:steps]).numpy()
    c = torch.cat(grads[steps : 2 * steps]).numpy() if run.c is not None else None
    return StateGradients(h, c, grads[-1].numpy())


class FiniteDifference(NamedTuple):
    """The derivative of L along the unit direction v = g / ||g|| of autograd's g = dL/dh_t, both ways."""

    step: int
    autograd: float  # g . v = ||g||
    central: float  # (L(h_t + eps v) - L(h_t - eps v)) / (2 eps), the module's own forward from step t + 1 on
    relative_error: float


def finite_differences(
    module: nn.Module, run: Rerun, gradients: StateGradients, loss_of_last: Readout, steps: Sequence[int], eps: float
) -> list[FiniteDifference]:
    """Check dL/dh_t at ``steps`` against central differences of the module's forward (L = ``loss_of_last``
    of the last hidden state). The state at t + 1 .. T-1 comes from ``module`` itself, fed (h_t +- eps v, c_t):
    one call for every step checked, the sequences x_{t+1..T-1} packed, each from its own perturbed state."""
    probes = [t for t in steps if float(np.linalg.norm(gradients.h[t])) > 0.0]
    if not probes:
        return []
    directions = torch.from_numpy(gradients.h[probes])  # (P, H)
    norms = directions.norm(dim=1)
    with torch.no_grad():
        offsets = directions * (eps / norms[:, None])
        states = torch.cat([run.h[t].detach() for t in probes])  # (P, H)
        last = torch.stack([states + offsets, states - offsets], dim=1).reshape(-1, states.shape[1])  # (2P, H)
        starts = np.repeat(probes, 2) + 1  # row 2p: probe p + eps v, row 2p + 1: - eps v; each goes on from t + 1
        moving = np.flatnonzero(starts < len(run.h)).tolist()  # a probe at the last step is its own last state
        if moving:
            rest = nn.utils.rnn.pack_sequence([run.x.detach()[starts[row] :] for row in moving], enforce_sorted=False)
            h0 = last[moving].unsqueeze(0)  # (1, M, H)
            c0 = None if run.c is None else torch.cat([run.c[starts[row] - 1].detach() for row in moving])[None]
            _, h_n = module(rest, h0 if c0 is None else (h0, c0))
            last[moving] = (h_n if c0 is None else h_n[0])[0]  # each sequence's state after its own last step
        losses = loss_of_last(last).reshape(-1, 2).tolist()  # (P, 2)
    checks = []
    for (plus, minus), t, norm in zip(losses, probes, norms.tolist(), strict=True):
        central = (plus - minus) / (2 * eps)
        checks.append(FiniteDifference(t, norm, central, abs(central - norm) / norm))
    return checks


def connectivity(module: nn.Module, x: Tensor, readout: Readout, rows: Sequence[int]) -> np.ndarray:
    """||dy_s/dx_t|| (norm over the input features) for every output step s in ``rows`` and input step t: (R, T).

    y_s = ``readout(h_s)``. One backward pass for all rows: the sequence is run as R copies, copy j answering
    for step rows[j] and dropped after it, so the work is about the sum of the rows' lengths.
    """
    kind = _kind(module)
    rows = sorted(set(rows))
    if not rows or rows[0] < 0 or rows[-1] >= x.shape[0]:
        raise ValueError(f"output steps must lie in 0..{x.shape[0] - 1}, got {rows[:1] + rows[-1:]}")
    cell, parameters = _CELLS[kind], _parameters(module)
    copies = len(rows)
    # one leaf per step (R, I), so that no step's backward writes into a tensor of the whole sequence
    xs = [x_t.expand(copies, -1).clone().requires_grad_(True) for x_t in x.detach()[: rows[-1] + 1]]
    h = x.new_zeros(copies, module.hidden_size)
    c = h if kind == "LSTM" else None
    answers, first = [], 0  # copies before ``first`` have answered and are dropped
    for t, x_t in enumerate(xs):
        if kind == "LSTM":
            h, c = cell(x_t[first:], (h, c), *parameters)
        else:
            h = cell(x_t[first:], h, *parameters)
        if rows[first] == t:
            answers.append(readout(h[:1]).sum())
            first += 1
            h, c = h[1:], None if c is None else c[1:]
    grads = torch.autograd.grad(torch.stack(answers).sum(), xs)  # T tensors (R, I); rows past their step are 0
    values = torch.stack(grads, dim=1).norm(dim=-1)  # (R, rows[-1] + 1)
    return torch.nn.functional.pad(values, (0, x.shape[0] - values.shape[1])).numpy()  # (R, T)


def forget_path(f: np.ndarray) -> np.ndarray:
    """prod_{k=t+1}^{T-1} f_k for every t (1 at t = T-1), in float64: f (T,) or (T, H) -> the same shape."""
    f = np.asarray(f, dtype=np.float64)
    later = np.cumprod(f[:0:-1], axis=0)[::-1]  # row t: f_{t+1} * ... * f_{T-1}, for t = 0 .. T-2
    return np.concatenate([later, np.ones_like(f[:1])])


def forget_gate_open(module: nn.LSTM) -> nn.LSTM:
    """A copy of ``module`` whose forget gate is exactly 1 at every step, unit, layer and direction: its rows of
    weight_ih and weight_hh are 0, its bias OPEN_FORGET_BIAS. The rest of the module is untouched."""
    if kind_of(module) != "LSTM" or not module.bias:
        raise ValueError("only an nn.LSTM with biases has a forget gate to open")
    opened = copy.deepcopy(module)
    rows = slice(opened.hidden_size, 2 * opened.hidden_size)  # i | f | g | o
    with torch.no_grad():
        for name, parameter in opened.named_parameters():
            if name.startswith(("weight_ih", "weight_hh", "bias_hh")):
                parameter[rows] = 0.0
            elif name.startswith("bias_ih"):
                parameter[rows] = OPEN_FORGET_BIAS
    return opened
