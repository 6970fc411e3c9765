"""``rnnviz.capture``: every call of the recurrent modules inside a model, by path, traced on demand and
verified; the model's outputs and gradients untouched; the hooks gone afterwards, whatever happened."""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

import rnnviz
from rnnviz.core.capture import RECURRENT_MODULES, Call

VOCAB, EMBED, HIDDEN = 12, 5, 6


class Seq2Seq(nn.Module):
    """An encoder LSTM over a packed batch, and a GRU decoder called one step at a time (greedy)."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(VOCAB, EMBED)
        self.encoder = nn.Module()
        self.encoder.lstm = nn.LSTM(EMBED, HIDDEN, num_layers=2, batch_first=True)
        self.decoder = nn.GRU(EMBED, HIDDEN, batch_first=True)
        self.out = nn.Linear(HIDDEN, VOCAB)

    def forward(self, tokens: torch.Tensor, lengths: list[int], steps: int = 4) -> tuple[torch.Tensor, list]:
        packed = pack_padded_sequence(self.embed(tokens), lengths, batch_first=True, enforce_sorted=False)
        _, (h, _) = self.encoder.lstm(packed)
        state, token, logits, states = h[-1:].contiguous(), tokens[:, :1], [], []
        for _ in range(steps):
            output, state = self.decoder(self.embed(token), state)  # (B, 1, H)
            logits.append(self.out(output))
            states.append(state)
            token = logits[-1].argmax(-1)
        return torch.cat(logits, 1), states


class Tagger(nn.Module):
    """A bidirectional LSTM tagger over a packed batch of unsorted lengths."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(VOCAB, EMBED)
        self.lstm = nn.LSTM(EMBED, HIDDEN, bidirectional=True, batch_first=True)
        self.tags = nn.Linear(2 * HIDDEN, 3)

    def forward(self, tokens: torch.Tensor, lengths: list[int]) -> torch.Tensor:
        packed = pack_padded_sequence(self.embed(tokens), lengths, batch_first=True, enforce_sorted=False)
        output, _ = self.lstm(packed)
        return self.tags(pad_packed_sequence(output, batch_first=True)[0])


def tokens(batch: int = 3, steps: int = 7, seed: int = 0) -> torch.Tensor:
    return torch.randint(0, VOCAB, (batch, steps), generator=torch.Generator().manual_seed(seed))


def seq2seq() -> Seq2Seq:
    torch.manual_seed(0)
    return Seq2Seq()


def close(traced: torch.Tensor, actual: torch.Tensor) -> bool:
    """Equal within the float32 tolerance of the fidelity tests (the trace's own arithmetic rounds differently)."""
    return bool((traced - actual.detach()).abs().max() <= 1e-5)


def hooks_left(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) for m in model.modules())


def test_seq2seq_one_entry_per_call_each_verified() -> None:
    model, lengths = seq2seq(), [5, 7, 2]
    with rnnviz.capture(model) as calls:
        _, states = model(tokens(), lengths)
    assert list(calls) == ["encoder.lstm", "decoder"]
    assert [c.path for c in calls.in_order] == ["encoder.lstm"] + ["decoder"] * 4
    assert [c.index for c in calls["decoder"]] == [0, 1, 2, 3]
    encoder = calls["encoder.lstm"][0]
    assert not encoder.traced
    assert encoder.gate("f", layer=1).shape == (7, 3, HIDDEN)  # the example: a Call reads like a Trace
    assert encoder.traced and encoder.matches and isinstance(encoder.x, PackedSequence)
    assert encoder.lengths.tolist() == lengths
    for step, call in enumerate(calls["decoder"]):
        assert call.matches and call.seq_len == 1
        assert close(call.h_n, states[step])  # the trace's state is the decoder's own


def test_capturing_changes_no_output_and_no_gradient() -> None:
    def run(capturing: bool):
        model = seq2seq()
        batch = tokens(seed=3)
        if capturing:
            with rnnviz.capture(model) as calls:
                logits, _ = model(batch, [7, 3, 4])
                assert all(call.matches for call in calls.in_order)  # traced inside the block: no extra calls
            assert len(calls.in_order) == 5
        else:
            logits, _ = model(batch, [7, 3, 4])
        logits.sum().backward()
        return logits.detach(), {name: p.grad.clone() for name, p in model.named_parameters()}

    plain_logits, plain_grads = run(False)
    captured_logits, captured_grads = run(True)
    assert torch.equal(plain_logits, captured_logits)
    assert plain_grads.keys() == captured_grads.keys()
    assert all(torch.equal(plain_grads[name], captured_grads[name]) for name in plain_grads)


def test_bidirectional_packed_tagger() -> None:
    torch.manual_seed(1)
    model, batch, lengths = Tagger(), tokens(4, 6, seed=1), [3, 6, 1, 5]
    with rnnviz.capture(model) as calls:
        model(batch, lengths)
    (call,) = calls["lstm"]
    assert call.matches and call.geometry.num_directions == 2
    vectors = model.embed(batch).detach()
    for b, n in enumerate(lengths):
        alone = rnnviz.trace(model.lstm, vectors[b : b + 1, :n])
        assert (call.h_n[:, b] - alone.h_n[:, 0]).abs().max() < 1e-6  # each sequence's own last step
        for name in ("i", "f", "g", "o"):
            reverse = call.gate(name, 0, 1)[:, b]
            assert (reverse[:n] - alone.gate(name, 0, 1)[:, 0]).abs().max() < 1e-6
            assert torch.isnan(reverse[n:]).all()


