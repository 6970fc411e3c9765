"""Checkpoints saved before the training code was reorganised still load: two small files written by the old
``rnnviz.train`` / ``rnnviz.char_train`` modules are kept in ``tests/unit/fixtures``.

sine_lstm_v1.pt: ``Trainer(SineSettings(cell="LSTM", hidden_size=4, steps=5, seed=3)).step(5)``, losses below.
charlm_gru_v1.pt: ``CharTrainer("(a[b]c)((d))[e[f]]g\\n" * 20, CharSettings(cell="GRU", hidden_size=6, num_steps=5,
batch_size=2, epochs=1, seed=2)).step(3)``; the logits of indices [0, 1, 2] summed to the value below.

Both were written on another machine. A CPU of another kind runs other kernels (AVX2 or AVX-512) that round
differently in the last bits, so a run reproduces them to float32 precision (``CROSS_MACHINE``), not bit for bit;
on one machine, the same run twice is identical bit for bit.
"""

from __future__ import annotations

from pathlib import Path

import torch

from rnnviz.charlm.export import CHECKPOINT_FORMAT as CHARLM_FORMAT
from rnnviz.charlm.export import load_char_checkpoint
from rnnviz.core.checkpoints import load_checkpoint
from rnnviz.sine.export import CHECKPOINT_FORMAT as SINE_FORMAT
from rnnviz.sine.settings import SineSettings
from rnnviz.sine.trainer import SineTrainer

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SINE_LOSSES = [0.8013267517089844, 0.9362354278564453, 0.6727662086486816, 0.7839118242263794, 0.6133196353912354]
CHAR_LOGITS_SUM = -0.18005287647247314
#: How close a run on this machine comes to the fixtures' numbers (float32 rounding, carried through 5 steps).
CROSS_MACHINE = {"rtol": 1e-5, "atol": 1e-6}
CHAR_VOCABULARY = ("(", ")", "[", "]", "\n", "a", "b", "c", "d", "e", "f", "g")


def test_format_tags_are_unchanged():
    assert (SINE_FORMAT, CHARLM_FORMAT) == ("rnnviz.sine.v1", "rnnviz.charlm.v1")


def test_an_old_sine_checkpoint_loads_and_the_same_run_reproduces_it():
    data = (FIXTURES / "sine_lstm_v1.pt").read_bytes()
    loaded = SineTrainer.from_checkpoint(data)
    assert loaded.settings == SineSettings(cell="LSTM", hidden_size=4, steps=5, seed=3)
    again, twice = SineTrainer(loaded.settings), SineTrainer(loaded.settings)
    losses = again.step(5)
    assert losses == twice.step(5)  # today's loop trains the same run bit for bit, on one machine
    torch.testing.assert_close(torch.tensor(losses), torch.tensor(SINE_LOSSES), **CROSS_MACHINE)
    for key, value in again.model.state_dict().items():
        assert torch.equal(twice.model.state_dict()[key], value), key
        torch.testing.assert_close(value, loaded.model.state_dict()[key], **CROSS_MACHINE, msg=key)
    step_through = load_checkpoint(data)  # the Step-through page's upload reads it too, batch-first
    assert step_through.spec.cell == "LSTM" and step_through.spec.batch_first and step_through.prefix == "rnn."


def test_an_old_language_model_checkpoint_loads_with_its_vocabulary():
    model, vocabulary, settings = load_char_checkpoint((FIXTURES / "charlm_gru_v1.pt").read_bytes())
    assert vocabulary.chars == CHAR_VOCABULARY and (settings.cell, settings.hidden_size) == ("GRU", 6)
    with torch.no_grad():
        logits, _ = model(torch.tensor([[0], [1], [2]]))
    torch.testing.assert_close(logits.sum(), torch.tensor(CHAR_LOGITS_SUM), **CROSS_MACHINE)
