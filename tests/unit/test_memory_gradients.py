"""The page's gradient views of a memory model: the flow (checked on the page by finite differences), the
connectivity map's rows, the forget-gate path and what clamping f = 1 does, each against an independent
computation (the module's own forward, the trace, the interventions' clamp)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnviz.core.gradients import connectivity, forget_path
from rnnviz.core.interventions import GateClamp, Intervention, intervene
from rnnviz.core.trace import trace
from rnnviz.memory.data import held_out_set
from rnnviz.memory.gradients import (
    FD_TOLERANCE,
    MAP_FLOATS,
    RESOLVABLE,
    connectivity_map,
    forget_view,
    gradient_flow,
    map_rows,
    probe_steps,
)
from rnnviz.memory.model import MemoryModel


def sequence(length: int, index: int = 0) -> tuple[torch.Tensor, float]:
    held = held_out_set(length, 4)
    return held.x[index], float(held.target[index, 0])


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
def test_the_flow_is_verified_and_its_answer_is_the_models(cell):
    model = MemoryModel(cell, hidden_size=12, seed=3)
    x, target = sequence(30)
    flow = gradient_flow(model, x, target)
    assert flow.h_norms.shape == (30,) and (flow.c_norms is not None) == (cell == "LSTM")
    assert flow.verified and flow.rerun_error <= 1e-12 and 1 <= len(flow.checks) <= 4
    assert max(c.relative_error for c in flow.checks) <= FD_TOLERANCE
    assert flow.checks[-1].step == 29  # the last step is always checked
    with torch.no_grad():
        assert flow.prediction == pytest.approx(float(model(x.unsqueeze(0))[0]), abs=1e-6)  # float32 model
    assert flow.loss == pytest.approx((flow.prediction - target) ** 2)


def test_an_untrained_vanilla_rnn_shows_the_vanishing_gradient():
    """The page's claim: the gradient reaching step 0 is a tiny fraction of the one at the last step, falling
    about geometrically (a straight line on the log axis)."""
    x, target = sequence(120)
    norms = gradient_flow(MemoryModel("RNN", hidden_size=32, seed=0), x, target, check=False).h_norms
    assert norms[0] / norms[-1] < 1e-20
    slope = np.polyfit(np.arange(100), np.log10(norms[:100]), 1)
    residual = np.log10(norms[:100]) - np.polyval(slope, np.arange(100))
    assert slope[0] > 0.1 and np.abs(residual).max() < 1.5  # decades per step, and close to a line


def test_probe_steps_spread_over_the_resolvable_gradient():
    norms = np.array([1e-9, 1e-7, 1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    assert probe_steps(norms) == [3, 4, 5, 6]  # norms >= RESOLVABLE * max are steps 3..6
    assert RESOLVABLE == 1e-3 and probe_steps(np.zeros(5)) == [] and probe_steps(np.ones(10), 3) == [0, 4, 9]


def test_map_rows_end_at_the_last_step_and_bound_the_graph():
    assert map_rows(50, 64).tolist() == list(range(50))
    rows = map_rows(200, 128)
    assert rows[-1] == 199 and len(rows) == 50 and np.all(np.diff(rows) == 4)
    long = map_rows(5000, 512)
    assert long[-1] == 4999 and len(long) * 2500 * 10 * 512 <= 2 * MAP_FLOATS


def test_the_connectivity_map_is_the_cores_on_its_rows_and_causal():
    model = MemoryModel("GRU", hidden_size=8, seed=1)
    x, _ = sequence(40)
    shown = connectivity_map(model, x, max_rows=10)
    assert shown.rows.tolist() == list(range(3, 40, 4)) and shown.values.shape == (10, 40)
    full = connectivity(model.rnn, x, model.head, list(range(40)))
    np.testing.assert_allclose(shown.values, full[shown.rows], rtol=1e-5, atol=0)
    for row, s in zip(shown.values, shown.rows, strict=True):
        assert np.all(row[s + 1 :] == 0) and row[s] > 0  # an output never depends on a later input


def test_the_forget_view_reads_the_trace_and_the_clamp_is_the_interventions():
    model = MemoryModel("LSTM", hidden_size=10, seed=2)
    x, target = sequence(25, 1)
    flow = gradient_flow(model, x, target)
    view = forget_view(model, x, target, flow)
    f = trace(model.rnn, x.unsqueeze(0)).gate("f")[:, 0].numpy()
    np.testing.assert_array_equal(view.path, forget_path(f))
    assert view.trace_matches and np.array_equal(view.open_path, np.ones((25, 10)))  # exactly 1
    assert list(view.persistent_units()) == sorted(range(10), key=lambda k: -view.path[0, k])
    clamped = intervene(model.rnn, x.unsqueeze(0), Intervention(clamps=(GateClamp("f", 1.0, tuple(range(25))),)))
    with torch.no_grad():
        answer = float(model.head(clamped.state("h")[-1, 0]))
    assert view.open_flow.prediction == pytest.approx(answer, abs=1e-5)  # the same run as the page's What if?
    assert view.open_flow.grad_c.shape == (25, 10) and view.flow is flow
    with pytest.raises(ValueError, match="only an LSTM has a forget gate"):
        forget_view(MemoryModel("GRU", 4), x, target, flow)
