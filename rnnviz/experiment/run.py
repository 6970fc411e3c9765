"""One frozen description of a run (model, input, initial state) -> the module, its arguments, its trace.

``Experiment`` is hashable, so pages cache ``traced_run(experiment)`` by it: moving a display-only control
never re-traces. The model is built from a ``ModelSpec`` and a seed, or loaded from checkpoint bytes; the
input is generated from an ``InputSpec`` or given as a typed/CSV sequence; h0/c0 are zeros, random or typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

from rnnviz.core.call_args import geometry
from rnnviz.core.cells import kind_of
from rnnviz.core.checkpoints import load_checkpoint
from rnnviz.core.interventions import Intervention, intervene
from rnnviz.core.packed import validate_packing
from rnnviz.core.size import MAX_TRACE_BYTES, size_problem, trace_bytes
from rnnviz.core.spec import DTYPES, ModelSpec, build_model
from rnnviz.core.trace import Trace, trace
from rnnviz.experiment.parsing import parse_initial_state, sequence_to_input
from rnnviz.experiment.prediction import LinearHead, linear_head
from rnnviz.experiment.signals import InputSpec, make_input

INITIAL_STATE_MODES = ("zeros", "random", "typed")


@dataclass(frozen=True)
class InitialState:
    """h0 (and c0): all zeros (PyTorch's default), Gaussian with std ``scale``, or typed text."""

    mode: str = "zeros"
    scale: float = 0.5
    h0_text: str = ""
    c0_text: str = ""

    def __post_init__(self) -> None:
        if self.mode not in INITIAL_STATE_MODES:
            raise ValueError(f"initial state must be one of {', '.join(INITIAL_STATE_MODES)}, got {self.mode!r}")


@dataclass(frozen=True)
class Experiment:
    """Everything that determines a traced run. ``sequence`` (float64 bytes, shape ``sequence_shape``
    (seq, features)) replaces the generated input; ``checkpoint`` bytes replace the built model; ``lengths``
    (one per batch item) packs the batch with ``pack_padded_sequence(..., enforce_sorted=False)``, so each
    sequence stops at its own length."""

    model_spec: ModelSpec
    input_spec: InputSpec = field(default_factory=InputSpec)
    seed: int = 0
    initial: InitialState = field(default_factory=InitialState)
    sequence: bytes | None = None
    sequence_shape: tuple[int, int] | None = None
    checkpoint: bytes | None = field(default=None, repr=False)
    lengths: tuple[int, ...] | None = None

    def with_sequence(self, values: np.ndarray) -> Experiment:
        """A copy that feeds ``values`` (seq, features) instead of the generated input."""
        values = np.ascontiguousarray(values, dtype=np.float64)
        return replace(self, sequence=values.tobytes(), sequence_shape=values.shape)

    def sequence_values(self) -> np.ndarray | None:
        if self.sequence is None:
            return None
        return np.frombuffer(self.sequence, dtype=np.float64).reshape(self.sequence_shape).copy()


@dataclass(frozen=True, eq=False)
class BuiltRun:
    """The real module and the exact arguments of ``module(x, hx)`` for an experiment."""

    spec: ModelSpec  # for a checkpoint, the spec read from its weights
    module: nn.RNNBase
    x: torch.Tensor | PackedSequence  # the module's own layout; packed when the experiment has lengths
    hx: torch.Tensor | tuple[torch.Tensor, torch.Tensor] | None
    notes: tuple[str, ...] = ()  # what was assumed when loading a checkpoint
    head: LinearHead | None = None  # a checkpoint's linear layer on the recurrent output (the sine model's head)


def build_run(experiment: Experiment) -> BuiltRun:
    """Build the module and its arguments. Raises ValueError (InputError, CheckpointError) saying what to fix."""
    notes: tuple[str, ...] = ()
    head = None
    if experiment.checkpoint is not None:
        loaded = load_checkpoint(experiment.checkpoint, batch_first=experiment.model_spec.batch_first)
        spec, module = loaded.spec, loaded.module.eval()
        head = linear_head(loaded.extra, spec.num_directions * spec.out_size)
        notes = tuple(loaded.summary(used=head.keys if head is not None else frozenset()))
        if head is not None:
            notes += (f"{head.name}: nn.{head.module!r} on the output, its prediction shown under the steps",)
    else:
        spec = experiment.model_spec
        module = build_model(spec, experiment.seed)
    dtype = DTYPES[spec.dtype]
    values = experiment.sequence_values()
    if values is None:
        x = make_input(experiment.input_spec, spec.input_size, spec.batch_first, dtype)
    else:
        x = sequence_to_input(values, experiment.input_spec.batch, spec.batch_first, dtype, spec.input_size)
    seq_len, batch = (x.shape[1], x.shape[0]) if spec.batch_first else (x.shape[0], x.shape[1])
    problem = size_problem(
        trace_bytes(kind_of(module), geometry(module), seq_len, batch, x.element_size()), MAX_TRACE_BYTES
    )
    if problem:
        raise ValueError(problem)
    hx = _initial_state(experiment, spec, x)
    if experiment.lengths is not None:
        x = _packed(x, experiment.lengths, spec.batch_first, seq_len)
    return BuiltRun(spec, module, x, hx, notes, head)


def _packed(x: torch.Tensor, lengths: tuple[int, ...], batch_first: bool, seq_len: int) -> PackedSequence:
    """The batch packed so that sequence b stops after ``lengths[b]`` steps (in any order)."""
    problems = validate_packing(lengths, x.shape[0] if batch_first else x.shape[1], seq_len)
    if problems:
        raise ValueError("; ".join(problems))
    return pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)


def _initial_state(experiment: Experiment, spec: ModelSpec, x: torch.Tensor):
    """hx for ``module(x, hx)``: None for zeros, else h0 (L*D, B, P) [and c0 (L*D, B, H) for an LSTM]."""
    initial = experiment.initial
    if initial.mode == "zeros":
        return None
    batch = x.shape[0] if spec.batch_first else x.shape[1]
    layers_dirs = spec.num_layers * spec.num_directions
    h_shape, c_shape = (layers_dirs, batch, spec.out_size), (layers_dirs, batch, spec.hidden_size)
    if initial.mode == "random":
        generator = torch.Generator().manual_seed(experiment.seed + 2)
        h0 = initial.scale * torch.randn(h_shape, generator=generator, dtype=torch.float64)
        c0 = initial.scale * torch.randn(c_shape, generator=generator, dtype=torch.float64)
    else:
        h0 = torch.as_tensor(parse_initial_state(initial.h0_text, h_shape, "h0"))
        c0 = torch.as_tensor(parse_initial_state(initial.c0_text, c_shape, "c0")) if spec.mode == "LSTM" else None
    h0 = h0.to(x.dtype)
    return (h0, c0.to(x.dtype)) if spec.mode == "LSTM" else h0


def traced_run(experiment: Experiment) -> Trace:
    """The verified trace of the experiment's module on its input."""
    run = build_run(experiment)
    return trace(run.module, run.x, run.hx)


def intervened_run(experiment: Experiment, intervention: Intervention) -> Trace:
    """The same run with ``intervention`` applied (gate clamps, h0/c0 fills, a nudged input)."""
    run = build_run(experiment)
    return intervene(run.module, run.x, intervention, run.hx)
