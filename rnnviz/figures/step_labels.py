"""A time axis labelled with what was read at each step (a character model's text) instead of only t.

The axis stays numeric (column t at x = t, so markers and the browser viewer's ``l2p(t)`` still place a step);
only its tick texts change. Up to ``MAX_LABELLED_STEPS`` steps get one tick each; longer sequences keep round
positions, each shown as ``t · char``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Above this many steps, ticks are placed at round positions instead of at every step.
MAX_LABELLED_STEPS = 80


def labelled_time_axis(labels: Sequence[str], kept: np.ndarray) -> dict:
    """Layout settings of an x axis over the kept steps ``kept`` whose step t read ``labels[t]``."""
    steps = len(labels)
    if steps <= MAX_LABELLED_STEPS:
        positions = [int(t) for t in kept]
        texts = [labels[t] for t in positions]
    else:
        stride = next(s for s in (10, 20, 50, 100, 200, 500, 1000, 2000) if steps / s <= 12)
        positions = list(range(0, steps, stride))
        texts = [f"{t} · {labels[t]}" for t in positions]
    return dict(
        tickmode="array", tickvals=positions, ticktext=texts, tickangle=0, title=dict(text="character read at t")
    )


def step_hover_labels(labels: Sequence[str], kept: np.ndarray) -> list[str]:
    """The label of every kept step, for hover text (``customdata``)."""
    return [labels[int(t)] for t in kept]
