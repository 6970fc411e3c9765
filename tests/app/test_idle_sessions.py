"""Sessions left idle give back their trainers and per-session caches; what the user chose and saw stays.

Every AppTest session has the same id, so "another tab, active 31 minutes later" is a plain mapping seen by
the registry on a clock the test moves.
"""

from __future__ import annotations

import gc
import weakref

import pytest

from rnnviz.ui.common import idle
from tests.app.helpers import errors, open_page, show_all_settings

TIMEOUT = idle.IDLE_RELEASE_MINUTES * 60


class Clock:
    """``time.monotonic`` for the idle registry, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """A fresh registry on a clock the test moves."""
    fake = Clock()
    monkeypatch.setattr(idle, "SESSIONS", idle.IdleSessions())
    monkeypatch.setattr(idle, "time", fake)
    return fake


def another_tab_active(clock: Clock, after_seconds: float) -> int:
    """``after_seconds`` later another session runs: the sessions idle by then are released (how many)."""
    clock.now += after_seconds
    return idle.SESSIONS.seen("another tab", {}, clock.now, TIMEOUT)


def test_only_sessions_idle_past_the_timeout_are_released_once_each(monkeypatch):
    released: list[tuple[str, float]] = []
    monkeypatch.setattr(idle, "_releases", {"record": lambda state, minutes: released.append((state["name"], minutes))})
    registry = idle.IdleSessions()
    a, b, c = {"name": "a"}, {"name": "b"}, {"name": "c"}
    registry.seen("a", a, now=0, timeout_seconds=600)
    registry.seen("b", b, now=300, timeout_seconds=600)
    assert registry.seen("c", c, now=599, timeout_seconds=600) == 0 and released == []
    assert registry.seen("c", c, now=700, timeout_seconds=600) == 1 and released == [("a", 700 / 60)]
    assert registry.seen("c", c, now=800, timeout_seconds=600) == 0  # a is released once, not on every sweep
    assert registry.seen("a", a, now=950, timeout_seconds=600) == 1 and released[-1] == ("b", 650 / 60)
    assert registry.seen("c", c, now=1549, timeout_seconds=600) == 0  # a was active again at 950
    assert registry.seen("c", c, now=1551, timeout_seconds=600) == 1 and released[-1] == ("a", 601 / 60)


def test_a_closed_session_is_forgotten_with_what_it_held():
    registry = idle.IdleSessions()
    state = {"big": bytearray(10)}
    registry.seen("gone", state, now=0, timeout_seconds=60)
    hold = weakref.ref(state[idle.HOLD_KEY])
    del state
    gc.collect()
    assert hold() is None and registry.seen("other", {}, now=1000, timeout_seconds=60) == 0


@pytest.mark.parametrize("text", ["0", "-5", "soon", "nan"])
def test_a_junk_timeout_names_the_variable(monkeypatch, text):
    monkeypatch.setenv(idle.IDLE_VARIABLE, text)
    with pytest.raises(ValueError, match=f"{idle.IDLE_VARIABLE} must be a number > 0, got '{text}'"):
        idle.idle_timeout_seconds()


def test_the_timeout_is_settable(monkeypatch):
    monkeypatch.setenv(idle.IDLE_VARIABLE, "2.5")
    assert idle.idle_timeout_seconds() == 150
    monkeypatch.delenv(idle.IDLE_VARIABLE)
    assert idle.idle_timeout_seconds() == TIMEOUT


def test_an_idle_training_page_gives_back_its_trainer_and_keeps_its_loss_curve(clock):
    at = open_page("app_pages/train_sine.py")
    show_all_settings(at)
    at.number_input(key="train.steps").set_value(40)
    at.run()
    at.button(key="train.step").click().run()
    trained = at.session_state["train.run"]
    trainer = weakref.ref(trained.trainer)
    assert trained.trainer.steps_done == 1

    assert another_tab_active(clock, TIMEOUT - 1) == 0  # not idle long enough
    assert at.session_state["train.run"] is trained
    assert another_tab_active(clock, 61) == 1
    del trained
    gc.collect()
    assert trainer() is None  # nothing in the session holds the model, its optimizer or its data any more

    at.run()  # the user comes back
    notice = next(info.value for info in at.info if "put away" in info.value)
    assert notice.startswith("Run 1 was put away after 31 minutes without activity")
    assert [run.number for run in at.session_state["train.runs"]] == [1]  # still in the comparison
    assert at.session_state["train.run"].trainer.steps_done == 0 and not errors(at) and not at.exception
    assert at.number_input(key="train.steps").value == 40  # the user's settings stay
    at.button(key="train.start").click().run()
    assert at.session_state["train.run"].number == 2 and at.session_state["train.run"].trainer.steps_done > 0


def test_a_session_that_keeps_running_keeps_everything(clock):
    at = open_page("app_pages/train_sine.py")
    at.button(key="train.step").click().run()
    trained = at.session_state["train.run"]
    for _ in range(3):  # this tab runs every 0.6 timeouts: never idle long enough
        assert another_tab_active(clock, TIMEOUT * 0.6) == 0
        at.run()
    assert at.session_state["train.run"] is trained and not any("put away" in i.value for i in at.info)


def test_an_idle_language_model_page_drops_its_caches_and_reads_the_upload_again(clock):
    at = open_page("app_pages/char_lm.py")
    at.radio(key="lm.corpus_kind").set_value("upload").run()
    text = "hello, idle world\n" * 200
    at.file_uploader(key="lm.upload").set_value(("lesson.txt", text.encode(), "text/plain"))
    at.run()
    at.button(key="lm.inside_untrained.button").click().run()  # the inside view traces the untrained model
    assert "lm.upload_corpus" in at.session_state and "lm.inside" in at.session_state

    assert another_tab_active(clock, TIMEOUT + 1) == 1
    assert "lm.upload_corpus" not in at.session_state and "lm.inside" not in at.session_state

    at.run()
    characters = next(m.value for m in at.metric if m.label == "Characters")
    assert characters == f"{len(text):,}" and not errors(at) and not at.exception
    assert at.session_state["lm.upload_corpus"][1].text == text