def test_a_cell_in_a_loop_gives_one_call_per_step() -> None:
    torch.manual_seed(2)
    cell, x = nn.LSTMCell(3, 4), torch.randn(5, 2, 3)
    with rnnviz.capture(cell) as calls:
        h = c = torch.zeros(2, 4)
        for t in range(5):
            h, c = cell(x[t], (h, c))
    steps = calls[""]  # the model itself is a recurrent module: its path is ""
    assert len(steps) == 5 and all(call.matches for call in steps)
    assert close(steps[-1].output, h) and close(steps[-1].c_n, c)


def test_hooks_are_removed_after_an_exception_in_the_block() -> None:
    model = seq2seq()
    with pytest.raises(RuntimeError, match="boom"), rnnviz.capture(model) as calls:
        model(tokens(), [7, 7, 7])
        assert hooks_left(model) == 2  # control: the hooks were there
        raise RuntimeError("boom")
    assert hooks_left(model) == 0 and len(calls.in_order) == 5
    model(tokens(), [7, 7, 7])  # calls after the block are not recorded
    assert len(calls.in_order) == 5


def test_hooks_are_removed_when_the_model_itself_raises() -> None:
    model = seq2seq()
    with pytest.raises(RuntimeError, match="exceeds"), rnnviz.capture(model):
        model(tokens(), [7, 9, 2])  # a length past the padded batch's end: the encoder LSTM itself raises
    assert hooks_left(model) == 0


def test_a_model_without_recurrent_modules_gives_an_empty_capture_and_a_note() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    note = "Sequential has no nn.RNN, nn.LSTM, nn.GRU or Cell module"
    with pytest.warns(UserWarning, match=note), rnnviz.capture(model) as calls:
        model(torch.randn(2, 3))
    assert len(calls) == 0 and calls.in_order == [] and "nothing to capture" in calls.note
    with pytest.raises(KeyError, match="nothing to capture"):
        calls["lstm"]
    assert "nothing to capture" in repr(calls) and "nothing to capture" in calls._repr_html_()


def test_an_unknown_path_names_the_recurrent_modules() -> None:
    with rnnviz.capture(seq2seq()) as calls:
        pass
    with pytest.raises(KeyError, match=re.escape("'encoder.lstm', 'decoder'")):
        calls["encoder"]
    assert calls["decoder"] == []  # found but not called


class DictLSTM(nn.LSTM):
    """An LSTM subclass whose forward takes a dict: a call rnnviz.trace cannot replay."""

    def forward(self, batch: dict):
        return super().forward(batch["x"])


def test_a_call_with_an_unsupported_input_type_says_so_when_traced() -> None:
    torch.manual_seed(3)
    model = nn.Sequential(DictLSTM(2, 3))
    x = torch.randn(4, 1, 2)
    with rnnviz.capture(model) as calls:
        output, _ = model({"x": x})
    assert torch.equal(output, nn.LSTM.forward(model[0], x)[0])  # the model itself ran as usual
    (call,) = calls["0"]
    with pytest.raises(TypeError, match=r"0 \(call 0\): input must be a torch.Tensor or a PackedSequence, got dict"):
        _ = call.trace
    plain = nn.LSTM(2, 3)
    plain.load_state_dict(model[0].state_dict())
    assert rnnviz.trace(plain, x).matches  # control: the same weights called with a tensor trace fine


def test_a_call_is_refused_once_the_weights_changed() -> None:
    model = seq2seq()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with rnnviz.capture(model) as calls:
        logits, _ = model(tokens(), [7, 3, 4])
    assert calls["decoder"][0].matches  # traced before the step: kept
    logits.sum().backward()
    optimizer.step()
    assert calls["decoder"][0].matches
    with pytest.raises(ValueError, match=r"encoder.lstm \(call 0\): the module's parameters changed after this call"):
        _ = calls["encoder.lstm"][0].trace


def test_keyword_arguments_and_copies_of_the_inputs() -> None:
    torch.manual_seed(4)
    gru = nn.GRU(2, 3)
    x, h0 = torch.randn(5, 2, 2), torch.randn(1, 2, 3)
    with rnnviz.capture(gru) as calls:
        output, _ = gru(input=x, hx=h0)
    x.add_(1.0)  # the caller changes its tensor afterwards: the call kept what it got
    (call,) = calls[""]
    assert torch.equal(call.hx, h0) and close(call.output, output) and call.matches
    assert calls.input_bytes == (5 * 2 * 2 + 2 * 3) * 4


def test_a_trace_too_large_is_refused_saying_what_to_lower() -> None:
    with rnnviz.capture(seq2seq(), max_bytes=1000) as calls:
        calls.model(tokens(), [7, 3, 4])
    with pytest.raises(ValueError, match=r"encoder.lstm \(call 0\): tracing this run would record .* lower the batch"):
        calls["encoder.lstm"][0].gate("f")
    with pytest.raises(ValueError, match="max_bytes"):
        rnnviz.trace(nn.LSTM(1, 8), torch.randn(50, 4, 1), max_bytes=1000)


def test_what_a_capture_and_a_call_show() -> None:
    with rnnviz.capture(seq2seq()) as calls:
        calls.model(tokens(), [7, 3, 4])
    first = calls["decoder"][0]
    assert "not traced yet" in repr(first) and "GRU" in repr(first)
    table = calls._repr_html_()
    assert table.count("<tr>") == 6 and "PackedSequence of 7 steps, batch 3" in table
    assert not first.traced  # showing the capture traces nothing
    assert "<b>decoder</b> call 0" in first._repr_html_() and first.traced
    assert isinstance(first, Call) and set(RECURRENT_MODULES) == {nn.RNNBase, nn.RNNCellBase}
    with pytest.raises(AttributeError):
        _ = first._private  # private names never trigger a trace
