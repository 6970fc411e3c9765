"""The Train: sin -> cos page in AppTest: settings, start / pause / one step / reset, divergence, the runs
compared, junk settings, and the hand-off to Step through.

In AppTest every ``at.run()`` runs the whole page once, so a running session trains exactly one tick per run
(uncapped: ~0.45 s of training; capped at r steps/s: r * 0.25 s worth, from a fresh pace clock).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from rnnviz.figures.cell_diagram import format_value
from rnnviz.sine.data import training_stretch
from rnnviz.sine.settings import SineSettings
from rnnviz.sine.trainer import SineTrainer
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

PAGE = "app_pages/train_sine.py"


@pytest.fixture
def page():
    return open_page(PAGE)


def live(at):
    return at.session_state["train.run"]


def running(at) -> bool:
    return live(at) is not None and live(at).running


def steps_done(at) -> int:
    return live(at).trainer.steps_done


def titles(at) -> list[str]:
    return [fig["layout"]["title"]["text"] for fig in figures(at)]


def settle(at, steps: int | None = None, fast: bool = True):
    """Make the next runs short: a small step budget and (by default) no speed cap."""
    if steps is not None:
        show_all_settings(at)
        at.number_input(key="train.steps").set_value(steps)
    if fast:
        at.select_slider(key="train.speed").set_value("as fast as possible")
    return at.run()


def train_to_the_end(at, cell: str | None = None, steps: int = 40):
    if cell is not None:
        at.selectbox(key="train.cell").set_value(cell)
    settle(at, steps)
    at.button(key="train.start").click().run()
    for _ in range(20):  # one tick per run; 40 steps take one or a few
        if live(at).trainer.finished:
            break
        at.run()
    assert live(at).trainer.finished and not at.exception
    return at


def test_opens_with_the_reference_setup_and_an_untrained_view(page):
    assert not page.exception and not errors(page)
    s = live(page).settings
    assert s == SineSettings()  # nn.RNN(1, 32) + Linear, Adam lr 0.02, 300 steps of 10 points, carried state
    assert (s.cell, s.hidden_size, s.lr, s.optimizer, s.steps, s.points) == ("RNN", 32, 0.02, "Adam", 300, 10)
    assert steps_done(page) == 0 and not running(page)
    assert "Step 0 of 300" in page.get("progress")[0].proto.text
    names = titles(page)
    assert names[0].startswith("Training loss") and "log scale" in names[0]
    assert names[1].startswith("Current window after step 0")
    assert names[2].startswith("Unseen stretch of 20π")
    assert names[3].startswith("h_t on the current window")
    loss = figures(page)[0]
    assert loss["layout"]["yaxis"]["type"] == "log"
    assert any("matches torch.nn.RNN forward" in m.value for m in page.markdown)
    labels = {b.label for b in page.button}
    assert {"Start", "Resume", "One step", "Reset", "Open in Step through"} <= labels


def test_the_training_step_in_pytorch_is_drawn_only_while_its_expander_is_open(page):
    def code() -> list[str]:
        return [block.value for block in page.code if "h = h_n.detach()" in block.value]

    assert not code()  # closed: nothing of it on the page's first load
    open_expander(page, "train.code")
    assert len(code()) == 1 and "loss = F.mse_loss(head(out), target)" in code()[0]


def test_start_trains_to_the_end_and_shows_the_loss_curve(page):
    train_to_the_end(page, steps=60)
    assert steps_done(page) == 60 and not running(page)
    assert any("Finished: all 60 steps done" in s.value for s in page.success)
    loss = figures(page)[0]
    assert len(array(loss["data"][0]["y"])) == 60
    assert "Step 60 of 60" in page.get("progress")[0].proto.text
    # the finished run is in the comparison: overlay + table
    assert any(t.startswith("Loss of every run") for t in titles(page))
    table = page.dataframe[0].value
    assert list(table["run"]) == [1] and table["steps"][0] == "60 / 60"


def test_start_pause_resume_one_step_reset(page):
    settle(page, steps=1000, fast=False)
    page.select_slider(key="train.speed").set_value(20).run()  # capped: 20 steps/s * 0.25 s = 5 per tick
    page.button(key="train.start").click().run()
    assert running(page)
    first = steps_done(page)
    assert first == 5, first
    time.sleep(0.3)  # the cap counts wall time: 0.3 s later, 6 more steps are due (10 at most: 2 refreshes)
    page.run()
    assert first + 6 <= steps_done(page) <= first + 10  # still training: another tick
    assert [b.label for b in page.button if b.key == "train.pause"] == ["Pause"]

    page.button(key="train.pause").click().run()
    paused = steps_done(page)
    assert not running(page)
    page.run()
    page.run()
    assert steps_done(page) == paused  # paused: runs do not train
    assert [b.label for b in page.button if b.key == "train.pause"] == ["Resume"]

    page.button(key="train.step").click().run()
    assert steps_done(page) == paused + 1 and not running(page)
    assert titles(page)[1] == f"Current window after step {paused + 1}: prediction vs target"

    page.button(key="train.pause").click().run()  # resume
    assert running(page) and steps_done(page) > paused + 1
    page.button(key="train.pause").click().run()  # pause again

    before = live(page)
    page.button(key="train.reset").click().run()
    assert not page.exception and not running(page)
    assert live(page) is not before and steps_done(page) == 0 and live(page).number == before.number + 1
    runs = page.session_state["train.runs"]
    assert [r.number for r in runs] == [before.number] and runs[0].steps_done == before.trainer.steps_done
    assert list(page.dataframe[0].value["run"]) == [before.number]


def test_a_run_capped_at_50_steps_per_second_says_so_when_it_finishes(page):
    """The speed shown (and kept in the comparison) is the one the run trained at while watched, not the
    model's raw training speed (hundreds of steps per second on a quiet machine)."""
    settle(page, steps=100, fast=False)  # the default speed: capped at 50 steps/s
    page.button(key="train.start").click().run()
    while running(page):  # each run trains one tick: the steps due at 50 steps/s since the last one
        page.run()
    assert steps_done(page) == 100 and not page.exception
    shown = next(m for m in page.metric if m.label == "Steps per second")
    assert 1 <= float(shown.value.replace(",", "")) <= 51, shown.value
    row = page.dataframe[0].value.iloc[0]
    assert row["speed"] == "capped at 50 steps/s" and 1 <= row["steps/s"] <= 51, row.to_dict()
    seen = live(page).rates().seen_speed  # the run's steps over its live wall time, not the bare training speed
    assert shown.value == f"{seen:,.0f}" and row["steps/s"] == round(seen)


