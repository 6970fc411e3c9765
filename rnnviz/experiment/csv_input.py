"""An uploaded CSV -> an input sequence: one line per time step, one column per feature, an optional header.

Every rejection is an ``InputError`` naming the line and column, and what to change.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np

from rnnviz.core.spec import LIMITS
from rnnviz.experiment.parsing import NON_FINITE, NUMBER, InputError, fast_floats, parse_number
from rnnviz.experiment.signals import MAX_SEQ_LEN


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


def _decode_csv(data: bytes, max_bytes: int) -> str:
    """The text of an uploaded CSV, or an InputError for a missing, huge, empty, binary or non-UTF-8 file."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InputError(f"the CSV upload must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise InputError(
            f"the CSV file is {len(data):,} bytes, over the upload limit of {max_bytes:,} bytes: "
            "upload a shorter file (fewer rows or columns)"
        )
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
    return any(stripped) and not any(NUMBER.fullmatch(c) or NON_FINITE.fullmatch(c) for c in stripped)


def _slow_row(line: int, cells: list[str], names: tuple[str, ...] | None, first_line: int) -> list[float]:
    """The numbers of one CSV line, cell by cell; InputError naming line and column at the first bad cell."""
    hint = f" (if line {line} is a header, none of its names may be a number)" if line == first_line else ""
    values = []
    for j, cell in enumerate(cells):
        column = f"column {j + 1}" + (f" ({names[j]!r})" if names is not None else "")
        values.append(parse_number(cell, f"line {line}, {column}", hint))
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
        fast = fast_floats(cells)
        values[t] = fast if fast is not None else _slow_row(line, cells, names, width_line)
    return ParsedSequence(values, names)
