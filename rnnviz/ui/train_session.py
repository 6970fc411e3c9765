"""Per-session state of the training page, in one place: the current run, earlier runs, running or not.

Keys (namespaced; nothing here is shared between sessions, nothing is cached across users):
``train.trainer`` the current ``LiveTrainer`` (or None while the settings are invalid and nothing ran),
``train.runs`` earlier runs as bounded ``RunRecord``s, ``train.running``, ``train.run_count``, ``train.notice``.
The button callbacks below run before the script (Streamlit ``on_click``), so the page draws the new state.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.train_live import LiveTrainer, RunRecord, keep_runs
from rnnviz.train_settings import SineSettings

TRAINER_KEY = "train.trainer"
RUNS_KEY = "train.runs"
RUNNING_KEY = "train.running"
COUNT_KEY = "train.run_count"
NOTICE_KEY = "train.notice"
#: Earlier runs kept for the comparison (each holds at most DISPLAY_POINTS losses); the oldest go first.
MAX_RUNS = 12


def init_state() -> None:
    for key, value in ((TRAINER_KEY, None), (RUNS_KEY, []), (RUNNING_KEY, False), (COUNT_KEY, 0), (NOTICE_KEY, None)):
        st.session_state.setdefault(key, value)


def current_run() -> LiveTrainer | None:
    return st.session_state.get(TRAINER_KEY)


def is_running() -> bool:
    return bool(st.session_state.get(RUNNING_KEY)) and current_run() is not None


def _new_run(settings: SineSettings) -> LiveTrainer:
    st.session_state[COUNT_KEY] += 1
    live = LiveTrainer(settings, number=st.session_state[COUNT_KEY])
    st.session_state[TRAINER_KEY] = live
    return live


def current_run_for(settings: SineSettings | None) -> LiveTrainer | None:
    """The current run; one that has not trained yet follows the settings (a run that has keeps its own)."""
    live = current_run()
    if settings is None or (live is not None and (live.trainer.steps_done > 0 or live.settings == settings)):
        return live
    if live is None:
        return _new_run(settings)
    live = LiveTrainer(settings, number=live.number)  # same run number: the old one never trained
    st.session_state[TRAINER_KEY] = live
    return live


def _archive(live: LiveTrainer | None) -> None:
    """Keep ``live`` in the comparison if it trained at all."""
    if live is None or live.trainer.steps_done == 0:
        return
    runs, dropped = keep_runs(st.session_state[RUNS_KEY], live.record(), MAX_RUNS)
    st.session_state[RUNS_KEY] = runs
    if dropped:
        names = ", ".join(str(r.number) for r in dropped)
        st.session_state[NOTICE_KEY] = f"Only the last {MAX_RUNS} runs are kept: run {names} left the comparison."


# ----- button callbacks ---------------------------------------------------------------------------------------
def start(settings: SineSettings) -> None:
    """Train the current run if it has not started and matches ``settings``; else keep it and start a new one."""
    live = current_run()
    if live is None or live.trainer.steps_done > 0 or live.settings != settings:
        _archive(live)
        live = _new_run(settings)
    live.pause()  # a fresh pace clock
    st.session_state[RUNNING_KEY] = True


def toggle_pause() -> None:
    live = current_run()
    if live is None:
        return
    live.pause()
    st.session_state[RUNNING_KEY] = not st.session_state[RUNNING_KEY] and not live.trainer.finished


def one_step(settings: SineSettings | None) -> None:
    """Pause and train exactly one step (a finished run is kept and a new one started first)."""
    live = current_run()
    st.session_state[RUNNING_KEY] = False
    if live is None or live.trainer.finished:
        if settings is None:
            return
        _archive(live)
        live = _new_run(settings)
    live.pause()
    live.step(1)


def reset(settings: SineSettings | None) -> None:
    """Stop; keep the current run in the comparison and begin a fresh, untrained one."""
    st.session_state[RUNNING_KEY] = False
    _archive(current_run())
    st.session_state[TRAINER_KEY] = None
    if settings is not None:
        _new_run(settings)


def stop_running() -> None:
    st.session_state[RUNNING_KEY] = False


def clear_earlier_runs() -> None:
    st.session_state[RUNS_KEY] = []
    st.session_state[NOTICE_KEY] = None


def all_runs() -> list[RunRecord]:
    """Earlier runs, then the current one if it trained and is not training right now (the comparison is
    drawn once per page run, so a training run would show a stale copy)."""
    runs = list(st.session_state[RUNS_KEY])
    live = current_run()
    if live is not None and live.trainer.steps_done > 0 and not is_running():
        runs = [r for r in runs if r.number != live.number] + [live.record()]
    return runs