def test_sgd_lr_10_without_clipping_stops_with_a_clear_error_and_keeps_earlier_runs(page):
    train_to_the_end(page, steps=30)  # run 1: fine
    good = page.session_state["train.run"].record()
    show_all_settings(page)
    page.radio(key="train.optimizer").set_value("SGD").run()
    page.text_input(key="train.lr").set_value("10").run()
    assert page.number_input(key="train.clip").value == 0
    page.button(key="train.start").click().run()
    for _ in range(5):
        if live(page).trainer.finished:
            break
        page.run()
    assert not page.exception
    assert live(page).trainer.diverged and not running(page)
    message = " ".join(errors(page))
    assert "Run 2: Training diverged" in message and "not a finite number" in message
    assert "Lower the learning rate (now 10" in message and "turn on gradient clipping" in message
    # the page keeps working and run 1 is intact in the comparison
    table = page.dataframe[0].value
    assert list(table["run"]) == [1, 2]
    assert table["last loss"][0] == good.last_loss and table["status"][0] == "finished"
    assert table["status"][1] == "diverged"
    # a fix and a new run work
    page.text_input(key="train.lr").set_value("0.02").run()
    page.radio(key="train.optimizer").set_value("Adam").run()
    page.button(key="train.start").click().run()
    assert not page.exception and not live(page).trainer.diverged and live(page).number == 3


@pytest.mark.parametrize("text", ["abc", "", "nan", "inf", "-1", "0", "1e999", "200"])
def test_junk_learning_rates_say_what_to_change(page, text):
    show_all_settings(page)
    page.text_input(key="train.lr").set_value(text).run()
    assert not page.exception
    message = " ".join(errors(page))
    assert "Learning rate must be a number above 0.0 up to 100.0" in message and "sidebar" in message
    assert page.button(key="train.start").disabled
    assert figures(page), "the current run stays on screen"
    page.text_input(key="train.lr").set_value("1e-3").run()
    assert not errors(page) and live(page).settings.lr == 0.001


def sidebar_captions(at) -> list[str]:
    """The sidebar's captions as shown (the escaping backslashes dropped)."""
    return [caption.value.replace("\\", "") for caption in at.sidebar.caption]


