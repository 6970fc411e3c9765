"""One training loop for every task (``LoopTrainer`` with a task plug-in), what every task's settings share,
seeded initialisation, checkpoint payloads, and ``LiveRun``: a run made for a live page (pace, pause, records)."""
