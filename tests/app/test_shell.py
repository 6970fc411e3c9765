"""Every page opens without an exception; the overview page reacts to every control and every bad setting."""

from __future__ import annotations

import pytest

from tests.app.helpers import PAGES, array, errors, figures, open_page


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_opens_with_its_title(page):
    at = open_page(page)
    assert [t.value for t in at.title][0] == PAGES[page]
    assert not errors(at)


def test_overview_shows_verified_hidden_and_cell_state(home):
    badge = [m.value for m in home.markdown if "badge" in m.value]
    assert len(badge) == 1 and "matches torch.nn.LSTM forward" in badge[0] and ":green-badge" in badge[0]
    specs = figures(home)
    assert len(specs) == 2  # h and c for an LSTM
    heatmap = specs[0]["data"][0]
    assert heatmap["type"] == "heatmap"
    assert array(heatmap["z"]).shape == (16, 40)  # (units, time) at the defaults
    assert specs[0]["layout"]["xaxis"]["title"]["text"] == "time step t"


def _units_and_steps(at):
    return array(figures(at)[0]["data"][0]["z"]).shape


@pytest.mark.parametrize(
    ("widget", "key", "value", "expected"),
    [
        ("slider", "hidden_size", 8, (8, 40)),
        ("slider", "seq_len", 12, (16, 12)),
        ("number_input", "proj_size", 4, (4, 40)),
    ],
)
def test_size_controls_change_the_heatmap(home, widget, key, value, expected):
    getattr(home, widget)(key=key).set_value(value).run()
    assert not home.exception and not errors(home)
    assert _units_and_steps(home) == expected


@pytest.mark.parametrize(("cell", "figure_count"), [("GRU", 1), ("RNN (tanh)", 1), ("RNN (relu)", 1), ("LSTM", 2)])
def test_cell_type_changes_the_states_shown(home, cell, figure_count):
    home.selectbox(key="cell").set_value(cell).run()
    assert not home.exception and not errors(home)
    assert len(figures(home)) == figure_count
    badge = next(m.value for m in home.markdown if "badge" in m.value)
    assert "matches" in badge and ":green-badge" in badge


def test_layers_directions_and_batch_selectors(home):
    home.slider(key="num_layers").set_value(3).run()
    home.toggle(key="bidirectional").set_value(True).run()
    home.slider(key="batch").set_value(4).run()
    home.toggle(key="batch_first").set_value(True).run()
    assert not home.exception and not errors(home)
    assert list(home.selectbox(key="home.layer").options) == ["0", "1", "2"]
    home.selectbox(key="home.layer").set_value(2).run()
    home.selectbox(key="home.direction").set_value(1).run()
    home.selectbox(key="home.batch").set_value(3).run()
    assert "layer 2, reverse" in figures(home)[0]["layout"]["title"]["text"]


@pytest.mark.parametrize("signal", ["sine", "random normal", "step", "impulse"])
def test_every_signal_traces(home, signal):
    home.selectbox(key="signal").set_value(signal).run()
    home.number_input(key="seed").set_value(7).run()
    assert not home.exception and not errors(home)
    assert len(figures(home)) == 2


@pytest.mark.parametrize(
    ("cell", "proj_size", "message"),
    [("GRU", 4, "proj_size is only supported by LSTM"), ("LSTM", 16, "proj_size has to be smaller than hidden_size")],
)
def test_impossible_projection_is_explained_and_recoverable(home, cell, proj_size, message):
    home.selectbox(key="cell").set_value(cell).run()
    home.number_input(key="proj_size").set_value(proj_size).run()
    assert not home.exception
    assert any(message in e for e in errors(home))
    assert not figures(home)
    home.number_input(key="proj_size").set_value(0).run()
    assert not errors(home) and figures(home)  # fixing the setting brings the view back


def test_the_warm_up_leaves_random_numbers_and_threads_alone_and_caches_the_default_text(monkeypatch):
    """app.py's first run warms the process up; a page's seeded numbers must not depend on whether it ran."""
    import numpy as np
    import torch

    from rnnviz.ui.charlm import corpus
    from rnnviz.ui.common.warmup import warm_up

    corpus.cached_brackets.clear()
    torch_state, numpy_state, threads = torch.random.get_rng_state(), np.random.get_state(), torch.get_num_threads()
    warm_up()
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    assert all(np.array_equal(a, b) for a, b in zip(np.random.get_state(), numpy_state, strict=True))
    assert torch.get_num_threads() == threads
    monkeypatch.setattr(corpus, "brackets_corpus", lambda *_: pytest.fail("the default text was not cached"))
    assert len(corpus.cached_brackets(corpus.DEFAULT_BRACKET_LENGTH, 0).text) == corpus.DEFAULT_BRACKET_LENGTH
