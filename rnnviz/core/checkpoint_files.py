"""Reading an uploaded checkpoint file safely, before anything is built from it.

``load_weights_only(data)`` calls ``torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)`` and
nothing else, so a file holding Python objects or code is refused before anything in it runs.
``unwrap_payload`` finds the state_dict in what was loaded (bare, under ``"state_dict"``, or under another key)
and the settings that came with it. Every refusal is a ``CheckpointError`` saying what to do instead.
"""

from __future__ import annotations

import io
import json
import re

import torch

#: A recurrent module's parameter key, e.g. "encoder.rnn.weight_hh_l1_reverse" (prefix "encoder.rnn.").
RECURRENT_KEY = re.compile(
    r"(?P<prefix>(?:.*\.)?)(?P<name>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(?P<layer>\d+)(?P<rev>_reverse)?"
)
RESAVE = "re-save it with torch.save(model.state_dict(), path)"


class CheckpointError(ValueError):
    """An uploaded checkpoint that cannot be loaded; the message says why and what to do instead."""


def describe_entries(tensors: dict, limit: int = 8) -> str:
    """ "a (2, 3), b (3,)" for the first ``limit`` entries, "... and N more" after."""
    shown = [
        f"{k} {tuple(v.shape)}" if isinstance(v, torch.Tensor) else f"{k} ({type(v).__name__})"
        for k, v in list(tensors.items())[:limit]
    ]
    return ", ".join(shown) + (f" and {len(tensors) - limit} more" if len(tensors) > limit else "")


def load_weights_only(data: bytes) -> object:
    """The unpickled payload, loaded with weights_only=True; CheckpointError for code, objects or corrupt files."""
    try:
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as error:  # weights_only refusals, zip errors, bad magic numbers: all mean "not loadable"
        text = str(error)
        found = re.search(r"GLOBAL ([\w.]+)", text)
        if found:
            name = found.group(1)
            raise CheckpointError(
                f"this file contains Python objects, not just tensors (it refers to {name}); only state_dicts are "
                f"accepted, {RESAVE}. It was not run: files that can execute code are refused"
                + (" (it looks like a whole saved module: torch.save(model))" if name.startswith("torch.nn.") else "")
            ) from None
        if "Weights only load failed" in text:  # a text file, or a raw pickle of Python objects (protocol > 2)
            reason = next((line for line in text.splitlines() if "Unsupported" in line), "not plain tensors")
            raise CheckpointError(
                "this is not a PyTorch checkpoint that loads safely: it is some other (or corrupt) file, or it "
                "holds Python objects and not just tensors (torch.load with weights_only=True refused it: "
                f"{reason.strip()}). "
                f"Nothing in it was run. Upload a state_dict: {RESAVE}"
            ) from None
        raise CheckpointError(
            f"this is not a PyTorch checkpoint, or it is corrupt or truncated ({type(error).__name__}: "
            f"{text.splitlines()[0][:160] if text else 'no details'}): upload a file written by torch.save "
            f"of a state_dict ({RESAVE})"
        ) from None


def unwrap_payload(payload: object) -> tuple[dict, dict, dict, list[str], list[str]]:
    """(state_dict, settings dict, metadata, assumptions, warnings) of a loaded payload."""
    if not isinstance(payload, dict):
        raise CheckpointError(
            f"the file holds a {type(payload).__name__}, not a state_dict (a dict of named tensors): {RESAVE}"
        )
    notes: list[str] = []
    warnings: list[str] = []
    if isinstance(payload.get("state_dict"), dict):
        state_dict = payload["state_dict"]
        rest = {k: v for k, v in payload.items() if k != "state_dict"}
    elif any(isinstance(v, torch.Tensor) for v in payload.values()):
        state_dict = {k: v for k, v in payload.items() if isinstance(v, torch.Tensor)}
        rest = {k: v for k, v in payload.items() if not isinstance(v, torch.Tensor)}
    else:
        nested = [
            k for k, v in payload.items() if isinstance(v, dict) and any(RECURRENT_KEY.fullmatch(str(n)) for n in v)
        ]
        if not nested:
            raise CheckpointError(
                f"the file is a dict without tensors or a state_dict (keys: {describe_entries(payload)}): {RESAVE}"
            )
        state_dict = payload[nested[0]]
        rest = {k: v for k, v in payload.items() if k != nested[0]}
        notes.append(f"used the state_dict stored under the key {nested[0]!r}")
    raw = rest.pop("settings", None)
    settings: dict = {}
    if isinstance(raw, str):
        try:
            settings = json.loads(raw)
        except (ValueError, RecursionError):
            warnings.append("the checkpoint's settings are not valid JSON and were ignored")
        if not isinstance(settings, dict):
            warnings.append(f"the checkpoint's settings JSON is a {type(settings).__name__}, not an object: ignored")
            settings = {}
    elif isinstance(raw, dict):
        settings = raw
    elif raw is not None:
        warnings.append(f"the checkpoint's settings are a {type(raw).__name__}, not JSON or a dict, and were ignored")
    bad = [k for k, v in state_dict.items() if not isinstance(k, str) or not isinstance(v, torch.Tensor)]
    if bad:
        raise CheckpointError(f"the state_dict entry {bad[0]!r} is not a named tensor: {RESAVE}")
    return state_dict, settings, rest, notes, warnings
