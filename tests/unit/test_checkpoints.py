"""Checkpoint loading: round trips give modules with identical outputs, sizes/options are read from shapes,
and every bad file gives a CheckpointError that names the problem. Nothing in an uploaded file ever runs."""

from __future__ import annotations

import io
import json
import os
import pickle
from pathlib import Path

import pytest
import torch
from torch import nn

from rnnviz.core import checkpoints
from rnnviz.core.checkpoints import CheckpointError, LoadedModel, load_checkpoint
from rnnviz.sine.export import CHECKPOINT_FORMAT, checkpoint_bytes
from rnnviz.sine.settings import SineSettings

pytestmark = [
    pytest.mark.filterwarnings("ignore:LSTM with projections:UserWarning"),
    pytest.mark.filterwarnings("ignore:Detected pickle protocol:UserWarning"),
]


def saved(obj: object) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def error_of(data: bytes, **kwargs) -> str:
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(data, **kwargs)
    assert isinstance(caught.value, ValueError)
    return str(caught.value)


def assert_same_outputs(original: nn.RNNBase, loaded: nn.RNNBase) -> None:
    """Same output and final state, bit for bit, for a random input and a random initial state."""
    generator = torch.Generator().manual_seed(0)
    dtype = original.weight_ih_l0.dtype
    batch, seq = 2, 6
    shape = (batch, seq, original.input_size) if original.batch_first else (seq, batch, original.input_size)
    x = torch.randn(shape, generator=generator, dtype=dtype)
    layers = original.num_layers * (2 if original.bidirectional else 1)
    h0 = torch.randn(layers, batch, original.proj_size or original.hidden_size, generator=generator, dtype=dtype)
    hx = (h0, torch.randn(layers, batch, original.hidden_size, generator=generator, dtype=dtype))
    hx = hx if isinstance(original, nn.LSTM) else h0
    with torch.no_grad():
        out_a, state_a = original(x, hx)
        out_b, state_b = loaded(x, hx)
    assert torch.equal(out_a, out_b)
    for a, b in zip(
        state_a if isinstance(state_a, tuple) else (state_a,),
        state_b if isinstance(state_b, tuple) else (state_b,),
        strict=True,
    ):
        assert torch.equal(a, b)


CONFIGS = [
    (nn.LSTM, dict(input_size=3, hidden_size=8, num_layers=2, bidirectional=True, proj_size=4), "LSTM"),
    (nn.LSTM, dict(input_size=1, hidden_size=5, proj_size=2), "LSTM"),
    (nn.LSTM, dict(input_size=2, hidden_size=3, bias=False, num_layers=3), "LSTM"),
    (nn.GRU, dict(input_size=4, hidden_size=6, num_layers=2, bidirectional=True), "GRU"),
    (nn.GRU, dict(input_size=2, hidden_size=2, dtype=torch.float64), "GRU"),
    (nn.RNN, dict(input_size=3, hidden_size=3, num_layers=2), "RNN (tanh)"),  # G*H == H: square weights
    (nn.RNN, dict(input_size=2, hidden_size=7, nonlinearity="relu", bidirectional=True), "RNN (relu)"),
]


@pytest.mark.parametrize(("cls", "kwargs", "cell"), CONFIGS)
def test_bare_state_dict_round_trip(cls: type, kwargs: dict, cell: str) -> None:
    torch.manual_seed(1)
    original = cls(**kwargs).eval()
    nonlinearity = kwargs.get("nonlinearity")
    loaded = load_checkpoint(saved(original.state_dict()), nonlinearity=nonlinearity)
    assert isinstance(loaded, LoadedModel) and type(loaded.module) is cls
    spec = loaded.spec
    assert spec.cell == cell
    assert (spec.input_size, spec.hidden_size) == (kwargs["input_size"], kwargs["hidden_size"])
    assert spec.num_layers == kwargs.get("num_layers", 1)
    assert spec.bidirectional == kwargs.get("bidirectional", False)
    assert spec.bias == kwargs.get("bias", True) and spec.proj_size == kwargs.get("proj_size", 0)
    assert spec.dtype == str(kwargs.get("dtype", torch.float32)).removeprefix("torch.")
    assert spec.batch_first is False and any("batch_first" in a for a in loaded.assumptions)
    assert any("nonlinearity" in a for a in loaded.assumptions) == (cls is nn.RNN and nonlinearity is None)
    assert loaded.extra == {} and loaded.prefix == "" and loaded.warnings == []
    assert_same_outputs(original, loaded.module)


