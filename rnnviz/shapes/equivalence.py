"""Two equivalences shown on the Shapes page, run for real.

1. ``nn.LSTM`` (or GRU / RNN) equals its Cell (``nn.LSTMCell`` ...) called in a Python loop with the same
   weights: layer by layer, forward over t = 0..T-1 and reverse over t = T-1..0, layer k > 0 reading the
   concatenated ``(T, B, D*P)`` output of layer k-1::

       for t in range(T):
           h, c = cell(x[t], (h, c))      # (B, I) -> (B, H), (B, H)

   ``nn.LSTMCell`` has no ``proj_size``; with one, the loop carries the unprojected state u = o * tanh(c)
   and gives the cell ``weight_hh = W_hh @ W_hr`` ((4H, P) @ (P, H) = (4H, H)), so
   ``W_hh h = W_hh (W_hr u)``, and h = W_hr u. Its initial state is then zero (u cannot be recovered from h0).
2. An ``nn.Embedding`` in front: token ids (T, B) of dtype long -> vectors (T, B, E) with E = input_size ->
   the recurrent module.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from rnnviz.core.cells import layer_weights
from rnnviz.core.numerics import max_abs_difference, tolerance_for
from rnnviz.core.spec import DTYPES, build_model, torch_seed
from rnnviz.core.trace import Trace
from rnnviz.shapes.checks import random_tensor, run_module
from rnnviz.shapes.table import ShapeTable

CELL_CLASSES = {"LSTM": nn.LSTMCell, "GRU": nn.GRUCell, "RNN_TANH": nn.RNNCell, "RNN_RELU": nn.RNNCell}
#: Vocabulary of the embedding demo (token ids 0..EMBED_VOCAB-1).
EMBED_VOCAB = 20


@dataclass(frozen=True)
class CellLoopCheck:
    """The module vs its Cell in a loop with the same weights: max |Δ| of output, h_n and c_n (None if no c)."""

    cell_name: str  # "LSTMCell", "GRUCell", "RNNCell"
    output_diff: float
    h_n_diff: float
    c_n_diff: float | None
    tolerance: float
    random_initial_state: bool  # False for an LSTM with proj_size (zero initial state)

    @property
    def max_abs_diff(self) -> float:
        return max(d for d in (self.output_diff, self.h_n_diff, self.c_n_diff) if d is not None)

    @property
    def matches(self) -> bool:
        return self.max_abs_diff <= self.tolerance


def _cell_for(module: nn.RNNBase, kind: str, layer: int, direction: int) -> nn.Module:
    """A Cell holding the module's own weights of one layer and direction (W_hh @ W_hr with a projection)."""
    w = layer_weights(module, layer, direction)
    hidden = module.hidden_size
    options = {"nonlinearity": "relu"} if kind == "RNN_RELU" else {}
    cell = CELL_CLASSES[kind](w.w_ih.shape[1], hidden, bias=w.b_ih is not None, dtype=w.w_ih.dtype, **options)
    with torch.no_grad():
        cell.weight_ih.copy_(w.w_ih)  # (G*H, I_k)
        cell.weight_hh.copy_(w.w_hh if w.w_hr is None else w.w_hh @ w.w_hr)  # (G*H, H)
        if w.b_ih is not None:
            cell.bias_ih.copy_(w.b_ih)
            cell.bias_hh.copy_(w.b_hh)
    return cell.eval()


