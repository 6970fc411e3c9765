"""The Step-through page: the per-step view in the browser (its data), the same view drawn on the server for
traces too large to send (the scrubber, play, equations), selectors, the URL, interventions and exports."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnnviz import Experiment, GateClamp, InputSpec, Intervention, ModelSpec, build_run, intervene, trace
from rnnviz.core.equations import equations
from rnnviz.experiment.run import traced_run
from rnnviz.figures import step_view
from rnnviz.ui.step.interventions import WHAT_IF_KEY
from tests.app.helpers import (
    array,
    errors,
    figures,
    image_exports,
    markdown_tables,
    open_expander,
    open_export,
    open_page,
    viewer_data,
)

PAGE = "app_pages/step_through.py"


@pytest.fixture
def step():
    return open_page(PAGE)


@pytest.fixture
def server_step(monkeypatch):
    """The page with every trace too large for the browser viewer: the view is drawn on the server."""
    monkeypatch.setattr(step_view, "MAX_PAYLOAD_BYTES", 0)
    return open_page(PAGE)


def latex(at) -> list[str]:
    return [item.value for item in at.latex]


def test_the_browser_viewer_gets_every_number_of_every_step(step):
    data = viewer_data(step)
    assert data["steps"] == 40 and data["unit"] == 0 and data["t"] == 0 and not data["all_units"]
    assert [line["name"] for line in data["equations"]] == ["i", "f", "g", "o", "c", "h"]
    trace = traced_run(Experiment(ModelSpec()))  # the page's defaults
    for t in (0, 17, 39):
        server = equations(trace, t=t, unit=0)
        for line, expected in zip(data["equations"], server, strict=True):
            assert line["slots"][-1][t] == expected.evaluated.rsplit("= ", 1)[-1].removesuffix(r"\end{aligned}")
    keys = {"step-heatmap-" + name for name in ("i", "f", "g", "o", "h", "c")} | {"step-lines-x", "step-lines-h"}
    assert set(data["markers"]) == keys  # the charts the browser marks the step on
    assert data["speeds"] == [5, 10, 20, 30]
    assert not any(f["layout"].get("shapes") for f in figures(step))  # no server-drawn marker: the browser moves it
    assert not latex(step) and not any("too large to send" in i.value for i in step.info)


def test_a_shared_link_opens_on_its_step_unit_and_layer(step):
    at = open_page(PAGE, query={"t": "12", "unit": "3", "num_layers": "2", "layer": "1"})
    data = viewer_data(at)
    assert (data["t"], data["unit"]) == (12, 3) and not at.exception
    assert "layer 1, forward" in figures(at)[0]["layout"]["title"]["text"]
    assert (at.query_params["t"], at.query_params["unit"], at.query_params["layer"]) == ("12", "3", "1")


def test_a_shorter_sequence_and_a_smaller_model_clamp_the_step_and_unit(step):
    at = open_page(PAGE, query={"t": "30", "unit": "15"})
    at.slider(key="seq_len").set_value(10).run()
    at.slider(key="hidden_size").set_value(4).run()
    assert not at.exception and not errors(at)
    data = viewer_data(at)
    assert data["t"] == 9 and data["unit"] == 3 and data["steps"] == 10


def test_every_unit_as_bars_and_the_reverse_direction(step):
    step.toggle(key="bidirectional").set_value(True).run()
    step.selectbox(key="step.direction").set_value(1).run()
    step.toggle(key="step.all_units").set_value(True).run()
    data = viewer_data(step)
    assert data["reverse"] and data["all_units"] and all("bars" in card for card in data["cards"])
    assert "t+1" in json.dumps(data["cards"])  # the reverse direction starts from h_{t+1}


def test_too_large_a_trace_is_drawn_on_the_server_and_says_so(server_step):
    assert any("too large to send to the browser" in i.value for i in server_step.info)
    assert not [e for e in server_step.get("bidi_component") if e.proto.component_name == "rnnviz.step_viewer"]
    assert latex(server_step) and server_step.slider(key="step.t").value == 0


def test_opens_verified_with_every_gate_and_state(server_step):
    assert any("matches torch.nn.LSTM forward" in m.value for m in server_step.markdown)
    titles = [f["layout"]["title"]["text"] for f in figures(server_step)]
    for name in ("i_t", "f_t", "g_t", "o_t", "h_t", "c_t"):
        assert any(title.startswith(name) for title in titles), (name, titles)
    assert any("f_t[0] &= \\sigma(" in item for item in latex(server_step))


def test_time_slider_moves_the_marker_and_the_numbers(server_step):
    before = latex(server_step)
    server_step.slider(key="step.t").set_value(17).run()
    assert not server_step.exception and not errors(server_step)
    marker = figures(server_step)[0]["layout"]["shapes"][0]
    assert marker["x0"] == 17 == marker["x1"]
    assert latex(server_step) != before
    assert any("Shapes at step t = 17" in e.label for e in server_step.expander)


def test_back_and_next_buttons_stay_in_range(server_step):
    server_step.button(key="step.t.back").click().run()
    assert server_step.slider(key="step.t").value == 0
    server_step.button(key="step.t.forward").click().run()
    server_step.button(key="step.t.forward").click().run()
    assert server_step.slider(key="step.t").value == 2
    server_step.slider(key="step.t").set_value(39).run()
    server_step.button(key="step.t.forward").click().run()
    assert server_step.slider(key="step.t").value == 39


def test_play_advances_and_pause_stops(server_step):
    server_step.button(key="step.t.play").click().run()
    assert server_step.session_state["step.t.playing"] is True
    assert server_step.slider(key="step.t").value == 1  # the first tick runs with the page
    server_step.button(key="step.t.play").click().run()
    assert server_step.session_state["step.t.playing"] is False


def test_shorter_sequence_clamps_the_step(server_step):
    server_step.slider(key="step.t").set_value(30).run()
    server_step.slider(key="seq_len").set_value(10).run()
    assert not server_step.exception and not errors(server_step)
    assert server_step.slider(key="step.t").value == 9


def test_one_step_sequence(server_step):
    server_step.slider(key="seq_len").set_value(1).run()
    assert not server_step.exception and not errors(server_step)
    assert any("one step" in c.value for c in server_step.caption)


@pytest.mark.parametrize("cell", ["GRU", "RNN (tanh)", "RNN (relu)"])
def test_other_cells_show_their_own_equations(server_step, cell):
    server_step.selectbox(key="cell").set_value(cell).run()
    assert not server_step.exception and not errors(server_step)
    joined = " ".join(latex(server_step))
    if cell == "GRU":
        assert "r_t \\odot (W_{hn} h_{t-1} + b_{hn})" in joined and "n_t[0]" in joined
    else:
        assert ("\\tanh" if "tanh" in cell else "\\mathrm{relu}") in joined


def test_layer_direction_batch_and_unit_selectors(server_step):
    server_step.slider(key="num_layers").set_value(2).run()
    server_step.toggle(key="bidirectional").set_value(True).run()
    server_step.slider(key="batch").set_value(3).run()
    server_step.selectbox(key="step.layer").set_value(1).run()
    server_step.selectbox(key="step.direction").set_value(1).run()
    server_step.selectbox(key="step.batch").set_value(2).run()
    server_step.number_input(key="step.unit").set_value(15).run()
    assert not server_step.exception and not errors(server_step)
    assert "layer 1, reverse, batch item 2" in figures(server_step)[0]["layout"]["title"]["text"]
    assert any("[15]" in item for item in latex(server_step))


def test_projection_equations(server_step):
    server_step.number_input(key="proj_size").set_value(4).run()
    server_step.number_input(key="step.unit").set_value(10).run()  # a unit of c beyond the projected size
    assert not server_step.exception and not errors(server_step)
    assert any("m_t[10]" in item for item in latex(server_step))


def figure_titled(at, start: str) -> dict:
    return next(f for f in figures(at) if f["layout"]["title"]["text"].startswith(start))


def test_clamping_the_forget_gate_says_what_it_does_and_shows_every_state_changed(step):
    open_expander(step, WHAT_IF_KEY)
    step.multiselect(key="step.clamp.gates").set_value(["f"]).run()  # f = 1 at every step by default
    assert not step.exception and not errors(step)
    assert any("gates clamped" in c.value for c in step.caption)
    said = [m.value.replace("\\", "") for m in step.markdown]
    assert "**f = 1: the cell keeps everything it had; c_t only adds i ⊙ g.**" in said
    check = next(c.value for c in step.caption if c.value.startswith("On the changed run"))
    assert check.startswith("On the changed run, c_t = c_{t-1} + i_t ⊙ g_t holds at steps 0 to 39: max |Δ| = ")
    run = build_run(Experiment(ModelSpec(), InputSpec()))
    unchanged = trace(run.module, run.x, run.hx)
    clamp = GateClamp("f", 1.0, tuple(range(40)))
    changed = intervene(run.module, run.x, Intervention(clamps=(clamp,)), run.hx)
    for name in ("h", "c"):  # every state of the LSTM, as the changed run minus the unchanged one
        shown = array(figure_titled(step, f"Δ{name}_t: changed − unchanged")["data"][0]["z"])  # (units, T)
        expected = (changed.state(name) - unchanged.state(name))[:, 0].numpy().T
        np.testing.assert_allclose(shown, expected, atol=1e-6)
        assert abs(expected).max() > 1e-3
    assert not any(f["layout"]["title"]["text"].startswith("Δoutput") for f in figures(step))  # output is h here


def test_two_layers_show_the_output_changed_and_each_clamp_in_words(step):
    step.slider(key="num_layers").set_value(2).run()
    open_expander(step, WHAT_IF_KEY)
    step.multiselect(key="step.clamp.gates").set_value(["i", "o"]).run()  # i = 0 and o = 1 by default
    said = [m.value.replace("\\", "") for m in step.markdown]
    assert "**i = 0: nothing new is written; the cell only fades by f.**" in said
    assert "**o = 1: the cell shows all of its state.**" in said
    assert sum(c.value.startswith("On the changed run") and " holds at " in c.value for c in step.caption) == 2
    output = array(figure_titled(step, "Δoutput (top layer, every direction)")["data"][0]["z"])
    assert output.shape == (16, 40) and abs(output).max() > 0  # layer 0 clamped: layer 1, the output, changes


@pytest.mark.parametrize(("key", "value"), [("step.h0_fill", 0.5), ("step.c0_fill", -1.0), ("step.nudge.delta", 2.0)])
def test_state_and_input_changes_are_verified_runs(step, key, value):
    open_expander(step, WHAT_IF_KEY)
    step.number_input(key=key).set_value(value).run()
    assert not step.exception and not errors(step)
    assert any("Changed run: matches torch.nn.LSTM" in c.value for c in step.caption)


def test_what_if_draws_its_controls_only_while_open_and_keeps_them(step):
    def keys() -> set[str]:
        return {widget.key for kind in ("multiselect", "number_input", "slider") for widget in getattr(step, kind)}

    assert not keys() & {"step.clamp.gates", "step.h0_fill", "step.nudge.delta"}  # closed: nothing of it drawn
    open_expander(step, WHAT_IF_KEY)
    step.number_input(key="step.h0_fill").set_value(0.5).run()
    assert any("Changed run: matches torch.nn.LSTM" in c.value for c in step.caption)
    step.session_state[WHAT_IF_KEY] = False  # closed again, as a click on it does
    step.run()
    assert "step.h0_fill" not in keys() and not any("Changed run" in c.value for c in step.caption)
    open_expander(step, WHAT_IF_KEY)
    assert step.number_input(key="step.h0_fill").value == 0.5  # the change is still there
    assert any("Changed run: matches torch.nn.LSTM" in c.value for c in step.caption)


def test_gru_has_no_cell_state_to_fill(step):
    step.selectbox(key="cell").set_value("GRU").run()
    open_expander(step, WHAT_IF_KEY)
    assert step.number_input(key="step.c0_fill").disabled


def test_export_section_offers_every_file_once_opened(step):
    assert not step.get("download_button") and not image_exports(step)  # closed: nothing of it is made
    open_export(step, "step")
    labels = [b.label for b in step.get("download_button")]
    for label in ("Trace as CSV (long format)", "Trace as NPZ", "Reproduce in Python (.py)", "HTML"):
        assert label in labels
    assert image_exports(step)["step.export.figure.download.image"]["name"] == "i_layer0_dir0"  # PNG, SVG
    assert len(step.selectbox(key="step.export.figure").options) == 6  # i f g o h c
    assert any("rnnviz.trace(run.module, run.x, run.hx)" in c.value for c in step.code)


@pytest.mark.parametrize("cell", ["LSTM", "GRU", "RNN (tanh)"])
def test_cell_loop_equivalence_is_shown(step, cell):
    step.selectbox(key="cell").set_value(cell).run()
    name = {"LSTM": "LSTMCell", "GRU": "GRUCell", "RNN (tanh)": "RNNCell"}[cell]
    assert any(f"same numbers from torch.nn.{name} called step by step" in c.value for c in step.caption)


def test_the_shapes_expander_lists_every_quantity_of_one_lstm_step(step):
    """A markdown table (no st.table or data grid: their scripts are heavy for a first load) with every quantity
    of one step."""
    table = markdown_tables(step)[0]
    shapes = {row["quantity"]: tuple(int(n) for n in row["shape"].strip("()").split(",") if n) for row in table}
    names = ["x_t", "W_ih", "h_{t-1}", "W_hh", "b_ih", "b_hh", "i_t", "f_t", "g_t", "o_t", "c_{t-1}", "c_t", "h_t"]
    assert list(shapes) == names
    (batch, inputs), (_, hidden) = shapes["x_t"], shapes["h_t"]
    assert shapes["W_ih"] == (4 * hidden, inputs) and shapes["W_hh"] == (4 * hidden, hidden)
    assert shapes["b_ih"] == shapes["b_hh"] == (4 * hidden,)
    assert all(shapes[name] == (batch, hidden) for name in names[6:])
