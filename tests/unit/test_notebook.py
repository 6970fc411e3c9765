"""A trace in a notebook: ``_repr_html_`` (check, shapes, one small PNG heatmap per quantity) and
``to_dataframe`` (every value, long format)."""

from __future__ import annotations

import base64
import re
import zlib

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

import rnnviz
from rnnviz.core.notebook import MAX_COLUMNS, MAX_ROWS


def pngs(page: str) -> list[np.ndarray]:
    """Every inline PNG of an HTML page as an (height, width, 3) array (our writer: RGB, filter 0, one IDAT)."""
    images = []
    for encoded in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page):
        data = base64.b64decode(encoded)
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        length = int.from_bytes(data[33:37], "big")
        assert data[37:41] == b"IDAT"
        raw = zlib.decompress(data[41 : 41 + length])
        rows = np.frombuffer(raw, dtype=np.uint8).reshape(height, 1 + 3 * width)
        assert (rows[:, 0] == 0).all()
        images.append(rows[:, 1:].reshape(height, width, 3))
    return images


def lstm_trace(**kwargs) -> rnnviz.Trace:
    torch.manual_seed(0)
    return rnnviz.trace(nn.LSTM(2, 5, **kwargs), torch.randn(9, 3, 2))


def test_the_html_shows_the_check_the_shapes_and_a_heatmap_per_quantity() -> None:
    tr = lstm_trace(num_layers=2)
    page = tr._repr_html_()
    assert "rnnviz trace of torch.nn.LSTM" in page and "matches torch.nn.LSTM forward" in page
    assert "#1a7f37" in page  # the verdict's colour: green
    for name, shape in [("output", "(9, 3, 5)"), ("h_n", "(2, 3, 5)"), ("gate(&#x27;f&#x27;)", "(9, 3, 5)")]:
        assert re.search(rf"<code>{re.escape(name)}</code></td><td>{re.escape(shape)}", page), name
    images = pngs(page)
    assert len(images) == len(tr.quantity_names) == 6
    assert all(image.shape == (5, 9, 3) for image in images)  # units x time steps
    assert "layer 1, forward direction, batch item 0" in page


def test_the_heatmap_colours_follow_the_values() -> None:
    tr = lstm_trace()
    forget = tr.gate("f")[:, 0].numpy().T  # (units, T)
    image = pngs(tr._repr_html_())[1].astype(float)  # 'f': viridis from dark purple (0) to yellow (1)
    brightness = image.sum(-1)
    order = np.argsort(forget.ravel())
    assert brightness.ravel()[order[-1]] > brightness.ravel()[order[0]]


def test_a_packed_trace_greys_the_steps_past_the_length() -> None:
    torch.manual_seed(1)
    module = nn.GRU(2, 4)
    tr = rnnviz.trace(module, pack_padded_sequence(torch.randn(6, 2, 2), [3, 6], enforce_sorted=False))
    page = tr._repr_html_()
    assert "packed, lengths [3, 6]" in page and "PackedSequence: data (9, 4)" in page
    for image in pngs(page):  # batch item 0 has 3 steps: columns 3.. are the no-value grey
        assert (image[:, 3:] == 200).all() and not (image[:, :3] == 200).all()


def test_large_traces_are_shown_decimated() -> None:
    torch.manual_seed(2)
    tr = rnnviz.trace(nn.RNN(1, 200), torch.randn(1000, 1, 1))
    (image,) = pngs(tr._repr_html_())
    assert image.shape[0] <= MAX_ROWS and image.shape[1] <= MAX_COLUMNS


def test_a_clamped_run_and_a_nonfinite_value_are_said() -> None:
    torch.manual_seed(3)
    module, x = nn.LSTM(1, 3), torch.randn(4, 1, 1)
    clamped = rnnviz.intervene(module, x, rnnviz.Intervention(clamps=(rnnviz.GateClamp("f", 1.0, (0, 1)),)))
    assert "intervened run" in clamped._repr_html_() and "#777" in clamped._repr_html_()
    x[2] = float("nan")
    assert "first non-finite value: x at step t=2" in rnnviz.trace(module, x)._repr_html_()


def test_to_dataframe_has_every_value_once() -> None:
    tr = lstm_trace(num_layers=2, bidirectional=True)
    frame = tr.to_dataframe()
    assert list(frame.columns) == ["t", "layer", "direction", "batch", "unit", "quantity", "value"]
    assert len(frame) == 9 * 3 * 5 * 6 * 2 * 2  # steps x batch x units x quantities x layers x directions
    row = frame[(frame.t == 4) & (frame.layer == 1) & (frame.direction == 1) & (frame.batch == 2) & (frame.unit == 3)]
    values = dict(zip(row.quantity, row.value, strict=True))
    assert values["f"] == tr.gate("f", 1, 1)[4, 2, 3].item() and values["c"] == tr.state("c", 1, 1)[4, 2, 3].item()


def test_to_dataframe_keeps_only_what_is_asked() -> None:
    tr = lstm_trace(num_layers=2)
    frame = tr.to_dataframe(layers=[1], quantities=["o", "h"])
    assert set(frame.layer) == {1} and set(frame.quantity) == {"o", "h"} and len(frame) == 9 * 3 * 5 * 2
    with pytest.raises(KeyError, match="has no quantity \\['r'\\]"):
        tr.to_dataframe(quantities=["r"])
    assert tr.to_dataframe(layers=[5]).empty
