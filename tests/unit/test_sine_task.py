"""The sin -> cos data: windows over [k*pi, (k+1)*pi] as continuous rows, seeded noise, the evaluation stretch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rnnviz.sine.data import SineWindows, evaluation_stretch, window_positions
from rnnviz.sine.trainer import SineTrainer


def test_windows_cover_k_pi_to_k_plus_one_pi_as_continuous_rows():
    positions = window_positions(4, 3, 10)  # steps s=4, rows b=0..2 -> windows 4, 5, 6
    assert positions.shape == (3, 10) and positions.dtype == torch.float64
    assert torch.allclose(positions[:, 0], torch.tensor([4.0, 5.0, 6.0], dtype=torch.float64) * math.pi)
    assert torch.allclose(positions[:, -1], torch.tensor([5.0, 6.0, 7.0], dtype=torch.float64) * math.pi)
    batch = SineWindows(points=10, windows_per_batch=3, noise=0.0).batch(4)
    assert batch.x.shape == batch.target.shape == (3, 10, 1) and batch.x.dtype == torch.float32
    assert torch.allclose(batch.target[..., 0], torch.cos(positions).float())
    noisy_a = SineWindows(10, 3, noise=0.5, noise_seed=7)
    noisy_b = SineWindows(10, 3, noise=0.5, noise_seed=7)
    first, again = noisy_a.batch(0), noisy_b.batch(0)
    assert torch.equal(first.x, again.x) and not torch.allclose(first.x, torch.sin(first.positions).float()[..., None])
    assert torch.equal(first.target, torch.cos(first.positions).float()[..., None])  # targets stay clean


def test_evaluation_stretch_is_long_off_grid_and_validated():
    stretch = evaluation_stretch(points=10)
    assert stretch.length == 181 and stretch.x.shape == stretch.target.shape == (1, 181, 1)
    assert math.isclose(float(stretch.positions[-1] - stretch.positions[0]), 20 * math.pi)
    assert math.isclose(float(stretch.positions[0]), math.pi / 4)
    with pytest.raises(ValueError, match="length"):
        evaluation_stretch(length=-1.0)
    result = SineTrainer().evaluate(stretch)
    assert result.x.shape == result.prediction.shape == result.target.shape == (181,)
    assert math.isclose(result.mse, float(np.mean((result.prediction - result.target) ** 2)), rel_tol=1e-5)


def test_noise_uses_only_its_private_generator_and_bad_arguments_are_refused():
    state = torch.random.get_rng_state()
    SineWindows(10, 2, noise=1.0, noise_seed=3).batch(0)
    assert torch.equal(torch.random.get_rng_state(), state)
    with pytest.raises(ValueError, match="points >= 2"):
        SineWindows(points=1)
    with pytest.raises(ValueError, match="points must be at least 2"):
        evaluation_stretch(points=1)
