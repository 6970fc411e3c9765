"""The sin -> cos trainer: reference losses, bit-for-bit determinism, divergence, export, truncated BPTT.

Reference figures (the classic tutorial): a bare PyTorch loop of the default setup reaches a mean MSE over the
last 50 of 300 steps of about 0.002 (RNN), 0.0002 (LSTM), 0.01 (GRU). Measured here (torch 2.13 CPU, default seed 1,
which draws exactly the weights of the classic tutorial's ``torch.manual_seed(1)``): 0.002226 (RNN),
0.000172 (LSTM), 0.009441 (GRU). The RNN figure is "about" 0.002 but not below it, so every threshold is
the reference figure times MARGIN = 1.5, which also leaves room for other CPUs / torch builds. The result
depends strongly on the seed (seeds 0..19: 8/20 RNN runs, 10/20 LSTM, 11/20 GRU reach the figures).
"""

from __future__ import annotations

import io
import math
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from rnnviz.sine.model import SineModel
from rnnviz.sine.settings import SineSettings
from rnnviz.sine.trainer import SineTrainer
from rnnviz.training.history import downsample
from rnnviz.training.loop import TORCH_THREADS

REFERENCE = {"RNN": 0.002, "LSTM": 0.0002, "GRU": 0.01}
MARGIN = 1.5


def _mean_last(values: list[float], n: int = 50) -> float:
    return sum(values[-n:]) / n


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
def test_default_settings_reach_the_reference_loss_in_300_steps(cell):
    trainer = SineTrainer(SineSettings(cell=cell))
    losses = trainer.step(10_000)  # asks for more than the run has: stops at settings.steps
    assert len(losses) == trainer.steps_done == 300 and trainer.finished and not trainer.diverged
    assert trainer.stop_reason.startswith("Finished")
    assert torch.get_num_threads() == TORCH_THREADS
    assert _mean_last(losses) < REFERENCE[cell] * MARGIN, f"{cell}: {_mean_last(losses)}"


def test_default_is_the_reference_setup():
    trainer = SineTrainer()
    assert isinstance(trainer.model.rnn, torch.nn.RNN) and trainer.model.rnn.batch_first
    assert (trainer.model.rnn.input_size, trainer.model.rnn.hidden_size, trainer.model.rnn.num_layers) == (1, 32, 1)
    assert (trainer.model.head.in_features, trainer.model.head.out_features) == (32, 1)
    assert isinstance(trainer.optimizer, torch.optim.Adam) and trainer.optimizer.defaults["lr"] == 0.02
    s = trainer.settings
    assert (s.steps, s.points, s.windows_per_batch, s.hidden_policy, s.clip, s.noise) == (300, 10, 1, "carry", 0, 0)


def test_weights_equal_torch_default_init_under_manual_seed_and_leave_global_rng_alone():
    state = torch.random.get_rng_state()
    model = SineModel("LSTM", 8, 2, seed=5)
    assert torch.equal(torch.random.get_rng_state(), state)
    torch.manual_seed(5)
    rnn, head = torch.nn.LSTM(1, 8, 2, batch_first=True), torch.nn.Linear(8, 1)
    for mine, theirs in zip(model.parameters(), [*rnn.parameters(), *head.parameters()], strict=True):
        assert torch.equal(mine, theirs)


def test_same_settings_and_seed_give_the_same_history_bit_for_bit():
    settings = SineSettings(cell="LSTM", noise=0.1, windows_per_batch=3, steps=60)
    torch.manual_seed(123)  # the global RNG is never used: disturbing it changes nothing
    whole = SineTrainer(settings)
    whole.step(60)
    torch.manual_seed(456)
    chunked = SineTrainer(settings)
    for n in (1, 7, 20, 32):  # chunking is invisible to the result
        chunked.step(n)
    assert whole.history == chunked.history and len(whole.history) == 60
    for a, b in zip(whole.model.parameters(), chunked.model.parameters(), strict=True):
        assert torch.equal(a, b)
    other_seed = SineTrainer(SineSettings(cell="LSTM", noise=0.1, windows_per_batch=3, steps=60, seed=2))
    other_seed.step(60)
    assert other_seed.history != whole.history


