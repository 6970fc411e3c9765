"""Claims of the Shapes page checked on a real module: every shape of the table (``check_against_torch``),
which slices of ``output`` equal ``h_n``, the parameter values behind every stacked weight, and the count.

For a module with L layers, D directions and h size P, run on input of T steps::

    h_n[(L-1)*D + 0] == output[T-1, ..., 0:P]     forward direction: its last step is t = T-1
    h_n[(L-1)*D + 1] == output[0,   ..., P:2P]    reverse direction: it ends at t = 0

(``...`` is the batch axis; with ``batch_first=True`` the step index moves to axis 1: ``output[:, T-1, :P]``.)
Only the top layer's final states appear in ``output``; lower layers' rows of h_n have no slice there.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch

from rnnviz.core.numerics import max_abs_difference, tolerance_for
from rnnviz.core.spec import DTYPES, ModelSpec, build_model
from rnnviz.shapes.table import ShapeTable


@dataclass(frozen=True)
class StateSlice:
    """Where one direction's final top-layer state sits in ``output`` and in ``h_n``."""

    direction: int  # 0 forward, 1 reverse
    step: int  # position t of output holding it: T-1 forward, 0 reverse
    features: tuple[int, int]  # half-open range of output's last axis: [d*P, (d+1)*P)
    h_n_row: int  # (L-1)*D + d
    output_index: str  # Python indexing of output, e.g. "output[4, :, :16]"
    h_n_index: str  # e.g. "h_n[0]"

    @property
    def label(self) -> str:
        return f"{'reverse' if self.direction else 'forward'}: {self.output_index} == {self.h_n_index}"


@dataclass(frozen=True)
class SliceCheck:
    """``max |output[slice] - h_n[row]|`` for every StateSlice of one real forward pass."""

    slices: tuple[StateSlice, ...]
    max_abs_diffs: tuple[float, ...]  # one per slice
    tolerance: float

    @property
    def matches(self) -> bool:
        return all(diff <= self.tolerance for diff in self.max_abs_diffs)


def final_state_slices(table: ShapeTable) -> tuple[StateSlice, ...]:
    """The slices of ``output`` equal to the top layer's rows of ``h_n``, one per direction."""
    spec = table.spec
    d_count, p, steps = spec.num_directions, spec.out_size, table.seq_len
    found = []
    for direction in range(d_count):
        step = 0 if direction else steps - 1
        lo, hi = direction * p, (direction + 1) * p
        features = f":{hi}" if lo == 0 else f"{lo}:" if hi == d_count * p else f"{lo}:{hi}"
        if table.unbatched:  # output (T, D*P), h_n (L*D, P)
            index = f"{step}, {features}"
        elif spec.batch_first:  # output (B, T, D*P)
            index = f":, {step}, {features}"
        else:  # output (T, B, D*P)
            index = f"{step}, :, {features}"
        row = (spec.num_layers - 1) * d_count + direction
        found.append(StateSlice(direction, step, (lo, hi), row, f"output[{index}]", f"h_n[{row}]"))
    return tuple(found)


def random_tensor(shape: tuple[int, ...], dtype: torch.dtype, seed: int) -> torch.Tensor:
    """Standard normal values from a private generator (the global RNG is never touched)."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator, dtype=torch.float64).to(dtype)


def run_module(module: torch.nn.Module, x: torch.Tensor, hx: object = None) -> tuple[torch.Tensor, ...]:
    """``module(x, hx)`` without autograd: (output, h_n) or (output, h_n, c_n)."""
    with torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "LSTM with projections is not supported with oneDNN")
        output, state = module(x, hx)
    return (output, *state) if isinstance(state, tuple) else (output, state)


def check_final_state_slices(table: ShapeTable, seed: int = 0) -> SliceCheck:
    """Run ``build_model(table.spec, seed)`` on random input of the table's shape; compare each slice."""
    module = build_model(table.spec, seed)
    dtype = DTYPES[table.spec.dtype]
    x = random_tensor(table.tensor("input").shape, dtype, seed + 1)
    output, h_n = run_module(module, x)[:2]
    slices = final_state_slices(table)
    diffs = []
    for s in slices:
        picked = output.movedim(1, 0) if table.spec.batch_first and not table.unbatched else output  # (T, ...)
        diffs.append(max_abs_difference(picked[s.step][..., s.features[0] : s.features[1]], h_n[s.h_n_row]))
    return SliceCheck(slices, tuple(diffs), tolerance_for(x, (output, h_n))[0])


