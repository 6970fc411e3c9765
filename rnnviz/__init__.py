"""rnnviz: look inside real PyTorch recurrent modules, one time step at a time.

>>> import torch, rnnviz
>>> lstm = torch.nn.LSTM(3, 8, batch_first=True)
>>> tr = rnnviz.trace(lstm, torch.randn(2, 5, 3))
>>> tr.gate("f").shape, tr.matches          # (seq, batch, hidden), time-major
(torch.Size([5, 2, 8]), True)
>>> model = torch.nn.Sequential(torch.nn.Linear(3, 3), lstm)
>>> with rnnviz.capture(model) as calls:   # every recurrent module inside a model, traced on demand
...     _ = model(torch.randn(2, 5, 3))
>>> calls["1"][0].matches
True

The packages, lowest first: ``core`` (the trace engine, model specs, interventions, checkpoints),
``experiment`` (a model + an input + h0/c0 as one frozen description), ``shapes``, ``training`` (one training
loop, live pacing), the tasks ``sine`` and ``charlm``, ``figures`` (pure plotly functions) and ``ui`` (the only
part that imports streamlit).
"""

from rnnviz.core.capture import capture
from rnnviz.core.interventions import GateClamp, Intervention, intervene
from rnnviz.core.numerics import FirstNonFinite
from rnnviz.core.spec import ModelSpec, build_model
from rnnviz.core.trace import Trace, trace
from rnnviz.experiment import Experiment, InitialState, InputSpec, build_run

__all__ = [
    "Experiment",
    "FirstNonFinite",
    "GateClamp",
    "InitialState",
    "InputSpec",
    "Intervention",
    "ModelSpec",
    "Trace",
    "build_model",
    "build_run",
    "capture",
    "intervene",
    "trace",
]
