"""LiveRun (bounded ticks, the pace cap, snapshots, run records) and the training figures."""

from __future__ import annotations

import math
import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import rnnviz.training.live as training_live
import rnnviz.training.loop as training_loop
from rnnviz.figures.lines import MAX_LINES
from rnnviz.figures.training import evaluation_plot, loss_curve, runs_overlay, window_prediction
from rnnviz.sine.settings import SineSettings
from rnnviz.sine.trainer import SineTrainer
from rnnviz.sine.views import model_view
from rnnviz.training.live import (
    DISPLAY_POINTS,
    FAST_REFRESH_SECONDS,
    FAST_TICK_SECONDS,
    MAX_REFRESH_SECONDS,
    WAITING_REFRESH_SECONDS,
    LiveRun,
    Pace,
    keep_runs,
    live_refresh,
)


def test_pace_validation_and_refresh():
    assert Pace().refresh_seconds == FAST_REFRESH_SECONDS and not Pace().capped
    assert FAST_TICK_SECONDS < FAST_REFRESH_SECONDS <= 0.5  # at least two refreshes a second
    assert Pace(1.0).refresh_seconds == 1.0 and Pace(50.0).refresh_seconds == 0.25
    assert Pace(20.0).describe() == "capped at 20 steps/s"
    for bad in (0, -1, float("nan"), float("inf"), "5"):
        with pytest.raises(ValueError, match="steps_per_second"):
            Pace(bad)


@pytest.mark.parametrize("training", [0, 1, 2, 3, 8])
def test_a_page_refreshes_less_often_and_trains_longer_ticks_while_other_runs_train_in_its_process(training):
    solo = live_refresh(Pace(), 0, 1)
    assert solo == (FAST_REFRESH_SECONDS, FAST_TICK_SECONDS)  # alone: exactly as before the gate counted runs
    refresh = live_refresh(Pace(), 0, training)
    assert refresh.interval == min(FAST_REFRESH_SECONDS * max(training, 1), MAX_REFRESH_SECONDS)
    assert refresh.tick_seconds / refresh.interval == pytest.approx(FAST_TICK_SECONDS / FAST_REFRESH_SECONDS)
    assert live_refresh(Pace(), 2, training) == (WAITING_REFRESH_SECONDS, FAST_TICK_SECONDS)  # waiting: slowly
    assert live_refresh(Pace(20.0), 0, training) == (Pace(20.0).refresh_seconds, FAST_TICK_SECONDS)  # capped


@pytest.mark.parametrize("seconds", [0.0, 0.05, 0.2])
def test_the_tick_length_changes_when_steps_are_trained_never_what_they_compute(seconds):
    """A busy process trains longer ticks (``live_refresh``): the run's losses and weights stay the solo run's."""
    settings = SineSettings(steps=60, cell="LSTM")
    reference = SineTrainer(settings)
    reference.step(60)
    live = LiveRun(SineTrainer(settings))
    live.resume()
    while not live.finished:
        live.tick(Pace(), seconds=seconds)  # 0 s: one step a tick
    assert live.trainer.history_csv() == reference.history_csv()
    for ours, theirs in zip(live.trainer.model.parameters(), reference.model.parameters(), strict=True):
        assert torch.equal(ours, theirs)


@pytest.mark.parametrize("step_seconds", [1 / 32, 0.25, 1.0])
def test_an_uncapped_tick_trains_until_its_time_is_spent_then_stops(monkeypatch, step_seconds):
    """An uncapped tick trains until ``FAST_TICK_SECONDS`` have passed and stops after the step that passes them
    (at least one step). On a clock that only a training step moves, the count is exact, whatever the machine."""
    clock = SimpleNamespace(now=100.0)
    fake_time = SimpleNamespace(perf_counter=lambda: clock.now)
    monkeypatch.setattr(training_loop, "time", fake_time)
    monkeypatch.setattr(training_live, "time", fake_time)
    trainer = SineTrainer(SineSettings(steps=1_000_000))
    trainer.add_callback("on_step", lambda _: setattr(clock, "now", clock.now + step_seconds))
    live = LiveRun(trainer)
    live.resume()
    report = live.tick(Pace())
    assert report.steps == trainer.steps_done == max(math.ceil(FAST_TICK_SECONDS / step_seconds), 1)
    assert report.seconds == pytest.approx(report.steps * step_seconds)


