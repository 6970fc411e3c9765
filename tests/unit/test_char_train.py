"""The character trainer: perplexity falls, sampling (greedy is deterministic, temperature reshapes the
distribution), bad inputs, divergence, callbacks, checkpoint and the bit-for-bit reproduce script.

A small model on a small repetitive text keeps every test well under a second (except the script runs).
"""

from __future__ import annotations

import io
import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from rnnviz.charlm.corpora import brackets_corpus
from rnnviz.charlm.export import load_char_checkpoint
from rnnviz.charlm.samples import EpochSamples, SampleSpec
from rnnviz.charlm.settings import CharSettings
from rnnviz.charlm.trainer import CharTrainer
from rnnviz.sine.trainer import SineTrainer
from rnnviz.training.loop import TORCH_THREADS

TEXT = "the cat sat on the mat. the dog sat on the log.\n" * 40  # 1,960 characters, 15 distinct
SMALL = CharSettings(hidden_size=32, num_steps=10, batch_size=8, epochs=3, lr=0.01)


@pytest.fixture(scope="module")
def trained() -> CharTrainer:
    trainer = CharTrainer(TEXT, CharSettings(hidden_size=32, num_steps=10, batch_size=8, epochs=8, lr=0.01))
    trainer.step(10_000)
    return trainer


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
def test_perplexity_falls_on_a_small_corpus_within_a_bounded_number_of_steps(cell):
    trainer = CharTrainer(TEXT, CharSettings(cell=cell, hidden_size=32, num_steps=10, batch_size=8, epochs=5, lr=0.01))
    losses = trainer.step(10_000)  # more than the run has: stops after 5 epochs
    records = trainer.epochs
    assert trainer.finished and not trainer.diverged and trainer.stop_reason == "Finished: all 5 epochs done."
    assert len(losses) == trainer.steps_done == records[-1].steps_done <= 5 * 22
    assert math.exp(losses[0]) > 10  # starts near the vocabulary size (15)
    assert records[-1].train_perplexity < records[0].train_perplexity / 2
    assert records[-1].validation_perplexity < 3.0  # the text repeats: the held-out end is predictable
    assert torch.get_num_threads() == TORCH_THREADS


def test_greedy_sampling_is_deterministic_and_follows_the_argmax(trained):
    first = trained.sample("the ", 60)
    assert first == trained.sample("the ", 60, seed=123) and first.startswith("the ") and len(first) == 64
    probabilities = trained.next_char_probabilities("the ")
    assert first[4] == trained.vocabulary.chars[int(np.argmax(probabilities))]
    assert "cat" in first or "dog" in first or "mat" in first  # it learned the text


def test_temperature_reshapes_the_distribution_as_expected(trained):
    def entropy(p: np.ndarray) -> float:
        return float(-(p * np.log(np.clip(p, 1e-300, None))).sum())

    prefix = "the "
    with torch.no_grad():
        logits, _ = trained.model(torch.from_numpy(trained.vocabulary.encode(prefix)).view(-1, 1))
    own = torch.softmax(logits[-1].double(), dim=0).numpy()
    p1 = trained.next_char_probabilities(prefix, 1.0)
    assert np.allclose(p1, own) and math.isclose(p1.sum(), 1.0)
    temperatures = [0.05, 0.5, 1.0, 2.0, 10.0]
    entropies = [entropy(trained.next_char_probabilities(prefix, t)) for t in temperatures]
    assert entropies == sorted(entropies)  # hotter = flatter
    cold = trained.next_char_probabilities(prefix, 0.05)  # cold: the argmax takes (nearly) everything
    assert cold.argmax() == own.argmax() and cold.max() > own.max() and np.sort(cold)[-3:].sum() > 0.999
    assert entropies[-1] > 0.8 * math.log(trained.vocabulary.size)  # hot: close to uniform
    p_sharp = trained.next_char_probabilities(prefix, 0.5)
    assert np.allclose(p_sharp, own**2 / (own**2).sum())  # softmax(z / T) = p^(1/T), renormalised


