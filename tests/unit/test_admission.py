"""The training gate: at most N runs train at once, a first-come queue, leases, turns, and LiveRun behind it."""

from __future__ import annotations

import threading

import pytest

from rnnviz.sine.settings import SineSettings
from rnnviz.sine.trainer import SineTrainer
from rnnviz.training.admission import (
    SLOTS_VARIABLE,
    TURN_VARIABLE,
    TrainingGate,
    gate_from_environment,
    process_cores,
)
from rnnviz.training.live import LiveRun, Pace


def test_slots_then_a_first_come_queue():
    gate = TrainingGate(2)
    assert [gate.poll(run, now=0.0) for run in "abcde"] == [0, 0, 1, 2, 3]
    assert gate.poll("e", now=1.0) == 3 and gate.poll("c", now=1.0) == 1  # asking again keeps the place
    gate.leave("a")  # a slot frees up: the head of the queue gets it
    assert gate.poll("c", now=2.0) == 0
    assert gate.poll("d", now=2.0) == 1 and gate.poll("e", now=2.0) == 2
    gate.leave("d")  # leaving the queue moves the ones behind up
    assert gate.poll("e", now=3.0) == 1
    assert gate.state() == (2, 1, 2)


def test_a_run_that_stops_asking_loses_its_slot_and_its_place():
    gate = TrainingGate(1, lease_seconds=10)
    assert gate.poll("gone", now=0.0) == 0
    assert gate.poll("waits", now=0.0) == 1
    assert gate.poll("waits", now=9.0) == 1  # "gone" still holds its lease
    assert gate.poll("waits", now=11.0) == 0  # ... not any more: its tab closed without pausing
    assert gate.poll("gone", now=12.0) == 1  # coming back, it queues like anyone else


def test_a_run_whose_own_ticks_come_late_keeps_its_place():
    """On a full server a page's ticks can come 15 s apart: a run asking late has not gone."""
    gate = TrainingGate(1, lease_seconds=10)
    assert [gate.poll(run, now=0.0) for run in ("trains", "late", "behind")] == [0, 1, 2]
    assert gate.poll("trains", now=9.0) == 0 and gate.poll("behind", now=9.0) == 2
    assert gate.poll("late", now=12.0) == 1  # late, but asking: still first in the queue, not behind "behind"
    assert gate.state() == (1, 2, 1)


def test_a_long_run_yields_its_slot_after_its_turn_but_only_to_a_waiting_run():
    gate = TrainingGate(1, turn_seconds=30, lease_seconds=1000)  # polls far apart here: no lease ends
    assert gate.poll("long", now=0.0) == 0
    gate.charge("long", 100.0)
    assert gate.poll("long", now=100.0) == 0  # nobody waits: it keeps training
    assert gate.poll("next", now=100.0) == 1
    assert gate.poll("long", now=100.5) == 1  # its turn is over: to the back of the queue
    assert gate.poll("next", now=101.0) == 0
    gate.charge("next", 29.0)
    assert gate.poll("long", now=120.0) == 1 and gate.poll("next", now=120.0) == 0  # next's turn: 30 s of training
    gate.charge("next", 1.0)
    assert gate.poll("next", now=121.0) == 1 and gate.poll("long", now=121.0) == 0


def test_a_turn_counts_training_seconds_not_the_wall_time_between_ticks():
    """On a busy server a page's ticks come seconds apart: a run that has trained 5 s in a minute keeps its slot."""
    gate = TrainingGate(1, turn_seconds=30, lease_seconds=1000)
    assert gate.poll("short", now=0.0) == 0 and gate.poll("waits", now=0.0) == 1
    for tick in range(1, 11):
        gate.charge("short", 0.5)
        assert gate.poll("short", now=6.0 * tick) == 0  # 60 s later, 5 s of training: still its turn
    gate.charge("waits", 50.0)  # a run that holds no slot is charged nothing
    gate.leave("short")
    assert gate.poll("waits", now=61.0) == 0
    assert gate.poll("short", now=61.0) == 1 and gate.poll("waits", now=62.0) == 0  # a fresh turn, charged 0


def test_a_live_run_charges_its_ticks_training_time_to_its_turn():
    gate = TrainingGate(1, turn_seconds=0.05, lease_seconds=1000)
    first = LiveRun(SineTrainer(SineSettings(steps=10_000)), gate=gate)
    second = LiveRun(SineTrainer(SineSettings(steps=20)), number=2, gate=gate)
    first.resume(), second.resume()
    assert first.tick(Pace(), seconds=0.1).steps > 0
    assert second.tick(Pace()).steps == 0 and second.runs_ahead == 1
    assert first.tick(Pace()).steps == 0 and first.runs_ahead == 1  # its 0.1 s of training used up its turn
    assert second.tick(Pace(), seconds=0.01).steps > 0


def test_concurrent_polls_never_admit_more_than_the_slots():
    gate = TrainingGate(3)
    admitted, lock = [], threading.Lock()

    def ask(run: int) -> None:
        if gate.poll(run) == 0:
            with lock:
                admitted.append(run)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 3 and gate.state() == (3, 37, 3)


@pytest.mark.parametrize("slots", [0, -1, 1.5, True, "2"])
def test_bad_slot_counts_are_refused(slots):
    with pytest.raises(ValueError, match="slots must be a whole number >= 1"):
        TrainingGate(slots)


def test_the_gate_is_set_from_the_environment():
    assert gate_from_environment({}).slots == process_cores()
    gate = gate_from_environment({SLOTS_VARIABLE: " 6 ", TURN_VARIABLE: "12.5"})
    assert (gate.slots, gate.turn_seconds) == (6, 12.5)
    for name, bad in ((SLOTS_VARIABLE, "many"), (SLOTS_VARIABLE, "0"), (SLOTS_VARIABLE, "1.5"), (TURN_VARIABLE, "-1")):
        with pytest.raises(ValueError, match=f"{name} must be a (whole )?number > 0, got '{bad}'"):
            gate_from_environment({name: bad})


def test_a_live_run_waits_for_a_slot_then_trains_and_leaves_when_paused_or_finished():
    gate = TrainingGate(1)
    first = LiveRun(SineTrainer(SineSettings(steps=20)), gate=gate)
    second = LiveRun(SineTrainer(SineSettings(steps=20)), number=2, gate=gate)
    first.resume(), second.resume()
    pace = Pace(40.0)  # 10 steps per 0.25 s refresh
    assert first.tick(pace, now=0.0).steps == 10 and first.runs_ahead == 0 and first.status() == "running"
    assert second.tick(pace, now=0.0).steps == 0 and second.runs_ahead == 1
    assert second.status() == second.record().status == "waiting for a slot"
    first.tick(pace, now=0.25)
    assert first.trainer.finished and gate.state() == (1, 0, 1)  # finished, it left: its slot went to second
    assert second.tick(pace, now=0.5).steps == 10 and second.runs_ahead == 0
    second.pause()
    assert gate.state() == (0, 0, 1) and second.runs_ahead == 0


def test_a_paused_waiting_run_leaves_the_queue():
    gate = TrainingGate(1)
    runs = [LiveRun(SineTrainer(SineSettings(steps=50)), number=n, gate=gate) for n in (1, 2, 3)]
    for run in runs:
        run.resume()
        run.tick(Pace(40.0))
    assert [run.runs_ahead for run in runs] == [0, 1, 2]
    runs[1].pause()
    runs[2].tick(Pace(40.0))
    assert runs[2].runs_ahead == 1 and gate.state() == (1, 1, 1)