def test_rnn_relu_from_settings_json() -> None:
    torch.manual_seed(2)
    original = nn.RNN(3, 5, 2, nonlinearity="relu", batch_first=True).eval()
    settings = json.dumps({"cell": "RNN (relu)", "batch_first": True, "hidden_size": 5, "note": "mine"})
    loaded = load_checkpoint(saved({"state_dict": original.state_dict(), "settings": settings, "epoch": 4}))
    assert loaded.spec.cell == "RNN (relu)" and loaded.spec.batch_first is True
    assert loaded.assumptions == [] and loaded.warnings == []
    assert loaded.settings["note"] == "mine" and loaded.metadata == {"epoch": 4}
    assert_same_outputs(original, loaded.module)


@pytest.mark.parametrize(
    "settings", [{"nonlinearity": "relu"}, {"mode": "RNN_RELU"}, json.dumps({"cell": "rnn (relu)"})]
)
def test_relu_named_in_other_ways(settings: object) -> None:
    data = saved({"state_dict": nn.RNN(1, 2).state_dict(), "settings": settings})
    assert load_checkpoint(data).spec.cell == "RNN (relu)"


@pytest.mark.parametrize("prefix", ["rnn.", "model.encoder.rnn."])
def test_wrapped_model_with_prefix(prefix: str) -> None:
    torch.manual_seed(3)
    original = nn.LSTM(2, 6, 2, batch_first=True).eval()
    head = nn.Linear(6, 1)
    state = {prefix + k: v for k, v in original.state_dict().items()}
    state |= {"head.weight": head.weight.detach(), "head.bias": head.bias.detach()}
    loaded = load_checkpoint(saved(state), batch_first=True)
    assert loaded.prefix == prefix and set(loaded.extra) == {"head.weight", "head.bias"}
    assert torch.equal(loaded.extra["head.weight"], head.weight.detach())
    assert not any("batch_first" in a for a in loaded.assumptions)  # given by the caller
    assert_same_outputs(original, loaded.module)
    assert any(f"{prefix}*" in line for line in loaded.summary())
    assert any("head.weight (1, 6)" in line for line in loaded.summary())


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
def test_training_page_export(cell: str) -> None:
    """The sin -> cos page's checkpoint: batch_first and tanh are known from its format, not assumed."""
    torch.manual_seed(4)
    settings = SineSettings(cell=cell, hidden_size=8, num_layers=2)
    rnn = getattr(nn, cell)(1, 8, 2, batch_first=True).eval()
    head = nn.Linear(8, 1)
    state = {f"rnn.{k}": v for k, v in rnn.state_dict().items()}
    state |= {f"head.{k}": v for k, v in head.state_dict().items()}
    loaded = load_checkpoint(checkpoint_bytes(state, settings, steps_done=12))
    assert loaded.spec.batch_first is True and loaded.assumptions == [] and loaded.warnings == []
    assert loaded.spec.cell == ("RNN (tanh)" if cell == "RNN" else cell)
    assert loaded.metadata == {"format": CHECKPOINT_FORMAT, "steps_done": 12}
    assert loaded.settings == settings.to_dict() and set(loaded.extra) == {"head.weight", "head.bias"}
    assert_same_outputs(rnn, loaded.module)


def test_nested_state_dict_and_overrides() -> None:
    original = nn.RNN(2, 3, batch_first=False).eval()
    payload = {"epoch": 7, "model_state_dict": original.state_dict(), "optimizer_state_dict": {"lr": 0.1}}
    loaded = load_checkpoint(saved(payload), batch_first=True, nonlinearity="tanh")
    assert loaded.spec.batch_first is True and loaded.spec.cell == "RNN (tanh)"
    assert any("model_state_dict" in a for a in loaded.assumptions)
    assert loaded.metadata["epoch"] == 7


