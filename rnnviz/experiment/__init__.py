"""What Step through and Overview run: a model (built from a ``ModelSpec`` or loaded from a checkpoint), an
input sequence (generated, typed or CSV) and h0/c0, described by one frozen, hashable ``Experiment``."""

from rnnviz.experiment.run import BuiltRun, Experiment, InitialState, build_run, intervened_run, traced_run
from rnnviz.experiment.signals import InputSpec

__all__ = ["BuiltRun", "Experiment", "InitialState", "InputSpec", "build_run", "intervened_run", "traced_run"]