def test_the_training_settings_are_folded_into_one_line_and_keep_their_values(page):
    """The optimizer, data and run settings are not drawn until "All settings" is on; one line says their values,
    the run uses them, and values given while they were shown stay when they are folded again."""
    assert not page.toggle(key="train.all_settings").value
    drawn = {
        widget.key
        for kind in ("number_input", "text_input", "radio", "slider", "selectbox")
        for widget in getattr(page.sidebar, kind)
    }
    assert drawn == {"train.cell", "train.hidden_size", "train.num_layers"}
    summary = sidebar_captions(page)[-1]
    for said in ("Optimizer: Adam", "Learning rate: 0.02", "Total steps: 300", "Seed: 1", "Points per window: 10"):
        assert said in summary, summary
    assert "Hidden state between windows: carry over (detached: truncated BPTT)" in summary
    show_all_settings(page)
    page.number_input(key="train.steps").set_value(120).run()
    page.text_input(key="train.lr").set_value("0.05").run()
    page.toggle(key="train.all_settings").set_value(False).run()
    assert page.number_input(key="train.hidden_size") and "train.steps" not in {w.key for w in page.number_input}
    assert "Total steps: 120" in sidebar_captions(page)[-1] and "Learning rate: 0.05" in sidebar_captions(page)[-1]
    assert live(page).settings.steps == 120 and live(page).settings.lr == 0.05 and not errors(page)
    page.toggle(key="train.all_settings").set_value(True).run()
    assert page.number_input(key="train.steps").value == 120 and page.text_input(key="train.lr").value == "0.05"


def test_a_folded_setting_that_is_not_valid_unfolds_itself(page):
    show_all_settings(page)
    page.number_input(key="train.clip").set_value(-2.0).run()
    page.toggle(key="train.all_settings").set_value(False).run()  # folding it away does not hide the problem
    assert page.toggle(key="train.all_settings").value and page.number_input(key="train.clip").value == -2.0
    assert any(e.startswith("Gradient clipping (max norm) must be a number from 0.0") for e in errors(page))
    page.number_input(key="train.clip").set_value(1.0).run()
    page.toggle(key="train.all_settings").set_value(False).run()
    assert not page.toggle(key="train.all_settings").value and not errors(page)
    assert "Gradient clipping (max norm): 1" in sidebar_captions(page)[-1]


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("train.hidden_size", 1000, "Hidden size must be a whole number from 1 to 512, got 1000"),
        ("train.hidden_size", 0, "Hidden size must be a whole number from 1 to 512, got 0"),
        ("train.points", 1, "Points per window must be a whole number from 2 to 1000, got 1"),
        ("train.windows_per_batch", 0, "Windows per batch must be a whole number from 1 to 256, got 0"),
        ("train.steps", 0, "Total steps must be a whole number from 1 to 1000000, got 0"),
        ("train.steps", 2_000_000, "Total steps must be a whole number from 1 to 1000000"),
        ("train.seed", -1, "Seed must be a whole number from 0 to 4294967295, got -1"),
        ("train.noise", -1.0, "Noise on the input must be a number from 0.0 up to 10.0, got -1.0"),
        ("train.clip", -2.0, "Gradient clipping (max norm) must be a number from 0.0"),
    ],
)
def test_junk_numbers_say_which_widget_to_change(page, key, value, words):
    show_all_settings(page)
    page.number_input(key=key).set_value(value).run()
    assert not page.exception
    assert any(words in e and e.endswith("Change it in the sidebar.") for e in errors(page)), errors(page)
    assert page.button(key="train.start").disabled and figures(page)


def test_junk_momentum_and_a_reset_with_junk_settings(page):
    show_all_settings(page)
    page.radio(key="train.optimizer").set_value("SGD").run()
    page.number_input(key="train.momentum").set_value(1.5).run()
    assert any(e.startswith("Momentum must be a number from 0.0 up to 0.999, got 1.5") for e in errors(page))
    page.button(key="train.step").click().run()  # one step of the current (valid) run still works
    assert steps_done(page) == 1
    page.button(key="train.reset").click().run()  # keeps run 1; no valid settings for a new one
    assert not page.exception and page.session_state["train.run"] is None
    assert any("Fix the settings" in i.value for i in page.info)
    assert list(page.dataframe[0].value["run"]) == [1]
    page.number_input(key="train.momentum").set_value(0.5).run()
    assert not errors(page) and live(page).settings.momentum == 0.5 and live(page).number == 2


