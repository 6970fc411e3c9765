"""The settings of a sin -> cos run (sidebar) and the speed control; each junk value ends in a clear st.error."""

from __future__ import annotations

import streamlit as st

from rnnviz.train_live import Pace
from rnnviz.train_settings import CELLS, FLOAT_LIMITS, INT_LIMITS, OPTIMIZERS, SineSettings
from rnnviz.ui.settings_form import parse_typed_number, show_setting_problems

#: Widget options of every setting: the value survives a trip to another page and back.
KEEP = dict(persist_state="session")
#: What each setting is called on screen (errors name the widget to change).
LABELS = {
    "cell": "Cell type",
    "hidden_size": "Hidden size",
    "num_layers": "Layers",
    "lr": "Learning rate",
    "optimizer": "Optimizer",
    "momentum": "Momentum",
    "clip": "Gradient clipping (max norm)",
    "points": "Points per window",
    "windows_per_batch": "Windows per batch",
    "noise": "Noise on the input",
    "steps": "Total steps",
    "seed": "Seed",
    "hidden_policy": "Hidden state between windows",
}
POLICY_TEXT = {
    "carry": "carry over (detached: truncated BPTT)",
    "reset": "reset to zeros for each window",
}
#: Speed choices (steps per second); the last one means no cap.
FAST = "as fast as possible"
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, FAST)
DEFAULT_SPEED = 50


def _range(name: str) -> str:
    if name in INT_LIMITS:
        return "from {} to {:,}".format(*INT_LIMITS[name])
    low, high, _ = FLOAT_LIMITS[name]
    return f"from {low:g} to {high:g}"


def settings_sidebar() -> SineSettings | None:
    """The run settings from the sidebar (defaults: the reference setup), or None after an st.error per problem
    in the main area saying which widget to change and to what.

    The number inputs have no min/max on purpose: Streamlit would refuse an out-of-range entry with only a
    red outline on the field, while ``SineSettings`` names the widget and the allowed range in the page.
    """
    bar = st.sidebar
    d = SineSettings()

    def number(name: str, key: str, step: float | None = None, **options):  # no min/max: see the docstring
        return bar.number_input(LABELS[name], value=getattr(d, name), step=step, key=key, **options, **KEEP)

    bar.header("Model")
    cell = bar.selectbox(LABELS["cell"], CELLS, index=CELLS.index(d.cell), key="train.cell", **KEEP)
    hidden_size = number("hidden_size", "train.hidden_size", help=_range("hidden_size"))
    layer_range = INT_LIMITS["num_layers"]
    num_layers = bar.slider(LABELS["num_layers"], *layer_range, d.num_layers, key="train.num_layers", **KEEP)
    bar.header("Optimizer")
    optimizer = bar.radio(LABELS["optimizer"], OPTIMIZERS, horizontal=True, key="train.optimizer", **KEEP)
    lr_help = "e.g. 0.02 or 1e-3; above 0, up to 100"
    lr_text = bar.text_input(LABELS["lr"], f"{d.lr:g}", key="train.lr", help=lr_help, **KEEP)
    momentum = d.momentum
    if optimizer == "SGD":
        momentum = number("momentum", "train.momentum", 0.05, help=_range("momentum"))
    clip = number("clip", "train.clip", 0.5, help="max gradient norm; 0 = no clipping")
    bar.header("Data")
    points = number("points", "train.points", help=_range("points"))
    windows = number("windows_per_batch", "train.windows", help=_range("windows_per_batch"))
    noise = number("noise", "train.noise", 0.05, help="std of Gaussian noise added to sin(x); " + _range("noise"))
    policy = bar.radio(
        LABELS["hidden_policy"], tuple(POLICY_TEXT), format_func=POLICY_TEXT.get, key="train.hidden_policy", **KEEP
    )
    bar.header("Run")
    steps = number("steps", "train.steps", 100, help=_range("steps"))
    seed = number("seed", "train.seed", help=_range("seed"))
    values = dict(
        cell=cell, hidden_size=hidden_size, num_layers=num_layers, lr=parse_typed_number(lr_text),
        optimizer=optimizer, momentum=momentum, clip=clip, points=points, windows_per_batch=windows, noise=noise,
        steps=steps, seed=seed, hidden_policy=policy,
    )  # fmt: skip
    try:
        return SineSettings(**values)
    except ValueError as error:  # every problem at once, "; "-separated, each starting with the setting's name
        show_setting_problems(error, LABELS, "in the sidebar")
        return None


def speed_control() -> Pace:
    """A speed slider: a cap in steps per second so a person can watch, or as fast as possible."""
    speed = st.select_slider(
        "Speed (training steps per second)",
        SPEEDS,
        DEFAULT_SPEED,
        key="train.speed",
        help="A cap lets you watch the loss and the prediction change; uncapped trains hundreds of steps/s.",
        **KEEP,
    )
    return Pace(None if speed == FAST else float(speed))
