"""A time axis labelled with what was read at each step (a character model's text) instead of only t.

The axis stays numeric (column t at x = t, so markers and the browser viewer's ``l2p(t)`` still place a step);
only its tick texts change: the character of every step, or of every k-th step for a long text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rnnviz.figures.style import ordinal

#: At most this many characters label an axis (a half-width chart holds about that many legibly); a longer text
#: labels every k-th step, and the hover text names each.
MAX_LABELS = 36


def labelled_time_axis(labels: Sequence[str], kept: np.ndarray) -> dict:
    """Layout settings of an x axis over the kept steps ``kept`` whose step t read ``labels[t]``."""
    steps = len(labels)
    stride = max(1, -(-steps // MAX_LABELS))
    positions = [int(t) for t in kept if t % stride == 0]
    title = "character read at t" + (f" (every {ordinal(stride)} labelled; hover for each)" if stride > 1 else "")
    return dict(
        tickmode="array",
        tickvals=positions,
        ticktext=[labels[t] for t in positions],
        tickangle=0,
        title=dict(text=title),
    )


def step_hover_labels(labels: Sequence[str], kept: np.ndarray) -> list[str]:
    """The label of every kept step, for hover text (``customdata``)."""
    return [labels[int(t)] for t in kept]
