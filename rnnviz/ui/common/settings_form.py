"""A task's settings as a sidebar form, declared as data: one ``Field`` per setting, ``Section`` headers.

    FORM = (Section("Model"), Field("cell", "Cell type", "select", options=CELLS), Field("hidden_size", ...))
    settings = settings_sidebar(SineSettings, FORM, prefix="train")   # SineSettings, or None after st.errors

Sections marked ``folded`` (the optimizer, the data, the run) are drawn only while the sidebar's "All settings"
toggle is on; otherwise one line says the values in use. A page's first load then draws the few settings people
change most (the cell, the sizes, T) and not a dozen widgets more: each costs the browser ~20 ms to draw
(``benchmarks/bench_first_load.py``). A folded setting keeps the value it was given while it is not drawn, and
settings that are not valid unfold themselves, so the widget to change is in view.

Number inputs have no min/max on purpose: Streamlit would refuse an out-of-range entry with only a red outline
on the field, while the settings class names the widget and the allowed range in the page. Every widget keeps
its value across a trip to another page (``persist_state="session"``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import streamlit as st

from rnnviz.training.settings import OPTIMIZERS, TrainingSettings
from rnnviz.ui.common.text import escape_markdown

S = TypeVar("S", bound=TrainingSettings)

#: The help of the "All settings" toggle.
ALL_SETTINGS_HELP = "The optimizer, the data and the run: shown here while this is on, listed in one line otherwise."
#: Widget options of every setting: the value survives a trip to another page and back.
PERSIST = dict(persist_state="session")


@dataclass(frozen=True)
class Section:
    """A header in the sidebar; a ``folded`` section and its fields are drawn only while "All settings" is on."""

    title: str
    folded: bool = False


@dataclass(frozen=True)
class Field:
    """One setting's widget. ``widget``: "select", "radio", "slider" (over the setting's int limits),
    "number" or "typed number" (a text box, for values like 1e-3). ``when``: shown only if it returns True
    for the values above it (otherwise the default is used)."""

    name: str
    label: str
    widget: str
    options: Sequence[str] = ()
    names: Mapping[str, str] | None = None  # option -> what it is called on screen
    step: float | None = None
    help: str | None = None
    when: Callable[[dict[str, Any]], bool] | None = None


def optimizer_fields(
    lr_help: str,
    clip_label: str = "Gradient clipping (max norm)",
    clip_help: str = "max gradient norm; 0 = no clipping",
) -> tuple[Section | Field, ...]:
    """The optimizer section of a training form: optimizer, learning rate, momentum (SGD only), clipping."""
    return (
        Section("Optimizer", folded=True),
        Field("optimizer", "Optimizer", "radio", options=OPTIMIZERS),
        Field("lr", "Learning rate", "typed number", help=lr_help),
        Field("momentum", "Momentum", "number", step=0.05, when=lambda values: values["optimizer"] == "SGD"),
        Field("clip", clip_label, "number", step=0.5, help=clip_help),
    )


def parse_typed_number(text: str) -> float | str:
    """A float from typed text ('1e-3', '0,005'), or the text itself, so the settings' validation can name
    the widget and its range instead of the page raising."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return text
    return value if math.isfinite(value) else text


def _problems(error: ValueError) -> list[tuple[str, str]]:
    """(setting name, problem) for each '; '-separated problem of a settings error (each starts with the name)."""
    return [(problem.split(" ", 1)[0], problem) for problem in str(error).split("; ")]


def show_setting_problems(error: ValueError, labels: Mapping[str, str], where: str) -> None:
    """One st.error per '; '-separated problem of a settings error; each problem starts with the setting's
    name, shown as its widget label (``labels``). What the user typed is shown literally, never as markdown."""
    for name, problem in _problems(error):
        st.error(
            escape_markdown(f"{labels.get(name, name)}{problem[len(name) :]}. Change it {where}."),
            icon=":material/error:",
        )


def _kept(field: Field, default: TrainingSettings, key: str) -> Any:
    """A folded field's value while its widget is not drawn: what the widget was last given (its state is kept:
    ``PERSIST``), or the default."""
    if key not in st.session_state:
        return getattr(default, field.name)
    value = st.session_state[key]
    return parse_typed_number(value) if field.widget == "typed number" else value