def test_runs_compare_cells_on_the_same_seed_and_are_deterministic(page):
    for cell in ("RNN", "LSTM", "GRU", "RNN"):  # each Start after a finished run keeps it, begins a new one
        train_to_the_end(page, cell, steps=40)
    runs = page.session_state["train.runs"]
    overlay = next(f for f in figures(page) if f["layout"]["title"]["text"].startswith("Loss of every run"))
    names = [trace["name"] for trace in overlay["data"]]
    assert [n.split(":")[1].split()[0] for n in names] == ["RNN", "LSTM", "GRU", "RNN"]
    table = page.dataframe[0].value
    assert list(table["cell"]) == ["RNN", "LSTM", "GRU", "RNN"]
    assert table["last loss"][0] == table["last loss"][3]  # same settings and seed: the same losses
    assert len(runs) == 3  # runs 1-3 kept; run 4 is the current one
    assert list(array(overlay["data"][0]["y"])) == list(array(overlay["data"][3]["y"]))


def test_a_changed_setting_keeps_the_trained_run_and_applies_to_the_next(page):
    train_to_the_end(page, steps=30)
    page.selectbox(key="train.cell").set_value("GRU").run()
    assert live(page).settings.cell == "RNN"  # the trained run keeps its settings
    assert any("The settings changed" in i.value for i in page.info)
    assert page.button(key="train.start").label == "Start new run"
    page.button(key="train.start").click().run()
    assert live(page).settings.cell == "GRU" and live(page).number == 2
    assert any("matches torch.nn.GRU forward" in m.value for m in page.markdown)
    assert {t.split("_t ")[0] for t in titles(page) if "_t on the current window" in t} == {"r", "z", "n", "h"}


def test_two_layer_lstm_shows_the_chosen_layer(page):
    page.selectbox(key="train.cell").set_value("LSTM").run()
    page.slider(key="train.num_layers").set_value(2).run()
    page.selectbox(key="train.layer").set_value(1).run()
    heatmaps = [t for t in titles(page) if "_t on the current window" in t]
    assert sorted(t.split("_t ")[0] for t in heatmaps) == sorted(["i", "f", "g", "o", "h", "c"])
    assert all(t.endswith("layer 1") for t in heatmaps)
    z = array(figures(page)[titles(page).index(heatmaps[0])]["data"][0]["z"])
    assert z.shape == (32, 10)  # units x time steps of the current window


def test_checkpoint_and_csv_of_the_current_run(page):
    train_to_the_end(page, "LSTM", steps=25)
    current = live(page)
    payload = torch.load(io.BytesIO(current.trainer.checkpoint_bytes()), weights_only=True)
    assert payload["steps_done"] == 25 and SineSettings.from_json(payload["settings"]).cell == "LSTM"
    restored = SineTrainer.from_checkpoint(current.trainer.checkpoint_bytes())
    for key, value in current.trainer.model.state_dict().items():
        assert torch.equal(restored.model.state_dict()[key], value)
    rows = current.trainer.history_csv().splitlines()
    assert rows[0] == "step,loss" and len(rows) == 26
    labels = [b.label for b in open_export(page, "train").get("download_button")]
    assert any(label.startswith("Loss history (CSV") for label in labels)
    assert any(label.startswith("Checkpoint (.pt") for label in labels)
    assert any(label.startswith("Reproduce with plain PyTorch") for label in labels)
    assert "HTML" in labels and image_exports(page)["train.export.figure.download.image"]["name"] == "loss_curve_run1"


def test_settings_and_the_run_survive_a_trip_to_another_page(page):
    page.number_input(key="train.hidden_size").set_value(12).run()
    page.button(key="train.step").click().run()
    before = live(page)
    page.switch_page("app_pages/home.py").run()
    page.switch_page(PAGE).run()
    assert not page.exception
    assert page.number_input(key="train.hidden_size").value == 12
    assert live(page) is before and steps_done(page) == 1