def test_temperature_samples_follow_the_distribution_and_are_seeded(trained):
    prefix, temperature = "the ", 1.5
    p = trained.next_char_probabilities(prefix, temperature)
    draws = [trained.sample(prefix, 1, temperature, seed=s)[-1] for s in range(600)]
    counts = np.array([draws.count(c) for c in trained.vocabulary.chars])
    likely = p > 0.05
    assert np.abs(counts[likely] / 600 - p[likely]).max() < 0.07  # about 3.5 standard errors
    assert trained.sample(prefix, 40, 1.0, seed=7) == trained.sample(prefix, 40, 1.0, seed=7)
    assert len({trained.sample(prefix, 40, 1.0, seed=s) for s in range(5)}) > 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(prefix="the ", temperature=0), "0 would divide the logits by zero: for always the most likely"),
        (dict(prefix="the ", temperature=-1.0), "temperature must be from 0.05 to 10"),
        (dict(prefix="the ", temperature=float("nan")), "temperature must be from 0.05 to 10"),
        (dict(prefix="the ", temperature=1e6), "temperature must be from 0.05 to 10"),
        (dict(prefix="the ZEBRA"), r"5 character\(s\) are not in the model's vocabulary of 15: 'Z', 'E', 'B'"),
        (dict(prefix=""), "the prefix is empty"),
        (dict(prefix="the ", length=-3), "length must be a whole number from 0 to 2000"),
    ],
)
def test_bad_sampling_inputs_say_what_to_change(trained, kwargs, message):
    with pytest.raises(ValueError, match=message):
        trained.sample(**kwargs)


def test_divergence_stops_the_run_and_keeps_what_was_done():
    trainer = CharTrainer(TEXT, SMALL)
    trainer.step(30)  # past the first epoch (22 steps)
    with torch.no_grad():
        trainer.model.head.bias.fill_(float("nan"))
    stops = []
    trainer.add_callback("on_stop", stops.append)
    assert trainer.step(10) == []
    assert trainer.diverged and trainer.finished and stops == [trainer]
    assert trainer.steps_done == 30 and trainer.epochs_done == 1 and len(trainer.epochs) == 1
    reason = trainer.stop_reason
    assert "Training diverged: the loss at step 31 (epoch 2) was nan" in reason
    assert "Lower the learning rate (now 0.01, e.g. to 0.001) or lower the gradient clipping norm (now 1" in reason
    assert trainer.step(5) == [] and trainer.step_for(0.1) == []


def test_callbacks_epochs_and_samples():
    trainer = CharTrainer(TEXT, SMALL)
    epochs, steps = [], []
    trainer.add_callback("on_epoch", lambda t: epochs.append(t.epochs_done))
    trainer.add_callback("on_step", lambda t: steps.append(t.steps_done))
    samples = EpochSamples(SampleSpec(prefixes=("the ", "dog"), length=20, every=2))
    trainer.add_callback("on_epoch", samples)
    with pytest.raises(ValueError, match="event must be one of on_step, on_epoch, on_stop"):
        trainer.add_callback("on_batch", print)
    trainer.step(10_000)
    assert epochs == [1, 2, 3] and steps == list(range(1, trainer.steps_done + 1))
    assert [(s.epoch, s.prefix) for s in samples.samples] == [(2, "the "), (2, "dog"), (3, "the "), (3, "dog")]
    assert all(len(s.text) == len(s.prefix) + 20 and s.mode == "greedy" for s in samples.samples)
    assert "=== draw 2, epoch 3, greedy, prefix 'dog'" in samples.as_text()
    assert [(s.draw, s.mode) for s in samples.latest()] == [(2, "greedy"), (2, "greedy")]
    samples.spec = SampleSpec(prefixes=("the ",), length=20, temperature=1.0)
    first = samples.take(trainer, 3)  # "Sample now" at the same epoch, another mode: a draw of its own
    assert samples.latest() == first and [(s.draw, s.epoch, s.mode) for s in first] == [(3, 3, "temperature 1")]
    again = samples.take(trainer, 3)
    assert samples.latest() == again and again[0].text != first[0].text  # a new draw, new random characters
    samples.spec = SampleSpec(prefixes=("XYZ",))
    assert samples.take(trainer, 3) == [] and "not in the model's vocabulary" in samples.skipped["XYZ"]
    with pytest.raises(ValueError, match="0 would divide"):
        SampleSpec(temperature=0.0)
    csv = trainer.epochs_csv().splitlines()
    assert csv[0] == "epoch,train_perplexity,validation_perplexity,steps,seconds" and len(csv) == 4


