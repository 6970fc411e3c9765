"""Uploaded checkpoints -> a real ``nn.RNN | LSTM | GRU`` with the user's weights, read from parameter shapes.

``load_checkpoint(data)`` reads the file with ``torch.load(..., weights_only=True)`` only
(``rnnviz.core.checkpoint_files``), so a file holding Python objects or code is refused before anything in it
runs. It accepts
- a bare ``module.state_dict()`` of an nn.RNN/LSTM/GRU, or of a model that wraps one (``rnn.weight_ih_l0``;
  the other tensors, e.g. a Linear head's ``head.weight``, are kept in ``LoadedModel.extra``);
- a dict holding such a state_dict under ``"state_dict"`` (the training pages' export, with a ``"settings"``
  JSON string or dict) or under any other key (``"model_state_dict"``, ...).

Read from shapes (``G`` gates = 1 RNN, 3 GRU, 4 LSTM; D = 2 if ``*_reverse`` keys exist):
``weight_ih_l0`` (G*H, I), ``weight_hh_lk`` (G*H, H or P), ``weight_hr_lk`` (P, H) with LSTM projections,
``bias_*`` present or not, ``num_layers`` = number of ``_lk`` indices. A state_dict does not record
``batch_first`` or an RNN's ``nonlinearity``: they come from the arguments, then the settings, else a
default that is listed in ``LoadedModel.assumptions``. Every refusal is a ``CheckpointError`` saying what to do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from rnnviz.core.cells import gate_count
from rnnviz.core.checkpoint_files import (
    RECURRENT_KEY,
    RESAVE,
    CheckpointError,
    describe_entries,
    load_weights_only,
    unwrap_payload,
)
from rnnviz.core.spec import LIMITS, ModelSpec, build_model, torch_constructor

_CELL_ONLY = re.compile(r"(?:.*\.)?(?:weight_ih|weight_hh)")  # nn.LSTMCell / GRUCell / RNNCell keys
_GATES = {gate_count(cell): cell for cell in ("RNN", "GRU", "LSTM")}  # blocks in weight_hh -> cell
#: Settings that a known export format fixes although it does not write them down.
_FORMAT_DEFAULTS = {  # the training pages' exports (batch-first, tanh RNNs)
    "rnnviz.sine.v1": {"batch_first": True, "nonlinearity": "tanh"},
    "rnnviz.memory.v1": {"batch_first": True, "nonlinearity": "tanh"},
}


@dataclass(frozen=True, eq=False)
class LoadedModel:
    """A checkpoint's recurrent module with its weights loaded strictly, and what is known about it.

    ``extra``: the state_dict's other tensors (full keys); ``assumptions``: settings that had to be guessed;
    ``warnings``: e.g. NaN weights; ``settings``: the checkpoint's settings dict ({} if none);
    ``prefix``: the recurrent keys' prefix ("rnn." or ""); ``metadata``: the other non-tensor entries.
    """

    spec: ModelSpec
    module: nn.RNNBase
    extra: dict[str, torch.Tensor]
    assumptions: list[str]
    settings: dict
    prefix: str = ""
    warnings: list[str] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)

    def summary(self, used: frozenset[str] = frozenset()) -> list[str]:
        """Human-readable lines: the module, where its keys were, the extra tensors (but those a caller ``used``,
        e.g. a linear head's), assumptions, warnings."""
        lines = [f"{torch_constructor(self.spec)} from keys {self.prefix + '*' if self.prefix else 'without prefix'}"]
        unused = {key: value for key, value in self.extra.items() if key not in used}
        if unused:
            lines.append("other tensors (not used): " + describe_entries(unused))
        return lines + [f"assumed: {a}" for a in self.assumptions] + [f"warning: {w}" for w in self.warnings]


def _split(state_dict: dict[str, torch.Tensor], prefix: str | None) -> tuple[dict, dict, str]:
    """(recurrent tensors with the prefix removed, the other tensors, the prefix)."""
    prefixes: dict[str, None] = {}
    for key in state_dict:
        found = RECURRENT_KEY.fullmatch(key)
        if found:
            prefixes[found.group("prefix")] = None
    if not prefixes:
        cell_keys = [k for k in state_dict if _CELL_ONLY.fullmatch(k)]
        hint = (
            f" The keys {', '.join(cell_keys[:2])} look like an nn.LSTMCell/GRUCell/RNNCell: only the sequence "
            "modules nn.RNN/nn.LSTM/nn.GRU are supported (their keys end in _l0, _l1, ...)."
            if cell_keys
            else ""
        )
        raise CheckpointError(
            "the checkpoint is not a state_dict of an nn.RNN, nn.LSTM or nn.GRU: no keys like 'weight_ih_l0' "
            f"(optionally with a prefix like 'rnn.') were found; keys seen: {describe_entries(state_dict) or 'none'}."
            f"{hint} Upload the state_dict of a recurrent module"
        )
    if prefix is None:
        if len(prefixes) > 1:
            names = ", ".join(repr(p) for p in prefixes)
            raise CheckpointError(
                f"the checkpoint holds {len(prefixes)} recurrent modules (key prefixes {names}): choose one of them"
            )
        prefix = next(iter(prefixes))
    elif prefix not in prefixes:
        found_names = ", ".join(map(repr, prefixes))
        raise CheckpointError(f"no recurrent weights with the prefix {prefix!r}; choose one of: {found_names}")
    recurrent, extra = {}, {}
    for key, value in state_dict.items():
        found = RECURRENT_KEY.fullmatch(key)
        if found and found.group("prefix") == prefix:
            recurrent[key[len(prefix) :]] = value
        else:
            extra[key] = value
    return recurrent, extra, prefix


def _infer(weights: dict[str, torch.Tensor], key: Callable[[str], str]) -> dict:
    """ModelSpec fields (without batch_first) from recurrent weights; shapes are checked key by key.

    ``key(name)`` gives the full key for messages. Layer 0: weight_ih (G*H, I); layer k > 0: (G*H, D*out).
    """
    for name, tensor in weights.items():
        if not tensor.is_floating_point() or tensor.layout != torch.strided or tensor.is_quantized:
            raise CheckpointError(
                f"{key(name)} is a {tensor.dtype} tensor with layout {tensor.layout}; weights must be dense floating "
                "point tensors"
            )
    for name in ("weight_ih_l0", "weight_hh_l0"):
        if name not in weights:
            raise CheckpointError(f"the checkpoint has no {key(name)}: it is incomplete, {RESAVE}")
    w_hh, w_ih, w_hr = weights["weight_hh_l0"], weights["weight_ih_l0"], weights.get("weight_hr_l0")
    for name, tensor in (("weight_hh_l0", w_hh), ("weight_ih_l0", w_ih), ("weight_hr_l0", w_hr)):
        if tensor is not None and (tensor.dim() != 2 or 0 in tensor.shape):
            raise CheckpointError(f"{key(name)} has shape {tuple(tensor.shape)}; a recurrent weight is a 2-D matrix")
    layers = 1 + max(int(RECURRENT_KEY.fullmatch(n).group("layer")) for n in weights)
    if layers > LIMITS["num_layers"]:
        raise CheckpointError(f"the checkpoint has {layers} layers, over the app's limit of {LIMITS['num_layers']}")
    hidden = w_hr.shape[1] if w_hr is not None else w_hh.shape[1]
    gates, remainder = divmod(w_hh.shape[0], hidden)
    if remainder or gates not in _GATES or (w_hr is not None and gates != 4):
        raise CheckpointError(
            f"{key('weight_hh_l0')} has shape {tuple(w_hh.shape)} (hidden size {hidden}): its rows must be 1x (RNN), "
            f"3x (GRU) or 4x (LSTM; the only cell with weight_hr) the hidden size; this is not a supported module"
        )
    proj = w_hr.shape[0] if w_hr is not None else 0
    directions = 2 if any(n.endswith("_reverse") for n in weights) else 1
    bias = "bias_ih_l0" in weights
    out = proj or hidden
    expected: dict[str, tuple[int, ...]] = {}
    for k in range(layers):
        for suffix in ("", "_reverse")[:directions]:
            expected[f"weight_ih_l{k}{suffix}"] = (gates * hidden, w_ih.shape[1] if k == 0 else directions * out)
            expected[f"weight_hh_l{k}{suffix}"] = (gates * hidden, out)
            if bias:
                expected[f"bias_ih_l{k}{suffix}"] = expected[f"bias_hh_l{k}{suffix}"] = (gates * hidden,)
            if proj:
                expected[f"weight_hr_l{k}{suffix}"] = (proj, hidden)
    missing = [n for n in expected if n not in weights]
    unexpected = [n for n in weights if n not in expected]
    if missing or unexpected:
        what = "; ".join(
            part
            for part in (
                f"missing {', '.join(map(key, missing[:4]))}" if missing else "",
                f"unexpected {', '.join(map(key, unexpected[:4]))}" if unexpected else "",
            )
            if part
        )
        raise CheckpointError(
            f"the keys do not form one {_GATES[gates]} with {layers} layer(s), {directions} direction(s), "
            f"bias={bias}, proj_size={proj} ({what}): {RESAVE}"
        )
    for name, shape in expected.items():
        if tuple(weights[name].shape) != shape:
            raise CheckpointError(
                f"inconsistent shapes: {key(name)} is {tuple(weights[name].shape)} but a {_GATES[gates]} with "
                f"input size {w_ih.shape[1]}, hidden size {hidden}{f', proj_size {proj}' if proj else ''} "
                f"needs {shape}: the checkpoint is damaged or mixes modules"
            )
    dtype = "float64" if w_ih.dtype == torch.float64 else "float32"
    return dict(
        cell=_GATES[gates],
        input_size=int(w_ih.shape[1]),
        hidden_size=int(hidden),
        num_layers=layers,
        bidirectional=directions == 2,
        bias=bias,
        proj_size=int(proj),
        dtype=dtype,
    )


def _settings_cell(settings: dict) -> tuple[str | None, str | None]:
    """(cell family "RNN"/"LSTM"/"GRU" or None, RNN nonlinearity or None) named by a settings dict."""
    name = str(settings.get("cell", settings.get("mode", ""))).upper().replace(" ", "")
    nonlinearity = settings.get("nonlinearity") if settings.get("nonlinearity") in ("tanh", "relu") else None
    for family in ("LSTM", "GRU", "RNN"):
        if name.startswith(family):
            if "RELU" in name or "TANH" in name:
                nonlinearity = nonlinearity or ("relu" if "RELU" in name else "tanh")
            return family, nonlinearity
    return None, nonlinearity


def load_checkpoint(
    data: bytes,
    *,
    batch_first: bool | None = None,
    nonlinearity: str | None = None,
    prefix: str | None = None,
    max_bytes: int | None = None,
) -> LoadedModel:
    """The recurrent module in checkpoint ``data``, weights loaded with ``load_state_dict(strict=True)``.

    ``batch_first`` / ``nonlinearity`` ("tanh" | "relu", RNN only) override the settings; when neither
    gives them, PyTorch's defaults (False, "tanh") are used and listed in ``assumptions``. ``prefix`` picks
    one recurrent module when the checkpoint holds several (e.g. "encoder.rnn."). Raises CheckpointError.
    """
    if nonlinearity not in (None, "tanh", "relu"):
        raise CheckpointError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise CheckpointError(f"the checkpoint must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise CheckpointError(
            "the checkpoint file is empty (0 bytes): upload a file written by torch.save(model.state_dict(), path)"
        )
    if max_bytes is not None and len(data) > max_bytes:
        raise CheckpointError(f"the checkpoint is {len(data):,} bytes, over the upload limit of {max_bytes:,} bytes")
    state_dict, settings, metadata, assumptions, warnings = unwrap_payload(load_weights_only(data))
    recurrent, extra, prefix = _split(state_dict, prefix)
    fields_ = _infer(recurrent, lambda name: prefix + name)
    if any(t.dtype not in (torch.float32, torch.float64) for t in recurrent.values()):
        assumptions.append("weights stored in a half-precision dtype were converted to float32")
    family, named_nonlinearity = _settings_cell(settings)
    if family is not None and family != fields_["cell"]:
        warnings.append(
            f"the settings name the cell {family}, but the weight shapes are those of a "
            f"{fields_['cell']}: loaded as {fields_['cell']}"
        )
    for name in ("input_size", "hidden_size", "num_layers", "proj_size"):
        value = settings.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value != fields_[name]:
            warnings.append(f"the settings say {name}={value}, the weights {fields_[name]}: used {fields_[name]}")
    fmt = metadata.get("format")
    known = _FORMAT_DEFAULTS.get(fmt, {}) if isinstance(fmt, str) else {}
    if batch_first is None:
        batch_first = settings.get("batch_first", known.get("batch_first"))
        if not isinstance(batch_first, bool):
            batch_first = False
            assumptions.append(
                "batch_first=False (sequence-first, PyTorch's default): a state_dict does not record "
                "it; set it to how your model is called (it changes the input layout, not the weights)"
            )
    if fields_["cell"] == "RNN":
        nonlinearity = nonlinearity or named_nonlinearity or known.get("nonlinearity")
        if nonlinearity is None:
            nonlinearity = "tanh"
            assumptions.append(
                "nonlinearity='tanh' (PyTorch's default for nn.RNN): a state_dict does not record "
                "it; choose 'relu' if your model was built with nonlinearity='relu'"
            )
        fields_["cell"] = f"RNN ({nonlinearity})"
    try:
        spec = ModelSpec(batch_first=batch_first, **fields_)
    except ValueError as error:
        raise CheckpointError(f"the checkpoint's model is beyond what the app runs: {error}") from None
    module = build_model(spec, seed=0)
    try:
        module.load_state_dict(recurrent, strict=True)
    except RuntimeError as error:
        raise CheckpointError(f"the weights do not fit {torch_constructor(spec)}: {error}") from None
    for name, tensor in recurrent.items():
        bad = int((~torch.isfinite(tensor)).sum())
        if bad:
            warnings.append(
                f"{prefix + name} has {bad} NaN/inf value(s): outputs will be NaN or inf; "
                "the trace shows where they first appear"
            )
    return LoadedModel(spec, module, extra, assumptions, settings, prefix, warnings, metadata)