def test_open_in_step_through_shows_the_model_on_its_task_and_a_script_that_runs(page, tmp_path):
    trainer = live(page).trainer
    trainer.step(120)
    page.run()
    page.button(key="train.handoff").click().run()
    handoff = page.session_state[HANDOFF_KEY]
    assert handoff.label == "trained on Train: sin → cos (RNN, 120 steps)"
    assert handoff.checkpoint == trainer.checkpoint_bytes() and not running(page)
    assert handoff.input_label == "the task's input: sin(x), x from 0 to 4π, the first 4 training windows (37 points)"
    page.switch_page("app_pages/step_through.py").run()  # the page the button switched to, in this session
    assert not page.exception and not errors(page)
    assert page.radio(key="step.model_source").value == handoff.label
    assert page.radio(key="step.input_source").value == handoff.input_label  # the task's own input
    assert any("matches torch.nn.RNN forward" in m.value for m in page.markdown), [m.value for m in page.markdown]
    assert module_line(page) == "module = torch.nn.RNN(1, 32, batch_first=True)"
    assert array(figures(page)[0]["data"][0]["z"]).shape == (32, 37)  # 32 units over the 37 steps of 0..4π

    # the head's prediction vs the target, as the trained model itself computes it
    stretch = training_stretch(4, 10)
    prediction = trainer.model(stretch.x)[0][0, :, 0].detach().numpy()  # SineModel: rnn + head, (37,)
    lines = next(f for f in figures(page) if f["layout"]["title"]["text"].startswith("head(h_t) vs the target cos(x)"))
    shown = {trace["name"]: array(trace["y"]) for trace in lines["data"]}
    np.testing.assert_allclose(shown["prediction"], prediction, atol=1e-6)
    np.testing.assert_allclose(shown["target cos(x)"], np.cos(stretch.positions.numpy()), atol=1e-6)
    assert (
        f"MSE {np.mean((prediction - np.cos(stretch.positions.numpy())) ** 2):.3g}" in lines["layout"]["title"]["text"]
    )
    assert any("head(traced output) vs head(module output): max |Δ|" in m.value for m in page.markdown)

    # the reproduce script runs as downloaded, in an empty folder, and gives the same numbers
    script = next(c.value for c in open_export(page, "step").code if "Reproduces the rnnviz view" in c.value)
    assert "hidden_size=32" in script and "model.pt" not in script and "you uploaded" not in script
    (tmp_path / "reproduce_rnnviz.py").write_text(script)
    done = subprocess.run(
        [sys.executable, "reproduce_rnnviz.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "matches torch.nn.RNN forward" in done.stdout and "output (1, 37, 32) h_n (1, 1, 32)" in done.stdout
    printed = json.loads(done.stdout.split("first values ")[1])
    np.testing.assert_allclose(printed, prediction[:5], atol=1e-6)


def test_a_run_that_resets_its_state_opens_on_one_training_window(page):
    show_all_settings(page)
    page.radio(key="train.hidden_policy").set_value("reset").run()
    page.button(key="train.step").click().run()
    page.button(key="train.handoff").click().run()
    handoff = page.session_state[HANDOFF_KEY]
    assert handoff.input_label == "the task's input: sin(x), x from 0 to π, the first training window (10 points)"
    np.testing.assert_allclose(handoff.values[:, 0], np.sin(np.linspace(0, np.pi, 10)), atol=1e-7)
    page.switch_page("app_pages/step_through.py").run()
    assert not page.exception and not errors(page)
    assert array(figures(page)[0]["data"][0]["z"]).shape == (32, 10)


def test_noise_batches_and_the_reset_policy(page):
    show_all_settings(page)
    page.number_input(key="train.noise").set_value(0.2).run()
    page.number_input(key="train.windows_per_batch").set_value(3).run()
    page.radio(key="train.hidden_policy").set_value("reset").run()
    page.button(key="train.step").click().run()
    assert not page.exception and not errors(page)
    s = live(page).settings
    assert (s.noise, s.windows_per_batch, s.hidden_policy) == (0.2, 3, "reset")
    assert live(page).trainer.hidden_state is None  # reset: every window starts from zeros
    window = figures(page)[1]
    assert window["data"][0]["name"] == "input sin(x) + noise"
    assert "state reset" in " ".join(c.value for c in page.caption)


def test_the_current_window_plays_in_the_step_viewer(page):
    page.selectbox(key="train.cell").set_value("GRU").run()
    page.button(key="train.step").click().run()
    page.number_input(key="train.unit").set_value(5).run()
    data = next(
        json.loads(e.proto.json) for e in page.get("bidi_component") if e.proto.component_name == "rnnviz.step_viewer"
    )
    assert data["steps"] == 10 and data["unit"] == 5 and data["kind"] == "GRU"
    assert [line["name"] for line in data["equations"]] == ["r", "z", "n", "h"]
    assert set(data["markers"]) == {f"train-heatmap-{name}_layer0" for name in ("r", "z", "n", "h")}
    window = live(page).trainer.predict_window()
    x = next(card for card in data["cards"] if card["name"] == "x")
    assert x["text"][3] == format_value(float(window.inputs[3]))  # the window the model was just trained on