def test_step_for_trains_a_bounded_chunk():
    trainer = CharTrainer(TEXT, CharSettings(hidden_size=32, num_steps=10, batch_size=8, epochs=1000))
    assert len(trainer.step_for(0.0)) == 1  # at least one step
    assert len(trainer.step_for(10.0, max_steps=3)) == 3
    trainer.step_for(0.2)
    assert trainer.seconds_training < 1.5 and trainer.chars_per_second > 0
    with pytest.raises(ValueError, match="seconds must be a finite number"):
        trainer.step_for(float("inf"))
    with pytest.raises(ValueError, match="whole number of steps"):
        trainer.step(-1)


def test_settings_validate_and_round_trip():
    s = CharSettings(cell="GRU", input="embedding", sampling="random", lr=1, clip=0)
    assert CharSettings.from_json(s.to_json()) == s and s.lr == 1.0 and isinstance(s.lr, float)
    with pytest.raises(ValueError, match="hidden_size must be a whole number from 1 to 1024, got 0") as error:
        CharSettings(hidden_size=0, lr=-1)
    assert "lr must be a number above 0.0" in str(error.value)
    with pytest.raises(ValueError, match="unknown settings 'colour'"):
        CharSettings.from_json('{"colour": 1}')
    big_vocabulary = "".join(chr(0x4E00 + i) for i in range(1_500)) * 3
    with pytest.raises(ValueError, match="Choose the embedding input"):
        CharTrainer(big_vocabulary, CharSettings())
    trainer = CharTrainer(big_vocabulary, CharSettings(input="embedding", hidden_size=16, num_steps=5, batch_size=4))
    assert trainer.model.encode(torch.zeros(5, 4, dtype=torch.int64)).shape == (5, 4, 64)
    with pytest.raises(ValueError, match="too few for one batch"):
        CharTrainer("abcdefgh" * 10, CharSettings())


def test_checkpoint_round_trip_loads_with_weights_only(trained):
    data = trained.checkpoint_bytes()
    payload = torch.load(io.BytesIO(data), weights_only=True)
    assert payload["format"] == "rnnviz.charlm.v1" and payload["epochs_done"] == trained.epochs_done
    model, vocabulary, settings = load_char_checkpoint(data)
    assert vocabulary == trained.vocabulary and settings == trained.settings
    x = torch.from_numpy(vocabulary.encode("the cat")).view(-1, 1)
    with torch.no_grad():
        assert torch.equal(model(x)[0], trained.model(x)[0])
    with pytest.raises(ValueError, match="not a loadable checkpoint"):
        load_char_checkpoint(b"not a checkpoint")
    with pytest.raises(ValueError, match="not an rnnviz language-model checkpoint"):
        load_char_checkpoint(SineTrainer().checkpoint_bytes())


def test_reproduce_script_gives_the_same_numbers_bit_for_bit(tmp_path):
    settings = CharSettings(
        cell="GRU",
        hidden_size=16,
        num_steps=8,
        batch_size=4,
        epochs=2,
        input="embedding",
        embedding_size=8,
        sampling="random",
        optimizer="SGD",
        lr=1.0,
    )
    trainer = CharTrainer(TEXT, settings)
    losses = trainer.step(10_000)
    script = tmp_path / "reproduce.py"
    script.write_text(trainer.reproduce_script())
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    expected = [line.rsplit(",", 2)[0] for line in trainer.epochs_csv().splitlines()]  # drop steps, seconds
    assert done.stdout.splitlines() == expected
    done = subprocess.run([sys.executable, str(script), "--steps", "5"], capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines() == ["step,loss"] + [f"{i},{v!r}" for i, v in enumerate(losses[:5], start=1)]


def shortest_period(text: str, longest: int = 8) -> int | None:
    """The shortest p <= ``longest`` with text[i] == text[i + p] everywhere, or None."""
    return next((p for p in range(1, longest + 1) if text[p:] == text[:-p]), None)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_greedy_sampling_loops_on_the_bracket_language_and_temperature_1_does_not(seed):
    """The claim of the Language-model page's note beside the sampling choice (``GREEDY_NOTE``)."""
    text = brackets_corpus(20_000, seed=seed).text
    trainer = CharTrainer(text, CharSettings(hidden_size=64, epochs=2, seed=seed))
    trainer.step(10_000)
    for prefix in ("((", "a[b"):
        greedy = trainer.sample(prefix, 200)[-80:]
        drawn = trainer.sample(prefix, 200, temperature=1.0, seed=seed)[-80:]
        assert shortest_period(greedy) is not None, greedy
        assert shortest_period(drawn) is None and len(set(drawn)) >= 6, drawn
