"""Gradients through real recurrent modules (``rnnviz.core.gradients``), in float64, against central finite
differences of the modules' own forward: relative error <= 1e-6 for dL/dh_t, dL/dc_t, dL/dx_t and the
connectivity map; the forget-gate path against the autograd Jacobian of c_T with respect to c_t with the other
paths cut; the open forget gate against the interventions' clamp f = 1.

The finite differences here perturb one coordinate at a time and run the module's own ``forward`` (not the
step-by-step re-run that autograd differentiates) from the perturbed state to the end.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from rnnviz.core.gradients import (
    OPEN_FORGET_BIAS,
    connectivity,
    finite_differences,
    forget_gate_open,
    forget_path,
    rerun,
    state_gradients,
)
from rnnviz.core.interventions import GateClamp, Intervention, intervene
from rnnviz.core.trace import trace

#: The central-difference step: it balances truncation (~EPS**2) against rounding (~1e-16 / EPS) in float64.
EPS = 1e-5
RELATIVE = 1e-6
#: (cell, nonlinearity, hidden size, steps, seed): a seeded sweep of small float64 models.
CASES = [
    ("RNN", "tanh", 4, 9, 0),
    ("RNN", "relu", 3, 7, 1),
    ("LSTM", None, 4, 10, 2),
    ("LSTM", None, 2, 6, 3),
    ("GRU", None, 4, 9, 4),
    ("GRU", None, 3, 12, 5),
]


def make(
    cell: str, nonlinearity: str | None, hidden: int, seed: int, batch_first: bool = True
) -> tuple[nn.Module, nn.Linear]:
    torch.manual_seed(seed)
    extra = {"nonlinearity": nonlinearity} if nonlinearity else {}
    module = getattr(nn, cell)(2, hidden, batch_first=batch_first, **extra).double()
    with torch.no_grad():  # larger weights than the default, so that gradients neither vanish nor are trivial
        for parameter in module.parameters():
            parameter.mul_(2.5)
    return module, nn.Linear(hidden, 1).double()


def last_output(module: nn.Module, x: torch.Tensor, state=None) -> torch.Tensor:
    """The module's own forward on x (T, I), batch of one: h after the last step, (H,)."""
    batched = x.unsqueeze(0 if module.batch_first else 1)
    return module(batched, state)[1][0] if not isinstance(module, nn.LSTM) else module(batched, state)[1][0][0]


def loss_from(module, head, x, target, t, h, c=None) -> float:
    """L = (head(h_T) - target)^2 after running the module's own forward from (h_t, c_t) over x[t+1:]."""
    if t == x.shape[0] - 1:
        last = h
    else:
        state = h.view(1, 1, -1) if c is None else (h.view(1, 1, -1), c.view(1, 1, -1))
        last = last_output(module, x[t + 1 :], state)[0]
    return float((head(last) - target).pow(2).sum())


def assert_close(autograd: np.ndarray, central: np.ndarray) -> float:
    error = float(np.abs(autograd - central).max() / np.abs(central).max())
    assert error <= RELATIVE, error
    return error


