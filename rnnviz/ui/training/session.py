"""Per-session state of a training page, in one place: the current run, earlier runs, running or not.

Every training page has one ``RunSession(namespace)``; its keys in ``st.session_state`` are namespaced
(``train.run``, ``lm.runs``, ...) and nothing here is shared between sessions or cached across users:
``<ns>.run`` the current ``LiveRun`` or ``LiveRace`` (None while the choices are invalid and nothing ran; it knows
whether it is running), ``<ns>.recipe`` what it was built from, ``<ns>.runs`` earlier runs as bounded ``RunRecord``s,
``<ns>.run_count``, ``<ns>.notice``, ``<ns>.build_error`` (why no run could be built from the current choices).

A *recipe* is a hashable description of a run (the sine page: its settings; the language model: the text and
its settings) and ``build`` makes a fresh trainer from it (a ValueError says what to change), or a tuple of
trainers for a race (``rnnviz.training.race.LiveRace``: the memory page's RNN vs LSTM vs GRU; each run of a race
has its own number). A run that has not trained follows the recipe; one that has keeps its own until Start or
Reset. The button callbacks run before the script (Streamlit ``on_click``), so the page draws the new state.

A session left idle past ``rnnviz.ui.common.idle``'s timeout gives its current run's trainer back
(``put_away_idle_run``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, MutableMapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import streamlit as st

from rnnviz.training.live import LiveRun, RunRecord, keep_runs
from rnnviz.training.loop import LoopTrainer
from rnnviz.training.race import LiveRace
from rnnviz.ui.common.idle import held, on_idle

#: Earlier runs kept for the comparison (each holds at most DISPLAY_POINTS losses); the oldest go first.
MAX_RUNS = 12
Build = Callable[[Hashable], LoopTrainer | tuple[LoopTrainer, ...]]
Live = LiveRun | LiveRace


def archive_run(state: MutableMapping[str, Any], namespace: str, live: Live | None) -> None:
    """Keep ``live`` (every run of a race) in the comparison of ``namespace`` in ``state`` if it trained at all
    (the oldest runs go)."""
    if live is None or live.steps_done == 0:
        return
    runs, dropped = state[f"{namespace}.runs"], []
    for record in live.records():
        runs, gone = keep_runs(runs, record, MAX_RUNS)
        dropped += gone
    state[f"{namespace}.runs"] = runs
    if dropped:
        names = ", ".join(str(r.number) for r in dropped)
        state[f"{namespace}.notice"] = f"Only the last {MAX_RUNS} runs are kept: run {names} left the comparison."


def put_away_idle_run(state: MutableMapping[str, Any], idle_minutes: float, namespace: str) -> None:
    """An idle session's current run gives back its trainer (model, optimizer, data): it stops, its losses
    stay in the comparison as a ``RunRecord``, and the page says so; the next Start trains a new run."""
    live = held(state, f"{namespace}.run")
    if live is None:
        return
    live.pause()
    archive_run(state, namespace, live)
    for name in ("run", "recipe"):  # deleted, not set to None: Streamlit keeps a set key's old value until the
        del state[f"{namespace}.{name}"]  # session's next run, which an idle session may never have
    if live.steps_done > 0:
        state[f"{namespace}.notice"] = (
            f"{live.name} was put away after {idle_minutes:.0f} minutes without activity, to free this "
            "server's memory for other sessions: its loss curve stays in the comparison. Start trains a new run."
        )


@dataclass(frozen=True)
class RunSession:
    """The run state of one training page, under ``namespace`` in ``st.session_state``."""

    namespace: str
    build: Build  # recipe -> a fresh trainer; ValueError when the recipe cannot train

    def key(self, name: str) -> str:
        return f"{self.namespace}.{name}"

    def init_state(self) -> None:
        defaults = {"run": None, "recipe": None, "runs": [], "run_count": 0, "notice": None, "build_error": None}
        for name, value in defaults.items():
            st.session_state.setdefault(self.key(name), value)
        on_idle(f"run session {self.namespace}", partial(put_away_idle_run, namespace=self.namespace))

    # ----- reading ----------------------------------------------------------------------------------------
    def current(self) -> Live | None:
        return st.session_state.get(self.key("run"))

    def is_running(self) -> bool:
        live = self.current()
        return live is not None and live.running

    def build_error(self) -> str | None:
        return st.session_state.get(self.key("build_error"))

    def notice(self) -> str | None:
        return st.session_state.get(self.key("notice"))

    def follows(self, recipe: Hashable | None) -> bool:
        """True when the current run was built from ``recipe`` (or there is no recipe to compare with)."""
        return recipe is None or st.session_state.get(self.key("recipe")) == recipe

    def run_for(self, recipe: Hashable | None) -> Live | None:
        """The current run; one that has not trained yet follows ``recipe`` (a run that has keeps its own)."""
        live = self.current()
        if recipe is None or (live is not None and (live.steps_done > 0 or self.follows(recipe))):
            if live is not None and self.follows(recipe):
                st.session_state[self.key("build_error")] = None
            return live
        number = live.number if live is not None else None  # an untrained run keeps its number
        return self._new_run(recipe, number)

    def all_runs(self) -> list[RunRecord]:
        """Earlier runs, then the current one if it trained and is not training right now (the comparison is
        drawn once per page run, so a training run would show a stale copy)."""
        runs = list(st.session_state[self.key("runs")])
        live = self.current()
        if live is not None and live.steps_done > 0 and not self.is_running():
            records = live.records()
            numbers = {record.number for record in records}
            runs = [r for r in runs if r.number not in numbers] + records
        return runs

    # ----- changing ---------------------------------------------------------------------------------------
    def _new_run(self, recipe: Hashable, number: int | None = None) -> Live | None:
        """A fresh run (or race) from ``recipe``; on a ValueError none (the reason is kept in ``build_error``)."""
        try:
            built = self.build(recipe)
        except ValueError as error:
            st.session_state[self.key("build_error")] = str(error)
            st.session_state[self.key("run")] = st.session_state[self.key("recipe")] = None
            return None
        if number is None:  # else an untrained run, the latest one made, is rebuilt under its own number(s)
            number = st.session_state[self.key("run_count")] + 1
        st.session_state[self.key("run_count")] = number + (len(built) if isinstance(built, tuple) else 1) - 1
        live = LiveRace(built, number) if isinstance(built, tuple) else LiveRun(built, number)
        st.session_state[self.key("build_error")] = None
        st.session_state[self.key("run")], st.session_state[self.key("recipe")] = live, recipe
        return live

    def _archive(self, live: Live | None) -> None:
        archive_run(st.session_state, self.namespace, live)

    # ----- button callbacks -------------------------------------------------------------------------------
    def start(self, recipe: Hashable) -> None:
        """Train the current run if it has not started and follows ``recipe``; else keep it, start a new one."""
        live = self.current()
        if live is None or live.steps_done > 0 or not self.follows(recipe):
            if live is not None:
                live.pause()  # the replaced run gives up its training slot
            self._archive(live)
            live = self._new_run(recipe)
        if live is not None:
            live.resume()

    def pause(self) -> None:
        """Stop training at once. Pause and resume are separate callbacks, not a toggle: a click that reaches
        the server twice must not undo itself."""
        live = self.current()
        if live is not None:
            live.pause()

    def resume(self) -> None:
        live = self.current()
        if live is not None:
            live.resume()

    def one_step(self, recipe: Hashable | None) -> None:
        """Pause and train exactly one step (a finished run is kept and a new one started first)."""
        live = self.current()
        if live is None or live.finished:
            if recipe is None:
                return
            self._archive(live)
            live = self._new_run(recipe)
        if live is not None:
            live.step(1)

    def reset(self, recipe: Hashable | None) -> None:
        """Stop; keep the current run in the comparison and begin a fresh, untrained one."""
        self.pause()
        self._archive(self.current())
        st.session_state[self.key("run")] = st.session_state[self.key("recipe")] = None
        if recipe is not None:
            self._new_run(recipe)

    def clear_earlier_runs(self) -> None:
        st.session_state[self.key("runs")] = []
        st.session_state[self.key("notice")] = None
