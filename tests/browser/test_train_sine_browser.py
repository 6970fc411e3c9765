"""The Train: sin -> cos page in a real browser: start, watch the loss curve and the step count grow, pause,
and download the checkpoint (loads with torch.load(weights_only=True)) and the loss history CSV."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import torch


def loss_points(app) -> int:
    """The number of points of the visible loss curve (-1: its latest figure is not drawn yet)."""
    chart = app.find_chart("Training loss", drawn=True)
    return chart.evaluate("(plot) => plot._fullData[0].x.length") if chart else -1


def steps_shown(app) -> int:
    text = app.page.get_by_test_id("stProgress").first.inner_text()
    found = re.search(r"Step (\d+) of (\d+)", text)
    assert found, text
    return int(found.group(1))


def wait_for_steps(app, at_least: int, timeout_s: float = 30) -> int:
    deadline = time.monotonic() + timeout_s
    while (shown := steps_shown(app)) < at_least:
        assert time.monotonic() < deadline, f"still at step {shown}, expected {at_least}: {app.runs.log}"
        app.page.wait_for_timeout(100)
    return shown


def metric(app, label: str) -> str:
    box = app.page.get_by_test_id("stMetric").filter(has=app.page.get_by_text(label, exact=True)).first
    return box.get_by_test_id("stMetricValue").inner_text()


def test_train_watch_pause_and_download(app):
    app.goto("/train_sine")
    app.assert_healthy()
    assert app.title() == "Train: sin → cos"
    assert steps_shown(app) == 0

    # capped at 20 steps/s (one notch below the default 50), 300 steps take ~15 s: time to watch and pause,
    # even on a loaded machine
    speed = app.page.get_by_test_id("stSlider").filter(has_text="Speed (training steps per second)")
    with app.expect_rerun():
        speed.get_by_role("slider").press("ArrowLeft")
    assert "20" in speed.inner_text()
    app.page.get_by_role("button", name="Start", exact=True).click()
    first = wait_for_steps(app, 20)
    app.wait_for(lambda: loss_points(app) >= first, 15, "the loss curve to catch up")
    points = loss_points(app)
    later = wait_for_steps(app, first + 30)
    app.wait_for(lambda: loss_points(app) > points, 15, "the loss curve to grow")
    assert later > first and later < 300
    assert float(metric(app, "Steps per second").replace(",", "")) > 0
    app.screenshot("training")

    with app.expect_rerun():
        app.page.get_by_role("button", name="Pause", exact=True).click()
    paused = steps_shown(app)
    assert first < paused < 300, paused
    app.page.wait_for_timeout(1200)
    assert steps_shown(app) == paused  # paused means paused
    assert app.page.get_by_role("button", name="Resume", exact=True).is_enabled()
    app.chart("Training loss")  # its last figure drawn
    assert loss_points(app) == paused
    app.assert_healthy()

    app.page.get_by_text("Export", exact=True).click()
    with app.page.expect_download() as checkpoint_download:
        app.page.get_by_role("button", name=re.compile(r"^Checkpoint \(\.pt")).click()
    assert checkpoint_download.value.suggested_filename == "sine_rnn_run1.pt"
    payload = torch.load(checkpoint_download.value.path(), weights_only=True)
    assert payload["format"] == "rnnviz.sine.v1" and payload["steps_done"] == paused
    settings = json.loads(payload["settings"])
    assert (settings["cell"], settings["hidden_size"], settings["lr"], settings["steps"]) == ("RNN", 32, 0.02, 300)
    state = payload["state_dict"]
    assert state["rnn.weight_ih_l0"].shape == (32, 1) and state["head.weight"].shape == (1, 32)

    with app.page.expect_download() as csv_download:
        app.page.get_by_role("button", name=re.compile(r"^Loss history \(CSV")).click()
    rows = list(csv.reader(io.StringIO(Path(csv_download.value.path()).read_text())))
    assert rows[0] == ["step", "loss"] and len(rows) == paused + 1
    assert [int(r[0]) for r in rows[1:]] == list(range(1, paused + 1))
    assert all(0 < float(r[1]) < 10 for r in rows[1:])
    app.assert_healthy()


def test_open_in_step_through_then_download_the_script_and_run_it(app, tmp_path):
    app.goto("/train_sine")
    for _ in range(3):
        with app.expect_rerun():
            app.page.get_by_role("button", name="One step", exact=True).click()
    assert steps_shown(app) == 3
    with app.expect_rerun():
        app.page.get_by_role("button", name="Open in Step through").click()
    assert app.path() == "/step_through" and app.title() == "Step through"
    app.page.get_by_text("head(traced output) vs head(module output)").wait_for()
    titles = [chart.title for chart in app.heatmaps()]
    assert any(t.startswith("head(h_t) vs the target cos(x): MSE") for t in titles), titles
    app.screenshot("handed-over")
    app.assert_healthy()

    app.page.get_by_text("Export", exact=True).click()
    with app.page.expect_download() as download:
        app.page.get_by_role("button", name="Reproduce in Python (.py)").click()
    assert download.value.suggested_filename == "reproduce_rnnviz.py"
    script = tmp_path / download.value.suggested_filename
    download.value.save_as(script)
    done = subprocess.run([sys.executable, script.name], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "matches torch.nn.RNN forward" in done.stdout
    assert "output (1, 37, 32) h_n (1, 1, 32)" in done.stdout and "head (1, 37, 1) first values" in done.stdout


def folded_summary(app) -> str:
    """The sidebar's line that lists the folded settings (optimizer, data, run)."""
    return app.page.get_by_test_id("stSidebar").get_by_test_id("stCaptionContainer").last.inner_text()


def test_all_settings_unfold_by_a_click_and_keep_what_was_typed_when_folded(app):
    """The optimizer, data and run settings are one line until "All settings" is turned on; a value typed there
    stays when they are folded again (the browser drops the widgets; the session keeps their values)."""
    app.goto("/train_sine")
    sidebar = app.page.get_by_test_id("stSidebar")
    learning_rate = sidebar.get_by_label("Learning rate", exact=True)
    assert learning_rate.count() == 0 and "Learning rate: 0.02" in folded_summary(app)
    with app.expect_rerun():
        sidebar.get_by_text("All settings", exact=True).click()
    learning_rate.fill("0.05")
    with app.expect_rerun():
        learning_rate.press("Enter")
    with app.expect_rerun():
        sidebar.get_by_text("All settings", exact=True).click()
    assert learning_rate.count() == 0 and "Learning rate: 0.05" in folded_summary(app)
    assert "Adam lr 0.05" in app.page.get_by_test_id("stMain").inner_text()  # the run uses it
    app.screenshot("folded")
    with app.expect_rerun():
        sidebar.get_by_text("All settings", exact=True).click()
    assert learning_rate.input_value() == "0.05"
    app.assert_healthy()
