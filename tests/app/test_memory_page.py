"""The Memory & gradients page in AppTest: the race (start, pause, one step, reset, cells, settings, divergence,
runs compared), the sweep and its crossover sentence, the gradient views and their controls, the hand-off to Step
through with the sequence, the exports, and every control's junk values.

In AppTest every ``at.run()`` runs the whole page once, so a running race (or sweep) trains exactly one tick per run.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from rnnviz.memory.crossover import crossover_sentence
from rnnviz.memory.gradients import connectivity_map, gradient_flow
from rnnviz.memory.settings import MemorySettings
from rnnviz.memory.sweep import summary
from rnnviz.memory.trainer import MemoryTrainer, held_out_sequence
from rnnviz.ui.memory.gradients import UNTRAINED_KEY
from rnnviz.ui.memory.task import CODE_KEY
from rnnviz.ui.step.sources import HANDOFF_KEY
from tests.app.helpers import (
    array,
    errors,
    figures,
    image_exports,
    module_line,
    open_expander,
    open_export,
    open_page,
    show_all_settings,
)

PAGE = "app_pages/memory.py"


@pytest.fixture
def page():
    return open_page(PAGE)


def race(at):
    return at.session_state["memory.run"]


def titles(at) -> list[str]:
    return [fig["layout"]["title"]["text"] for fig in figures(at)]


def figure(at, starts: str) -> dict:
    return next(f for f in figures(at) if f["layout"]["title"]["text"].startswith(starts))


def untrained_gradients(at):
    """Press the button that shows the gradient views of the race before it has trained."""
    at.button(key=f"{UNTRAINED_KEY}.button").click().run()
    return at


def small(at, steps: int = 40, length: int = 4):
    """Short runs: T = ``length``, ``steps`` steps scored every 20, 16 units."""
    at.number_input(key="memory.length").set_value(length)
    show_all_settings(at)
    at.number_input(key="memory.steps").set_value(steps)
    at.number_input(key="memory.eval_every").set_value(20)
    at.number_input(key="memory.hidden_size").set_value(16).run()
    return at


def race_to_the_end(at):
    at.button(key="memory.start").click().run()
    for _ in range(40):
        if race(at).finished:
            break
        at.run()
    assert race(at).finished and not at.exception
    at.run()
    return at


def test_opens_with_three_untrained_runs_and_their_gradients_on_request(page):
    assert not page.exception and not errors(page)
    live = race(page)
    assert [run.settings.cell for run in live.runs] == ["RNN", "LSTM", "GRU"] and live.name == "Runs 1–3"
    assert live.runs[0].settings == MemorySettings(cell="RNN") and live.steps_done == 0
    # before any training the gradient views wait for a click: nothing computed, nothing drawn
    assert "gradients" not in live.page_cache and not [t for t in titles(page) if "gradient" in t]
    assert "Update" not in {b.label for b in page.button}
    untrained_gradients(page)
    names = titles(page)
    assert names[0].startswith("A held-out sequence (T = 50): marked") and "answers" not in names[0]
    answered = figure(page, "Held-out sequence 0, LSTM (T = 50): marked")["layout"]["title"]["text"]
    assert answered.endswith(f"the model answers {race(page).page_cache['gradients'].flows['LSTM'].prediction:.3f}")
    assert "Training loss (MSE of the answer, log scale)" in names and "Held-out sequences answered" in names
    flow = figure(page, "How much of the loss's gradient reaches each step")
    assert [trace["name"] for trace in flow["data"]] == [
        "RNN: ‖∂L/∂h_t‖", "LSTM: ‖∂L/∂h_t‖", "LSTM: ‖∂L/∂c_t‖", "GRU: ‖∂L/∂h_t‖"
    ]  # fmt: skip
    assert flow["layout"]["yaxis"]["type"] == "log" and len(array(flow["data"][0]["y"])) == 50
    assert any(t.startswith("LSTM: what the output after step s depends on") for t in names)
    assert any(t.startswith("LSTM unit") and "forget-gate path" in t for t in names)
    badges = [m.value for m in page.markdown if "badge" in m.value]
    assert any("gradients verified" in b and ":green-badge" in b for b in badges), badges
    assert any(m.value.startswith("**How to read this.**") for m in page.markdown)
    labels = {b.label for b in page.button}
    assert {"Start", "Resume", "One step", "Reset", "Run the sweep", "Open in Step through", "Update"} <= labels


def test_the_training_step_in_pytorch_is_drawn_only_while_its_expander_is_open(page):
    def code() -> list[str]:
        return [e.proto.body for e in page.get("html") if "nn.LSTM(2, 64, batch_first=True)" in e.proto.body]

    assert not code()  # closed: nothing of it on the page's first load
    open_expander(page, CODE_KEY)
    assert len(code()) == 1 and "nn.utils.clip_grad_norm_(parameters, 1.0)" in code()[0]


def test_the_race_trains_every_cell_to_the_end_and_joins_the_comparison(page):
    race_to_the_end(small(page))
    live = race(page)
    assert all(run.trainer.finished for run in live.runs)
    assert len({len(run.trainer.history) for run in live.runs if not run.trainer.solved_at}) <= 1
    messages = [s.value for s in page.success]
    assert len(messages) == 3 and all(m.startswith("Run ") for m in messages)
    loss = figure(page, "Training loss")
    assert [trace["name"] for trace in loss["data"]] == ["RNN", "LSTM", "GRU"]
    answered = figure(page, "Held-out sequences answered")
    steps = [list(array(trace["x"])) for trace in answered["data"]]
    assert all(s[0] == 20 for s in steps)
    table = page.dataframe[-1].value
    assert list(table["run"]) == [1, 2, 3] and list(table["cell"]) == ["RNN", "LSTM", "GRU"]
    assert list(table["T"]) == [4, 4, 4] and "held-out answered" in table and "solved at step" in table
    for run, row in zip(live.runs, table.itertuples(), strict=True):
        assert row.steps == f"{run.trainer.steps_done} / 40"
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["GRU: answered"] == f"{live.runs[2].trainer.evaluations[-1].answered:.1%}"


def test_pause_one_step_and_reset_move_the_whole_race(page):
    small(page, steps=2000)
    page.select_slider(key="memory.speed").set_value(20).run()  # capped: 20 steps/s * 0.25 s = 5 steps each
    page.button(key="memory.start").click().run()
    live = race(page)
    assert live.running and [run.trainer.steps_done for run in live.runs] == [5, 5, 5]
    page.button(key="memory.pause").click().run()
    assert not live.running
    page.run()
    assert [run.trainer.steps_done for run in live.runs] == [5, 5, 5]
    page.button(key="memory.step").click().run()
    assert [run.trainer.steps_done for run in live.runs] == [6, 6, 6] and not live.running
    page.button(key="memory.reset").click().run()
    fresh = race(page)
    assert fresh is not live and fresh.numbers == (4, 5, 6) and fresh.steps_done == 0
    assert [r.number for r in page.session_state["memory.runs"]] == [1, 2, 3]


def test_the_cells_pick_what_races(page):
    untrained_gradients(page)
    page.pills(key="memory.cells").set_value(["LSTM"]).run()
    live = race(page)
    assert [run.settings.cell for run in live.runs] == ["LSTM"] and live.name == "Run 1"
    assert [t["name"] for t in figure(page, "How much of the loss's gradient")["data"]] == [
        "LSTM: ‖∂L/∂h_t‖", "LSTM: ‖∂L/∂c_t‖"
    ]  # fmt: skip
    page.pills(key="memory.cells").set_value(["GRU", "RNN"]).run()
    assert [run.settings.cell for run in race(page).runs] == ["RNN", "GRU"] and race(page).numbers == (1, 2)
    assert any(c.value == "Add the LSTM to the race to see its forget-gate path." for c in page.caption)
    page.pills(key="memory.cells").set_value([]).run()
    assert not page.exception
    assert "Cells: pick at least one of RNN, LSTM and GRU in the sidebar." in errors(page)
    assert page.button(key="memory.start").disabled and figures(page)  # the untrained race stays on screen


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("memory.length", 1, "Sequence length T must be a whole number from 2 to 100000, got 1"),
        ("memory.length", 90_000, "Sequence length T is too long for this machine: 64 sequences of 90,000 steps"),
        ("memory.hidden_size", 0, "Hidden size must be a whole number from 1 to 512, got 0"),
        ("memory.hidden_size", 1000, "Hidden size must be a whole number from 1 to 512, got 1000"),
        ("memory.batch_size", 0, "Sequences per step must be a whole number from 1 to 1024, got 0"),
        ("memory.steps", 0, "Steps (at most) must be a whole number from 1 to 1000000, got 0"),
        ("memory.eval_every", 0, "Score the held-out sequences every … steps must be a whole number from 1"),
        ("memory.seed", -1, "Seed must be a whole number from 0 to 4294967295, got -1"),
        ("memory.clip", -1.0, "Gradient clipping (max norm) must be a number from 0.0"),
    ],
)
def test_junk_numbers_say_which_widget_to_change(page, key, value, words):
    show_all_settings(page)
    page.number_input(key=key).set_value(value).run()
    assert not page.exception
    assert any(words in e and e.endswith("Change it in the sidebar.") for e in errors(page)), errors(page)
    assert page.button(key="memory.start").disabled and figures(page)  # the last valid race stays


@pytest.mark.parametrize("text", ["abc", "", "nan", "0", "-1", "1e999", "500"])
def test_junk_learning_rates_and_momentum(page, text):
    show_all_settings(page)
    page.text_input(key="memory.lr").set_value(text).run()
    assert any("Learning rate must be a number above 0.0 up to 100.0" in e for e in errors(page))
    page.text_input(key="memory.lr").set_value("0.02").run()
    page.radio(key="memory.optimizer").set_value("SGD").run()
    page.number_input(key="memory.momentum").set_value(1.5).run()
    assert any(e.startswith("Momentum must be a number from 0.0 up to 0.999, got 1.5") for e in errors(page))
    page.number_input(key="memory.momentum").set_value(0.5).run()
    assert not errors(page) and race(page).runs[0].settings.momentum == 0.5 and race(page).runs[0].settings.lr == 0.02


def test_a_diverging_race_stops_with_advice_and_keeps_earlier_runs(page):
    race_to_the_end(small(page, steps=20))
    show_all_settings(page)
    page.radio(key="memory.optimizer").set_value("SGD").run()
    page.text_input(key="memory.lr").set_value("100").run()
    page.number_input(key="memory.clip").set_value(0.0).run()
    race_to_the_end(page)
    live = race(page)
    assert all(run.trainer.diverged for run in live.runs)
    for run in live.runs:
        assert any(f"{run.name} ({run.settings.cell}): Training diverged" in e for e in errors(page))
    assert any("Lower the learning rate (now 100" in e and "turn on gradient clipping" in e for e in errors(page))
    table = page.dataframe[-1].value
    assert list(table["status"]) == ["finished"] * 3 + ["diverged"] * 3
    assert not page.exception  # the gradient views of a diverged model still draw (NaN shows as gaps)


def test_a_changed_setting_keeps_the_trained_race_for_the_next(page):
    small(page, steps=20)
    page.button(key="memory.step").click().run()
    page.number_input(key="memory.length").set_value(8).run()
    assert race(page).runs[0].settings.length == 4
    assert any("The settings changed. Runs 1–3 keeps its own" in i.value for i in page.info)
    assert page.button(key="memory.start").label == "Start new run"
    page.button(key="memory.start").click().run()
    assert race(page).runs[0].settings.length == 8 and race(page).numbers == (4, 5, 6)


def test_the_sweep_runs_in_chunks_and_says_where_it_breaks(page):
    small(page)
    page.text_input(key="memory.sweep.lengths").set_value("3, 6").run()
    page.number_input(key="memory.sweep.steps").set_value(10).run()
    page.button(key="memory.sweep.start").click().run()
    sweep = page.session_state["memory.sweep"]
    assert sweep.plan.lengths == (3, 6) and sweep.plan.steps == 10 and sweep.total == 6
    for _ in range(40):
        if sweep.finished:
            break
        page.run()
    page.run()
    assert sweep.finished and not page.exception and len(sweep.results) == 6
    success = figure(page, "Where it breaks: held-out sequences answered vs sequence length T")
    assert [t["name"] for t in success["data"] if t.get("showlegend", True)] == ["RNN", "LSTM", "GRU"]
    sentence = crossover_sentence(summary(sweep.results))
    assert any(m.value == sentence for m in page.markdown), sentence  # the page says what the results say
    table = next(d.value for d in page.dataframe if "answered (%)" in d.value)
    assert list(table["T"]) == [3, 6, 3, 6, 3, 6] and list(table["runs"]) == [1] * 6
    assert "Sweep results (CSV, one row per run)" in [b.label for b in page.get("download_button")]


def test_the_race_and_the_sweep_take_turns(page):
    small(page)
    page.text_input(key="memory.sweep.lengths").set_value("3").run()
    page.number_input(key="memory.sweep.steps").set_value(500).run()
    page.button(key="memory.sweep.start").click().run()
    sweep = page.session_state["memory.sweep"]
    assert sweep.running
    page.button(key="memory.start").click().run()  # the race starts: the sweep stops
    assert race(page).running and not sweep.running
    assert any("The sweep stopped while the race trains" in i.value for i in page.info)
    page.button(key="memory.sweep.pause").click().run()  # Resume the sweep: the race pauses
    assert sweep.running and not race(page).running
    page.button(key="memory.sweep.pause").click().run()  # Stop
    assert not sweep.running
    page.button(key="memory.sweep.clear").click().run()
    assert page.session_state["memory.sweep"] is None and not page.exception


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("memory.sweep.lengths", "abc", "Sequence lengths T: 'abc' is not a whole number of steps >= 2."),
        ("memory.sweep.lengths", "", "Sequence lengths T: give at least one sequence length T"),
        ("memory.sweep.lengths", "1, 5", "Sequence lengths T: '1' is not a whole number of steps >= 2."),
        ("memory.sweep.lengths", "5, 90000", "This sweep cannot run: length is too long for this machine"),
        ("memory.sweep.seeds", 0, "Seeds per cell and T must be a whole number from 1 to 10, got 0."),
        ("memory.sweep.seeds", 11, "Seeds per cell and T must be a whole number from 1 to 10, got 11."),
        ("memory.sweep.steps", 0, "Steps per run must be a whole number from 1 to 1,000,000, got 0."),
        ("memory.sweep.steps", 100_000, "This sweep cannot run: runs: 15 runs of up to 100,000 steps"),
    ],
)
def test_junk_sweep_plans_say_what_to_change(page, key, value, words):
    widget = page.text_input(key=key) if key.endswith("lengths") else page.number_input(key=key)
    widget.set_value(value).run()
    assert not page.exception
    assert any(words in e for e in errors(page)), errors(page)
    assert page.button(key="memory.sweep.start").disabled


def test_the_gradient_views_show_themselves_once_the_race_has_trained(page):
    page.button(key="memory.step").click().run()
    assert race(page).steps_done == 1
    assert not [b for b in page.button if b.key == f"{UNTRAINED_KEY}.button"]
    assert race(page).page_cache["gradients"].state[0] == ((1, 1), (2, 1), (3, 1))  # the models after that step
    assert any(t.startswith("How much of the loss's gradient reaches each step") for t in titles(page))


def test_the_gradient_controls_change_what_is_shown(page):
    untrained_gradients(page)
    views = race(page).page_cache["gradients"]
    assert views.state[1] == 0
    page.number_input(key="memory.grad.sequence").set_value(7).run()
    views = race(page).page_cache["gradients"]
    held = race(page).runs[0].trainer.held_out
    assert views.state[1] == 7 and views.marks == tuple(held.marks[7].tolist())
    assert f"= {float(held.target[7, 0]):.3f}; the model answers {views.flows['LSTM'].prediction:.3f}" in next(
        t for t in titles(page) if t.startswith("Held-out sequence 7, LSTM (T = 50)")
    )  # the sequence of the views, with the answer of the map's model
    page.selectbox(key="memory.grad.cell").set_value("RNN").run()
    assert any(t.startswith("RNN: what the output after step s depends on") for t in titles(page))
    assert any(t.startswith("Held-out sequence 7, RNN (T = 50)") for t in titles(page))
    forget = views.forget
    unit = int(forget.persistent_units()[3])
    page.selectbox(key="memory.grad.unit").set_value(unit).run()
    assert any(t.startswith(f"LSTM unit {unit}:") for t in titles(page))
    caption = next(c.value for c in page.caption if c.value.startswith("Along the cell path"))
    assert f"for unit {unit}, from the first marked step t = {views.marks[0]}" in caption
    assert f"{forget.path[views.marks[0], unit]:.3g}" in caption and "exactly 1 at every step" in caption
    page.number_input(key="memory.grad.sequence").set_value(1000).run()
    assert "Held-out sequence must be a whole number from 0 to 999, got 1000." in errors(page)
    assert not page.exception


def test_the_views_follow_the_trained_models_and_update_on_request(page):
    small(page, steps=2000)
    page.button(key="memory.start").click().run()
    page.run()
    live = race(page)
    shown = live.page_cache["gradients"]
    assert shown.state[0] != tuple((run.number, run.trainer.steps_done) for run in live.runs)  # kept while training
    page.button(key="memory.grad.update").click().run()
    shown = live.page_cache["gradients"]
    assert shown.state[0][0][1] > 0
    # every view reads the copies taken at that state, though the race trains on
    x, target = held_out_sequence(live.runs[1].trainer, shown.state[1])
    assert shown.flows["LSTM"].prediction == gradient_flow(shown.models["LSTM"], x, target).prediction
    (drawn_map,) = live.page_cache["gradient_maps"].values()
    assert np.array_equal(drawn_map.values, connectivity_map(shown.models[drawn_map.cell], x).values)
    page.button(key="memory.pause").click().run()
    state = tuple((run.number, run.trainer.steps_done) for run in live.runs)
    assert live.page_cache["gradients"].state[0] == state  # paused: the views show the models as they are


def test_open_in_step_through_hands_over_the_model_and_its_sequence(page):
    small(page, steps=20)
    page.button(key="memory.step").click().run()
    page.number_input(key="memory.grad.sequence").set_value(2).run()
    page.selectbox(key="memory.export.cell").set_value("GRU").run()
    gru = race(page).runs[2].trainer
    page.button(key="memory.handoff").click().run()
    handoff = page.session_state[HANDOFF_KEY]
    assert handoff.label == "trained on Memory & gradients (GRU, T = 4, 1 steps)"
    assert handoff.checkpoint == gru.checkpoint_bytes()
    assert np.array_equal(handoff.values, gru.held_out.x[2].double().numpy()) and handoff.values.shape == (4, 2)
    assert handoff.input_label == "held-out sequence 2 of its task (T = 4)" and handoff.target is None
    page.switch_page("app_pages/step_through.py").run()
    assert not page.exception and not errors(page)
    assert page.radio(key="step.model_source").value == handoff.label
    assert page.radio(key="step.input_source").value == handoff.input_label
    assert any("matches torch.nn.GRU forward" in m.value for m in page.markdown)
    assert module_line(page).startswith("module = torch.nn.GRU(2, 16") and "batch_first=True" in module_line(page)
    page.radio(key="step.model_source").set_value("built from the sidebar").run()  # its input size is not 2
    assert not page.exception
    assert any("The input has 2 features but the model expects input_size=1" in e for e in errors(page)), errors(page)


def test_exports_of_a_run(page):
    small(page, steps=20)
    page.button(key="memory.step").click().run()
    open_export(page, "memory")
    labels = [b.label for b in page.get("download_button")]
    for label in ("Loss of every step (CSV)", "Held-out scores (CSV)", "Reproduce with plain PyTorch (.py)"):
        assert label in labels
    assert any(label.startswith("Checkpoint (.pt") for label in labels) and "HTML" in labels
    assert image_exports(page)["memory.export.figure.download.image"]["name"].startswith("race_loss")  # PNG, SVG
    lstm = race(page).runs[1].trainer
    payload = torch.load(io.BytesIO(lstm.checkpoint_bytes()), weights_only=True)
    assert payload["format"] == "rnnviz.memory.v1" and payload["steps_done"] == 1
    assert MemoryTrainer.from_checkpoint(lstm.checkpoint_bytes()).settings == lstm.settings
    figure_names = page.selectbox(key="memory.export.figure").options
    assert {
        "race_loss",
        "race_answered",
        "example_sequence",
        "gradient_flow",
        "connectivity_lstm",
        "forget_path",
    } <= set(figure_names)


def test_settings_and_the_race_survive_a_trip_to_another_page(page):
    page.number_input(key="memory.hidden_size").set_value(12).run()
    page.pills(key="memory.cells").set_value(["RNN", "GRU"]).run()
    page.button(key="memory.step").click().run()
    before = race(page)
    page.switch_page("app_pages/home.py").run()
    page.switch_page(PAGE).run()
    assert not page.exception and race(page) is before
    assert page.number_input(key="memory.hidden_size").value == 12
    assert page.pills(key="memory.cells").value == ["RNN", "GRU"]
