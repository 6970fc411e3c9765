"""User-typed and uploaded numbers -> validated arrays, with errors that say what is wrong, where, and what to do.

- ``parse_typed_values(text)``: one ROW PER FEATURE, values separated by commas and/or whitespace;
  ``"1, 2, 3\\n4 5 6"`` is 2 features x 3 time steps and gives an array of shape (seq=3, features=2).
- ``rnnviz.experiment.csv_input.parse_csv``: an uploaded CSV file (one line per time step).
- ``parse_initial_state(text, shape)``: typed h0 / c0 of shape (layers*directions, batch, hidden).
- ``sequence_to_input(values, batch, batch_first, dtype)``: (seq, features) -> the module's input layout.

Every rejection is an ``InputError`` (a ``ValueError``), so a page can ``st.error(str(error))`` and go on.
"""

from __future__ import annotations

import math
import re

import numpy as np
import torch

from rnnviz.core.spec import DTYPES, LIMITS
from rnnviz.experiment.signals import MAX_BATCH, MAX_SEQ_LEN

#: Typed text longer than this is refused before parsing (an upload is the way for long sequences).
MAX_TYPED_CHARS = 2_000_000
NUMBER_PATTERN = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
NUMBER = re.compile(NUMBER_PATTERN)
NUMBER_ROW = re.compile(rf"\s*{NUMBER_PATTERN}\s*(?:,\s*{NUMBER_PATTERN}\s*)*")  # cells joined by ","
NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_MISSING = {"na", "n/a", "null", "none", "nil", "?", "-", "--"}
_SEPARATOR = re.compile(r"\s*,\s*|\s+")


class InputError(ValueError):
    """Bad user input; the message names the problem, where it is (row/line/column) and what to change."""


def _show(token: str, limit: int = 24) -> str:
    """``token`` quoted for a message, shortened if long."""
    return repr(token if len(token) <= limit else token[:limit] + "...")


def parse_number(token: str, where: str, hint: str = "") -> float:
    """``token`` as a finite float, or an InputError naming ``where`` it is and why it is refused."""
    token = token.strip().replace("\u2212", "-")  # a typographic minus pasted from a document
    if not token:
        raise InputError(f"{where} is empty: type a number there, or remove the extra separator{hint}")
    if NUMBER.fullmatch(token):
        value = float(token)
        if math.isinf(value):
            raise InputError(
                f"{where} is {_show(token)}, which is too large for a 64-bit float (it overflows to "
                "infinity): use a value no larger than about 1e308 in size"
            )
        return value
    if NON_FINITE.fullmatch(token) or token.lower() in _MISSING:
        raise InputError(
            f"{where} is {_show(token)}, which is not a finite number (NaN, missing values and "
            "infinities cannot be fed to the model): replace it with a real value"
        )
    if re.fullmatch(r"[+-]?\d+,\d+", token):
        hint = f" (write the decimal point as '.', not ',': {token.replace(',', '.')}){hint}"
    raise InputError(f"{where} is {_show(token)}, which is not a number: use plain numbers like 1.5, -2 or 3e-4{hint}")


def fast_floats(tokens: list[str]) -> list[float] | None:
    """The tokens as floats if all are plain finite numbers (one C-level regex for the row), else None."""
    try:  # float() raises for a token that itself holds a comma, so the joined regex cannot be fooled
        values = [float(token) for token in tokens] if NUMBER_ROW.fullmatch(",".join(tokens)) else None
    except ValueError:
        return None
    return values if values is not None and all(map(math.isfinite, values)) else None


def _typed_rows(text: str, what: str) -> list[tuple[str, list[str]]]:
    """The non-blank lines of typed ``text`` as (label for messages, tokens); a trailing comma is allowed."""
    if not isinstance(text, str):
        raise InputError(f"{what} must be text, got {type(text).__name__}")
    if len(text) > MAX_TYPED_CHARS:
        raise InputError(
            f"{what} is {len(text):,} characters long, over the limit of {MAX_TYPED_CHARS:,}: "
            "upload the values as a CSV file instead"
        )
    rows = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip().removesuffix(",").rstrip()
        if not stripped:
            continue
        label = f"row {len(rows) + 1}" + (f" (line {line_number})" if line_number != len(rows) + 1 else "")
        rows.append((label, _SEPARATOR.split(stripped)))
    if not rows:
        raise InputError(f"{what} is empty: type at least one number")
    return rows


def _length_groups(lengths: list[int], unit: str) -> str:
    """ "row 1 has 3 values; rows 2, 3 have 2 values" for row lengths [3, 2, 2] (at most 5 row numbers each)."""
    groups: dict[int, list[int]] = {}
    for row, length in enumerate(lengths, start=1):
        groups.setdefault(length, []).append(row)
    return "; ".join(
        (
            f"rows {', '.join(map(str, rows[:5]))}{f' and {len(rows) - 5} more' if len(rows) > 5 else ''} have"
            if len(rows) > 1
            else f"row {rows[0]} has"
        )
        + f" {length} {unit}"
        for length, rows in groups.items()
    )