def test_capped_tick_trains_the_steps_due_and_never_bursts():
    live = LiveRun(SineTrainer(SineSettings(steps=1000)))
    live.resume()
    pace = Pace(20.0)  # refresh every 0.25 s
    assert live.tick(pace, now=100.0).steps == 5  # fresh clock: one refresh interval's worth
    assert live.tick(pace, now=100.1).steps == 2  # 0.1 s * 20
    assert live.tick(pace, now=100.125).steps == 0  # 0.5 step owed so far
    assert live.tick(pace, now=100.15).steps == 1  # ... now 1.0
    assert live.tick(pace, now=160.0).steps == 10  # a minute later: at most 2 intervals' worth
    live.pause()
    assert live.tick(pace, now=400.0).steps == 0  # paused: a tick trains nothing
    live.resume()
    assert live.tick(pace, now=500.0).steps == 5  # after a pause: a fresh clock again
    assert live.trainer.steps_done == 23


def test_a_finished_run_ticks_no_more():
    live = LiveRun(SineTrainer(SineSettings(steps=3)))
    live.resume()
    live.tick(Pace())
    assert live.trainer.finished and live.tick(Pace()).steps == 0 and live.step(5) == []


def test_view_and_model_view_show_the_current_model():
    live = LiveRun(SineTrainer(SineSettings(cell="LSTM", hidden_size=8, num_layers=2, steps=50)))
    live.step(7)
    trainer = live.trainer
    assert trainer.steps_done == 7 and trainer.total_steps == 50 and len(trainer.display_history()[1]) == 7
    assert trainer.last_loss == trainer.history[-1] and not trainer.finished
    model = model_view(trainer)
    window = trainer.predict_window()
    assert model.trace.matches and model.trace.kind == "LSTM"
    # the traced window is the one predict_window shows: same input, same output through the head
    assert np.allclose(model.trace.layer_input(0)[:, 0, 0].numpy(), window.inputs)
    head = live.trainer.model.head
    with torch.no_grad():
        traced = head(model.trace.state("h", 1)[:, 0])[:, 0].numpy()  # (T,)
    assert np.allclose(traced, window.prediction, atol=1e-6)
    assert model.evaluation.x.shape == model.evaluation.prediction.shape


def test_history_display_is_bounded_and_records_keep_the_run():
    live = LiveRun(SineTrainer(SineSettings(steps=5000)), number=4)
    live.step(5000)
    assert len(live.trainer.display_history(DISPLAY_POINTS)[1]) == DISPLAY_POINTS
    record = live.record()
    assert record.number == 4 and record.steps_done == 5000 and record.status == "finished"
    assert len(record.losses) == DISPLAY_POINTS
    assert record.recent_mean == pytest.approx(np.mean(live.trainer.history[-50:]))
    assert record.label == "run 4: RNN 32×1, Adam lr 0.02, seed 1"
    assert record.table_row()["steps"] == "5000 / 5000"
    assert live.trainer.history_csv().count("\n") == 5001


def test_keep_runs_replaces_a_rerecorded_run_and_drops_the_oldest():
    records = [LiveRun(SineTrainer(SineSettings(steps=2)), number=n).record() for n in range(1, 5)]
    kept, dropped = keep_runs(records[:2], records[2], max_runs=3)
    assert [r.number for r in kept] == [1, 2, 3] and dropped == []
    kept, dropped = keep_runs(kept, records[3], max_runs=3)
    assert [r.number for r in kept] == [2, 3, 4] and [r.number for r in dropped] == [1]
    again = LiveRun(SineTrainer(SineSettings(steps=2)), number=3).record()
    kept, _ = keep_runs(kept, again, max_runs=3)
    assert [r.number for r in kept] == [2, 4, 3] and kept[-1] is again


def test_downloads_in_another_thread_wait_for_the_tick():
    """A checkpoint taken while a tick trains is taken between optimizer steps, never during one."""
    live = LiveRun(SineTrainer(SineSettings(steps=1_000_000)))
    live.resume()
    ticking = threading.Thread(target=live.tick, args=(Pace(),))
    ticking.start()
    time.sleep(0.05)
    data = live.trainer.checkpoint_bytes()  # blocks until the tick ends
    ticking.join()
    restored = SineTrainer.from_checkpoint(data)
    for key, value in live.trainer.model.state_dict().items():
        assert torch.equal(restored.model.state_dict()[key], value)


