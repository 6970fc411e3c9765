"""Sessions left idle give back their trainers and large per-session caches after a timeout.

A tab left open after the lesson keeps its Streamlit session (and its WebSocket) alive, so Streamlit never drops
what the session holds: a trained model, its optimizer, an uploaded text read into a corpus, a trace of it. Every
script run and every live tick calls ``keep_alive()``: it marks its own session as active, then releases what
the sessions idle for longer than ``RNNVIZ_IDLE_RELEASE_MINUTES`` (default ``IDLE_RELEASE_MINUTES``) hold.

What is released is declared by the feature that stores it, once per process: ``on_idle(name, release)``
registers ``release(state, idle_minutes)``, called with the idle session's own state (a mapping). It drops
what can be rebuilt or is not worth keeping and leaves a note where the user will look (see
``rnnviz.ui.training.session.put_away_idle_run``); the user's choices (widgets, the URL) stay.

The registry keeps each session's ``SessionHold`` (stored in that session's own state) only weakly: a session
Streamlit drops (its tab closed) is forgotten with everything it held. Sweeps happen on other sessions' runs,
so a server nobody uses keeps what it holds until someone comes back.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, MutableMapping
from typing import Any

from streamlit.runtime.scriptrunner import get_script_run_ctx

from rnnviz.core.environment import number_from_environment

IDLE_VARIABLE = "RNNVIZ_IDLE_RELEASE_MINUTES"
IDLE_RELEASE_MINUTES = 30.0
HOLD_KEY = "idle.hold"

#: What an idle session gives back: ``release(state, idle_minutes)`` on that session's state.
Release = Callable[[MutableMapping[str, Any], float], None]
_releases: dict[str, Release] = {}


def held(state: MutableMapping[str, Any], key: str) -> Any:
    """``state[key]``, or None when absent (Streamlit's session state, as a release gets it, has no ``.get``)."""
    try:
        return state[key]
    except KeyError:
        return None


def on_idle(name: str, release: Release) -> None:
    """Register (or replace) what sessions give back when idle; ``name`` makes it once per process."""
    _releases[name] = release


class SessionHold:
    """One session's entry: when it was last active, and its state (to release from another session's run)."""

    def __init__(self, state: MutableMapping[str, Any], now: float) -> None:
        self.state = state
        self.seen = now
        self.released = False


class IdleSessions:
    """Sessions by id, each with its last activity; ``seen`` marks one active and releases the idle ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holds: weakref.WeakValueDictionary[str, SessionHold] = weakref.WeakValueDictionary()

    def seen(self, session_id: str, state: MutableMapping[str, Any], now: float, timeout_seconds: float) -> int:
        """Mark ``session_id`` active now and release every other session idle longer than ``timeout_seconds``
        (each once, until it is active again). Returns how many sessions were released."""
        with self._lock:
            hold = self._holds.get(session_id)
            if hold is None or HOLD_KEY not in state or state[HOLD_KEY] is not hold:
                hold = SessionHold(state, now)
                state[HOLD_KEY] = hold  # the session's state owns its entry; the registry only points at it
                self._holds[session_id] = hold
            hold.state, hold.seen, hold.released = state, now, False
            idle = [h for h in self._holds.values() if not h.released and now - h.seen > timeout_seconds]
            for h in idle:
                h.released = True
        for h in idle:
            for release in list(_releases.values()):
                release(h.state, (now - h.seen) / 60)
        return len(idle)


SESSIONS = IdleSessions()


def idle_timeout_seconds() -> float:
    """``RNNVIZ_IDLE_RELEASE_MINUTES`` (default ``IDLE_RELEASE_MINUTES``) in seconds."""
    return 60 * number_from_environment(IDLE_VARIABLE, IDLE_RELEASE_MINUTES)


def keep_alive() -> None:
    """This session is active; sessions idle past the timeout give back what they hold (call on every run)."""
    ctx = get_script_run_ctx()
    if ctx is None:  # not in a script run (a benchmark calling page code directly)
        return
    SESSIONS.seen(ctx.session_id, ctx.session_state, time.monotonic(), idle_timeout_seconds())
