"""``LiveRace``: runs of one task trained side by side, paused and resumed together, in lockstep, each run the
very run it would be alone (no copy of the loop: every step is its own trainer's)."""

from __future__ import annotations

import threading
import time

import pytest

from rnnviz.memory.settings import MemorySettings
from rnnviz.memory.trainer import MemoryTrainer
from rnnviz.training.live import FAST_TICK_SECONDS, Pace
from rnnviz.training.race import LiveRace

SMALL = dict(length=6, hidden_size=6, batch_size=8, eval_every=10, steps=40)


def race(steps: int = 40, **overrides) -> LiveRace:
    settings = MemorySettings(**{**SMALL, "steps": steps, **overrides})
    return LiveRace(
        [MemoryTrainer(settings.__class__(**{**settings.to_dict(), "cell": c})) for c in ("RNN", "LSTM", "GRU")], 4
    )


def steps(live: LiveRace) -> list[int]:
    return [run.trainer.steps_done for run in live.runs]


def test_a_race_is_numbered_run_after_run_and_starts_paused():
    live = race()
    assert live.numbers == (4, 5, 6) and live.number == 4 and live.name == "Runs 4–6"
    assert [run.settings.cell for run in live.runs] == ["RNN", "LSTM", "GRU"]
    assert not live.running and live.steps_done == 0 and not live.finished and live.records() == []
    assert live.tick(Pace(None)).steps == 0  # paused: a tick trains nothing
    assert LiveRace([MemoryTrainer(MemorySettings(**SMALL))], 9).name == "Run 9"
    with pytest.raises(ValueError, match="at least one trainer"):
        LiveRace([])


def test_uncapped_ticks_keep_the_runs_in_lockstep():
    live = race(steps=10_000, when_solved="keep training")
    live.resume()
    for _ in range(4):
        report = live.tick(Pace(None))
        assert report.steps > 0 and len(set(steps(live))) == 1  # every run trained up to the same step
    assert live.steps_done > 3
    rates = live.rates()
    assert rates.refresh_rate > 0 and rates.recent_speed > 0


def test_each_run_is_the_run_it_would_be_alone():
    live = race()
    live.resume()
    while live.running:
        live.tick(Pace(None))
    assert live.finished and not live.running
    for run in live.runs:
        alone = MemoryTrainer(run.settings)
        alone.step(40)
        assert alone.history == run.trainer.history
    records = live.records()
    assert [r.number for r in records] == [4, 5, 6] and records[1].label.startswith("run 5: LSTM 6, T=6")
    assert set(records[0].results) == {"held-out answered", "solved at step"}
    assert records[0].table_row()["held-out answered"] == records[0].results["held-out answered"]


def test_pause_resume_and_one_step_move_every_run_together():
    live = race()
    live.resume()
    live.tick(Pace(None))
    live.pause()
    before = steps(live)
    assert not live.running and live.tick(Pace(None)).steps == 0 and steps(live) == before
    losses = live.step(2)
    assert steps(live) == [n + 2 for n in before] and len(losses) == 6 and not live.running
    live.resume()
    assert all(run.running for run in live.runs)


def test_a_finished_run_drops_out_and_the_others_go_on():
    live = LiveRace(
        [MemoryTrainer(MemorySettings(**{**SMALL, "steps": steps_, "cell": "GRU"})) for steps_ in (5, 30)], 1
    )
    live.resume()
    while live.running:
        live.tick(Pace(None))
    assert steps(live) == [5, 30] and live.finished and live.steps_done == 30
    live.resume()
    assert not live.running  # nothing left to train


def test_a_capped_race_trains_each_run_at_the_cap():
    live = race(steps=1000)
    live.resume()
    live.tick(Pace(20.0), now=0.0)  # first tick: one refresh interval's worth, 20 * 0.25 = 5 steps each
    assert steps(live) == [5, 5, 5]
    fits = live._fitting_steps(list(live.runs), FAST_TICK_SECONDS)  # what fits a tick (a busy machine: fewer)
    live.tick(Pace(20.0), now=0.1)  # 0.1 s later: 2 more each, the same for every run
    assert steps(live) == [5 + min(2, fits)] * 3


def test_a_pause_from_another_thread_stops_the_runs_in_lockstep():
    """A Pause button runs in another script run while the live fragment may be in the middle of a tick: the
    runs stop together, after that tick, never one ahead of the others."""
    live = race(steps=10_000)
    live.resume()
    live.tick(Pace(None))  # measured speeds: the next uncapped tick takes ~FAST_TICK_SECONDS
    ticking = threading.Thread(target=live.tick, args=(Pace(None),))
    ticking.start()
    time.sleep(0.05)  # most likely mid-tick; either way the runs must end equal
    live.pause()
    ticking.join()
    assert not live.running
    assert len({run.trainer.steps_done for run in live.runs}) == 1
