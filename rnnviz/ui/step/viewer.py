"""The step viewer: Step through's per-step view as a Custom Component v2 that draws every step in the browser.

The server sends the traced slice once (``rnnviz.figures.step_view.step_view_data``, cached per selection);
the browser scrubs, steps and plays with no server round trip and moves a current-step marker over the
page's plotly charts (by their element keys). The step on screen comes back to Python (``t``) when Play
pauses and shortly after the last change, so that the URL, "What if?" and the exports follow it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import streamlit as st

from rnnviz.experiment.run import Experiment
from rnnviz.figures import step_view
from rnnviz.ui.step.traced import cached_traced_run

HERE = Path(__file__).resolve().parent
SPEEDS = (5, 10, 20, 30)
DEFAULT_SPEED = 10
#: The step on screen, kept for this session (and in the URL as ``t``); the server-drawn view's slider key.
STEP_KEY = "step.t"
SHOWN_KEY = "step.t.shown"

_COMPONENT = st.components.v2.component(
    "rnnviz.step_viewer",
    html=(HERE / "viewer.html").read_text(),
    css=(HERE / "viewer.css").read_text(),
    js=(HERE / "viewer.js").read_text(),
)


def element_class(key: str) -> str:
    """The CSS class Streamlit gives the element with widget/element key ``key`` (``st-key-`` dropped)."""
    return re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def cached_view_data(
    experiment: Experiment, unit: int, layer: int, direction: int, batch: int, all_units: bool
) -> dict | None:
    """``step_view_data`` of the experiment's trace (None when larger than ``step_view.MAX_PAYLOAD_BYTES``),
    with a version that changes whenever the data does; cached per selection."""
    return _cached_view_data(experiment, unit, layer, direction, batch, all_units, step_view.MAX_PAYLOAD_BYTES)


@st.cache_data(max_entries=32, show_spinner="Preparing the step view…")
def _cached_view_data(
    experiment: Experiment, unit: int, layer: int, direction: int, batch: int, all_units: bool, max_bytes: int
) -> dict | None:
    trace = cached_traced_run(experiment)
    data = step_view.step_view_data(
        trace, unit=unit, layer=layer, direction=direction, batch=batch, all_units=all_units, max_bytes=max_bytes
    )
    if data is not None:
        identity = repr((experiment, unit, layer, direction, batch, all_units)).encode()
        data["version"] = hashlib.sha1(identity).hexdigest()[:16]
    return data


def step_viewer(
    data: dict,
    *,
    t: int,
    markers: list[str],
    labels: list[str] | None = None,
    step_notes: list[str] | None = None,
    key: str = "step.viewer",
) -> int:
    """Mount the viewer on ``data`` showing step ``t`` first; ``markers`` are the element keys of the charts
    that get a current-step marker; ``labels`` (what was read at each step: a character) and ``step_notes``
    (one sentence per step) for a character model. Returns the step on screen as last reported by the browser."""
    note = data["note"]
    if labels is not None:  # a character model: its x_t is the one-hot of the character read, not "feature 0"
        note = re.sub(r"x_t shows feature 0 of (\d+)", r"x_t is the character read (one-hot over \1)", note)
    payload = {
        **data,
        "note": note,
        "labels": labels,
        "step_notes": step_notes,
        "t": min(t, data["steps"] - 1),  # a packed batch item's view may be shorter than the trace
        "markers": [element_class(k) for k in markers],
        "speeds": list(SPEEDS),
        "speed": DEFAULT_SPEED,
    }
    result = _COMPONENT(key=key, data=payload, default={"t": t}, on_t_change=lambda: None)
    reported = getattr(result, "t", t)
    return min(max(int(reported if reported is not None else t), 0), data["steps"] - 1)


def remembered_step(steps: int) -> int:
    """The step to show first: the last one shown in this session, else the URL's ``t``; within the sequence."""
    if SHOWN_KEY not in st.session_state:
        raw = st.query_params.get("t", "0")
        st.session_state[SHOWN_KEY] = int(raw) if raw.isdigit() else 0
    return min(st.session_state[SHOWN_KEY], steps - 1)


def remember_step(t: int) -> int:
    """Keep ``t`` for this session and in the URL (so a shared link opens on this step); returns it."""
    st.session_state[SHOWN_KEY] = t
    if t:
        st.query_params["t"] = str(t)
    else:
        st.query_params.pop("t", None)
    return t
