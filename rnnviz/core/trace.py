"""``trace(module, x, hx)``: re-run a real PyTorch recurrent module step by step and record every gate.

The module's own parameters are read (no copies), in eval semantics (no inter-layer dropout), in its
dtype and on its device. The result is compared with ``module(x, hx)``; ``Trace.max_abs_error`` is the
largest difference and ``Trace.matches`` says whether it is within the tolerance of the math the module
ran with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from rnnviz.core.call_args import CallArgs, Geometry, geometry, normalise
from rnnviz.core.cells import GATE_NAMES, Clamps, DirectionRecord, kind_of, layer_weights, run_direction
from rnnviz.core.cells import quantity_names as cell_quantity_names
from rnnviz.core.numerics import FirstNonFinite, find_first_nonfinite, max_abs_difference, tolerance_for


@dataclass(frozen=True, eq=False)
class Trace:
    """What a recurrent module computed, step by step.

    ``output``, ``h_n``, ``c_n`` are in the module's own layout (batch-first if the module is, unbatched if
    the input was). Everything read through ``gate``/``state``/``preactivation``/``gate_terms`` is
    time-major ``(seq, batch, size)`` and row t always belongs to input position t, in both directions.
    For a Cell, seq is 1, ``output`` is h' and ``h_n`` is None (``c_n`` is c' for an LSTMCell).
    """

    kind: str  # "LSTM", "GRU", "RNN_TANH", "RNN_RELU"
    geometry: Geometry
    output: torch.Tensor
    h_n: torch.Tensor | None
    c_n: torch.Tensor | None
    max_abs_error: float
    tolerance: float
    math: str
    nonfinite: FirstNonFinite | None
    unbatched: bool
    layer_inputs: tuple[torch.Tensor, ...] = field(repr=False)  # per layer: (T, B, I_layer)
    records: dict[tuple[int, int], DirectionRecord] = field(repr=False)
    clamped: bool = False  # gates were forced (rnnviz.intervene): not a run the module can make

    @property
    def gate_names(self) -> tuple[str, ...]:
        """LSTM ('i', 'f', 'g', 'o'), GRU ('r', 'z', 'n'), vanilla RNN ()."""
        return GATE_NAMES[self.kind]

    @property
    def state_names(self) -> tuple[str, ...]:
        """'h', plus 'c' for an LSTM, plus 'h_unprojected' (o * tanh(c)) for an LSTM with proj_size."""
        return self.quantity_names[len(self.gate_names) :]

    @property
    def quantity_names(self) -> tuple[str, ...]:
        """Every gate, then every state: what a view of "each quantity" shows (``values`` reads any of them)."""
        return cell_quantity_names(self.kind, projected=bool(self.geometry.proj_size))

    @property
    def seq_len(self) -> int:
        return self.layer_inputs[0].shape[0]

    @property
    def batch_size(self) -> int:
        return self.layer_inputs[0].shape[1]

    @property
    def matches(self) -> bool:
        """True when the trace agrees with the module's own forward within ``tolerance``."""
        return self.max_abs_error <= self.tolerance

    def check_summary(self) -> str:
        """One line for a badge, e.g. 'matches torch.nn.LSTM forward: max |Δ| = 2.4e-08 (tolerance 1e-05, ...)'."""
        if self.clamped:
            return "intervened run (gates clamped): not a run the module itself can make, so not compared"
        verdict = "matches" if self.matches else "DOES NOT match"
        return (
            f"{verdict} torch.nn.{self.geometry.name} forward: max |Δ| = {self.max_abs_error:.1e} "
            f"(tolerance {self.tolerance:.0e}, {self.math})"
        )

    def record(self, layer: int = 0, direction: int = 0) -> DirectionRecord:
        """The raw record of one layer and direction; raises a clear IndexError for a bad selection."""
        if (layer, direction) not in self.records:
            raise IndexError(
                f"no layer {layer}, direction {direction}: the module has {self.geometry.num_layers} layer(s) "
                f"and {self.geometry.num_directions} direction(s)"
            )
        return self.records[(layer, direction)]

    def _block(self, stacked: torch.Tensor, name: str) -> torch.Tensor:
        names = self.gate_names or ("h",)
        if name not in names:
            raise KeyError(f"{self.kind} has no gate {name!r}; its gates are {names}")
        width = self.geometry.hidden_size
        k = names.index(name)
        return stacked[..., k * width : (k + 1) * width]

    def gate(self, name: str, layer: int = 0, direction: int = 0) -> torch.Tensor:
        """Post-activation gate ``name`` for every step, (seq, batch, hidden). E.g. LSTM f_t = sigmoid(...)."""
        if not self.gate_names:
            raise KeyError(f"a vanilla RNN ({self.kind}) has no gates; use state('h')")
        return self._block(self.record(layer, direction).gates, name)

    def gate_terms(self, name: str, layer: int = 0, direction: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        """(W_i· x_t + b_i·, W_h· h_{t-1} + b_h·) for gate ``name``, each (seq, batch, hidden).

        For a vanilla RNN the name is 'h'.
        """
        rec = self.record(layer, direction)
        return self._block(rec.input_term, name), self._block(rec.hidden_term, name)

    def preactivation(self, name: str, layer: int = 0, direction: int = 0) -> torch.Tensor:
        """The argument of the gate's activation, (seq, batch, hidden).

        Sum of both ``gate_terms``, except GRU 'n', whose argument is ``W_in x + b_in + r * (W_hn h + b_hn)``.
        For a vanilla RNN the name is 'h': h_t = tanh/relu(preactivation('h')).
        """
        input_term, hidden_term = self.gate_terms(name, layer, direction)
        if self.kind == "GRU" and name == "n":
            return input_term + hidden_term * self.gate("r", layer, direction)
        return hidden_term + input_term

    def state(self, name: str = "h", layer: int = 0, direction: int = 0) -> torch.Tensor:
        """State after each step, (seq, batch, size): 'h' (size P), 'c' (LSTM, size H), 'h_unprojected'."""
        if name not in self.state_names:
            raise KeyError(f"{self.kind} has no state {name!r}; its states are {self.state_names}")
        rec = self.record(layer, direction)
        return {"h": rec.h, "c": rec.c, "h_unprojected": rec.h_unprojected}[name]

    def values(self, name: str, layer: int = 0, direction: int = 0) -> torch.Tensor:
        """Gate or state ``name`` (any of ``quantity_names``) after each step, (seq, batch, size)."""
        if name in self.gate_names:
            return self.gate(name, layer, direction)
        return self.state(name, layer, direction)

    def previous_state(self, name: str = "h", layer: int = 0, direction: int = 0) -> torch.Tensor:
        """The state each step started from (h_{t-1}), (seq, batch, size); for the reverse direction h_{t+1}."""
        if name not in ("h", "c") or name not in self.state_names:
            raise KeyError(f"previous_state takes 'h' (or 'c' for an LSTM), got {name!r}")
        rec = self.record(layer, direction)
        states, initial = (rec.h, rec.h0) if name == "h" else (rec.c, rec.c0)
        if direction == 1:
            return torch.cat((states[1:], initial.unsqueeze(0)), 0)
        return torch.cat((initial.unsqueeze(0), states[:-1]), 0)

    def layer_input(self, layer: int = 0) -> torch.Tensor:
        """What layer ``layer`` read, (seq, batch, I_layer): x for layer 0, the layer below's output after."""
        return self.layer_inputs[layer]


def trace(module: nn.Module, x: torch.Tensor, hx: object = None) -> Trace:
    """Trace ``module(x, hx)`` one time step at a time and check the result against the module itself.

    The check runs the module's forward once in eval mode (``module.training`` is restored afterwards), so
    don't trace a module that another thread is training at that moment.

    ``module``: ``torch.nn.RNN | LSTM | GRU`` (any num_layers, bidirectional, bias, batch_first,
    nonlinearity, proj_size) or ``RNNCell | LSTMCell | GRUCell``. ``x``, ``hx``: exactly what the module
    accepts, unbatched input included. Raises TypeError/ValueError for anything the module would reject.
    """
    return trace_with_clamps(module, x, hx, {})


def trace_with_clamps(module: nn.Module, x: torch.Tensor, hx: object, clamps: dict[tuple[int, int], Clamps]) -> Trace:
    """``trace``, with gates forced to fixed values where ``clamps[(layer, direction)]`` says (interventions)."""
    kind = kind_of(module)
    geo = geometry(module)
    args = normalise(module, geo, kind, x, hx)
    with torch.no_grad():
        layer_inputs, records = _run_layers(module, kind, geo, args, clamps)
        output, h_n, c_n = _assemble(geo, kind, args, layer_inputs, records)
        reference = _reference_forward(module, x, hx)
    ours = (output,) if geo.is_cell else (output, h_n)
    ours += (c_n,) if kind == "LSTM" else ()
    tolerance, math = tolerance_for(args.x, reference)
    return Trace(
        kind=kind,
        geometry=geo,
        output=output,
        h_n=h_n,
        c_n=c_n,
        max_abs_error=max(max_abs_difference(a, b) for a, b in zip(ours, reference, strict=True)),
        tolerance=tolerance,
        math=math,
        nonfinite=find_first_nonfinite(module, kind, geo, layer_inputs, records),
        unbatched=args.unbatched,
        layer_inputs=tuple(layer_inputs),
        records=records,
        clamped=any(clamps.values()),
    )


def _run_layers(
    module: nn.Module, kind: str, geo: Geometry, args: CallArgs, clamps: dict[tuple[int, int], Clamps]
) -> tuple[list[torch.Tensor], dict[tuple[int, int], DirectionRecord]]:
    records: dict[tuple[int, int], DirectionRecord] = {}
    layer_inputs = [args.x]
    for layer in range(geo.num_layers):
        for direction in range(geo.num_directions):
            index = layer * geo.num_directions + direction
            records[(layer, direction)] = run_direction(
                kind,
                layer_weights(module, layer, direction),
                layer_inputs[layer],
                args.h0[index],
                None if args.c0 is None else args.c0[index],
                reverse=direction == 1,
                clamps=clamps.get((layer, direction)),
            )
        if layer + 1 < geo.num_layers:  # next layer reads both directions side by side: (T, B, D*P)
            layer_inputs.append(torch.cat([records[(layer, d)].h for d in range(geo.num_directions)], -1))
    return layer_inputs, records


def _assemble(
    geo: Geometry, kind: str, args: CallArgs, layer_inputs: list, records: dict
) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
    """Put the traced states back into the module's own output layout."""
    top = geo.num_layers - 1
    output = torch.cat([records[(top, d)].h for d in range(geo.num_directions)], -1)  # (T, B, D*P)
    finals = []  # forward direction ends at t = T-1, reverse at t = 0
    for layer in range(geo.num_layers):
        for d in range(geo.num_directions):
            finals.append((records[(layer, d)], -1 if d == 0 else 0))
    h_n = torch.stack([rec.h[t] for rec, t in finals])  # (L*D, B, P), never batch-first
    c_n = torch.stack([rec.c[t] for rec, t in finals]) if kind == "LSTM" else None
    if geo.is_cell:
        output, c_n = output[0], (None if c_n is None else c_n[0])  # (B, H)
        if args.unbatched:
            output, c_n = output[0], (None if c_n is None else c_n[0])
        return output, None, c_n
    if args.unbatched:
        return output[:, 0], h_n[:, 0], (None if c_n is None else c_n[:, 0])
    if geo.batch_first:
        output = output.transpose(0, 1)
    return output, h_n, c_n


def _reference_forward(module: nn.Module, x: torch.Tensor, hx: object) -> tuple[torch.Tensor, ...]:
    """The module's own forward in eval mode (dropout off), flattened to (output, h_n[, c_n])."""
    was_training = module.training
    module.eval()
    try:
        result = module(x, hx)
    finally:
        module.train(was_training)
    if isinstance(module, nn.RNNBase):
        output, state = result
        return (output, *state) if isinstance(state, tuple) else (output, state)
    return tuple(result) if isinstance(result, tuple) else (result,)
