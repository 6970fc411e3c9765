"""A full server: with every training slot taken, a new Start waits in a visible queue and trains once a slot frees.

Two AppTest sessions in this process share its training gate (one slot here), as two tabs share a server.
"""

from __future__ import annotations

import pytest
from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext

from rnnviz.training import admission
from rnnviz.training.live import FAST_REFRESH_SECONDS, MAX_REFRESH_SECONDS, WAITING_REFRESH_SECONDS
from tests.app.helpers import open_page, show_all_settings

PAGE = "app_pages/train_sine.py"


@pytest.fixture
def one_slot(monkeypatch) -> admission.TrainingGate:
    gate = admission.TrainingGate(1)
    monkeypatch.setattr(admission, "_process_gate", gate)
    return gate


def start(steps: int):
    at = open_page(PAGE)
    show_all_settings(at)
    at.number_input(key="train.steps").set_value(steps)
    at.select_slider(key="train.speed").set_value("as fast as possible")
    at.run()
    return at.button(key="train.start").click().run()


@pytest.fixture
def intervals(monkeypatch) -> list[float]:
    """The refresh intervals the pages' fragments ask the browser for (``auto_rerun`` messages), in order."""
    asked: list[float] = []
    enqueue = ScriptRunContext.enqueue

    def recording(self, msg):
        if msg.HasField("auto_rerun"):
            asked.append(round(msg.auto_rerun.interval, 3))
        enqueue(self, msg)

    monkeypatch.setattr(ScriptRunContext, "enqueue", recording)
    return asked


def queue_texts(at) -> list[str]:
    return [info.value for info in at.info if "training slot" in info.value]


def test_a_second_start_waits_in_a_visible_queue_and_trains_when_the_first_pauses(one_slot):
    first = start(1_000_000)
    assert first.session_state["train.run"].trainer.steps_done > 0 and not queue_texts(first)

    second = start(40)
    waiting = second.session_state["train.run"]
    assert waiting.running and waiting.trainer.steps_done == 0 and waiting.runs_ahead == 1
    assert queue_texts(second) == [
        "Waiting for a free training slot: **1 run ahead of you**. This server trains 1 run at once so that every "
        "page stays quick; yours starts by itself when a slot frees up (keep this tab open). Pause leaves the queue."
    ]
    second.run()
    assert waiting.trainer.steps_done == 0  # still waiting: nothing trained

    first.button(key="train.pause").click().run()
    second.run()
    assert waiting.trainer.steps_done > 0 and not queue_texts(second) and not second.exception


def test_three_runs_ahead(one_slot):
    sessions = [start(1_000_000) for _ in range(4)]
    last = sessions[-1]
    assert last.session_state["train.run"].runs_ahead == 3
    assert "**3 runs ahead of you**" in queue_texts(last)[0]
    assert any(row == "waiting for a slot" for row in last.session_state["train.run"].record().table_row().values())


def test_a_waiting_page_refreshes_slowly_and_training_pages_follow_the_process_load(monkeypatch, intervals):
    gate = admission.TrainingGate(2)
    monkeypatch.setattr(admission, "_process_gate", gate)
    first = start(1_000_000)
    assert intervals[-1] == FAST_REFRESH_SECONDS  # alone in the process: twice a second, as before
    intervals.clear()
    second = start(1_000_000)  # admitted: two runs train in the process, its page reruns with the longer interval
    assert intervals[-1] == MAX_REFRESH_SECONDS and second.session_state["train.run"].runs_ahead == 0
    intervals.clear()
    first.run()  # the first page's next run follows the process's load too
    assert intervals[-1] == MAX_REFRESH_SECONDS
    intervals.clear()
    third = start(1_000_000)  # no slot: it waits, and asks for a refresh every 2 s only
    assert third.session_state["train.run"].runs_ahead == 1 and intervals[-1] == WAITING_REFRESH_SECONDS
    assert queue_texts(third) and not third.exception
    first.button(key="train.pause").click().run()
    intervals.clear()
    third.run()  # the slot freed: the third run trains, and its page refreshes as a training page again
    assert third.session_state["train.run"].trainer.steps_done > 0 and intervals[-1] == MAX_REFRESH_SECONDS