def cell_loop(
    module: nn.RNNBase,
    x: torch.Tensor,
    h0: torch.Tensor,
    c0: torch.Tensor | None,
    lengths: torch.Tensor | None = None,
) -> tuple:
    """Run ``module``'s layers with Cells in a Python loop. x (T, B, I) time-major, h0 (L*D, B, P), c0 (L*D, B, H).

    With ``lengths`` (B,) (a packed batch) a sequence's state changes only at its own steps t < length: the
    forward direction then holds its last state, the reverse one holds h0 until it starts at t = length - 1.
    Returns (output (T, B, D*P), h_n (L*D, B, P), c_n (L*D, B, H) or None).
    """
    kind = module.mode
    directions = 2 if module.bidirectional else 1
    steps = x.shape[0]
    running = None if lengths is None else (torch.arange(steps)[:, None] < lengths[None, :]).unsqueeze(-1)  # (T, B, 1)
    layer_input, h_last, c_last = x, [], []
    with torch.no_grad():
        for layer in range(module.num_layers):
            outputs = []
            for direction in range(directions):
                cell = _cell_for(module, kind, layer, direction)
                w_hr = layer_weights(module, layer, direction).w_hr  # (P, H) or None
                row = layer * directions + direction
                h = h0[row] if w_hr is None else h0.new_zeros(h0.shape[1], module.hidden_size)  # (B, H)
                c = None if c0 is None else c0[row]  # (B, H)
                hs = [None] * steps
                for t in reversed(range(steps)) if direction else range(steps):
                    if kind == "LSTM":
                        h_t, c_t = cell(layer_input[t], (h, c))
                    else:
                        h_t, c_t = cell(layer_input[t], h), None
                    if running is not None:  # a sequence past its length keeps its state
                        h_t = torch.where(running[t], h_t, h)
                        c_t = None if c is None else torch.where(running[t], c_t, c)
                    h, c = h_t, c_t
                    hs[t] = h if w_hr is None else h @ w_hr.T  # (B, P)
                outputs.append(torch.stack(hs))  # (T, B, P)
                h_last.append(hs[0] if direction else hs[-1])
                c_last.append(c)
            layer_input = torch.cat(outputs, dim=2)  # (T, B, D*P)
    c_n = torch.stack(c_last) if kind == "LSTM" else None
    return layer_input, torch.stack(h_last), c_n


def check_cell_loop(table: ShapeTable, seed: int = 0) -> CellLoopCheck:
    """The module of ``table.spec`` on random input (and random h0/c0 unless projected) vs ``cell_loop``."""
    spec = table.spec
    module = build_model(spec, seed)
    dtype = DTYPES[spec.dtype]
    steps, batch = table.seq_len, table.batch
    x = random_tensor((steps, batch, spec.input_size), dtype, seed + 1)  # (T, B, I)
    projected = bool(spec.proj_size)
    rows = spec.num_layers * spec.num_directions
    h0 = random_tensor((rows, batch, spec.out_size), dtype, seed + 2) * (0 if projected else 1)  # (L*D, B, P)
    c0 = random_tensor((rows, batch, spec.hidden_size), dtype, seed + 3) if spec.mode == "LSTM" else None
    loop_output, loop_h_n, loop_c_n = cell_loop(module, x, h0, c0)
    # the module itself, in its own layout
    if table.unbatched:
        module_x, hx, unlayout = x[:, 0], (h0[:, 0] if c0 is None else (h0[:, 0], c0[:, 0])), (lambda t: t[:, None])
    else:
        module_x = x.transpose(0, 1) if spec.batch_first else x
        hx = h0 if c0 is None else (h0, c0)
        unlayout = (lambda t: t.transpose(0, 1)) if spec.batch_first else (lambda t: t)
    results = run_module(module, module_x, hx)
    state_view = (lambda t: t[:, None]) if table.unbatched else (lambda t: t)
    output_diff = max_abs_difference(unlayout(results[0]), loop_output)
    h_n_diff = max_abs_difference(state_view(results[1]), loop_h_n)
    c_n_diff = max_abs_difference(state_view(results[2]), loop_c_n) if c0 is not None else None
    name = CELL_CLASSES[spec.mode].__name__
    return CellLoopCheck(name, output_diff, h_n_diff, c_n_diff, tolerance_for(x, results)[0], not projected)