@pytest.mark.parametrize(
    "settings",
    [
        SineSettings(),
        SineSettings(
            cell="GRU",
            num_layers=2,
            hidden_size=16,
            optimizer="SGD",
            lr=0.1,
            clip=0.5,
            noise=0.2,
            windows_per_batch=2,
            points=7,
            hidden_policy="reset",
            seed=9,
        ),
    ],
    ids=["default", "gru-sgd-clip-noise-reset"],
)
def test_reproduce_script_gives_the_same_losses_bit_for_bit(settings, tmp_path):
    trainer = SineTrainer(settings)
    trainer.step(25)
    namespace: dict = {"__name__": "reproduce"}  # in this process first (fast), then standalone below
    exec(trainer.reproduce_script(), namespace)
    assert namespace["train"](25)[1] == trainer.history
    if settings != SineSettings():
        return  # one subprocess (a torch import, seconds on a loaded machine) is enough
    script = tmp_path / "reproduce.py"
    script.write_text(trainer.reproduce_script())
    assert "import rnnviz" not in script.read_text() and "from rnnviz" not in script.read_text()  # standalone
    done = subprocess.run(
        [sys.executable, str(script), "--steps", "25"], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == trainer.history_csv()  # losses printed with repr: equal text = equal floats


def test_diverging_run_stops_at_the_first_nonfinite_loss_with_advice():
    # Adam's step is bounded by lr, so Adam at lr 10 stalls (loss ~0.57) but stays finite; SGD at lr 10 with
    # no clipping overflows to inf within ~10 steps.
    stops = []
    trainer = SineTrainer(SineSettings(optimizer="SGD", lr=10.0))
    trainer.add_callback("on_stop", stops.append)
    losses = trainer.step(300)  # no exception
    assert trainer.diverged and trainer.finished and stops == [trainer]
    assert 0 < trainer.steps_done < 300 and trainer.history == losses
    assert all(math.isfinite(v) for v in trainer.history)
    reason = trainer.stop_reason
    assert f"step {trainer.steps_done + 1}" in reason and "learning rate" in reason and "clip" in reason
    assert trainer.step(10) == [] and stops == [trainer]  # stays stopped, callbacks fire once
    assert trainer.history_csv().count("\n") == trainer.steps_done + 1
    assert trainer.predict_window().target.shape == (10,)  # what a page draws still works


def test_divergence_advice_mentions_the_clipping_in_use():
    # With clipping on, SGD at lr 10..100 grows the loss to ~1e16 in 300 steps but not to inf, so a NaN
    # weight is planted to get a non-finite loss.
    trainer = SineTrainer(SineSettings(clip=5.0))
    trainer.step(2)
    with torch.no_grad():
        trainer.model.head.bias.fill_(float("nan"))
    assert trainer.step(5) == [] and trainer.diverged and trainer.steps_done == 2
    assert "loss at step 3 was nan" in trainer.stop_reason
    assert "clipping norm (now 5, e.g. to 0.5)" in trainer.stop_reason


def test_checkpoint_round_trip_loads_with_weights_only():
    trainer = SineTrainer(SineSettings(cell="GRU", hidden_size=12, steps=40))
    trainer.step(40)
    data = trainer.checkpoint_bytes()
    raw = torch.load(io.BytesIO(data), weights_only=True)
    assert set(raw) == {"format", "settings", "state_dict", "steps_done"} and raw["steps_done"] == 40
    assert SineSettings.from_json(raw["settings"]) == trainer.settings

    loaded = SineTrainer.from_checkpoint(data)
    assert loaded.settings == trainer.settings
    before, after = trainer.evaluate(), loaded.evaluate()
    assert np.array_equal(before.prediction, after.prediction) and before.mse == after.mse
    x = torch.randn(3, 17, 1)
    assert torch.equal(trainer.model(x)[0], loaded.model(x)[0])


NOT_CHECKPOINTS = [
    b"",
    b"not a checkpoint",
    pickle.dumps({"state_dict": {}}, protocol=2),
    pickle.dumps(print, protocol=2),  # weights_only refuses to unpickle a callable
]


@pytest.mark.parametrize("data", NOT_CHECKPOINTS, ids=["empty", "text", "plain-pickle", "pickled-function"])
def test_anything_but_a_checkpoint_is_refused_with_a_value_error(data):
    with pytest.raises(ValueError, match="checkpoint"):
        SineTrainer.from_checkpoint(data)


def test_a_checkpoint_whose_weights_do_not_fit_its_settings_is_refused():
    small = SineTrainer(SineSettings(hidden_size=4)).checkpoint_bytes()
    tampered = torch.load(io.BytesIO(small), weights_only=True)
    tampered["settings"] = SineSettings(hidden_size=5).to_json()
    buffer = io.BytesIO()
    torch.save(tampered, buffer)
    with pytest.raises(ValueError, match="do not fit"):
        SineTrainer.from_checkpoint(buffer.getvalue())


@pytest.mark.parametrize("cell", ["RNN", "LSTM"])
def test_carried_state_is_detached_after_every_step(cell):
    trainer = SineTrainer(SineSettings(cell=cell, num_layers=2, windows_per_batch=3, steps=20))
    seen = []

    def check(t: SineTrainer) -> None:
        states = t.hidden_state if isinstance(t.hidden_state, tuple) else (t.hidden_state,)
        for h in states:
            assert h.shape == (2, 3, 32)  # (L, B, H): never batch-first
            assert h.grad_fn is None and not h.requires_grad  # no graph reaches into the next step
        seen.append(float(states[0].abs().sum()))

    trainer.add_callback("on_step", check)
    trainer.step(20)
    assert len(seen) == 20 and all(v > 0 for v in seen)  # carried, not zeros


def test_reset_policy_starts_every_window_from_zeros():
    carry = SineTrainer(SineSettings(steps=5))
    reset = SineTrainer(SineSettings(steps=5, hidden_policy="reset"))
    carry.step(5), reset.step(5)
    assert reset.hidden_state is None
    assert carry.history[0] == reset.history[0] and carry.history[1:] != reset.history[1:]
    window = reset.predict_window()  # the last window, from zeros, through the current weights
    x = torch.from_numpy(window.inputs).view(1, -1, 1)
    assert np.array_equal(reset.model(x)[0].detach().numpy().ravel(), window.prediction)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cell": "Transformer"}, "cell must be one of RNN, LSTM, GRU"),
        ({"hidden_size": 0}, "hidden_size must be a whole number from 1"),
        ({"hidden_size": True}, "hidden_size must be a whole number"),
        ({"num_layers": 9}, "num_layers must be a whole number from 1 to 4"),
        ({"lr": 0}, "lr must be a number above 0"),
        ({"lr": float("nan")}, "lr must be a number"),
        ({"lr": "0.1"}, "lr must be a number"),
        ({"optimizer": "RMSprop"}, "optimizer must be one of Adam, SGD"),
        ({"momentum": 1.0}, "momentum must be a number from 0"),
        ({"clip": -1.0}, "clip must be a number from 0"),
        ({"points": 1}, "points must be a whole number from 2"),
        ({"windows_per_batch": 0}, "windows_per_batch must be"),
        ({"noise": float("inf")}, "noise must be a number from 0"),
        ({"steps": 0}, "steps must be a whole number from 1"),
        ({"seed": -1}, "seed must be a whole number from 0"),
        ({"hidden_policy": "keep"}, "hidden_policy must be one of carry, reset"),
    ],
)
def test_invalid_settings_say_what_to_change(changes, message):
    with pytest.raises(ValueError, match=message):
        SineSettings(**changes)


