"""What leaves a Step-through run: the whole trace as CSV or NPZ (the script that reproduces it: ``reproduce.py``)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from rnnviz.core.trace import Trace


def trace_arrays(trace: Trace) -> dict[str, np.ndarray]:
    """Every traced quantity as named numpy arrays: 'layer0.dir1.f' (seq, batch, hidden), 'output', 'h_n', ..."""
    arrays = {"output": trace.output, "h_n": trace.h_n, "c_n": trace.c_n}
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
    """How many rows ``trace_csv`` would write: every gate and state of every step, unit and batch item."""
    return sum(values.size for name, values in trace_arrays(trace).items() if name.startswith("layer"))


def trace_csv(trace: Trace) -> bytes:
    """Long-format CSV, one row per value: t, layer, direction, batch, unit, quantity, value (time-major)."""
    frames = []
    for name, values in trace_arrays(trace).items():
        if not name.startswith("layer"):
            continue
        layer, direction, quantity = name.split(".")
        steps, batch, units = values.shape
        t, b, u = np.meshgrid(np.arange(steps), np.arange(batch), np.arange(units), indexing="ij")
        frames.append(
            pd.DataFrame(
                {
                    "t": t.ravel(),
                    "layer": int(layer.removeprefix("layer")),
                    "direction": int(direction.removeprefix("dir")),
                    "batch": b.ravel(),
                    "unit": u.ravel(),
                    "quantity": quantity,
                    "value": values.ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True).to_csv(index=False).encode("utf-8")
