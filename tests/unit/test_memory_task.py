"""The adding problem: its sequences and targets (recomputed here), its score, its settings and the trainer (early
stop once solved, determinism, divergence, checkpoint, the plain-PyTorch script bit for bit)."""

from __future__ import annotations

import io
import math
import subprocess
import sys

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnviz.core.checkpoints import load_checkpoint
from rnnviz.core.trace import trace
from rnnviz.memory.data import (
    CHANCE_MSE,
    CHANCE_RATE,
    HELD_OUT_SIZE,
    SOLVED_RATE,
    TOLERANCE,
    AddingStream,
    adding_batch,
    held_out_set,
    score,
)
from rnnviz.memory.export import CHECKPOINT_FORMAT
from rnnviz.memory.settings import MAX_FLOATS, MemorySettings
from rnnviz.memory.trainer import MemoryTrainer, held_out_sequence
from rnnviz.sine.trainer import SineTrainer

#: Solves the task at T = 2 within a few hundred steps (a GRU of 8 units): the early-stop cases.
QUICK = dict(cell="GRU", length=2, hidden_size=8, batch_size=32, lr=0.02, eval_every=50, steps=600)


@settings(max_examples=40, deadline=None)
@given(batch=st.integers(1, 40), length=st.integers(2, 60), seed=st.integers(0, 2**31))
def test_every_target_is_the_sum_of_the_two_marked_values(batch, length, seed):
    x, target, marks = adding_batch(batch, length, torch.Generator().manual_seed(seed))
    assert x.shape == (batch, length, 2) and target.shape == (batch, 1) and x.dtype == torch.float32
    values, markers = x[..., 0], x[..., 1]
    assert bool(((values >= 0) & (values < 1)).all())
    assert bool(((markers == 0) | (markers == 1)).all()) and bool((markers.sum(1) == 2).all())
    for b in range(batch):
        first, second = markers[b].nonzero().flatten().tolist()
        assert 0 <= first < length // 2 <= second < length  # one marker in each half
        assert (first, second) == tuple(marks[b].tolist())
        assert target[b, 0] == values[b, first] + values[b, second]  # exactly, recomputed from the input


def test_batches_follow_the_seed_and_held_out_sequences_follow_only_t():
    one, two = AddingStream(4, 10, seed=3), AddingStream(4, 10, seed=3)
    for _ in range(3):
        assert torch.equal(one.next_batch().x, two.next_batch().x)
    assert not torch.equal(AddingStream(4, 10, seed=4).next_batch().x, AddingStream(4, 10, seed=3).next_batch().x)
    held = held_out_set(12)
    assert held.x.shape == (HELD_OUT_SIZE, 12, 2) and torch.equal(held.target, held_out_set(12).target)
    state = torch.random.get_rng_state()
    AddingStream(4, 10, seed=3).next_batch()
    assert torch.equal(torch.random.get_rng_state(), state)  # the global RNG is never used


@pytest.mark.parametrize("length", [1, 0, -3, 2.5, True])
def test_a_sequence_needs_two_halves(length):
    with pytest.raises(ValueError, match="T must be a whole number >= 2"):
        AddingStream(4, length, seed=0)


def test_chance_is_what_always_answering_one_scores():
    """Sums of two U(0, 1) have density 1 - |s - 1|: P(|s - 1| < 0.04) = 1 - 0.96**2 and E(s - 1)**2 = 1/6."""
    _, target, _ = adding_batch(200_000, 4, torch.Generator().manual_seed(0))
    guess = score(torch.ones_like(target), target)
    assert pytest.approx(0.0784) == CHANCE_RATE and abs(guess.answered - CHANCE_RATE) < 0.003
    assert abs(guess.mse - CHANCE_MSE) < 0.003 and not guess.solved


def test_score_counts_answers_within_the_tolerance():
    target = torch.tensor([[1.0], [1.0], [1.0], [1.0]])
    prediction = torch.tensor([[1.0], [1.0 + TOLERANCE / 2], [1.0 - 2 * TOLERANCE], [float("nan")]])
    result = score(prediction, target)
    assert result.answered == 0.5 and math.isnan(result.mse) and not result.solved
    assert score(target, target).solved and SOLVED_RATE == 0.95


def test_settings_validate_round_trip_and_refuse_what_memory_cannot_hold():
    s = MemorySettings()
    assert (s.cell, s.length, s.hidden_size, s.batch_size, s.lr, s.clip, s.steps) == ("LSTM", 50, 64, 64, 0.01, 1, 2000)
    assert MemorySettings.from_json(s.to_json()) == s and s.epochs == 20 and not s.carries_state
    assert MemorySettings(steps=250, eval_every=100).epochs == 3
    assert s.label() == "LSTM 64, T=50, Adam lr 0.01, seed 0"
    with pytest.raises(ValueError) as error:
        MemorySettings(length=1, hidden_size=0, when_solved="maybe")
    message = str(error.value)
    assert "length must be a whole number from 2" in message and "hidden_size must be" in message
    assert "when_solved must be one of stop, keep training" in message
    with pytest.raises(ValueError) as error:
        MemorySettings(length=50_000)  # within the limits, but far beyond MAX_FLOATS
    message = str(error.value)
    assert message.startswith("length is too long for this machine") and "nothing was allocated" in message
    assert f"{MAX_FLOATS * 4 / 2**20:,.0f} MB" in message and "lower T, the batch size or the hidden size" in message
    assert MemorySettings(length=30_000, batch_size=1, hidden_size=1).largest_floats() <= MAX_FLOATS


