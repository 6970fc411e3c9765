"""The engine: ``trace`` re-runs a real nn.RNN/LSTM/GRU step by step and checks it against the module (batched
from the module's own states, or one step at a time for interventions), ``capture`` records the recurrent calls
inside a whole model, packed sequences; model specs, per-step cell equations, interventions, the evaluated
equations, and reading uploaded checkpoints."""
