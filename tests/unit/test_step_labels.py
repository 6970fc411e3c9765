"""A time axis labelled with the characters read: every step for a short text, every k-th for a long one."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.figures.chars import next_character_heatmap
from rnnviz.figures.heatmaps import unit_time_heatmap
from rnnviz.figures.step_labels import MAX_LABELS, labelled_time_axis


@pytest.mark.parametrize("steps", [1, 5, MAX_LABELS, MAX_LABELS + 1, 70, 400])
def test_the_axis_names_the_character_at_each_labelled_step(steps):
    labels = [chr(ord("a") + t % 26) for t in range(steps)]
    axis = labelled_time_axis(labels, np.arange(steps))
    assert axis["ticktext"] == [labels[t] for t in axis["tickvals"]]
    assert 1 <= len(axis["tickvals"]) <= MAX_LABELS and axis["tickvals"][0] == 0
    stride = axis["tickvals"][1] - axis["tickvals"][0] if len(axis["tickvals"]) > 1 else 1
    assert (stride == 1) == (steps <= MAX_LABELS) and ("every" in axis["title"]["text"]) == (stride > 1)


def test_a_heatmap_keeps_its_numeric_axis_and_says_what_was_read_on_hover():
    fig = unit_time_heatmap(np.zeros((5, 3)), quantity="c", title="c_t", step_labels=list("(ab)\n"))
    assert list(fig.data[0].x) == [0, 1, 2, 3, 4]  # the step marker and the viewer place t at x = t
    assert list(fig.data[0].customdata[0]) == list("(ab)\n") and "read %{customdata}" in fig.data[0].hovertemplate


def test_the_next_character_heatmap_is_one_row_per_character():
    p = np.full((4, 3), 1 / 3)
    fig = next_character_heatmap(p, "ab\n", ["(", "a", ")", "\n"])
    assert np.asarray(fig.data[0].z).shape == (3, 4) and list(fig.data[0].y) == ["a", "b", "⏎"]