def test_every_problem_is_reported_at_once_and_json_round_trips():
    with pytest.raises(ValueError, match="hidden_size.*; .*lr"):
        SineSettings(hidden_size=0, lr=-1.0)
    settings = SineSettings(cell="GRU", lr=1, noise=0.25)
    assert settings.lr == 1.0 and isinstance(settings.lr, float)
    assert SineSettings.from_json(settings.to_json()) == settings
    with pytest.raises(ValueError, match="unknown settings 'colour'"):
        SineSettings.from_json('{"colour": "red"}')


def test_display_history_is_bounded_and_csv_keeps_everything():
    trainer = SineTrainer(SineSettings(steps=30))
    trainer.step(30)
    steps, losses = trainer.display_history(1000)
    assert np.array_equal(steps, np.arange(1, 31)) and losses.tolist() == trainer.history
    steps, losses = trainer.display_history(7)
    assert steps.shape == losses.shape == (7,)
    rows = trainer.history_csv().splitlines()
    assert rows[0] == "step,loss" and [float(r.split(",")[1]) for r in rows[1:]] == trainer.history

    values = np.arange(1_000_000, dtype=np.float64)
    steps, means = downsample(values, 2000)
    assert steps.shape == means.shape == (2000,)
    assert means[0] == np.mean(values[:500]) and steps[0] == 250.5 and steps[-1] == 999_750.5


def test_callbacks_step_for_and_argument_checks():
    calls = []
    trainer = SineTrainer(SineSettings(steps=10))
    trainer.add_callback("on_step", lambda t: calls.append(t.steps_done))
    assert len(trainer.step_for(0.0)) == 1  # at least one step per call
    trainer.step(3)
    assert calls == [1, 2, 3, 4] and trainer.steps_per_second > 0 and trainer.last_loss == trainer.history[-1]
    with pytest.raises(ValueError, match="event must be one of"):
        trainer.add_callback("on_epoch", print)
    with pytest.raises(ValueError, match="n must be"):
        trainer.step(-1)
    with pytest.raises(ValueError, match="max_points"):
        trainer.display_history(0)


def test_predict_window_before_and_after_training():
    trainer = SineTrainer()
    first = trainer.predict_window()
    assert np.allclose(first.positions, np.linspace(0, math.pi, 10))  # window 0, not yet trained
    trainer.step(3)
    latest = trainer.predict_window()
    assert np.allclose(latest.positions, np.linspace(2 * math.pi, 3 * math.pi, 10))  # window of step 3
    assert np.allclose(latest.target, np.cos(latest.positions), atol=1e-6)
    assert not np.array_equal(first.prediction, latest.prediction)
