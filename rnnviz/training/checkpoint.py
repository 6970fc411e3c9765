"""Checkpoint payloads of the training pages: ``torch.save`` of a dict holding a format tag, the settings as a
JSON string and the ``state_dict``, plus task-specific strings and ints (e.g. a vocabulary, the steps done).

Only tensors, strings and ints: a checkpoint loads with ``torch.load(..., weights_only=True)``. The format
tags (``rnnviz.sine.v1``, ``rnnviz.charlm.v1``) are part of the files users keep: never change a tag's
meaning; a new layout gets a new tag.
"""

from __future__ import annotations

import io
from typing import TypeVar

import torch
from torch import nn

from rnnviz.training.settings import TrainingSettings

S = TypeVar("S", bound=TrainingSettings)


def save_payload(payload: dict) -> bytes:
    """``torch.save`` of a checkpoint dict (tensors, strings, ints only) to bytes."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def load_payload(data: bytes, checkpoint_format: str, what: str) -> dict:
    """The checkpoint dict in ``data``, loaded with ``weights_only=True``; ValueError unless it is a dict whose
    "format" is ``checkpoint_format`` with a "settings" JSON string and a "state_dict" (``what`` names the kind)."""
    try:
        payload = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as error:  # zip, pickle and weights_only refusals all mean "not a checkpoint we load"
        raise ValueError(f"not a loadable checkpoint (torch.load with weights_only=True failed: {error})") from None
    if not isinstance(payload, dict) or payload.get("format") != checkpoint_format:
        raise ValueError(f"not an rnnviz {what} checkpoint (expected format {checkpoint_format!r})")
    if not isinstance(payload.get("settings"), str) or not isinstance(payload.get("state_dict"), dict):
        raise ValueError("the checkpoint is missing its 'settings' JSON string or its 'state_dict'")
    return payload


def settings_checkpoint_bytes(
    checkpoint_format: str, settings: TrainingSettings, state_dict: dict[str, torch.Tensor], steps_done: int
) -> bytes:
    """The checkpoint of a model with ``state_dict`` trained ``steps_done`` steps under ``settings``:
    {"format", "settings" (JSON string), "state_dict", "steps_done"}."""
    payload = {
        "format": checkpoint_format,
        "settings": settings.to_json(),
        "state_dict": state_dict,
        "steps_done": steps_done,
    }
    return save_payload(payload)


def load_settings_checkpoint(
    data: bytes, checkpoint_format: str, what: str, settings_class: type[S]
) -> tuple[S, dict[str, torch.Tensor]]:
    """(settings, state_dict) of ``settings_checkpoint_bytes`` output, loaded with ``weights_only=True``;
    ValueError for anything else (``what`` names the kind of checkpoint in the message)."""
    payload = load_payload(data, checkpoint_format, what)
    return settings_class.from_json(payload["settings"]), payload["state_dict"]


def load_weights(model: nn.Module, state_dict: dict[str, torch.Tensor]) -> None:
    """``model.load_state_dict(state_dict)`` (strict); ValueError when the weights do not fit the model."""
    try:
        model.load_state_dict(state_dict)
    except RuntimeError as error:
        raise ValueError(f"the checkpoint's weights do not fit its settings: {error}") from None
