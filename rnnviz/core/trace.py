"""``trace(module, x, hx)``: re-run a real PyTorch recurrent module step by step and record every gate.

The module's own parameters are read (no copies), in eval semantics (no inter-layer dropout), in its
dtype and on its device. The result is compared with ``module(x, hx)``; ``Trace.max_abs_error`` is the
largest difference and ``Trace.matches`` says whether it is within the tolerance of the math the module
ran with.

Two engines compute the same record. ``trace`` uses the batched one (``batched.py``): all steps of a layer at
once from the module's own states, every step checked against the module's. ``trace_sequential`` runs one
step at a time from its own states (``cells.run_direction``); interventions use it to clamp gates.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from rnnviz.core.batched import run_layers_batched
from rnnviz.core.call_args import CallArgs, Geometry, geometry, normalise
from rnnviz.core.cells import Clamps, DirectionRecord, kind_of, layer_weights, run_direction
from rnnviz.core.numerics import find_first_nonfinite, max_abs_difference, tolerance_for
from rnnviz.core.result import Trace
from rnnviz.core.size import MAX_TRACE_BYTES, size_problem, trace_bytes

__all__ = ["Trace", "trace", "trace_sequential"]


def trace(
    module: nn.Module, x: torch.Tensor | PackedSequence, hx: object = None, *, max_bytes: int = MAX_TRACE_BYTES
) -> Trace:
    """Trace ``module(x, hx)`` one time step at a time and check the result against the module itself.

    The check runs the module's forward once in eval mode (``module.training`` is restored afterwards), so
    don't trace a module that another thread is training at that moment.

    ``module``: ``torch.nn.RNN | LSTM | GRU`` (any num_layers, bidirectional, bias, batch_first,
    nonlinearity, proj_size) or ``RNNCell | LSTMCell | GRUCell``. ``x``, ``hx``: exactly what the module
    accepts, unbatched input and a ``PackedSequence`` included (a packed trace reads NaN past each sequence's
    length; ``h_n`` holds each sequence's state at its own last step). Raises TypeError/ValueError for
    anything the module would reject, and ValueError before allocating anything when the trace would
    record more than ``max_bytes`` (1 GiB by default; see ``rnnviz.core.size.trace_bytes``).
    """
    return _traced(module, x, hx, None, max_bytes)


def trace_sequential(
    module: nn.Module,
    x: torch.Tensor | PackedSequence,
    hx: object = None,
    clamps: dict[tuple[int, int], Clamps] | None = None,
    *,
    max_bytes: int = MAX_TRACE_BYTES,
) -> Trace:
    """``trace``, one step at a time from the trace's own states; gates are forced to fixed values where
    ``clamps[(layer, direction)]`` says (interventions), which makes the result ``Trace.clamped``."""
    return _traced(module, x, hx, clamps or {}, max_bytes)


def _traced(
    module: nn.Module, x: object, hx: object, clamps: dict[tuple[int, int], Clamps] | None, max_bytes: int
) -> Trace:
    """The batched engine when ``clamps`` is None, else the sequential one; then the shared check."""
    kind = kind_of(module)
    geo = geometry(module)
    args = normalise(module, geo, kind, x, hx)
    problem = size_problem(trace_bytes(kind, geo, *args.x.shape[:2], args.x.element_size()), max_bytes)
    if problem:
        raise ValueError(f"{problem} (or raise the limit: rnnviz.trace(..., max_bytes=...))")
    with torch.no_grad():
        reference = _reference_forward(module, x, hx)
        if clamps is None:
            top_states = _time_major(reference[0], geo, args)
            layer_inputs, records, below_error = run_layers_batched(module, kind, geo, args, top_states)
        else:
            layer_inputs, records = _run_layers_sequential(module, geo, kind, args, clamps)
            below_error = 0.0
        nonfinite = _find_nonfinite(module, kind, geo, args, layer_inputs, records)
        output, h_n, c_n = _assemble(geo, args, records)
    ours = _flat(output, None if geo.is_cell else h_n, c_n)
    tolerance, math = tolerance_for(args.x, reference)
    errors = [max_abs_difference(a, b) for a, b in zip(ours, reference, strict=True)]
    return Trace(
        kind=kind,
        geometry=geo,
        output=output,
        h_n=h_n,
        c_n=c_n,
        max_abs_error=max(errors + [below_error]),
        tolerance=tolerance,
        math=math,
        nonfinite=nonfinite,
        unbatched=args.unbatched,
        layer_inputs=tuple(layer_inputs),
        records=records,
        clamped=bool(clamps) and any(clamps.values()),
        packing=args.packing,
    )


def _run_layers_sequential(
    module: nn.Module, geo: Geometry, kind: str, args: CallArgs, clamps: dict[tuple[int, int], Clamps]
) -> tuple[list[torch.Tensor], dict[tuple[int, int], DirectionRecord]]:
    records: dict[tuple[int, int], DirectionRecord] = {}
    layer_inputs = [args.x]
    restarts = None if args.packing is None else args.packing.ends(args.x.device)
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
                restarts=restarts if direction == 1 else None,
            )
        if layer + 1 < geo.num_layers:  # next layer reads both directions side by side: (T, B, D*P)
            layer_inputs.append(torch.cat([records[(layer, d)].h for d in range(geo.num_directions)], -1))
    return layer_inputs, records


def _find_nonfinite(module: nn.Module, kind: str, geo: Geometry, args: CallArgs, layer_inputs: list, records: dict):
    """The first NaN/inf of the real steps; a packed batch's steps past each length are then set to NaN."""
    if args.packing is None:
        return find_first_nonfinite(module, kind, geo, layer_inputs, records)
    padded = [*layer_inputs]
    for rec in records.values():
        padded += [
            t for t in (rec.input_term, rec.hidden_term, rec.gates, rec.h, rec.c, rec.h_unprojected) if t is not None
        ]
    for values in padded:  # the steps past each length were computed from zero padding: not part of the run
        args.packing.mask_(values, 0.0)
    found = find_first_nonfinite(module, kind, geo, layer_inputs, records)
    for values in padded:
        args.packing.mask_(values, float("nan"))
    return found


def _assemble(
    geo: Geometry, args: CallArgs, records: dict[tuple[int, int], DirectionRecord]
) -> tuple[torch.Tensor | PackedSequence, torch.Tensor | None, torch.Tensor | None]:
    """Put the traced states back into the module's own output layout."""
    top = geo.num_layers - 1
    output = torch.cat([records[(top, d)].h for d in range(geo.num_directions)], -1)  # (T, B, D*P)
    finals = [(records[(layer, d)], d == 1) for layer in range(geo.num_layers) for d in range(geo.num_directions)]
    h_n = torch.stack([_final(rec.h, reverse, args) for rec, reverse in finals])  # (L*D, B, P), never batch-first
    c_n = (
        torch.stack([_final(rec.c, reverse, args) for rec, reverse in finals])
        if records[(0, 0)].c is not None
        else None
    )
    if geo.is_cell:
        output, c_n = output[0], (None if c_n is None else c_n[0])  # (B, H)
        if args.unbatched:
            output, c_n = output[0], (None if c_n is None else c_n[0])
        return output, None, c_n
    if args.packing is not None:
        return args.packing.sequence(output), h_n, c_n
    if args.unbatched:
        return output[:, 0], h_n[:, 0], (None if c_n is None else c_n[:, 0])
    if geo.batch_first:
        output = output.transpose(0, 1)
    return output, h_n, c_n


def _final(states: torch.Tensor, reverse: bool, args: CallArgs) -> torch.Tensor:
    """The state after a direction's last step, (B, *): t = T-1 forward, t = 0 reverse, or a packed
    sequence's own last step."""
    if args.packing is not None:
        return args.packing.last_steps(states, reverse)
    return states[0] if reverse else states[-1]


def _time_major(output: torch.Tensor, geo: Geometry, args: CallArgs) -> torch.Tensor:
    """The module's output (or a Cell's h') as (T, B, D*P), padded with zeros for a packed batch."""
    if args.packing is not None:
        return args.packing.padded(output)
    if geo.is_cell:
        return output.reshape(1, -1, output.shape[-1])
    if args.unbatched:
        return output.unsqueeze(1)
    return output.transpose(0, 1) if geo.batch_first else output


def _flat(output: object, h_n: torch.Tensor | None, c_n: torch.Tensor | None) -> tuple[torch.Tensor, ...]:
    """(output, h_n[, c_n]) as plain tensors (a PackedSequence by its data), leaving out what is None."""
    output = output.data if isinstance(output, PackedSequence) else output
    return tuple(t for t in (output, h_n, c_n) if t is not None)


def _reference_forward(module: nn.Module, x: object, hx: object) -> tuple[torch.Tensor, ...]:
    """The module's own forward in eval mode (dropout off), flattened to (output, h_n[, c_n]).

    ``module.forward``, not ``module(...)``: hooks (a ``capture``'s among them) see only the caller's calls.
    """
    was_training = module.training
    module.eval()
    try:
        result = module.forward(x, hx)
    finally:
        module.train(was_training)
    if isinstance(module, nn.RNNBase):
        output, state = result
        return _flat(output, *(state if isinstance(state, tuple) else (state, None)))
    return tuple(result) if isinstance(result, tuple) else (result,)