@dataclass(frozen=True)
class Stage:
    """One step of the embedding pipeline: what it is, its real shape and dtype."""

    name: str  # "token ids", "embedded", "output", "h_n"
    shape: tuple[int, ...]
    dtype: str  # "torch.int64", ...
    axes: str  # e.g. "(seq, batch)"
    code: str  # the line that makes it


def embedding_stages(table: ShapeTable, seed: int = 0) -> tuple[Stage, ...]:
    """Token ids (long) -> ``nn.Embedding(EMBED_VOCAB, input_size)`` -> the module, each stage's real shape."""
    spec = table.spec
    steps, batch = table.seq_len, table.batch
    if table.unbatched:
        id_shape, id_axes = (steps,), "(seq,)"
    elif spec.batch_first:
        id_shape, id_axes = (batch, steps), "(batch, seq)"
    else:
        id_shape, id_axes = (steps, batch), "(seq, batch)"
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, EMBED_VOCAB, id_shape, generator=generator)  # int64
    with torch_seed(seed):
        embedding = nn.Embedding(EMBED_VOCAB, spec.input_size, dtype=DTYPES[spec.dtype])
    with torch.no_grad():
        vectors = embedding(ids)  # id_shape + (E,)
    output, h_n = run_module(build_model(spec, seed), vectors)[:2]
    feature_axes = id_axes[:-1].rstrip(",") + ", feature)"
    out_axes = id_axes[:-1].rstrip(",") + ", directions×hidden)"
    state_axes = "(layers×directions, hidden)" if table.unbatched else "(layers×directions, batch, hidden)"
    shape_text = ", ".join(map(str, id_shape))
    return (
        Stage(
            "token ids",
            tuple(ids.shape),
            str(ids.dtype),
            id_axes,
            f"ids = torch.randint(0, {EMBED_VOCAB}, ({shape_text}{',' if len(id_shape) == 1 else ''}))",
        ),
        Stage(
            "embedded",
            tuple(vectors.shape),
            str(vectors.dtype),
            feature_axes,
            f"vectors = nn.Embedding({EMBED_VOCAB}, {spec.input_size})(ids)",
        ),
        Stage("output", tuple(output.shape), str(output.dtype), out_axes, "output, h_n = model(vectors)[:2]"),
        Stage("h_n", tuple(h_n.shape), str(h_n.dtype), state_axes, "# the same call; never batch-first"),
    )


def trace_vs_cell_loop(module: nn.RNNBase, trace: Trace) -> CellLoopCheck | None:
    """A traced run vs ``module``'s Cells called in a Python loop from the trace's own x and h0/c0 (and lengths).

    None for an LSTM with proj_size started from a non-zero h0 (an LSTMCell has no projection to start from).
    """
    geo = trace.geometry
    records = [trace.record(layer, d) for layer in range(geo.num_layers) for d in range(geo.num_directions)]
    h0 = torch.stack([rec.h0 for rec in records])  # (L*D, B, P)
    c0 = torch.stack([rec.c0 for rec in records]) if trace.kind == "LSTM" else None  # (L*D, B, H)
    if geo.proj_size and bool(h0.any()):
        return None
    loop_output, loop_h_n, loop_c_n = cell_loop(module, trace.layer_input(0), h0, c0, trace.lengths)
    if trace.packing is not None:
        trace.packing.mask_(loop_output, float("nan"))  # compared at the real steps only
    top = geo.num_layers - 1
    traced_output = torch.cat([trace.state("h", top, d) for d in range(geo.num_directions)], -1)  # (T, B, D*P)
    batched = (lambda t: t[:, None]) if trace.unbatched else (lambda t: t)  # h_n/c_n: (L*D, B, size)
    return CellLoopCheck(
        CELL_CLASSES[trace.kind].__name__,
        max_abs_difference(traced_output, loop_output),
        max_abs_difference(batched(trace.h_n), loop_h_n),
        max_abs_difference(batched(trace.c_n), loop_c_n) if c0 is not None else None,
        trace.tolerance,
        not geo.proj_size,
    )
