"""The live part of every training page: one fragment that trains a bounded chunk and redraws, on its own,
while a run trains (the rest of the page stays responsive).

Uncapped (alone in its process), the browser asks for a tick every 0.5 s and a tick trains 0.45 s after drawing: 2
refreshes a second, ~90 % of the time training. Drawn before training, because the browser shows the elements of a
fragment run that is still going as faded "stale" ones. The small idle gap matters: the browser drops the charts of
earlier fragment runs only when a run has finished before the next begins (back-to-back runs, e.g. a fragment
rerunning itself with ``st.rerun(scope="fragment")``, leave hidden copies of every chart piling up). Capped, the
(short) tick trains before drawing and the browser's timer asks every 0.25-1 s. No thread is used, so training stops
when the session ends. ``live_tick`` is a plain function: the benchmarks call it directly.

A running run whose process has no free training slot (``rnnviz.training.admission``) trains nothing on its
ticks; the fragment says how many runs are ahead of it until it gets one. How often the fragment refreshes
follows the process's load (``rnnviz.training.live.live_refresh``): a waiting run every 2 s, an uncapped run
less often and for longer ticks while other runs train in the same process. A fragment's interval is set when
the whole page runs, so a tick that finds the wanted interval changed (the run got its slot, lost it, or the
process's training count changed) reruns the page.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from rnnviz.training.live import FAST_TICK_SECONDS, Pace, Refresh, live_refresh
from rnnviz.ui.common.idle import keep_alive
from rnnviz.ui.training.session import Live, RunSession

#: What a page draws of its run on every refresh: ``draw(run, running)``.
Draw = Callable[[Live, bool], None]


def _tick(live: Live, pace: Pace, seconds: float) -> None:
    try:
        live.tick(pace, seconds=seconds)
    except RuntimeError as error:  # e.g. out of memory: stop, keep the run, say what to change
        live.pause()
        st.error(
            f"Training stopped: {str(error)[:300]}. Make the model or the batch smaller and press Reset.",
            icon=":material/error:",
        )


def live_tick(live: Live, pace: Pace, draw: Draw, seconds: float = FAST_TICK_SECONDS) -> None:
    """Train one tick (if the run is running; ~``seconds`` uncapped) and draw it: capped, training first;
    uncapped, drawing first."""
    running = live.running
    if running and pace.capped:
        _tick(live, pace, seconds)
    draw(live, running)
    if running and not pace.capped:
        _tick(live, pace, seconds)


def refresh_for(live: Live, pace: Pace) -> Refresh:
    """How ``live``'s page refreshes now: its place in the queue and its process's runs training at once."""
    return live_refresh(pace, live.runs_ahead, live.gate.state().training)


def queue_notice(live: Live) -> None:
    """'Waiting for a free training slot: 3 runs ahead of you', while the run waits in its process's queue."""
    ahead = live.runs_ahead
    if not ahead:
        return
    slots = live.gate.slots
    st.info(
        f"Waiting for a free training slot: **{ahead} run{'s' if ahead > 1 else ''} ahead of you**. This server "
        f"trains {slots} run{'s' if slots > 1 else ''} at once so that every page stays quick; yours starts by "
        "itself when a slot frees up (keep this tab open). Pause leaves the queue.",
        icon=":material/hourglass_top:",
    )


def live_section(session: RunSession, pace: Pace, draw: Draw) -> None:
    """The live view as one fragment that trains a tick and redraws, on its own, while the run trains."""

    current = session.current()
    refresh = refresh_for(current, pace) if current is not None and session.is_running() else None

    @st.fragment(run_every=refresh.interval if refresh is not None else None)
    def live_fragment() -> None:
        keep_alive()  # a fragment tick does not run app.py: a session training is not idle
        live = session.current()
        if live is None:
            return
        was_running = live.running
        notice = st.empty()  # above the run, filled once this tick knows whether the run waits for a slot
        live_tick(live, pace, draw, refresh.tick_seconds if refresh is not None else FAST_TICK_SECONDS)
        with notice.container():
            queue_notice(live)
        if was_running and not live.running:  # finished, diverged or stopped on an error in this tick
            st.rerun(scope="app")  # the buttons and messages outside this fragment change
        if live.running and refresh is not None and refresh_for(live, pace).interval != refresh.interval:
            st.rerun(scope="app")  # the fragment's interval is set by a whole-page run

    live_fragment()
