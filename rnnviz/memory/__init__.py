"""Why gates exist: the adding problem (a long-range memory task), its settings, model, plug-in of the training
loop, exports, the sweep over sequence lengths with its crossover, and the gradient views (flow, connectivity,
the forget-gate path)."""