def test_settings_that_disagree_with_the_weights_are_reported() -> None:
    settings = {"cell": "GRU", "hidden_size": 99, "num_layers": 1}
    loaded = load_checkpoint(saved({"state_dict": nn.LSTM(2, 4).state_dict(), "settings": settings}))
    assert loaded.spec.cell == "LSTM" and loaded.spec.hidden_size == 4
    assert any("GRU" in w and "LSTM" in w for w in loaded.warnings)
    assert any("hidden_size=99" in w for w in loaded.warnings)
    broken = load_checkpoint(saved({"state_dict": nn.GRU(1, 2).state_dict(), "settings": "{not json"}))
    assert any("not valid JSON" in w for w in broken.warnings)


def test_half_precision_and_nan_weights() -> None:
    state = {k: v.half() for k, v in nn.GRU(2, 3).state_dict().items()}
    loaded = load_checkpoint(saved(state))
    assert loaded.spec.dtype == "float32" and any("float32" in a for a in loaded.assumptions)
    state = nn.LSTM(2, 3).state_dict()
    state["weight_hh_l0"][1, 2] = float("nan")
    state["bias_ih_l0"][0] = float("inf")
    loaded = load_checkpoint(saved(state))  # allowed: the trace reports where NaN first appears
    assert [w.split(" ")[0] for w in loaded.warnings] == ["weight_hh_l0", "bias_ih_l0"]
    assert all("NaN" in w for w in loaded.warnings)
    assert torch.isnan(loaded.module(torch.ones(2, 1, 2))[0][-1]).all()


