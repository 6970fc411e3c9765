"""Looking inside a character model: features, unit correlations (vs numpy), the trace of a text (vs the
module), shapes of every stage, and the language-model figures (hover, layout, bound line)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnviz.charlm.corpora import Vocabulary
from rnnviz.charlm.inspect import (
    MAX_INSPECT_CHARS,
    best_units,
    character_features,
    pick_inspect_text,
    top_units,
    trace_text,
    unit_correlations,
)
from rnnviz.charlm.model import CharModel, stage_shapes, training_step_code
from rnnviz.charlm.settings import CharSettings
from rnnviz.figures.chars import (
    char_activation_grid,
    coloured_text,
    feature_vs_units,
    perplexity_curve,
    text_layout,
    unit_correlation_bars,
)


def test_features_of_a_known_text():
    f = character_features('a(b"c)d"e\nxy')
    assert f["bracket depth"].tolist() == [0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert f["inside quotes"].tolist() == [0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    assert f["position in line"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2]
    vowel = f["vowel / consonant"]
    assert vowel[[0, 8]].tolist() == [1, 1] and vowel[[2, 4, 6, 10, 11]].tolist() == [0] * 5
    assert np.isnan(vowel[[1, 3, 5, 7, 9]]).all()  # brackets, quotes, newline: not letters
    assert character_features("x)))(")["bracket depth"].tolist() == [0, 0, 0, 0, 1]  # never below 0
    assert character_features("'a\nb'")["inside quotes"].tolist() == [1, 1, 0, 0, 1]  # a newline ends a quote


def test_unit_correlations_match_numpy_and_rank_by_strength():
    rng = np.random.default_rng(0)
    feature = rng.normal(size=200)
    activations = np.column_stack([feature * 0.5 + rng.normal(size=200) * s for s in (0.1, 2.0, 0.5)])
    activations = np.column_stack([activations, -feature, np.ones(200)])  # unit 3 anti-correlated, 4 constant
    r = unit_correlations(activations, feature)
    for unit in range(4):
        assert r[unit] == pytest.approx(np.corrcoef(activations[:, unit], feature)[0, 1], abs=1e-12)
    assert np.isnan(r[4]) and top_units(r, 5).tolist() == [3, 0, 2, 1, 4]
    masked = feature.copy()
    masked[:50] = np.nan  # undefined characters are left out
    assert unit_correlations(activations, masked)[0] == pytest.approx(
        np.corrcoef(activations[50:, 0], feature[50:])[0, 1]
    )
    matches = best_units(activations, {"f": feature, "flat": np.zeros(200)})
    assert (matches[0].unit, matches[0].r) == (3, pytest.approx(-1.0)) and matches[1].unit == -1


@pytest.mark.parametrize(("cell", "input_kind"), [("LSTM", "one-hot"), ("GRU", "embedding"), ("RNN", "one-hot")])
def test_trace_of_a_text_is_the_model_itself(cell, input_kind):
    vocabulary = Vocabulary.from_text("(a[b]c)\n")
    model = CharModel(vocabulary.size, cell, 12, 2, input_kind, 5, seed=1)
    text = "(a[b(c)]a)\n(b)"
    trace = trace_text(model, vocabulary, text)
    assert trace.matches and trace.seq_len == len(text) and trace.batch_size == 1
    with torch.no_grad():
        out, _ = model.rnn(model.encode(torch.from_numpy(vocabulary.encode(text)).view(-1, 1)))
    assert torch.allclose(trace.state("h", layer=1)[:, 0], out[:, 0], atol=1e-6)
    assert trace.gate_names == {"LSTM": ("i", "f", "g", "o"), "GRU": ("r", "z", "n"), "RNN": ()}[cell]
    with pytest.raises(ValueError, match="vocabulary has no 'x'"):
        trace_text(model, vocabulary, "(x)")
    with pytest.raises(ValueError, match=f"over the limit of {MAX_INSPECT_CHARS}"):
        trace_text(model, vocabulary, "a" * (MAX_INSPECT_CHARS + 1))
    with pytest.raises(ValueError, match="empty"):
        trace_text(model, vocabulary, "")


def test_stage_shapes_follow_the_settings_and_torch():
    settings, v = CharSettings(), 60
    rows = {stage: shape for stage, shape, _ in stage_shapes(settings, v)}
    assert rows["one-hot inputs"] == "(35, 32, 60)" and rows["outputs of nn.LSTM"] == "(35, 32, 256)"
    assert rows["logits"] == "(1120, 60)" and rows["h_n"] == rows["c_n"] == "(1, 32, 256)"
    model = CharModel.from_settings(CharSettings(hidden_size=16), v)
    logits, (h_n, c_n) = model(torch.zeros(35, 32, dtype=torch.int64))
    assert tuple(logits.shape) == (35 * 32, v) and tuple(h_n.shape) == (1, 32, 16)
    small = {stage: shape for stage, shape, _ in stage_shapes(CharSettings(hidden_size=16), v)}  # as torch says
    assert small["logits"] == str(tuple(logits.shape)) and small["h_n"] == small["c_n"] == str(tuple(c_n.shape))
    gru = {stage: shape for stage, shape, _ in stage_shapes(CharSettings(cell="GRU", input="embedding"), v)}
    assert gru["embedded inputs"] == "(35, 32, 64)" and "c_n" not in gru
    code = training_step_code(settings, v)
    assert "nn.LSTM(60, 256, 1)" in code and "x (35, 32, 60)" in code and "(1120, 60)" in code
    assert "clip_grad_norm_(parameters, 1)" in code and code.endswith("drop the graph")
    code = training_step_code(CharSettings(cell="GRU", input="embedding", sampling="random", clip=0), v)
    assert "nn.GRU(64, 256, 1)" in code and "clip" not in code and "state = None" in code


def test_same_seed_same_weights_without_touching_the_global_rng():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a, b = CharModel(20, seed=4), CharModel(20, seed=4)
    assert torch.rand(1) == before  # the global generator was not used
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(a.head.weight, CharModel(20, seed=5).head.weight)


def test_activation_grid_hover_names_the_character():
    text = "ab\ncd"
    fig = char_activation_grid(np.arange(10.0).reshape(5, 2), text, np.array([7, 3]), quantity="h", title="t")
    heatmap = fig.data[0]
    assert np.asarray(heatmap.z).shape == (2, 5) and list(heatmap.y) == ["unit 7", "unit 3"]
    assert list(heatmap.x) == ["0 · a", "1 · b", "2 · ⏎", "3 · c", "4 · d"]
    assert "character %{x}" in heatmap.hovertemplate and "h = %{z:.4f}" in heatmap.hovertemplate
    assert list(fig.layout.xaxis.ticktext) == ["a", "b", "⏎", "c", "d"]
    gate = char_activation_grid(np.zeros((5, 2)), text, np.array([0, 1]), quantity="f", title="t")
    assert (gate.data[0].zmin, gate.data[0].zmax) == (0.0, 1.0)  # sigmoid gates on 0..1
    with pytest.raises(ValueError, match="values must be"):
        char_activation_grid(np.zeros((4, 2)), text, np.array([0, 1]), quantity="h", title="t")
    long = char_activation_grid(np.zeros((250, 1)), "ab" * 125, np.array([0]), quantity="h", title="t")
    assert list(long.layout.xaxis.ticktext) == [str(t) for t in range(0, 250, 50)]  # positions, not every 3rd char
    assert long.layout.xaxis.title.text.startswith("position in the text")


def test_the_default_text_to_look_at_makes_the_features_vary():
    text = "aaaa\nbbbb\n" * 50 + "x = f('a', [b])\ny = 'c'\n" * 20
    piece = pick_inspect_text(text, length=40)
    assert len(piece) == 40 and "'" in piece and "[" in piece and "\n" in piece
    assert pick_inspect_text("abc") == "abc" and pick_inspect_text("") == ""


def test_coloured_text_lays_out_lines_and_keeps_every_character():
    assert text_layout("abc\nde", width=2) == [[0, 1], [2, 3], [4, 5]]
    text = "def f(x):\n    return 'x'\n"
    fig = coloured_text(text, np.linspace(-1, 1, len(text)), quantity="h", title="t", width=12)
    cells = [c for row in fig.data[0].text for c in row if c]
    assert len(cells) == len(text) and cells[0] == "d" and "⏎" in cells and "␣" in cells
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.isnan(z).sum() == z.size - len(text) and fig.data[0].texttemplate == "%{text}"


def test_perplexity_curve_bars_and_lines():
    fig = perplexity_curve(
        np.array([1, 2]),
        np.array([8.0, 7.0]),
        np.array([7.5, np.nan]),
        total_epochs=10,
        bound=6.4,
        step_epochs=np.array([0.5, 1.0]),
        step_perplexity=np.array([9.0, 8.0]),
    )
    assert [t.name for t in fig.data] == ["one step (exp of its loss)", "training (per epoch)", "held-out text"]
    assert fig.layout.yaxis.type == "log" and fig.layout.shapes[0].y0 == 6.4
    assert "entropy bound exp(H) = 6.400" in fig.layout.annotations[0].text
    empty = perplexity_curve(np.array([]), np.array([]), None, total_epochs=5)
    assert "press Start" in empty.layout.annotations[0].text and len(empty.data) == 1
    bars = unit_correlation_bars(np.array([0.1, -0.9, 0.5]), np.array([1, 2]), feature="depth")
    assert list(bars.data[0].x) == ["unit 1", "unit 2"]
    lines = feature_vs_units("abc", np.array([0.0, 1, 2]), np.zeros((3, 2)), np.array([4, 5]), feature_name="depth")
    assert [t.name for t in lines.data] == ["depth", "unit 4", "unit 5"] and lines.data[0].yaxis == "y2"