def _shown_value(field: Field, value: Any) -> str:
    """How the summary of folded settings writes a value: as its widget shows it."""
    if field.names:
        return field.names.get(value, str(value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def _widget(field: Field, default: TrainingSettings, key: str) -> Any:
    bar, value = st.sidebar, getattr(default, field.name)
    help_text = field.help or default.describe_range(field.name)
    if field.widget == "select":
        index = list(field.options).index(value)
        return bar.selectbox(field.label, field.options, index=index, key=key, help=help_text, **PERSIST)
    if field.widget == "radio":
        names = field.names.get if field.names else str
        return bar.radio(
            field.label,
            field.options,
            format_func=names,
            horizontal=field.names is None,
            key=key,
            help=help_text,
            **PERSIST,
        )
    if field.widget == "slider":
        return bar.slider(field.label, *default.INT_LIMITS[field.name], value, key=key, help=help_text, **PERSIST)
    if field.widget == "typed number":
        return parse_typed_number(bar.text_input(field.label, f"{value:g}", key=key, help=help_text, **PERSIST))
    return bar.number_input(field.label, value=value, step=field.step, key=key, help=help_text, **PERSIST)


def _fields(form: Sequence[Field | Section], folded: bool) -> list[Field | Section]:
    """The sections (with their fields) of ``form`` that are folded, or those that are not."""
    chosen, inside = [], False
    for item in form:
        if isinstance(item, Section):
            inside = item.folded == folded
        if inside:
            chosen.append(item)
    return chosen


def _values(items: Sequence[Field | Section], default: TrainingSettings, prefix: str, values: dict, draw: bool) -> None:
    """Add each field's value to ``values``: from its widget (``draw``) or as kept (``_kept``); a field whose
    ``when`` is False for the values above it takes its default and draws nothing."""
    for item in items:
        if isinstance(item, Section):
            if draw:
                st.sidebar.header(item.title)
        elif item.when is not None and not item.when(values):
            values[item.name] = getattr(default, item.name)
        elif draw:
            values[item.name] = _widget(item, default, f"{prefix}.{item.name}")
        else:
            values[item.name] = _kept(item, default, f"{prefix}.{item.name}")


def settings_sidebar(settings_class: type[S], form: Sequence[Field | Section], prefix: str) -> S | None:
    """The settings the sidebar describes (widget keys ``<prefix>.<name>``, defaults the class's), or None
    after an st.error per problem in the main area, naming the widget to change and the allowed range.

    The folded sections are drawn below the toggle ``<prefix>.all_settings`` while it is on (turned on when one of
    their settings is not valid); otherwise a caption lists their values."""
    default = settings_class()
    values: dict[str, Any] = {}
    _values(_fields(form, folded=False), default, prefix, values, draw=True)
    folded = _fields(form, folded=True)
    kept = dict(values)
    _values(folded, default, prefix, kept, draw=False)
    toggle_key = f"{prefix}.all_settings"
    try:
        settings_class(**kept)
    except ValueError as error:
        if {name for name, _ in _problems(error)} & {item.name for item in folded if isinstance(item, Field)}:
            st.session_state[toggle_key] = True  # before the toggle is drawn: the bad value's widget is shown
    if folded and st.sidebar.toggle("All settings", key=toggle_key, help=ALL_SETTINGS_HELP, **PERSIST):
        _values(folded, default, prefix, values, draw=True)
    elif folded:
        values = kept
        st.sidebar.caption(
            " · ".join(
                escape_markdown(f"{item.label}: {_shown_value(item, values[item.name])}")
                for item in folded
                if isinstance(item, Field) and (item.when is None or item.when(values))
            )
        )
    try:
        return settings_class(**values)
    except ValueError as error:  # every problem at once, "; "-separated, each starting with the setting's name
        labels = {item.name: item.label for item in form if isinstance(item, Field)}
        show_setting_problems(error, labels, "in the sidebar")
        return None
