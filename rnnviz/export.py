"""Turn figures and results into files: PNG/SVG (kaleido + chromium), standalone HTML, CSV/NPZ, scripts."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz.experiment import Experiment
from rnnviz.spec import torch_constructor
from rnnviz.trace import Trace

IMAGE_FORMATS = ("png", "svg")
MIME_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "html": "text/html",
    "csv": "text/csv",
    "npz": "application/octet-stream",
    "py": "text/x-python",
}


def figure_bytes(fig: go.Figure, fmt: str, *, scale: float = 2.0) -> bytes:
    """``fig`` as PNG or SVG bytes (static export renders in headless chromium via kaleido), or HTML.

    HTML embeds plotly.js, so the file opens offline.
    """
    if fmt == "html":
        return fig.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"format must be one of png, svg, html; got {fmt!r}")
    return fig.to_image(format=fmt, scale=scale if fmt == "png" else 1.0)


def trace_arrays(trace: Trace) -> dict[str, np.ndarray]:
    """Every traced quantity as named numpy arrays: 'layer0.dir1.f' (seq, batch, hidden), 'output', 'h_n', ..."""
    arrays = {"output": trace.output, "h_n": trace.h_n, "c_n": trace.c_n}
    arrays = {name: value.numpy() for name, value in arrays.items() if value is not None}
    arrays["x"] = trace.layer_input(0).numpy()  # (seq, batch, input), time-major
    for layer, direction in trace.records:
        for quantity in (*trace.gate_names, *trace.state_names):
            values = (
                trace.gate(quantity, layer, direction)
                if quantity in trace.gate_names
                else trace.state(quantity, layer, direction)
            )
            arrays[f"layer{layer}.dir{direction}.{quantity}"] = values.numpy()
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


#: Typed/CSV sequences up to this many values are written into the script; longer ones are read from a file.
MAX_INLINE_VALUES = 2000


def reproduce_snippet(experiment: Experiment, checkpoint_name: str = "model.pt") -> str:
    """A runnable Python script that builds the same module, input and initial state, and traces them."""
    base = replace(experiment, sequence=None, sequence_shape=None, checkpoint=None)
    lines = [
        '"""Reproduces the rnnviz view: the same model, the same input, the same trace."""',
        "from dataclasses import replace",
        "",
        "import numpy as np",
        "",
        "import rnnviz",
        "from rnnviz.experiment import Experiment, InitialState, build_run",
        "from rnnviz.signals import InputSpec",
        "from rnnviz.spec import ModelSpec",
        "",
        f"experiment = {base!r}",
    ]
    values = experiment.sequence_values()
    if values is not None and values.size <= MAX_INLINE_VALUES:
        rows = ",\n    ".join(repr(row) for row in values.tolist())
        lines.append(f"values = np.array([\n    {rows},\n])  # (seq, features): your typed/CSV input")
        lines.append("experiment = experiment.with_sequence(values)")
    elif values is not None:
        lines.append('values = np.loadtxt("input.csv", delimiter=",", ndmin=2)  # (seq, features): your CSV, no header')
        lines.append("experiment = experiment.with_sequence(values)")
    if experiment.checkpoint is not None:
        lines.append(f'with open("{checkpoint_name}", "rb") as file:  # the state_dict you uploaded')
        lines.append("    experiment = replace(experiment, checkpoint=file.read())")
    else:
        constructor = torch_constructor(experiment.model_spec)
        lines.append(f"# build_run makes {constructor} under torch.manual_seed({experiment.seed})")
    lines += [
        "run = build_run(experiment)  # run.module, run.x, run.hx: exactly what the page traced",
        "trace = rnnviz.trace(run.module, run.x, run.hx)",
        "print(trace.check_summary())",
        'print("output", tuple(trace.output.shape), "h_n", tuple(trace.h_n.shape))',
        "",
    ]
    return "\n".join(lines)
