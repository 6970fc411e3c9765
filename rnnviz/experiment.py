"""One call from specs to a verified trace: the unit that pages cache (keyed by the frozen specs)."""

from __future__ import annotations

from rnnviz.interventions import Intervention, intervene
from rnnviz.signals import InputSpec, make_input
from rnnviz.spec import DTYPES, ModelSpec, build_model
from rnnviz.trace import Trace, trace


def traced_run(model_spec: ModelSpec, input_spec: InputSpec, seed: int = 0) -> Trace:
    """Build the model of ``model_spec`` with ``seed``, feed it the input of ``input_spec``, trace it."""
    module = build_model(model_spec, seed)
    x = make_input(input_spec, model_spec.input_size, model_spec.batch_first, DTYPES[model_spec.dtype])
    return trace(module, x)


def intervened_run(model_spec: ModelSpec, input_spec: InputSpec, seed: int, intervention: Intervention) -> Trace:
    """``traced_run`` with ``intervention`` applied (same model, same input before the change)."""
    module = build_model(model_spec, seed)
    x = make_input(input_spec, model_spec.input_size, model_spec.batch_first, DTYPES[model_spec.dtype])
    return intervene(module, x, intervention)
