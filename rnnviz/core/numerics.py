"""Comparison tolerances, NaN-aware differences and the search for the first non-finite value."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import torch
from torch import nn

from rnnviz.core.call_args import Geometry
from rnnviz.core.cells import GATE_NAMES

#: Absolute tolerance of a trace against the module's forward, by dtype (exact IEEE math on CPU).
TOLERANCE = {torch.float64: 1e-10, torch.float32: 1e-5, torch.float16: 1e-2, torch.bfloat16: 5e-2}
#: cuDNN with TF32 differs from exact float32 by up to ~4e-4 (measured on an H100, torch 2.11, cuDNN 9.19).
TF32_TOLERANCE = 1e-3


def tolerance_for(x: torch.Tensor, reference: tuple[torch.Tensor, ...]) -> tuple[float, str]:
    """(absolute tolerance, description of the math the module ran with) for this dtype, device and result.

    Floating-point error grows with the size of the numbers, so the per-dtype tolerance applies to values
    of size up to 1 and scales with the largest finite |value| in the module's own ``reference`` result.
    """
    scale = max([1.0, *(_largest_finite_magnitude(r) for r in reference)])
    name = str(x.dtype).removeprefix("torch.")
    if x.device.type == "cuda" and x.dtype == torch.float32 and torch.backends.cudnn.allow_tf32:
        return TF32_TOLERANCE * scale, "float32 on CUDA with cuDNN TF32 math (torch.backends.cudnn.allow_tf32 = True)"
    return TOLERANCE.get(x.dtype, 1e-2) * scale, f"exact {name} math on {x.device.type}"


def _largest_finite_magnitude(values: torch.Tensor) -> float:
    """max |value| over the finite entries (0 when there are none); one pass when all are finite."""
    if values.numel() == 0:
        return 0.0
    largest = float(values.abs().max())
    if math.isfinite(largest):
        return largest
    finite = values[torch.isfinite(values)]
    return float(finite.abs().max()) if finite.numel() else 0.0


def all_finite(values: torch.Tensor) -> bool:
    """True when no entry is NaN or inf. One fast reduction; the sum can only overflow for huge values, and
    then the exact (slower) check decides."""
    values = values.detach()
    return math.isfinite(float(values.sum())) or bool(torch.isfinite(values).all())


def max_abs_difference(a: torch.Tensor, b: torch.Tensor) -> float:
    """max |a - b|, where a NaN (or an inf of the same sign) at the same place in both counts as equal."""
    if a.shape != b.shape:
        raise AssertionError(f"traced shape {tuple(a.shape)} differs from the module's {tuple(b.shape)}")
    if a.numel() == 0:
        return 0.0
    largest = float((a - b).abs().max())  # NaN if either side has a NaN or an inf: then compare exactly
    if math.isfinite(largest):
        return largest
    same = (a == b) | (torch.isnan(a) & torch.isnan(b))
    diff = (a - b).abs().masked_fill(same, 0.0)
    diff = torch.where(torch.isnan(diff), torch.full_like(diff, float("inf")), diff)
    return float(diff.max())


@dataclass(frozen=True)
class FirstNonFinite:
    """Where a NaN or inf first appears: a parameter or h0/c0 (step None), x, or a quantity at a step."""

    quantity: str  # e.g. "x", "f", "c", "h", "weight_hh_l0"
    layer: int
    direction: int
    step: int | None  # input position t; None for a parameter

    def __str__(self) -> str:
        where = "" if self.step is None else f" at step t={self.step}"
        return f"first non-finite value: {self.quantity}{where} (layer {self.layer}, direction {self.direction})"


def find_first_nonfinite(
    module: nn.Module, kind: str, geo: Geometry, layer_inputs: list, records: dict
) -> FirstNonFinite | None:
    """Parameters first, then x, then layer by layer in processing order (a reverse direction runs t = T-1 .. 0).

    Within a step the order is the gates in PyTorch's order, then c, then h.
    """
    for name, param in module.named_parameters():
        if not all_finite(param):
            layer_match = re.search(r"_l(\d+)", name)
            layer = int(layer_match.group(1)) if layer_match else 0
            return FirstNonFinite(name, layer, int(name.endswith("_reverse")), None)
    if not all_finite(layer_inputs[0]):
        finite_x = torch.isfinite(layer_inputs[0]).flatten(1).all(1)  # (T,)
        return FirstNonFinite("x", 0, 0, int((~finite_x).nonzero()[0]))
    for (layer, direction), rec in records.items():
        for name, state in (("h0", rec.h0), ("c0", rec.c0)):
            if state is not None and not all_finite(state):
                return FirstNonFinite(name, layer, direction, None)
    for layer in range(geo.num_layers):
        found = []
        for direction in range(geo.num_directions):
            rec = records[(layer, direction)]
            if all(all_finite(t) for t in (rec.gates, rec.h, rec.c) if t is not None):
                continue
            width = geo.hidden_size
            quantities = [(g, rec.gates[..., k * width : (k + 1) * width]) for k, g in enumerate(GATE_NAMES[kind])]
            quantities += [("c", rec.c)] if rec.c is not None else []
            quantities += [("h", rec.h)]
            for order, (name, values) in enumerate(quantities):
                if all_finite(values):
                    continue
                bad = ~torch.isfinite(values).flatten(1).all(1)  # (T,)
                if bad.any():
                    steps = bad.nonzero().flatten()
                    step = int(steps[-1] if direction == 1 else steps[0])
                    processed = layer_inputs[0].shape[0] - 1 - step if direction == 1 else step
                    found.append((processed, direction, order, FirstNonFinite(name, layer, direction, step)))
        if found:
            return min(found, key=lambda item: item[:3])[3]
    return None
