"""The gradient views of the Memory & gradients page: a trained model and one held-out sequence in, numbers out.

* ``gradient_flow``: ||dL/dh_t|| (and ||dL/dc_t||) for every step t, L = (answer - target)^2, computed on a
  float64 copy of the model (so that gradients far below float32's range still show) and checked against
  central finite differences of the module's own forward at a few steps.
* ``connectivity_map``: ||dy_s/dx_t|| for output steps s (rows, at most MAX_MAP_ROWS) and input steps t.
* ``forget_view`` (LSTM): the forget-gate path prod f_k from every step to the last (read from the verified
  trace), and the same model with its forget gate clamped to 1: the path is then exactly 1.

Every gradient comes from autograd through ``rnnviz.core.gradients.rerun`` (PyTorch's own cell functions with the
model's own weights), whose states are checked against the module's forward.
"""

from __future__ import annotations

import copy
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from rnnviz.core.gradients import (
    FiniteDifference,
    connectivity,
    finite_differences,
    forget_gate_open,
    forget_path,
    rerun,
    state_gradients,
)
from rnnviz.core.trace import trace
from rnnviz.memory.model import MemoryModel

#: Central-difference step in float64 (it balances truncation, ~eps**2, against rounding, ~1e-16 / eps) and the
#: largest relative error the page accepts (the tests' bound).
FD_EPS = 1e-5
FD_TOLERANCE = 1e-6
#: Steps checked by finite differences: up to this many, spread over the steps whose gradient is at least
#: RESOLVABLE times the largest one (below that, central differences in float64 cannot resolve it).
FD_PROBES = 4
RESOLVABLE = 1e-3
#: The connectivity map has at most this many output rows (every k-th step, always the last: every step up to
#: T = 50, every 4th at T = 200), and its graph at most about MAP_FLOATS numbers (fewer rows for long sequences
#: and wide models). Its cost grows with the rows times the sequence.
MAX_MAP_ROWS = 50
MAP_FLOATS = 30_000_000


class Flow(NamedTuple):
    """How much of the loss's gradient reaches each step, for one model and one sequence."""

    cell: str
    h_norms: np.ndarray  # (T,) ||dL/dh_t||
    c_norms: np.ndarray | None  # (T,) ||dL/dc_t|| (LSTM)
    grad_c: np.ndarray | None  # (T, H) dL/dc_t (LSTM)
    prediction: float
    target: float
    rerun_error: float  # the float64 step-by-step re-run against the module's own forward
    rerun_tolerance: float
    checks: tuple[FiniteDifference, ...]

    @property
    def loss(self) -> float:
        return (self.prediction - self.target) ** 2

    @property
    def verified(self) -> bool:
        """The re-run matches the module and every finite-difference check is within FD_TOLERANCE."""
        return self.rerun_error <= self.rerun_tolerance and all(c.relative_error <= FD_TOLERANCE for c in self.checks)


def probe_steps(norms: np.ndarray, probes: int = FD_PROBES) -> list[int]:
    """Up to ``probes`` steps, spread from the last to the earliest one whose gradient norm is resolvable."""
    resolvable = np.flatnonzero(norms >= RESOLVABLE * norms.max()) if norms.max() > 0 else np.array([], int)
    if resolvable.size == 0:
        return []
    picks = np.linspace(resolvable[0], norms.shape[0] - 1, probes).round().astype(int)
    return sorted({int(resolvable[np.abs(resolvable - p).argmin()]) for p in picks})


def gradient_flow(model: MemoryModel, x: Tensor, target: float, *, check: bool = True) -> Flow:
    """||dL/dh_t|| for every step of ``x`` (T, 2) with L = (answer - target)^2, on a float64 copy of the model;
    ``check``: also central finite differences at a few steps (``Flow.checks``)."""
    double = copy.deepcopy(model).double()

    def loss_of_last(h: Tensor) -> Tensor:
        return (double.head(h)[:, 0] - target) ** 2

    run = rerun(double.rnn, x.to(torch.float64))
    answer = double.head(run.h[-1])[0, 0]
    gradients = state_gradients(run, (answer - target) ** 2)
    h_norms, c_norms = gradients.norms()
    checks = finite_differences(double.rnn, run, gradients, loss_of_last, probe_steps(h_norms), FD_EPS) if check else []
    return Flow(
        model.cell,
        h_norms,
        c_norms,
        gradients.c,
        float(answer.detach()),
        target,
        run.max_abs_error,
        run.tolerance,
        tuple(checks),
    )


class ConnectivityMap(NamedTuple):
    cell: str
    rows: np.ndarray  # (R,) output steps s, ascending, the last step always included
    values: np.ndarray  # (R, T) ||dy_s/dx_t||; 0 for t > s
    steps: int  # T


def map_rows(length: int, hidden_size: int, max_rows: int = MAX_MAP_ROWS) -> np.ndarray:
    """Output steps of the map: every k-th from the last, at most ``max_rows`` and within MAP_FLOATS."""
    per_row = max(1, length // 2) * 10 * hidden_size  # about half the sequence per copy, ~10H numbers a step
    rows = max(1, min(max_rows, length, MAP_FLOATS // per_row))
    stride = -(-length // rows)
    return np.arange(length - 1, -1, -stride)[::-1]


def connectivity_map(model: MemoryModel, x: Tensor, max_rows: int = MAX_MAP_ROWS) -> ConnectivityMap:
    """||dy_s/dx_t|| of ``model`` on ``x`` (T, 2), y_s = head(h_s): what the output after step s depends on."""
    rows = map_rows(x.shape[0], model.rnn.hidden_size, max_rows)
    values = connectivity(model.rnn, x, model.head, rows.tolist())
    return ConnectivityMap(model.cell, rows, values, x.shape[0])


class ForgetView(NamedTuple):
    """An LSTM's forget-gate path, as trained and with f clamped to 1."""

    path: np.ndarray  # (T, H) prod_{k=t+1}^{T-1} f_k, from the verified trace
    open_path: np.ndarray  # (T, H) the same with the forget gate clamped to 1
    flow: Flow  # the trained model (its grad_c: dL/dc_t)
    open_flow: Flow  # the model with f = 1
    trace_matches: bool  # both traces agree with their module's forward

    def persistent_units(self) -> np.ndarray:
        """Units ordered by how much of the cell path survives from step 0 to the end (largest first)."""
        return np.argsort(-self.path[0], kind="stable")


def forget_view(model: MemoryModel, x: Tensor, target: float, flow: Flow) -> ForgetView:
    """``flow``: ``gradient_flow(model, x, target)`` (reused). The clamped model is ``forget_gate_open``'s copy."""
    if model.cell != "LSTM":
        raise ValueError(f"only an LSTM has a forget gate; this model is {model.cell}")
    opened = copy.deepcopy(model)
    opened.rnn = forget_gate_open(model.rnn)
    traced, traced_open = trace(model.rnn, x.unsqueeze(0)), trace(opened.rnn, x.unsqueeze(0))
    return ForgetView(
        forget_path(traced.gate("f")[:, 0].numpy()),
        forget_path(traced_open.gate("f")[:, 0].numpy()),
        flow,
        gradient_flow(opened, x, target, check=False),
        traced.matches and traced_open.matches,
    )
