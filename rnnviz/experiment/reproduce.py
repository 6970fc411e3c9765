"""A Python script that reproduces a Step-through view: the same module, input, initial state and trace.

The script runs as downloaded, next to the files ``reproduce_files`` lists (none, usually): a typed or CSV
input and a model's weights are written into it, unless they are large; then the script reads them from a file
of an exact name that the page offers beside it.
"""

from __future__ import annotations

import base64
import io
import textwrap
from dataclasses import replace

import numpy as np

from rnnviz.core.spec import ModelSpec, torch_constructor
from rnnviz.experiment.run import Experiment

#: Typed/CSV sequences up to this many values are written into the script; longer ones are read from a file.
MAX_INLINE_VALUES = 2000
#: Checkpoints up to this many bytes are written into the script (base64); larger ones are read from a file.
MAX_INLINE_CHECKPOINT_BYTES = 2 * 2**20
INPUT_FILE = "rnnviz_input.csv"
WEIGHTS_FILE = "rnnviz_weights.pt"


def reproduce_files(experiment: Experiment) -> dict[str, bytes]:
    """The files the script reads, file name -> contents; empty when everything is written into the script."""
    files = {}
    values = experiment.sequence_values()
    if values is not None and values.size > MAX_INLINE_VALUES:
        text = io.StringIO()
        np.savetxt(text, values, fmt="%.17g", delimiter=",")  # 17 significant digits: the same float64 back
        files[INPUT_FILE] = text.getvalue().encode()
    if experiment.checkpoint is not None and len(experiment.checkpoint) > MAX_INLINE_CHECKPOINT_BYTES:
        files[WEIGHTS_FILE] = experiment.checkpoint
    return files


def _input_lines(experiment: Experiment, from_file: bool) -> list[str]:
    values = experiment.sequence_values()
    if values is None:
        return []
    if from_file:
        read = f'values = np.loadtxt("{INPUT_FILE}", delimiter=",", ndmin=2)'
        return [
            f"{read}  # (seq, features), downloaded with this script",
            "experiment = experiment.with_sequence(values)",
        ]
    rows = ",\n    ".join(repr(row) for row in values.tolist())
    return [f"values = np.array([\n    {rows},\n])  # (seq, features)", "experiment = experiment.with_sequence(values)"]


def _weights_lines(experiment: Experiment, spec: ModelSpec, from_file: bool) -> list[str]:
    if experiment.checkpoint is None:
        return [f"# build_run makes {torch_constructor(spec)} under torch.manual_seed({experiment.seed})"]
    what = f"# the weights of {torch_constructor(spec)} (a checkpoint, read with torch.load(weights_only=True))"
    if from_file:
        return [
            what,
            f'with open("{WEIGHTS_FILE}", "rb") as file:  # downloaded with this script',
            "    weights = file.read()",
        ]
    encoded = base64.b64encode(experiment.checkpoint).decode()
    chunks = "\n".join(f'    "{line}"' for line in textwrap.wrap(encoded, 100))
    return [what, f"weights = base64.b64decode(\n{chunks}\n)"]


def reproduce_snippet(experiment: Experiment, spec: ModelSpec | None = None) -> str:
    """A runnable Python script that builds the same module, input and initial state, traces them and prints the
    check. ``spec`` is the model actually run (read from the weights for a checkpoint): its sizes are written."""
    spec = spec or experiment.model_spec
    files = reproduce_files(experiment)
    base = replace(experiment, model_spec=spec, sequence=None, sequence_shape=None, checkpoint=None)
    lines = [
        '"""Reproduces the rnnviz view: the same model, the same input, the same trace."""',
        "import base64" if experiment.checkpoint is not None and WEIGHTS_FILE not in files else None,
        "from dataclasses import replace",
        "",
        "import numpy as np",
        "",
        "import rnnviz",
        "from rnnviz import Experiment, InitialState, InputSpec, ModelSpec, build_run",
        "",
        f"experiment = {base!r}",
        *_input_lines(experiment, INPUT_FILE in files),
        *_weights_lines(experiment, spec, WEIGHTS_FILE in files),
        "experiment = replace(experiment, checkpoint=weights)" if experiment.checkpoint is not None else None,
        "run = build_run(experiment)  # run.module, run.x, run.hx: exactly what the page traced",
        "trace = rnnviz.trace(run.module, run.x, run.hx)",
        "print(trace.check_summary())",
        'print("output", tuple(trace.output.shape), "h_n", tuple(trace.h_n.shape))'
        if experiment.lengths is None
        else 'print("output: PackedSequence, data", tuple(trace.output.data.shape), "lengths", trace.lengths.tolist())',
    ]
    if experiment.checkpoint is not None:
        lines += [
            "if run.head is not None:  # the checkpoint's linear layer on the output, e.g. the sine model's head",
            "    prediction = run.head.module(trace.output).detach()",
            '    print(run.head.name, tuple(prediction.shape), "first values", prediction.flatten()[:5].tolist())',
        ]
    return "\n".join(line for line in lines if line is not None) + "\n"
