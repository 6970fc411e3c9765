"""Heatmaps of a packed batch: each sequence stops at its own length, and the figures show where."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.figures import packed_batch_heatmap, unit_time_heatmap
from rnnviz.figures.style import NO_VALUE_COLOUR


def test_a_length_greys_out_the_steps_past_it() -> None:
    values = np.random.default_rng(0).normal(size=(10, 4))
    values[6:] = np.nan  # what a packed trace reads past the sequence's end
    fig = unit_time_heatmap(values, quantity="h", title="h", current_step=2, length=6)
    marker, band = fig.layout.shapes
    assert marker.x0 == 2  # the step marker stays first
    assert (band.type, band.x0, band.x1, band.yref) == ("rect", 5.5, 9.5, "paper")
    assert fig.layout.annotations[0].text.strip() == "sequence ends at t = 5"
    assert fig.layout.plot_bgcolor == NO_VALUE_COLOUR and fig.data[0].hoverongaps is False
    assert np.isnan(np.asarray(fig.data[0].z, dtype=float)[:, 6:]).all()


@pytest.mark.parametrize("length", [None, 10])
def test_a_full_length_draws_no_band(length) -> None:
    fig = unit_time_heatmap(np.zeros((10, 3)), quantity="f", title="f", length=length)
    assert not fig.layout.shapes and not fig.layout.annotations


@pytest.mark.parametrize("reverse", [False, True])
def test_the_packed_batch_marks_where_each_sequence_ends(reverse: bool) -> None:
    lengths = np.array([3, 8, 1])
    values = np.arange(8 * 3, dtype=float).reshape(8, 3)
    values[np.arange(8)[:, None] >= lengths[None, :]] = np.nan
    fig = packed_batch_heatmap(values, lengths, quantity="h", title="h", reverse=reverse)
    heatmap, markers = fig.data
    assert np.asarray(heatmap.z).shape == (3, 8)  # sequences x time
    assert list(markers.x) == ([0, 0, 0] if reverse else [2, 7, 0]) and list(markers.y) == [0, 1, 2]
    bands = {int(s.y0 + 0.5): (s.x0, s.x1) for s in fig.layout.shapes}
    assert bands == {0: (2.5, 7.5), 2: (0.5, 7.5)}  # sequence 1 has every step: no band
    assert list(fig.layout.yaxis.ticktext) == ["0 (length 3)", "1 (length 8)", "2 (length 1)"]


def test_the_packed_batch_needs_one_length_per_sequence() -> None:
    with pytest.raises(ValueError, match="one length per sequence"):
        packed_batch_heatmap(np.zeros((5, 3)), np.array([5, 2]), quantity="h", title="h")