def test_uses_weights_only_load(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(checkpoints.torch, "load", spy)
    load_checkpoint(saved(nn.GRU(1, 1).state_dict()))
    assert calls == [{"map_location": "cpu", "weights_only": True}]


# ---------------------------------------------------------------- files that are refused
class Payload:
    """Unpickling this would run a shell command (creating ``marker``); weights_only must refuse first."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("how", ["torch.save", "pickle protocol 2", "inside a state_dict"])
def test_pickled_code_is_refused(tmp_path: Path, how: str) -> None:
    marker = tmp_path / "pwned"
    if how == "torch.save":
        data = saved(Payload(marker))
    elif how == "pickle protocol 2":
        data = pickle.dumps(Payload(marker), protocol=2)
    else:
        data = saved({"state_dict": {"weight_ih_l0": torch.zeros(1, 1), "weight_hh_l0": Payload(marker)}})
    message = error_of(data)
    assert "contains Python objects, not just tensors" in message and "only state_dicts are accepted" in message
    assert "torch.save(model.state_dict(), path)" in message and "system" in message
    assert not marker.exists()


def test_whole_module_is_refused() -> None:
    message = error_of(saved(nn.LSTM(2, 3)))
    assert "Python objects" in message and "torch.nn.modules.rnn.LSTM" in message and "whole saved module" in message


def truncated() -> bytes:
    data = saved(nn.GRU(2, 3).state_dict())
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", ["empty", "0 bytes"]),
        (b"definitely not a checkpoint", ["not a PyTorch checkpoint", "corrupt"]),
        (b"1,2,3\n4,5,6\n", ["not a PyTorch checkpoint"]),
        (truncated(), ["corrupt or truncated"]),
        (pickle.dumps({"a": 1}), ["not a PyTorch checkpoint"]),
        (saved(torch.zeros(3)), ["holds a Tensor", "not a state_dict"]),
        (saved([torch.zeros(3)]), ["holds a list"]),
        (saved({"epoch": 1, "lr": 0.1}), ["without tensors", "epoch"]),
        (saved(nn.Linear(2, 3).state_dict()), ["not a state_dict of an nn.RNN", "weight (3, 2)", "bias (3,)"]),
        (
            saved(nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4, 2)).state_dict()),
            ["not a state_dict of an nn.RNN", "0.weight (4, 1, 3, 3)", "3.weight (2, 4)"],
        ),
        (saved(nn.LSTMCell(2, 3).state_dict()), ["LSTMCell", "weight_ih", "_l0"]),
        (saved({"state_dict": {"weight_ih_l0": 1.0}}), ["'weight_ih_l0'", "not a named tensor"]),
        (
            saved({"weight_ih_l0": torch.ones(12, 2, dtype=torch.int64), "weight_hh_l0": torch.ones(12, 3)}),
            ["weight_ih_l0", "torch.int64", "floating point"],
        ),
        (
            saved({"weight_ih_l0": torch.ones(3, 1).to_sparse(), "weight_hh_l0": torch.ones(3, 3)}),
            ["weight_ih_l0", "sparse", "dense floating point"],
        ),
        (
            saved({"weight_ih_l0": torch.ones(10, 2), "weight_hh_l0": torch.ones(10, 3)}),
            ["weight_hh_l0", "(10, 3)", "1x (RNN), 3x (GRU) or 4x (LSTM"],
        ),
        (saved({"weight_hh_l0": torch.ones(3, 3)}), ["no weight_hh_l0".replace("hh", "ih")]),
        (saved(nn.RNN(513, 2).state_dict()), ["input_size", "512", "513"]),
        (saved({f"weight_{m}_l{k}": torch.ones(1, 1) for m in ("ih", "hh") for k in range(9)}), ["9 layers"]),
    ],
)
def test_bad_files_are_named(data: bytes, words: list[str]) -> None:
    message = error_of(data)
    for word in words:
        assert word in message, (word, message)


def broken(cls: type, edit) -> bytes:
    state = cls(2, 3, 2, bidirectional=True).state_dict()
    edit(state)
    return saved({"rnn." + k: v for k, v in state.items()})


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            broken(nn.GRU, lambda s: s.update(weight_ih_l1=torch.zeros(9, 4))),
            ["inconsistent shapes", "rnn.weight_ih_l1", "(9, 4)", "(9, 6)"],
        ),
        (
            broken(nn.LSTM, lambda s: s.update(bias_hh_l1_reverse=torch.zeros(11))),
            ["rnn.bias_hh_l1_reverse", "(11,)", "(12,)"],
        ),
        (broken(nn.LSTM, lambda s: s.pop("weight_hh_l1")), ["missing rnn.weight_hh_l1"]),
        (broken(nn.GRU, lambda s: s.pop("bias_ih_l1_reverse")), ["missing rnn.bias_ih_l1_reverse"]),
        (broken(nn.RNN, lambda s: s.update(weight_hr_l1=torch.zeros(2, 3))), ["unexpected rnn.weight_hr_l1"]),
        (
            broken(nn.RNN, lambda s: [s.pop(k) for k in list(s) if "_l1" in k and "_reverse" not in k]),
            ["missing rnn.weight_ih_l1"],
        ),
    ],
)
def test_inconsistent_state_dicts_name_the_key(data: bytes, words: list[str]) -> None:
    message = error_of(data)
    for word in words:
        assert word in message, (word, message)


def test_several_recurrent_modules_need_a_prefix() -> None:
    torch.manual_seed(5)
    encoder, decoder = nn.GRU(2, 4).eval(), nn.LSTM(4, 3).eval()
    state = {f"encoder.{k}": v for k, v in encoder.state_dict().items()}
    state |= {f"decoder.{k}": v for k, v in decoder.state_dict().items()}
    message = error_of(saved(state))
    assert "2 recurrent modules" in message and "'encoder.'" in message and "'decoder.'" in message
    loaded = load_checkpoint(saved(state), prefix="decoder.")
    assert loaded.spec.cell == "LSTM" and all(k.startswith("encoder.") for k in loaded.extra)
    assert_same_outputs(decoder, loaded.module)
    assert "choose one of" in error_of(saved(state), prefix="rnn.")


def test_argument_checks() -> None:
    data = saved(nn.RNN(1, 1).state_dict())
    assert "'tanh' or 'relu'" in error_of(data, nonlinearity="sigmoid")
    assert "upload limit of 10 bytes" in error_of(data, max_bytes=10)
    assert "must be bytes" in error_of("a string")
    assert load_checkpoint(bytearray(data)).spec.cell == "RNN (tanh)"
