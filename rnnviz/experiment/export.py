"""What leaves a Step-through run: the whole trace as CSV or NPZ, and a script that reproduces it."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np

from rnnviz.core.spec import torch_constructor
from rnnviz.core.trace import Trace
from rnnviz.experiment.run import Experiment


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
        "from rnnviz import Experiment, InitialState, InputSpec, ModelSpec, build_run",
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
        'print("output", tuple(trace.output.shape), "h_n", tuple(trace.h_n.shape))'
        if experiment.lengths is None
        else 'print("output: PackedSequence, data", tuple(trace.output.data.shape), "lengths", trace.lengths.tolist())',
        "",
    ]
    return "\n".join(lines)
