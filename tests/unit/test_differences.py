"""The difference window of the mistakes lab: where two results start to differ, both sides, marked exactly."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnviz.shapes.differences import WINDOW_COLUMNS, WINDOW_ROWS, difference_window


@settings(max_examples=60, deadline=None)
@given(
    shape=st.lists(st.integers(1, 9), min_size=1, max_size=3),
    seed=st.integers(0, 2**16),
    changed=st.integers(1, 4),
)
def test_the_window_shows_both_sides_from_just_before_the_first_difference(shape, seed, changed):
    generator = torch.Generator().manual_seed(seed)
    right = torch.randn(shape, generator=generator)
    wrong = right.clone()
    places = torch.randperm(right.numel(), generator=generator)[:changed]
    wrong.view(-1)[places] += 0.5
    axes = ("sequence", "t", "unit")[-len(shape) :]
    window = difference_window(wrong, right, axes)
    assert window is not None
    first = np.unravel_index(int(places.min()), shape)
    leading = tuple(int(i) for i in first[:-2])
    assert window.where == tuple(zip(axes[: len(leading)], leading, strict=True))
    assert len(window.columns) == min(WINDOW_COLUMNS, shape[-1]) and int(first[-1]) in window.columns
    if len(shape) > 1:
        assert len(window.rows) == min(WINDOW_ROWS, shape[-2]) and int(first[-2]) in window.rows
    else:
        assert window.row_axis is None and window.rows == (0,)
        right, wrong = right[None, :], wrong[None, :]
    index = (*leading, np.array(window.rows)[:, None], np.array(window.columns)[None, :])
    np.testing.assert_array_equal(window.right, right.numpy()[index])
    np.testing.assert_array_equal(window.wrong, wrong.numpy()[index])
    np.testing.assert_array_equal(window.differs, window.wrong != window.right)  # exactly the changed cells


def test_equal_results_have_no_window_and_bad_arguments_are_refused():
    values = torch.randn(3, 4)
    assert difference_window(values, values + 1e-7, ("t", "unit")) is None  # within float32's tolerance
    with pytest.raises(ValueError, match="one shape"):
        difference_window(values, values[:2], ("t", "unit"))
    with pytest.raises(ValueError, match="a name per axis"):
        difference_window(values, values, ("unit",))
