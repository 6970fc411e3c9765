"""Server settings read from environment variables (a container or a Kubernetes manifest sets them)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping


def number_from_environment(
    name: str,
    default: float,
    *,
    whole: bool = False,
    minimum: float = 0,
    environ: Mapping[str, str] = os.environ,
) -> float:
    """The number in the environment variable ``name`` (``default`` when unset or blank), checked: a whole
    number when ``whole``, finite and > ``minimum``. A ValueError names the variable and what it needs."""
    text = environ.get(name, "").strip()
    if not text:
        return default
    need = f"{name} must be a {'whole number' if whole else 'number'} > {minimum:g}, got {text!r}"
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        raise ValueError(need) from None
    if not (math.isfinite(value) and value > minimum):
        raise ValueError(need)
    return value
