"""What if? Re-run a module with a gate forced, its initial state overwritten, or one input nudged.

Overwriting h0/c0 or perturbing x_t changes only what the module is fed, so that run is still traced and
verified against the module. Clamping a gate (say f = 1 for steps 5..9) is something the module itself
cannot do; such a run is computed with the same equations and marked ``Trace.clamped``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from rnnviz.core.cells import GATE_NAMES, Clamps, kind_of
from rnnviz.core.packed import Packing
from rnnviz.core.trace import Trace, trace_sequential


@dataclass(frozen=True)
class GateClamp:
    """Force gate ``gate`` (e.g. 'f') of one layer and direction to ``value`` at input positions ``steps``."""

    gate: str
    value: float
    steps: tuple[int, ...]
    layer: int = 0
    direction: int = 0


@dataclass(frozen=True)
class Intervention:
    """A set of changes to a run. Hashable, so a page can cache the intervened trace by it."""

    clamps: tuple[GateClamp, ...] = ()
    h0_fill: float | None = None  # every entry of h0 set to this value
    c0_fill: float | None = None  # every entry of c0 (LSTM) set to this value
    x_step: int | None = None  # input position t whose x_t is nudged
    x_feature: int = 0
    x_delta: float = 0.0  # added to x_t[feature] for every batch item

    @property
    def is_empty(self) -> bool:
        return not self.clamps and self.h0_fill is None and self.c0_fill is None and self.x_step is None


def intervene(
    module: nn.Module, x: torch.Tensor | PackedSequence, intervention: Intervention, hx: object = None
) -> Trace:
    """Trace ``module(x, hx)`` with ``intervention`` applied; a fill replaces the whole h0 (or c0) of ``hx``.

    ``x`` is in the module's own layout (batched), or a PackedSequence (a nudge then reaches the sequences
    that have the step). Raises ValueError for a gate the module does not have, a step or feature outside the
    input, or a c0 fill on a module without a cell state.
    """
    kind = kind_of(module)
    batch_first = getattr(module, "batch_first", False)
    packing = Packing.of(x) if isinstance(x, PackedSequence) else None
    # an editable time-major copy of the input, (T, B, I)
    if packing is None:
        x = x.clone()
        x_time_major = x.transpose(0, 1) if batch_first else x  # a view: writes land in x
    else:
        x_time_major = packing.padded(x.data)
    steps, batch = x_time_major.shape[:2]
    clamps: dict[tuple[int, int], Clamps] = {}
    for clamp in intervention.clamps:
        if clamp.gate not in GATE_NAMES[kind]:
            raise ValueError(f"{kind} has no gate {clamp.gate!r}; its gates are {GATE_NAMES[kind] or 'none'}")
        if not all(0 <= t < steps for t in clamp.steps):
            raise ValueError(f"clamp steps must lie in 0..{steps - 1}, got {clamp.steps}")
        per_direction = clamps.setdefault((clamp.layer, clamp.direction), {})
        per_direction[clamp.gate] = (float(clamp.value), frozenset(clamp.steps))
    if intervention.x_step is not None:
        features = x_time_major.shape[-1]
        if not 0 <= intervention.x_step < steps or not 0 <= intervention.x_feature < features:
            raise ValueError(f"the nudged input must be a step in 0..{steps - 1} and a feature in 0..{features - 1}")
        x_time_major[intervention.x_step, :, intervention.x_feature] += intervention.x_delta
    hx = _filled_initial_state(module, kind, x_time_major, batch, intervention, hx)
    return trace_sequential(module, x if packing is None else packing.sequence(x_time_major), hx, clamps)


def _filled_initial_state(
    module: nn.Module, kind: str, x: torch.Tensor, batch: int, intervention: Intervention, hx: object
):
    """``hx`` with h0/c0 replaced by the intervention's fills (zeros where hx was None); hx when nothing is filled."""
    if intervention.h0_fill is None and intervention.c0_fill is None:
        return hx
    if intervention.c0_fill is not None and kind != "LSTM":
        raise ValueError(f"only an LSTM has a cell state c0; this module is {kind}")
    layers_dirs = module.num_layers * (2 if module.bidirectional else 1)
    out_size = getattr(module, "proj_size", 0) or module.hidden_size
    given_h0, given_c0 = (hx if kind == "LSTM" else (hx, None)) if hx is not None else (None, None)
    h0 = given_h0 if given_h0 is not None else x.new_zeros(layers_dirs, batch, out_size)
    if intervention.h0_fill is not None:
        h0 = torch.full_like(h0, intervention.h0_fill)
    if kind != "LSTM":
        return h0
    c0 = given_c0 if given_c0 is not None else x.new_zeros(layers_dirs, batch, module.hidden_size)
    if intervention.c0_fill is not None:
        c0 = torch.full_like(c0, intervention.c0_fill)
    return h0, c0
