"""A time-step scrubber with back / play-pause / forward, and a fragment that advances while playing."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

#: Seconds between steps while playing (5 steps/s).
PLAY_INTERVAL = 0.2


def _shift(key: str, delta: int, last: int) -> None:
    st.session_state[key] = min(max(st.session_state.get(key, 0) + delta, 0), last)


def _play(key: str, last: int) -> None:
    if st.session_state.get(key, 0) >= last:
        st.session_state[key] = 0  # play from the start again
    st.session_state[f"{key}.playing"] = True


def _pause(key: str) -> None:
    """Play and pause are separate callbacks, not a toggle: a click that reaches the server twice stays a pause."""
    st.session_state[f"{key}.playing"] = False


def time_scrubber(key: str, steps: int, render: Callable[[int], None], start: int = 0) -> int:
    """Buttons and a slider for t in 0..steps-1, then ``render(t)``; all in a fragment that ticks while playing.
    Returns the step shown by this run of the page (``start`` the first time).

    Only the fragment reruns on each tick, so the rest of the page stays responsive.
    """
    last = steps - 1
    st.session_state[key] = min(st.session_state.get(key, start), last)  # the sequence may have got shorter
    playing = st.session_state.get(f"{key}.playing", False)
    back, play, forward, _ = st.columns([1, 1, 1, 5], vertical_alignment="bottom")
    back.button("Back", icon=":material/skip_previous:", key=f"{key}.back", on_click=_shift, args=(key, -1, last))
    play.button(
        "Pause" if playing else "Play",
        icon=":material/pause:" if playing else ":material/play_arrow:",
        key=f"{key}.play",
        on_click=_pause if playing else _play,
        args=(key,) if playing else (key, last),
        type="primary",
    )
    forward.button("Next", icon=":material/skip_next:", key=f"{key}.forward", on_click=_shift, args=(key, 1, last))

    @st.fragment(run_every=PLAY_INTERVAL if playing else None)
    def ticking_view() -> None:
        if st.session_state.get(f"{key}.playing", False):
            if st.session_state[key] >= last:
                st.session_state[f"{key}.playing"] = False
                st.rerun(scope="app")  # stops the timer and turns the button back into Play
            st.session_state[key] += 1
        if last > 0:
            t = st.slider("Time step t", 0, last, key=key)
        else:
            t = 0
            st.caption("The sequence has one step: t = 0.")
        render(t)

    ticking_view()
    return st.session_state[key]