@pytest.mark.parametrize(("cell", "nonlinearity", "hidden", "steps", "seed"), CASES)
def test_state_gradients_equal_central_differences_of_the_module(cell, nonlinearity, hidden, steps, seed):
    module, head = make(cell, nonlinearity, hidden, seed)
    x = torch.randn(steps, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    target = 0.3
    run = rerun(module, x)
    assert run.matches and run.max_abs_error < 1e-12
    grads = state_gradients(run, (head(run.h[-1]) - target).pow(2).sum())
    o = trace(module, x.unsqueeze(0)).gate("o")[:, 0] if cell == "LSTM" else None  # (T, H)
    with torch.no_grad():
        for t in range(steps):
            h, c = run.h[t][0].detach(), None if run.c is None else run.c[t][0].detach()
            central_h = np.empty(hidden)
            for j in range(hidden):
                step = torch.zeros(hidden, dtype=torch.float64)
                step[j] = EPS
                up_loss = loss_from(module, head, x, target, t, h + step, c)
                central_h[j] = (up_loss - loss_from(module, head, x, target, t, h - step, c)) / (2 * EPS)
            assert_close(grads.h[t], central_h)
            if c is not None:  # c_t feeds step t + 1 and h_t = o_t * tanh(c_t): both move with it
                central_c = np.empty(hidden)
                for j in range(hidden):
                    step = torch.zeros(hidden, dtype=torch.float64)
                    step[j] = EPS
                    up, down = c + step, c - step
                    up_loss = loss_from(module, head, x, target, t, o[t] * torch.tanh(up), up)
                    down_loss = loss_from(module, head, x, target, t, o[t] * torch.tanh(down), down)
                    central_c[j] = (up_loss - down_loss) / (2 * EPS)
                assert_close(grads.c[t], central_c)
    assert (grads.c is None) == (cell != "LSTM")


@pytest.mark.parametrize(("cell", "nonlinearity", "hidden", "steps", "seed"), CASES)
def test_input_gradients_and_the_connectivity_map_equal_central_differences(cell, nonlinearity, hidden, steps, seed):
    module, head = make(cell, nonlinearity, hidden, seed, batch_first=seed % 2 == 0)
    x = torch.randn(steps, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(seed + 100))
    run = rerun(module, x)
    grads = state_gradients(run, (head(run.h[-1]) - 0.5).pow(2).sum())
    outputs = np.empty((2, steps, 2, steps))  # (sign, input step, feature, output step): head(h_s) for every s
    with torch.no_grad():
        for t in range(steps):
            for i in range(2):
                for sign_index, sign in enumerate((1.0, -1.0)):
                    nudged = x.clone()
                    nudged[t, i] += sign * EPS
                    states = module(nudged.unsqueeze(0 if module.batch_first else 1))[0].reshape(steps, hidden)
                    outputs[sign_index, t, i] = head(states)[:, 0].numpy()
    derivative = (outputs[0] - outputs[1]) / (2 * EPS)  # (t, i, s): dy_s/dx_t[i]
    central_map = np.linalg.norm(derivative, axis=1).T  # (s, t)
    assert_close(connectivity(module, x, head, list(range(steps))), central_map)
    rows = [1, steps - 1]
    assert_close(connectivity(module, x, head, rows), central_map[rows])
    y_last = head(run.h[-1].detach())[0, 0].item()
    assert_close(grads.x, 2 * (y_last - 0.5) * derivative[:, :, -1])  # dL/dx_t = 2 (y_T - target) dy_T/dx_t


@pytest.mark.parametrize("seed", range(4))
def test_the_forget_path_is_the_jacobian_of_c_T_along_the_cell_path_alone(seed):
    module, _ = make("LSTM", None, 5, seed)
    steps = 11
    x = torch.randn(steps, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    f = trace(module, x.unsqueeze(0)).gate("f")[:, 0].numpy()  # (T, H), from the verified trace
    path = forget_path(f)
    cut = rerun(module, x, cell_path_only=True)
    assert torch.equal(torch.cat(cut.h), torch.cat(rerun(module, x).h))  # cutting the graph changes no value
    for t in range(steps):
        jacobian = torch.stack(
            [torch.autograd.grad(cut.c[-1][0, j], cut.c[t], retain_graph=True)[0][0] for j in range(5)]
        ).numpy()  # (H, H): dc_{T-1}[j] / dc_t[k]
        assert np.array_equal(jacobian, np.diag(np.diag(jacobian)))  # the cell path alone is diagonal
        np.testing.assert_allclose(np.diag(jacobian), path[t], rtol=1e-12, atol=0)
    assert np.array_equal(path[-1], np.ones(5))
    full = rerun(module, x)  # control: with the other paths the Jacobian is not the path
    other = torch.autograd.grad(full.c[-1][0, 0], full.c[0])[0][0].numpy()
    assert abs(other[0] - path[0, 0]) > 1e-6 * abs(path[0, 0]) or np.abs(other[1:]).max() > 0


def test_an_open_forget_gate_is_exactly_one_and_matches_the_interventions_clamp():
    module, _ = make("LSTM", None, 6, 7)
    steps = 9
    x = torch.randn(1, steps, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    opened = forget_gate_open(module)
    assert opened is not module and not torch.equal(opened.bias_ih_l0, module.bias_ih_l0)
    traced = trace(opened, x)
    assert (
        traced.matches
        and bool((traced.gate("f") == 1.0).all())
        and np.array_equal(forget_path(traced.gate("f")[:, 0].numpy()), np.ones((steps, 6)))
    )
    clamped = intervene(module, x, Intervention(clamps=(GateClamp("f", 1.0, tuple(range(steps))),)))
    for name in ("i", "g", "o", "c", "h"):
        torch.testing.assert_close(traced.values(name, 0), clamped.values(name, 0), rtol=0, atol=1e-14)
    cut = rerun(opened, x[0], cell_path_only=True)
    for t in range(steps):  # dc_{T-1}/dc_t along the cell path: exactly the identity
        assert torch.equal(
            torch.autograd.grad(cut.c[-1].sum(), cut.c[t], retain_graph=True)[0], torch.ones(1, 6).double()
        )
    assert OPEN_FORGET_BIAS == 1e4 and torch.sigmoid(torch.tensor(OPEN_FORGET_BIAS)) == 1.0  # float32 too


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [True, False])
def test_the_page_check_agrees_with_autograd(cell, batch_first):
    """Every step, the last included (no step left to run), in one packed call of the module."""
    module, head = make(cell, None, 4, 9, batch_first)
    x = torch.randn(8, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    run = rerun(module, x)
    grads = state_gradients(run, (head(run.h[-1]) - 1.0).pow(2).sum())
    checks = finite_differences(module, run, grads, lambda h: (head(h)[:, 0] - 1.0) ** 2, range(8), EPS)
    assert [c.step for c in checks] == list(range(8))
    assert max(c.relative_error for c in checks) <= RELATIVE
    assert all(c.autograd == pytest.approx(float(np.linalg.norm(grads.h[c.step]))) for c in checks)


def test_a_float32_rerun_matches_the_module_within_its_tolerance():
    module = nn.LSTM(2, 16, batch_first=False)
    x = torch.randn(40, 2)
    run = rerun(module, x)
    assert run.matches and run.tolerance == pytest.approx(1e-5, rel=1) and run.states.shape == (40, 16)
    with torch.no_grad():
        torch.testing.assert_close(run.states, module(x.unsqueeze(1))[0][:, 0], rtol=0, atol=1e-5)


@pytest.mark.parametrize(
    ("module", "error"),
    [
        (nn.LSTM(2, 3, num_layers=2), "one layer in one direction"),
        (nn.GRU(2, 3, bidirectional=True), "one layer in one direction"),
        (nn.LSTM(2, 4, proj_size=2), "one layer in one direction"),
        (nn.LSTMCell(2, 3), "expected an nn.RNN, nn.LSTM or nn.GRU"),
    ],
)
def test_what_the_views_do_not_read_is_refused(module, error):
    with pytest.raises((ValueError, TypeError), match=error):
        rerun(module, torch.randn(5, 2))


def test_refusals_of_the_lstm_only_views_and_of_rows_outside_the_sequence():
    gru = nn.GRU(2, 3)
    with pytest.raises(ValueError, match="only an LSTM has a cell path"):
        rerun(gru, torch.randn(4, 2), cell_path_only=True)
    with pytest.raises(ValueError, match="only an nn.LSTM with biases"):
        forget_gate_open(gru)
    with pytest.raises(ValueError, match="only an nn.LSTM with biases"):
        forget_gate_open(nn.LSTM(2, 3, bias=False))
    with pytest.raises(ValueError, match=r"output steps must lie in 0..3"):
        connectivity(gru, torch.randn(4, 2), nn.Linear(3, 1), [0, 4])
