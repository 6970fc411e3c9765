"""How much memory a trace records, and the limit above which a trace is refused before anything is allocated."""

from __future__ import annotations

from rnnviz.core.call_args import Geometry
from rnnviz.core.cells import GATE_NAMES, WEIGHT_BLOCKS

#: A trace keeps every gate and state of every step; a run that would need more memory than this is refused.
MAX_TRACE_BYTES = 1 << 30


def trace_bytes(kind: str, geo: Geometry, seq_len: int, batch: int, itemsize: int) -> int:
    """Bytes a trace records: per step, batch item, layer and direction the input term and the recurrent term
    (G*H numbers each), the gates (G*H, none for a vanilla RNN), h (P), c (H, LSTM) and o * tanh(c) (H, with
    proj_size); plus each layer's input. G = 4 (LSTM), 3 (GRU), 1 (RNN); H hidden size, P the size of h."""
    hidden, out = geo.hidden_size, geo.out_size
    terms = len(WEIGHT_BLOCKS[kind]) * hidden
    per_direction = 2 * terms + (terms if GATE_NAMES[kind] else 0) + out
    per_direction += (hidden if kind == "LSTM" else 0) + (hidden if geo.proj_size else 0)
    per_step = geo.num_layers * geo.num_directions * per_direction
    per_step += geo.input_size + (geo.num_layers - 1) * geo.num_directions * out  # the layers' inputs
    return seq_len * batch * per_step * itemsize


def size_problem(needed: int, max_bytes: int) -> str | None:
    """What to lower when ``needed`` bytes exceed ``max_bytes``; None when the trace fits."""
    if needed <= max_bytes:
        return None
    return (
        f"tracing this run would record {needed / 2**30:.1f} GiB of gates and states (the limit is "
        f"{max_bytes / 2**30:.3g} GiB): lower the batch size, the sequence length, the hidden size or the number "
        "of layers"
    )
