"""User-typed and uploaded numbers -> validated arrays, with errors that say what is wrong, where, and what to do.

- ``parse_typed_values(text)``: one ROW PER FEATURE, values separated by commas and/or whitespace;
  ``"1, 2, 3\\n4 5 6"`` is 2 features x 3 time steps and gives an array of shape (seq=3, features=2).
- ``parse_csv(data, max_bytes)``: a CSV file, one line per time step, columns = features, optional header
  (a first line with no number in it) -> ``ParsedSequence(values (seq, features), names)``.
- ``parse_initial_state(text, shape)``: typed h0 / c0 of shape (layers*directions, batch, hidden).
- ``sequence_to_input(values, batch, batch_first, dtype)``: (seq, features) -> the module's input layout.

Every rejection is an ``InputError`` (a ``ValueError``), so a page can ``st.error(str(error))`` and go on.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass

import numpy as np
import torch

from rnnviz.signals import MAX_BATCH, MAX_SEQ_LEN
from rnnviz.spec import DTYPES, LIMITS

#: Typed text longer than this is refused before parsing (an upload is the way for long sequences).
MAX_TYPED_CHARS = 2_000_000
_NUMBER_PATTERN = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER = re.compile(_NUMBER_PATTERN)
_NUMBER_ROW = re.compile(rf"\s*{_NUMBER_PATTERN}\s*(?:,\s*{_NUMBER_PATTERN}\s*)*")  # cells joined by ","
_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_MISSING = {"na", "n/a", "null", "none", "nil", "?", "-", "--"}
_SEPARATOR = re.compile(r"\s*,\s*|\s+")


class InputError(ValueError):
    """Bad user input; the message names the problem, where it is (row/line/column) and what to change."""


@dataclass(frozen=True, eq=False)
class ParsedSequence:
    """An input sequence from a CSV: ``values`` (seq, features) float64, ``names`` (features,) or None."""

    values: np.ndarray
    names: tuple[str, ...] | None = None

    @property
    def seq_len(self) -> int:
        return int(self.values.shape[0])

    @property
    def num_features(self) -> int:
        return int(self.values.shape[1])


def _show(token: str, limit: int = 24) -> str:
    """``token`` quoted for a message, shortened if long."""
    return repr(token if len(token) <= limit else token[:limit] + "...")


def _number(token: str, where: str, hint: str = "") -> float:
    """``token`` as a finite float, or an InputError naming ``where`` it is and why it is refused."""
    token = token.strip().replace("\u2212", "-")  # a typographic minus pasted from a document
    if not token:
        raise InputError(f"{where} is empty: type a number there, or remove the extra separator{hint}")
    if _NUMBER.fullmatch(token):
        value = float(token)
        if math.isinf(value):
            raise InputError(f"{where} is {_show(token)}, which is too large for a 64-bit float (it overflows to "
                             "infinity): use a value no larger than about 1e308 in size")
        return value
    if _NON_FINITE.fullmatch(token) or token.lower() in _MISSING:
        raise InputError(f"{where} is {_show(token)}, which is not a finite number (NaN, missing values and "
                         "infinities cannot be fed to the model): replace it with a real value")
    if re.fullmatch(r"[+-]?\d+,\d+", token):
        hint = f" (write the decimal point as '.', not ',': {token.replace(',', '.')}){hint}"
    raise InputError(f"{where} is {_show(token)}, which is not a number: use plain numbers like 1.5, -2 or 3e-4{hint}")


def _fast_floats(tokens: list[str]) -> list[float] | None:
    """The tokens as floats if all are plain finite numbers (one C-level regex for the row), else None."""
    try:  # float() raises for a token that itself holds a comma, so the joined regex cannot be fooled
        values = [float(token) for token in tokens] if _NUMBER_ROW.fullmatch(",".join(tokens)) else None
    except ValueError:
        return None
    return values if values is not None and all(map(math.isfinite, values)) else None


def _typed_rows(text: str, what: str) -> list[tuple[str, list[str]]]:
    """The non-blank lines of typed ``text`` as (label for messages, tokens); a trailing comma is allowed."""
    if not isinstance(text, str):
        raise InputError(f"{what} must be text, got {type(text).__name__}")
    if len(text) > MAX_TYPED_CHARS:
        raise InputError(f"{what} is {len(text):,} characters long, over the limit of {MAX_TYPED_CHARS:,}: "
                         "upload the values as a CSV file instead")
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
    """"row 1 has 3 values; rows 2, 3 have 2 values" for row lengths [3, 2, 2] (at most 5 row numbers each)."""
    groups: dict[int, list[int]] = {}
    for row, length in enumerate(lengths, start=1):
        groups.setdefault(length, []).append(row)
    return "; ".join(
        (f"rows {', '.join(map(str, rows[:5]))}{f' and {len(rows) - 5} more' if len(rows) > 5 else ''} have"
         if len(rows) > 1 else f"row {rows[0]} has") + f" {length} {unit}"
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
            raise InputError(f"{label} has {len(tokens)} values (time steps), over the limit of {MAX_SEQ_LEN}: "
                             "shorten the sequence")
    lengths = [len(tokens) for _, tokens in rows]
    if len(set(lengths)) > 1:
        raise InputError(
            f"the rows have different lengths: {_length_groups(lengths, 'values')}. Each row is one feature and "
            "needs one value per time step: make every row the same length"
        )
    matrix = np.empty((len(rows), lengths[0]), dtype=np.float64)  # (features, seq)
    for f, (label, tokens) in enumerate(rows):
        fast = _fast_floats(tokens)
        matrix[f] = fast if fast is not None else [_number(x, f"{label}, value {t + 1}") for t, x in enumerate(tokens)]
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
        value = _number(rows[0][1][0], f"{name} {rows[0][0]}, value 1")
        return np.full((pairs_ld, batch, hidden), value, dtype=np.float64)
    if len(rows) not in (1, pairs):
        raise InputError(f"{need}; got {len(rows)} rows")
    wrong = [(label, n) for (label, _), n in zip(rows, counts, strict=True) if n != hidden]
    if wrong:
        label, n = wrong[0]
        raise InputError(f"{need}; {label} has {n} value{'s' if n != 1 else ''} instead of {hidden}")
    matrix = np.array([[_number(x, f"{name} {label}, value {j + 1}") for j, x in enumerate(tokens)]
                       for label, tokens in rows], dtype=np.float64)  # (1 or pairs, hidden)
    return np.broadcast_to(matrix, (pairs, hidden)).reshape(pairs_ld, batch, hidden).copy()


def _decode_csv(data: bytes, max_bytes: int) -> str:
    """The text of an uploaded CSV, or an InputError for a missing, huge, empty, binary or non-UTF-8 file."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InputError(f"the CSV upload must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise InputError(f"the CSV file is {len(data):,} bytes, over the upload limit of {max_bytes:,} bytes: "
                         "upload a shorter file (fewer rows or columns)")
    if not data.strip():
        raise InputError("the CSV file is empty: upload a file with one line of numbers per time step")
    if b"\x00" in data or data.startswith(b"PK\x03\x04"):
        raise InputError(
            "the file is binary, not CSV text (it contains NUL bytes or is a zip such as an Excel .xlsx, or it is "
            "UTF-16 text): save it as 'CSV UTF-8 (comma delimited)' and upload that"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"the CSV file is not UTF-8 text (undecodable byte 0x{data[error.start]:02x} at byte {error.start}): "
            "save it as 'CSV UTF-8' and upload that"
        ) from None