def test_a_solved_run_stops_at_its_first_solving_score_and_says_so():
    stops = []
    trainer = MemoryTrainer(MemorySettings(**QUICK))
    trainer.add_callback("on_stop", stops.append)
    trainer.step(600)
    assert trainer.finished and not trainer.diverged and stops == [trainer]
    solved = trainer.solved_at
    assert solved is not None and trainer.steps_done == solved < 600 and solved % 50 == 0
    last = trainer.evaluations[-1]
    assert last.step == solved and last.answered >= SOLVED_RATE
    assert all(e.answered < SOLVED_RATE for e in trainer.evaluations[:-1])
    assert trainer.stop_reason == (
        f"Solved at step {solved}: {last.answered:.1%} of the held-out sequences are answered within 0.04 (at least "
        "95% needed)."
    )
    assert trainer.score().answered == last.answered  # the score is of the model as it is
    assert trainer.results() == {"held-out answered": round(100 * last.answered, 1), "solved at step": solved}
    assert trainer.step(10) == [] and stops == [trainer]
    rows = trainer.evaluations_csv().splitlines()
    assert rows[0] == "step,answered,mse,seconds" and len(rows) == len(trainer.evaluations) + 1
    kept = MemoryTrainer(MemorySettings(**{**QUICK, "steps": solved + 100, "when_solved": "keep training"}))
    kept.step(10_000)
    assert kept.steps_done == solved + 100 and kept.solved_at == solved and kept.stop_reason.startswith("Finished")


def test_runs_are_deterministic_whatever_the_chunks():
    settings_ = MemorySettings(cell="LSTM", length=8, hidden_size=6, batch_size=5, steps=60, eval_every=25)
    torch.manual_seed(1)
    whole = MemoryTrainer(settings_)
    whole.step(60)
    torch.manual_seed(2)
    chunked = MemoryTrainer(settings_)
    for n in (1, 9, 30, 20):
        chunked.step(n)
    assert whole.history == chunked.history and len(whole.history) == 60
    assert [e[:3] for e in whole.evaluations] == [e[:3] for e in chunked.evaluations]
    assert [e.step for e in whole.evaluations] == [25, 50, 60]


def test_a_diverging_run_stops_with_advice():
    trainer = MemoryTrainer(MemorySettings(cell="RNN", length=5, optimizer="SGD", lr=100.0, clip=0.0, steps=200))
    trainer.step(200)
    assert trainer.diverged and trainer.finished and 0 < trainer.steps_done < 200
    assert "Lower the learning rate (now 100" in trainer.stop_reason
    assert "turn on gradient clipping" in trainer.stop_reason


def test_checkpoint_loads_weights_only_in_the_trainer_and_in_step_through():
    trainer = MemoryTrainer(MemorySettings(cell="GRU", length=6, hidden_size=5, steps=20, eval_every=10))
    trainer.step(20)
    data = trainer.checkpoint_bytes()
    payload = torch.load(io.BytesIO(data), weights_only=True)
    assert payload["format"] == CHECKPOINT_FORMAT and payload["steps_done"] == 20
    restored = MemoryTrainer.from_checkpoint(data)
    assert restored.settings == trainer.settings
    for key, value in trainer.model.state_dict().items():
        assert torch.equal(restored.model.state_dict()[key], value)
    loaded = load_checkpoint(data)  # what Step through loads: the recurrent module, batch-first
    assert loaded.spec.cell == "GRU" and loaded.spec.input_size == 2 and loaded.spec.batch_first
    assert not loaded.assumptions and set(loaded.extra) == {"head.weight", "head.bias"}
    x, _ = held_out_sequence(trainer, 3)
    assert trace(loaded.module, x.unsqueeze(0)).matches
    assert torch.equal(loaded.module(x.unsqueeze(0))[0], trainer.model.rnn(x.unsqueeze(0))[0])
    with pytest.raises(ValueError, match="not an rnnviz memory checkpoint"):
        MemoryTrainer.from_checkpoint(SineTrainer().checkpoint_bytes())
    with pytest.raises(ValueError, match="held-out sequence must be one of 0..999"):
        held_out_sequence(trainer, 1000)


@pytest.mark.parametrize(
    "overrides",
    [
        QUICK,  # stops once solved
        dict(cell="LSTM", length=7, hidden_size=4, steps=45, eval_every=20, optimizer="SGD", lr=0.1, clip=0.5),
    ],
)
def test_reproduce_script_gives_the_same_losses_and_scores_bit_for_bit(overrides, tmp_path):
    trainer = MemoryTrainer(MemorySettings(**overrides))
    trainer.step(trainer.settings.steps)
    namespace: dict = {"__name__": "reproduce"}
    exec(trainer.reproduce_script(), namespace)
    _, losses, scores = namespace["train"]()
    assert losses == trainer.history
    assert scores == [(e.step, e.answered, e.mse) for e in trainer.evaluations]
    if overrides is not QUICK:
        return  # one subprocess (a torch import, seconds on a loaded machine) is enough
    script = tmp_path / "reproduce.py"
    script.write_text(trainer.reproduce_script())
    assert "import rnnviz" not in script.read_text() and "from rnnviz" not in script.read_text()  # standalone
    for args, expected in (([], trainer.history_csv()), (["--evaluations"], None)):
        done = subprocess.run(
            [sys.executable, str(script), *args], capture_output=True, text=True, timeout=300, cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr
        if expected is not None:
            assert done.stdout == expected  # losses printed with repr: equal text = equal floats
        else:
            rows = [line.split(",") for line in done.stdout.splitlines()[1:]]
            assert [(int(s), float(a), float(m)) for s, a, m in rows] == scores
        assert f"solved at step {trainer.solved_at}" in done.stderr