def parameter_values(spec: ModelSpec, seed: int = 0) -> dict[str, np.ndarray]:
    """Every parameter of ``build_model(spec, seed)`` by name, as float64 numpy arrays (weights (rows, cols))."""
    module = build_model(spec, seed)
    return {name: p.detach().to(torch.float64).numpy() for name, p in module.named_parameters()}


def torch_parameter_count(spec: ModelSpec) -> int:
    """``sum(p.numel() for p in module.parameters())`` of the real module."""
    return sum(p.numel() for p in build_model(spec).parameters())


def check_against_torch(table: ShapeTable, seed: int = 0) -> list[str]:
    """Build ``table.spec`` with ``build_model``, run it on zeros of the table's input/h0/c0 shapes, and list
    every disagreement with the module's output, h_n, c_n and ``named_parameters()`` (empty when all agree).
    """
    module = build_model(table.spec, seed)
    problems = [  # every stacked weight/bias: the gates in torch's order, tiling all rows
        f"{p.name}: gate blocks {[(b.gate, b.rows) for b in p.blocks]} do not tile its {p.shape[0]} rows "
        f"as {table.gate_names}"
        for p in table.parameters
        if p.role != "weight_hr"
        and (
            [b.gate for b in p.blocks] != list(table.gate_names)
            or [r for b in p.blocks for r in range(*b.rows)] != list(range(p.shape[0]))
        )
    ]
    problems += [
        f"{t.name}: {len(t.shape)} axes but {len(t.axes)} axis names {t.axes}"
        for t in table.tensors
        if not len(t.shape) == len(t.axes) == len(t.symbols)
    ]
    expected = [(p.name, p.shape) for p in table.parameters]
    actual = [(name, tuple(w.shape)) for name, w in module.named_parameters()]
    if [n for n, _ in expected] != [n for n, _ in actual]:
        problems.append(f"parameter names/order: table has {[n for n, _ in expected]}, torch has {dict(actual)}")
    else:
        pairs = zip(expected, actual, strict=True)
        problems += [f"{n}: table says {s}, torch has {a}" for (n, s), (_, a) in pairs if s != a]
    wanted = ["input", "h0", "output", "h_n"] + (["c0", "c_n"] if table.kind == "LSTM" else [])
    if sorted(t.name for t in table.tensors) != sorted(wanted):
        return problems + [f"tensors: table has {[t.name for t in table.tensors]}, a {table.kind} has {wanted}"]
    dtype = DTYPES[table.spec.dtype]
    x, h0 = (torch.zeros(table.tensor(n).shape, dtype=dtype) for n in ("input", "h0"))
    hx = (h0, torch.zeros(table.tensor("c0").shape, dtype=dtype)) if table.kind == "LSTM" else h0
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", "LSTM with projections is not supported with oneDNN")
            output, state = module(x, hx)
    except (RuntimeError, ValueError) as error:  # torch refuses an input/h0/c0 of the wrong shape
        return problems + [f"torch rejected input {tuple(x.shape)} with the table's h0/c0: {error}"]
    results = {"output": output, "h_n": state[0] if isinstance(state, tuple) else state}
    if isinstance(state, tuple):
        results["c_n"] = state[1]
    for name, value in results.items():
        if table.tensor(name).shape != tuple(value.shape):
            problems.append(f"{name}: table says {table.tensor(name).shape}, torch returned {tuple(value.shape)}")
    return problems
