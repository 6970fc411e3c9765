"""The engine: ``trace`` re-runs a real nn.RNN/LSTM/GRU step by step and checks it against the module;
model specs, per-step cell equations, interventions, the evaluated equations, and reading uploaded checkpoints."""
