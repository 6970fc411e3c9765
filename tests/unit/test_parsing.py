"""Typed values, CSV uploads and typed h0/c0: valid input round-trips exactly, every kind of junk gives an
InputError whose message names the problem, where it is, and (checked by key words) what to change."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rnnviz.core.spec import LIMITS
from rnnviz.experiment.csv_input import ParsedSequence, parse_csv
from rnnviz.experiment.parsing import (
    MAX_TYPED_CHARS,
    InputError,
    parse_initial_state,
    parse_typed_values,
    sequence_to_input,
)
from rnnviz.experiment.signals import MAX_BATCH, MAX_SEQ_LEN

LIMIT = 1_000_000  # max_bytes for CSV tests


def error_of(call, *args) -> str:
    """The lower-cased message of the InputError that ``call(*args)`` raises."""
    with pytest.raises(InputError) as caught:
        call(*args)
    assert isinstance(caught.value, ValueError)
    return str(caught.value).lower()


# ---------------------------------------------------------------- typed values (one row per feature)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1, 2, 3\n4 5 6", [[1, 4], [2, 5], [3, 6]]),
        ("1,2,3", [[1], [2], [3]]),
        ("1\t2   3", [[1], [2], [3]]),
        ("  1 , 2 ,3 ,\n\n 4,5,6\n", [[1, 4], [2, 5], [3, 6]]),  # trailing comma, blank line, spaces
        ("-1.5e-3 +2 .5 3.", [[-1.5e-3], [2], [0.5], [3]]),
        ("\u22121 2", [[-1], [2]]),  # typographic minus
        ("7", [[7]]),
        ("1e-999 1e308", [[0.0], [1e308]]),  # underflow to 0 is fine, 1e308 is finite
        ("1\r\n2", [[1, 2]]),
    ],
)
def test_typed_values_parse(text: str, expected: list) -> None:
    values = parse_typed_values(text)
    assert values.dtype == np.float64 and values.flags.c_contiguous
    np.testing.assert_array_equal(values, np.array(expected, dtype=np.float64))


SEPARATORS = st.sampled_from([",", ", ", " ", "\t", " , ", "  ", ",\t", " ,"])


@settings(max_examples=150, deadline=None)
@given(
    matrix=arrays(
        np.float64,
        st.tuples(st.integers(1, 6), st.integers(1, 25)),
        elements=st.floats(allow_nan=False, allow_infinity=False, width=64),
    ),
    data=st.data(),
)
def test_typed_values_round_trip(matrix: np.ndarray, data: st.DataObject) -> None:
    """Any finite (features, seq) matrix written with repr and random separators parses back exactly."""
    lines = []
    for row in matrix:
        text = repr(float(row[0]))
        for value in row[1:]:
            text += data.draw(SEPARATORS) + repr(float(value))
        lines.append(data.draw(st.sampled_from(["", " ", "\t"])) + text + data.draw(st.sampled_from(["", " ", ","])))
    parsed = parse_typed_values(data.draw(st.sampled_from(["\n", "\n\n", "\r\n"])).join(lines))
    assert parsed.shape == (matrix.shape[1], matrix.shape[0])  # (seq, features)
    np.testing.assert_array_equal(parsed, matrix.T)
    assert np.array_equal(np.signbit(parsed), np.signbit(matrix.T))  # even -0.0 survives


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", ["empty", "type"]),
        ("  \n\t\n", ["empty"]),
        ("1 2 x", ["row 1", "value 3", "'x'", "not a number"]),
        ("1 2 3\n4 abc 6", ["row 2", "value 2", "'abc'", "not a number"]),
        ("1 2 3\n\n3 4 five", ["row 2", "line 3", "'five'"]),
        ("1 nan 3", ["value 2", "'nan'", "not a finite number", "replace"]),
        ("1 NaN", ["'nan'", "not a finite"]),
        ("inf 1", ["value 1", "'inf'", "not a finite"]),
        ("1 -Infinity", ["'-infinity'", "not a finite"]),
        ("1 NA", ["'na'", "not a finite"]),
        ("1 1e999", ["'1e999'", "too large", "overflows"]),
        ("-1e999", ["'-1e999'", "too large"]),
        ("1 2 3\n4 5", ["different lengths", "row 1 has 3 values", "row 2 has 2 values", "same length"]),
        ("1,,2", ["value 2", "empty", "separator"]),
        (",1", ["value 1", "empty"]),
        ("1;2;3", ["'1;2;3'", "not a number"]),
        ("0x10", ["'0x10'", "not a number"]),
        ("1_000", ["'1_000'", "not a number"]),
        ("1.2.3", ["'1.2.3'", "not a number"]),
    ],
)
def test_typed_junk_is_named(text: str, words: list[str]) -> None:
    message = error_of(parse_typed_values, text)
    for word in words:
        assert word in message, (word, message)


def test_typed_limits() -> None:
    assert parse_typed_values(" ".join(["1"] * MAX_SEQ_LEN)).shape == (MAX_SEQ_LEN, 1)
    message = error_of(parse_typed_values, " ".join(["1"] * (MAX_SEQ_LEN + 1)))
    assert f"{MAX_SEQ_LEN + 1} values" in message and str(MAX_SEQ_LEN) in message and "shorten" in message
    message = error_of(parse_typed_values, "\n".join(["1"] * (LIMITS["input_size"] + 1)))
    assert f"{LIMITS['input_size'] + 1} rows" in message and "features" in message
    assert "csv" in error_of(parse_typed_values, "1 " * (MAX_TYPED_CHARS // 2 + 1))
    assert "must be text" in error_of(parse_typed_values, b"1 2")


def test_many_ragged_rows_are_summarised() -> None:
    text = "\n".join(["1 2 3"] * 8 + ["1 2"])
    message = error_of(parse_typed_values, text)
    assert "rows 1, 2, 3, 4, 5 and 3 more have 3 values" in message and "row 9 has 2 values" in message


# ---------------------------------------------------------------- CSV (one line per time step)
def test_csv_with_header() -> None:
    parsed = parse_csv(b"temp, pressure\n1, 2\n3.5,-4e2\n", LIMIT)
    assert isinstance(parsed, ParsedSequence)
    assert parsed.names == ("temp", "pressure") and (parsed.seq_len, parsed.num_features) == (2, 2)
    np.testing.assert_array_equal(parsed.values, [[1, 2], [3.5, -400]])


@pytest.mark.parametrize(
    "data",
    [
        b"1,2\n3,4\n",
        b"1,2\r\n3,4\r\n",
        b"\xef\xbb\xbf1,2\n3,4",  # UTF-8 byte order mark (Excel's "CSV UTF-8")
        b"\n\n1,2\n3,4\n\n,\n\n",  # blank lines around the data
        b"1;2\n3;4\n",
        b"1\t2\n3\t4\n",
        b'"1","2"\n"3", 4\n',
    ],
)
def test_csv_layouts(data: bytes) -> None:
    parsed = parse_csv(data, LIMIT)
    assert parsed.names is None
    np.testing.assert_array_equal(parsed.values, [[1, 2], [3, 4]])


def test_csv_single_column_and_empty_header_names() -> None:
    np.testing.assert_array_equal(parse_csv(b"5\n6\n7", LIMIT).values, [[5], [6], [7]])
    np.testing.assert_array_equal(parse_csv("\u22121,2".encode(), LIMIT).values, [[-1, 2]])  # typographic minus
    assert "if line 3 is a header" in error_of(parse_csv, b"\n\nt,2\n1,2\n", LIMIT)
    assert parse_csv(b"a,,c\n1,2,3\n", LIMIT).names == ("a", "column 2", "c")


@settings(max_examples=40, deadline=None)
@given(
    frame=arrays(
        np.float64,
        st.tuples(st.integers(1, 30), st.integers(1, 5)),
        elements=st.floats(allow_nan=False, allow_infinity=False, width=64),
    ),
    header=st.booleans(),
)
def test_csv_round_trip_through_pandas(frame: np.ndarray, header: bool) -> None:
    names = [f"x{j}" for j in range(frame.shape[1])]
    data = pd.DataFrame(frame, columns=names).to_csv(index=False, header=header).encode()
    parsed = parse_csv(data, LIMIT)
    np.testing.assert_array_equal(parsed.values, frame)
    assert parsed.names == (tuple(names) if header else None)


def xlsx_like() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", ["empty"]),
        (b"\n \n\t\n", ["empty"]),
        (b"1,2\x00,3\n", ["binary", "csv utf-8"]),
        ("1,2\n".encode("utf-16"), ["binary", "utf-16"]),
        (xlsx_like(), ["binary", "xlsx"]),
        ("caf\u00e9,1\n2,3\n".encode("latin-1"), ["not utf-8", "0xe9", "byte 3"]),
        (b"a,b\n1,2\n3,x\n", ["line 3", "column 2", "('b')", "'x'", "not a number"]),
        (b"1,2\n3,abc\n", ["line 2", "column 2", "'abc'"]),
        (b"1,2\n,4\n", ["line 2", "column 1", "empty"]),
        (b"1,2,3\n4,5\n", ["ragged", "line 2 has 2 cells", "line 1", "has 3"]),
        (b"a,b\n1,2,3\n", ["ragged", "header", "has 2"]),
        (b"a,b\n1,nan\n", ["line 2", "column 2", "'nan'", "not a finite"]),
        (b"1,inf\n", ["'inf'", "not a finite"]),
        (b"1,-inf\n", ["'-inf'", "not a finite"]),
        (b"1,NA\n", ["'na'", "not a finite"]),
        (b"1,1e999\n", ["'1e999'", "too large"]),
        (b"a,b\n", ["header", "no data"]),
        (b"1,2\n\n3,4\n", ["line 2", "blank", "inside the data"]),
        (b'1,"2\n3,4\n', ["quotes"]),
        (b"t,2\n1,2\n", ["line 1", "'t'", "header"]),
        (b"a;b\n1,5;2\n", ["'1,5'", "decimal point", "1.5"]),
    ],
)
def test_csv_junk_is_named(data: bytes, words: list[str]) -> None:
    message = error_of(parse_csv, data, LIMIT)
    for word in words:
        assert word in message, (word, message)


def test_csv_size_limits() -> None:
    message = error_of(parse_csv, b"1,2\n" * 100, 399)
    assert "400 bytes" in message and "upload limit of 399" in message
    assert parse_csv(b"1\n" * MAX_SEQ_LEN, LIMIT).seq_len == MAX_SEQ_LEN
    message = error_of(parse_csv, b"1\n" * (MAX_SEQ_LEN + 1), LIMIT)
    assert f"more than {MAX_SEQ_LEN}" in message and "shorten" in message
    message = error_of(parse_csv, (",".join(["1"] * (LIMITS["input_size"] + 1)) + "\n").encode(), LIMIT)
    assert f"{LIMITS['input_size'] + 1} columns" in message
    assert "bytes" in error_of(parse_csv, "1,2", LIMIT)


# ---------------------------------------------------------------- typed h0 / c0
def test_initial_state_forms() -> None:
    shape = (2, 3, 4)  # (layers*directions, batch, hidden)
    np.testing.assert_array_equal(parse_initial_state("0.5", shape), np.full(shape, 0.5))
    single = parse_initial_state("1 2 3 4", shape)
    np.testing.assert_array_equal(single, np.broadcast_to([1.0, 2, 3, 4], shape))
    full = np.arange(24, dtype=np.float64).reshape(shape)
    text = "\n".join(" ".join(repr(float(v)) for v in row) for row in full.reshape(6, 4))
    np.testing.assert_array_equal(parse_initial_state(text, shape), full)  # row order of h0.reshape(-1, H)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1 2\n3 4", ["(2, 3, 4)", "6 rows of 4 values", "one number", "got 2 rows"]),
        ("1 2 3", ["(2, 3, 4)", "row 1 has 3 values instead of 4"]),
        ("\n".join(["1 2 3 4"] * 5 + ["1 2 3"]), ["row 6 has 3 values instead of 4"]),
        ("", ["empty"]),
        ("1 2 q 4", ["h0", "row 1", "value 3", "'q'"]),
        ("nan", ["'nan'", "not a finite"]),
        ("1e999 1 1 1", ["too large"]),
    ],
)
def test_initial_state_junk(text: str, words: list[str]) -> None:
    message = error_of(parse_initial_state, text, (2, 3, 4))
    for word in words:
        assert word in message, (word, message)


def test_initial_state_name_in_message() -> None:
    assert error_of(parse_initial_state, "1 2", (1, 1, 3), "c0").startswith("c0 has shape (1, 1, 3)")


# ---------------------------------------------------------------- sequence -> module input
@pytest.mark.parametrize("batch_first", [False, True])
def test_sequence_to_input_layout(batch_first: bool) -> None:
    values = np.arange(10, dtype=np.float64).reshape(5, 2)  # (seq=5, features=2)
    x = sequence_to_input(values, batch=3, batch_first=batch_first, dtype="float64")
    assert x.dtype == torch.float64 and x.is_contiguous()
    assert x.shape == ((3, 5, 2) if batch_first else (5, 3, 2))
    time_major = x.transpose(0, 1) if batch_first else x
    for b in range(3):
        assert torch.equal(time_major[:, b], torch.from_numpy(values))
    module = torch.nn.GRU(2, 4, batch_first=batch_first, dtype=torch.float64)
    output, _ = module(x)
    assert output.shape[:2] == x.shape[:2]


def test_sequence_to_input_float32_default() -> None:
    x = sequence_to_input(np.array([[0.1]]), 1)
    assert x.dtype == torch.float32 and x.shape == (1, 1, 1)


@pytest.mark.parametrize(
    ("values", "kwargs", "words"),
    [
        (np.array([[1e39]]), {}, ["overflows float32", "time step 1", "feature 1", "float64"]),
        (np.array([[1.0], [np.nan]]), {}, ["time step 2", "not finite"]),
        (np.array([1.0, 2.0]), {}, ["(seq, features)"]),
        (np.zeros((0, 2)), {}, ["(seq, features)"]),
        (np.ones((3, 2)), {"input_size": 3}, ["2 features", "input_size=3"]),
        (np.ones((3, 2)), {"batch": 0}, ["batch size", str(MAX_BATCH)]),
        (np.ones((3, 2)), {"batch": MAX_BATCH + 1}, ["batch size"]),
        (np.ones((3, 2)), {"dtype": torch.int64}, ["floating point"]),
        (np.ones((3, 2)), {"dtype": "float8"}, ["float32, float64"]),
    ],
)
def test_sequence_to_input_rejects(values: np.ndarray, kwargs: dict, words: list[str]) -> None:
    message = error_of(lambda: sequence_to_input(values, **kwargs))
    for word in words:
        assert word.lower() in message, (word, message)