def _delimiter(text: str) -> str:
    """',' unless the first non-blank line has no comma but has a semicolon or a tab."""
    first = next((line for line in io.StringIO(text) if line.strip()), "")
    if "," not in first:
        for candidate in (";", "\t"):
            if candidate in first:
                return candidate
    return ","


def _is_header(cells: list[str]) -> bool:
    """A first line is a header when none of its cells is a number (nor nan/inf) and one is not empty."""
    stripped = [c.strip() for c in cells]
    return any(stripped) and not any(_NUMBER.fullmatch(c) or _NON_FINITE.fullmatch(c) for c in stripped)


def _slow_row(line: int, cells: list[str], names: tuple[str, ...] | None, first_line: int) -> list[float]:
    """The numbers of one CSV line, cell by cell; InputError naming line and column at the first bad cell."""
    hint = f" (if line {line} is a header, none of its names may be a number)" if line == first_line else ""
    values = []
    for j, cell in enumerate(cells):
        column = f"column {j + 1}" + (f" ({names[j]!r})" if names is not None else "")
        values.append(_number(cell, f"line {line}, {column}", hint))
    return values


def parse_csv(data: bytes, max_bytes: int) -> ParsedSequence:
    """An uploaded CSV -> ``ParsedSequence(values (seq, features) float64, names or None)``.

    One line per time step, one column per feature, separated by commas (or semicolons/tabs when the first
    line has no comma). A first line with no number in it is a header of feature names. Blank lines at the
    start or end are ignored. Raises InputError for a file over ``max_bytes``, empty, binary or not UTF-8;
    a non-numeric, empty, NaN or inf cell (naming line and column); lines with different numbers of cells;
    a blank line inside the data; more than ``MAX_SEQ_LEN`` rows or ``LIMITS['input_size']`` columns.
    """
    text = _decode_csv(data, max_bytes)
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text), skipinitialspace=True, strict=True)
    names: tuple[str, ...] | None = None
    width_line = 0
    rows: list[tuple[int, list[str]]] = []  # (line number, cells)
    blank_line = 0
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                blank_line = blank_line or line
                continue
            if blank_line and (rows or names is not None):
                raise InputError(
                    f"line {blank_line} of the CSV is blank, inside the data (every line is one time step): "
                    "remove the blank line or fill in its values"
                )
            blank_line = 0
            if not width_line:
                width_line = line
                if len(cells) > LIMITS["input_size"]:
                    raise InputError(
                        f"the CSV has {len(cells)} columns (features), over the limit of {LIMITS['input_size']}: "
                        "keep only the feature columns"
                    )
                if _is_header(cells):
                    names = tuple(c.strip() or f"column {j}" for j, c in enumerate(cells, start=1))
                    continue
            width = len(names) if names is not None else len(rows[0][1]) if rows else len(cells)
            if len(cells) != width:
                first = "the header" if names is not None else "the first line"
                plural = "s" if len(cells) != 1 else ""
                raise InputError(
                    f"the CSV is ragged: line {line} has {len(cells)} cell{plural} but {first} (line {width_line}) "
                    f"has {width}: every line needs one value per column"
                )
            if len(rows) == MAX_SEQ_LEN:
                raise InputError(f"the CSV has more than {MAX_SEQ_LEN} data lines (time steps): shorten the file")
            rows.append((line, cells))
    except csv.Error as error:
        raise InputError(f"the CSV could not be read at line {reader.line_num} ({error}): check its quotes") from None
    if not rows:
        raise InputError("the CSV has a header line but no data lines: add one line of numbers per time step")
    values = np.empty((len(rows), len(rows[0][1])), dtype=np.float64)  # (seq, features)
    for t, (line, cells) in enumerate(rows):
        fast = _fast_floats(cells)
        values[t] = fast if fast is not None else _slow_row(line, cells, names, width_line)
    return ParsedSequence(values, names)


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