def test_pause_stops_a_tick_in_another_thread_before_its_next_step():
    """Pause from the page's thread ends a tick that another script thread is running: the step in progress
    finishes and no other starts, with most of the tick's time left. The tick waits in its third step until the
    pause is made, so the count is exact whatever the machine's speed."""
    trainer = SineTrainer(SineSettings(steps=1_000_000))
    live = LiveRun(trainer)
    in_third_step, paused = threading.Event(), threading.Event()

    def hold_the_third_step(_) -> None:
        if trainer.steps_done == 3:
            in_third_step.set()
            paused.wait(timeout=60)

    trainer.add_callback("on_step", hold_the_third_step)
    live.resume()
    ticking = threading.Thread(target=live.tick, args=(Pace(),), kwargs={"seconds": 600.0}, daemon=True)
    ticking.start()
    assert in_third_step.wait(timeout=60)
    live.pause()
    paused.set()
    ticking.join(timeout=60)
    assert not ticking.is_alive()  # not the rest of its 600 s
    done = live.trainer.steps_done
    assert not live.running and live.status() == "paused" and done == 3
    assert live.tick(Pace()).steps == 0 and live.trainer.steps_done == done  # and a later tick trains nothing
    assert live.step(2) and live.trainer.steps_done == done + 2 and not live.running  # one step: still paused


def test_trainer_window_state_and_recent_losses():
    trainer = SineTrainer(SineSettings(cell="GRU", windows_per_batch=3, steps=20))
    assert trainer.window_state is None and trainer.recent_losses(50).size == 0
    trainer.step(4)
    assert trainer.window_state.shape == (1, 1, 32)  # row 0 of the state fed with step 4's batch
    assert list(trainer.recent_losses(2)) == trainer.history[-2:]
    with pytest.raises(ValueError, match="n must be"):
        trainer.recent_losses(0)


# ----- figures ----------------------------------------------------------------------------------------------
def test_loss_curve_is_log_scale_over_the_whole_budget():
    fig = loss_curve(np.arange(1, 4), np.array([1.0, 0.1, 0.0]), total_steps=300)
    assert fig.layout.yaxis.type == "log" and tuple(fig.layout.xaxis.range) == (0, 300)
    assert np.isnan(fig.data[0].y[2])  # 0 cannot sit on a log axis: a gap, not a distortion
    assert not fig.layout.shapes
    empty = loss_curve(np.array([]), np.array([]), total_steps=10)
    assert "no steps yet" in empty.layout.annotations[0].text
    stopped = loss_curve(np.arange(1, 3), np.array([1.0, 2.0]), total_steps=10, stop_step=3)
    assert stopped.layout.shapes[0].x0 == 3 and "non-finite" in stopped.layout.annotations[0].text


def test_prediction_figures():
    x = np.linspace(0, np.pi, 10)
    fig = window_prediction(x, np.sin(x), np.cos(x) * 0.9, np.cos(x), step=12, noisy=True)
    assert [t.name for t in fig.data] == ["input sin(x) + noise", "target cos(x)", "prediction"]
    assert fig.layout.title.text == "Current window after step 12: prediction vs target"
    assert fig.layout.xaxis.title.text == "x (multiples of π)" and np.isclose(fig.data[0].x[-1], 1.0)
    long = np.linspace(0, 400 * np.pi, 9001)
    fig = evaluation_plot(long, np.cos(long), np.cos(long), mse=1.5e-3)
    assert fig.layout.title.text == "Unseen stretch of 400π: MSE 0.0015"
    assert fig.data[0].type == "scatter" and len(fig.data[0].x) <= 2000  # decimated, drawn as SVG


def test_runs_overlay_draws_the_last_runs():
    runs = {f"run {i}": (np.arange(1, 4), np.array([1.0, 0.5, 0.25])) for i in range(MAX_LINES + 2)}
    fig = runs_overlay(runs)
    assert len(fig.data) == MAX_LINES and fig.data[-1].name == f"run {MAX_LINES + 1}"
    assert f"last {MAX_LINES} of {MAX_LINES + 2}" in fig.layout.title.text and fig.layout.yaxis.type == "log"
