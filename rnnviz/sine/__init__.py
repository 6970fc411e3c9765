"""The sin -> cos task: windows of sin(x) in, cos(x) out; its settings, model, plug-in of the training loop,
views of the current model, and exports (checkpoint, plain-PyTorch reproduce script)."""