def parse_typed_values(text: str) -> np.ndarray:
    """Typed values, one row per feature, -> float64 array of shape (seq, features).

    Values in a row are separated by commas and/or whitespace (``"1, 2, 3"``, ``"1 2 3"``, ``"1,2,3"``);
    blank lines are ignored. Row f holds feature f at every time step, so all rows need the same length.
    Raises InputError for empty text, non-numbers, NaN/inf/overflow, rows of different lengths, more than
    ``MAX_SEQ_LEN`` time steps or more than ``LIMITS['input_size']`` features.
    """
    rows = _typed_rows(text, "the typed input")
    if len(rows) > LIMITS["input_size"]:
        raise InputError(
            f"the typed input has {len(rows)} rows, i.e. {len(rows)} features; at most {LIMITS['input_size']} "
            "are allowed: type one row per feature (the values of a feature over time go along the row)"
        )
    for label, tokens in rows:
        if len(tokens) > MAX_SEQ_LEN:
            raise InputError(
                f"{label} has {len(tokens)} values (time steps), over the limit of {MAX_SEQ_LEN}: shorten the sequence"
            )
    lengths = [len(tokens) for _, tokens in rows]
    if len(set(lengths)) > 1:
        raise InputError(
            f"the rows have different lengths: {_length_groups(lengths, 'values')}. Each row is one feature and "
            "needs one value per time step: make every row the same length"
        )
    matrix = np.empty((len(rows), lengths[0]), dtype=np.float64)  # (features, seq)
    for f, (label, tokens) in enumerate(rows):
        fast = fast_floats(tokens)
        matrix[f] = (
            fast if fast is not None else [parse_number(x, f"{label}, value {t + 1}") for t, x in enumerate(tokens)]
        )
    return np.ascontiguousarray(matrix.T)  # (seq, features)


def parse_initial_state(text: str, expected_shape: tuple[int, int, int], name: str = "h0") -> np.ndarray:
    """Typed h0 or c0 -> float64 array of ``expected_shape`` = (layers*directions, batch, hidden).

    Accepted forms:
    - one row per (layer*direction, batch) pair, each with ``hidden`` values, in the order of
      ``h0.reshape(-1, hidden)``: row ``(layer * directions + direction) * batch + b + 1``;
    - a single row of ``hidden`` values, used for every pair;
    - a single number, used for every entry.
    Anything else raises InputError giving the expected shape.
    """
    pairs_ld, batch, hidden = (int(n) for n in expected_shape)
    pairs = pairs_ld * batch
    rows = _typed_rows(text, f"the typed {name}")
    counts = [len(tokens) for _, tokens in rows]
    need = (
        f"{name} has shape ({pairs_ld}, {batch}, {hidden}) = (layers x directions, batch, hidden size): type "
        f"{pairs} row{'s' if pairs > 1 else ''} of {hidden} value{'s' if hidden > 1 else ''} (one row per layer x "
        "direction and batch item, in that order), a single row of "
        f"{hidden} values for all of them, or one number for every entry"
    )
    if len(rows) == 1 and counts[0] == 1:
        value = parse_number(rows[0][1][0], f"{name} {rows[0][0]}, value 1")
        return np.full((pairs_ld, batch, hidden), value, dtype=np.float64)
    if len(rows) not in (1, pairs):
        raise InputError(f"{need}; got {len(rows)} rows")
    wrong = [(label, n) for (label, _), n in zip(rows, counts, strict=True) if n != hidden]
    if wrong:
        label, n = wrong[0]
        raise InputError(f"{need}; {label} has {n} value{'s' if n != 1 else ''} instead of {hidden}")
    matrix = np.array(
        [[parse_number(x, f"{name} {label}, value {j + 1}") for j, x in enumerate(tokens)] for label, tokens in rows],
        dtype=np.float64,
    )  # (1 or pairs, hidden)
    return np.broadcast_to(matrix, (pairs, hidden)).reshape(pairs_ld, batch, hidden).copy()


def sequence_to_input(
    values: np.ndarray,
    batch: int = 1,
    batch_first: bool = False,
    dtype: torch.dtype | str = torch.float32,
    input_size: int | None = None,
) -> torch.Tensor:
    """A (seq, features) sequence repeated over the batch: (batch, seq, features) if batch_first else
    (seq, batch, features), in ``dtype``. With ``input_size``, the feature count must equal it.

    Raises InputError for a non-2D/empty array, a non-finite value, a value that overflows ``dtype``
    (e.g. 1e39 in float32), a batch outside 1..MAX_BATCH or a feature count that differs from ``input_size``.
    """
    dtype = DTYPES.get(dtype, dtype) if isinstance(dtype, str) else dtype
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise InputError(f"dtype must be a floating point torch dtype or one of {', '.join(DTYPES)}, got {dtype!r}")
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2 or 0 in array.shape:
        raise InputError(f"the sequence must have shape (seq, features) with both >= 1, got {array.shape}")
    if isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= MAX_BATCH:
        raise InputError(f"batch size must be a whole number from 1 to {MAX_BATCH}, got {batch!r}")
    if input_size is not None and array.shape[1] != input_size:
        raise InputError(
            f"the input has {array.shape[1]} feature{'s' if array.shape[1] != 1 else ''} but the model expects "
            f"input_size={input_size}: give one row (typed) or column (CSV) per feature, "
            f"{input_size} in all, or change the model's input size"
        )
    x = torch.as_tensor(array).to(dtype)  # (T, F)
    bad = ~torch.isfinite(x)
    if bad.any():
        t, f = (int(i) for i in bad.nonzero()[0])
        where = f"the value {float(array[t, f])!r} at time step {t + 1}, feature {f + 1}"
        if not math.isfinite(array[t, f]):
            raise InputError(f"{where} is not finite: replace it with a real number")
        raise InputError(f"{where} overflows {str(dtype).removeprefix('torch.')}: scale the input down or use float64")
    x = x.unsqueeze(1).expand(-1, batch, -1)  # (T, B, F)
    return (x.transpose(0, 1) if batch_first else x).contiguous()
