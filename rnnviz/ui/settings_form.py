"""Helpers shared by the training pages' settings sidebars: typed numbers and per-setting error messages."""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import streamlit as st


def parse_typed_number(text: str) -> float | str:
    """A float from typed text ('1e-3', '0,005'), or the text itself, so the settings' validation can name
    the widget and its range instead of the page raising."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return text
    return value if math.isfinite(value) else text


def show_setting_problems(
    error: ValueError, labels: Mapping[str, str], where: str, escape: Callable[[str], str] = str
) -> None:
    """One st.error per '; '-separated problem of a settings error; each problem starts with the setting's
    name, shown as its widget label (``labels``). ``escape`` protects user text from markdown."""
    for problem in str(error).split("; "):
        name = problem.split(" ", 1)[0]
        st.error(escape(f"{labels.get(name, name)}{problem[len(name):]}. Change it {where}."), icon=":material/error:")
