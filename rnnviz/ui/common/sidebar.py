"""Sidebar controls shared by the model pages; values survive page switches and live in the URL.

Each shared control is seeded once per session from the URL query string (``?cell=GRU&hidden_size=8``), kept
in a non-widget ``st.session_state`` copy (``"<key>.saved"``) across page switches, and written back to the URL
while it differs from its default, so the address bar always shares the current view. (Streamlit's own
``bind="query-params"`` dropped URL-given values on the first page switch: navigation clears the query string.)
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from rnnviz.core.spec import CELL_TYPES, LIMITS, ModelSpec
from rnnviz.experiment.signals import MAX_BATCH, SIGNAL_KINDS, InputSpec


def _parse(raw: str, default: Any, options: Sequence | None, low: float | None, high: float | None) -> Any:
    """The URL text ``raw`` as a value like ``default``; ValueError when it is not one the widget allows."""
    if options is not None:
        matches = [option for option in options if str(option) == raw]
        if not matches:
            raise ValueError(raw)
        return matches[0]
    if isinstance(default, bool):
        if raw.lower() not in ("true", "false"):
            raise ValueError(raw)
        return raw.lower() == "true"
    if isinstance(default, str):
        return raw
    value = int(raw) if isinstance(default, int) else float(raw)
    if not math.isfinite(value) or (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(raw)
    return value


def shared_control(
    widget: Callable[..., Any],
    label: str,
    key: str,
    default: Any,
    *,
    options: Sequence | None = None,
    low: float | None = None,
    high: float | None = None,
    param: str | None = None,
    **kwargs: Any,
) -> Any:
    """Render ``widget`` (e.g. ``st.sidebar.slider``) for ``key``, seeded from the URL parameter ``param``
    (default: ``key``), kept across pages. A URL value that differs from the kept one (a link opened the page
    with it) wins; the page writes its own values back, so its reruns never differ.

    An invalid URL value (not an option, out of range, not a number) is ignored: the default is used. A kept
    value that the widget no longer allows (the options or the range changed) falls back to the default or
    into the range.
    """
    param = param or key
    saved = f"{key}.saved"  # a non-widget copy: Streamlit drops a widget's state when its page is left
    raw = st.query_params.get(param)
    changed = False  # the kept value changed here: the widget must show it
    if saved not in st.session_state:
        try:
            st.session_state[saved] = default if raw is None else _parse(raw, default, options, low, high)
        except ValueError:
            st.session_state[saved] = default
    elif raw is not None and raw != str(st.session_state[saved]):  # a link (e.g. a lesson's) asks for a value
        with contextlib.suppress(ValueError):  # a value the widget does not allow is ignored
            st.session_state[saved], changed = _parse(raw, default, options, low, high), True
    kept = st.session_state[saved]
    allowed = kept in options if options is not None else low is None or high is None or low <= kept <= high
    if not allowed:
        st.session_state[saved] = default if options is not None else min(max(kept, low), high)
        changed = True
    if changed:
        # a value set through the widget's key reaches the browser's widget too (popping the key would leave the
        # browser showing, and later sending back, the old value)
        st.session_state[key] = st.session_state[saved]
    args = (options,) if options is not None else ((low, high) if low is not None else ())
    # ... and the kept value is also the widget's default, for a widget new on this page (its state is not kept
    # across pages)
    if options is not None:
        kwargs["index"] = list(options).index(st.session_state[saved])
    else:
        kwargs["value"] = st.session_state[saved]
    value = widget(label, *args, key=key, **kwargs)
    st.session_state[saved] = value
    if value == default:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = str(value)
    return value


def set_shared_control(key: str, value: Any, param: str | None = None) -> None:
    """Give the shared control ``key`` a new value from code, in a callback (e.g. a button's): kept, shown by its
    widget (in the browser too), and written to the URL."""
    st.session_state[f"{key}.saved"] = st.session_state[key] = value
    st.query_params[param or key] = str(value)


def model_spec_sidebar(header: bool = True) -> ModelSpec | None:
    """Render the model controls in the sidebar (under a "Model" header unless the page drew one); the spec,
    or None after showing what to change."""
    bar = st.sidebar
    if header:
        bar.header("Model")
    cell = shared_control(bar.selectbox, "Cell type", "cell", "LSTM", options=list(CELL_TYPES))
    input_size = shared_control(bar.number_input, "Input size", "input_size", 1, low=1, high=LIMITS["input_size"])
    hidden_size = shared_control(bar.slider, "Hidden size", "hidden_size", 16, low=1, high=256)
    num_layers = shared_control(bar.slider, "Layers", "num_layers", 1, low=1, high=4)
    bidirectional = shared_control(bar.toggle, "Bidirectional", "bidirectional", False)
    batch_first = shared_control(bar.toggle, "batch_first=True", "batch_first", False)
    proj_size = shared_control(
        bar.number_input, "proj_size (LSTM only, 0 = off)", "proj_size", 0, low=0, high=LIMITS["hidden_size"]
    )
    bias = shared_control(bar.toggle, "Bias (b_ih, b_hh)", "bias", True)
    try:
        return ModelSpec(
            cell=cell,
            input_size=int(input_size),
            hidden_size=int(hidden_size),
            num_layers=int(num_layers),
            bidirectional=bool(bidirectional),
            batch_first=bool(batch_first),
            proj_size=int(proj_size),
            bias=bool(bias),
        )
    except ValueError as error:
        st.error(f"These model settings cannot be built: {error}.")
        return None


def input_spec_sidebar() -> tuple[InputSpec, int] | None:
    """Render the input and seed controls in the sidebar; (input spec, weight seed), or None after an error."""
    bar = st.sidebar
    bar.header("Input")
    kind = shared_control(bar.selectbox, "Signal", "signal", "sine", options=list(SIGNAL_KINDS))
    seq_len = shared_control(bar.slider, "Sequence length", "seq_len", 40, low=1, high=1000)
    batch = shared_control(bar.slider, "Batch size", "batch", 1, low=1, high=MAX_BATCH)
    seed = shared_control(bar.number_input, "Seed (weights and noise)", "seed", 0, low=0, high=2**31 - 1)
    with bar.expander("Signal shape"):
        frequency = shared_control(
            st.number_input, "Cycles over the sequence (sine)", "frequency", 1.0, low=0.0, high=1000.0
        )
        amplitude = shared_control(st.number_input, "Amplitude", "amplitude", 1.0, low=-1e6, high=1e6)
        phase = shared_control(st.number_input, "Phase (radians, sine)", "phase", 0.0, low=-100.0, high=100.0)
        noise = shared_control(st.number_input, "Noise (std of added Gaussian noise)", "noise", 0.0, low=0.0, high=1e6)
    try:
        spec = InputSpec(
            kind=kind,
            seq_len=int(seq_len),
            batch=int(batch),
            frequency=float(frequency),
            amplitude=float(amplitude),
            phase=float(phase),
            noise=float(noise),
            seed=int(seed),
        )
        return spec, int(seed)
    except ValueError as error:
        st.error(f"This input cannot be generated: {error}.")
        return None


def index_picker(
    container, label: str, count: int, key: str, names: Sequence[str] | None = None, param: str | None = None
) -> int:
    """A selectbox over 0..count-1 (shown as ``names`` if given); nothing is drawn when there is one choice.

    With ``param``, the choice is seeded from and written to that URL parameter (see ``shared_control``).
    """
    if count == 1:
        return 0
    format_func = (names or [str(i) for i in range(count)]).__getitem__
    if param is None:
        return container.selectbox(label, range(count), key=key, format_func=format_func)
    return shared_control(
        container.selectbox, label, key, 0, options=list(range(count)), param=param, format_func=format_func
    )
