"""What leaves a Step-through run: the whole trace as CSV or NPZ (the script that reproduces it: ``reproduce``)."""

from __future__ import annotations

import io

import numpy as np

from rnnviz.core.trace import Trace


def trace_arrays(trace: Trace) -> dict[str, np.ndarray]:
    """Every traced quantity as named numpy arrays: 'layer0.dir1.f' (seq, batch, hidden), 'output', 'h_n', ...

    For a packed run 'output' is time-major (seq, batch, D*P) with NaN past each length, and 'lengths' is added.
    """
    output = trace.output
    if trace.packing is not None:
        output = trace.packing.padded(output.data, float("nan"))
    arrays = {"output": output, "h_n": trace.h_n, "c_n": trace.c_n, "lengths": trace.lengths}
    arrays = {name: value.numpy() for name, value in arrays.items() if value is not None}
    arrays["x"] = trace.layer_input(0).numpy()  # (seq, batch, input), time-major
    for layer, direction in trace.records:
        for quantity in trace.quantity_names:
            arrays[f"layer{layer}.dir{direction}.{quantity}"] = trace.values(quantity, layer, direction).numpy()
    return arrays


def trace_npz(trace: Trace) -> bytes:
    """``trace_arrays`` as a compressed .npz file (``numpy.load`` reads it back)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **trace_arrays(trace))
    return buffer.getvalue()


#: Above this many values the long-format CSV (one row per value) would be hundreds of MB: offer NPZ instead.
MAX_CSV_VALUES = 2_000_000


def trace_value_count(trace: Trace) -> int:
    """How many rows ``trace_csv`` would write: every gate and state of every real step, unit and batch item."""
    steps = int(trace.valid_steps().sum())
    return steps * sum(trace.values(q, *where).shape[-1] for where in trace.records for q in trace.quantity_names)


def trace_csv(trace: Trace) -> bytes:
    """Long-format CSV, one row per value: t, layer, direction, batch, unit, quantity, value (time-major;
    ``Trace.to_dataframe``)."""
    return trace.to_dataframe().to_csv(index=False).encode("utf-8")
