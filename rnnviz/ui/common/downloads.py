"""Downloads: a figure as PNG / SVG / HTML, and a page's export section (its files and any of its figures).
Every file is made only when its button is clicked (``data=`` a function, ``on_click="ignore"``); PNG and SVG
are made in the user's browser."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import plotly.graph_objects as go
import streamlit as st

from rnnviz.figures.export import MIME_TYPES, figure_html
from rnnviz.ui.common.image_export import image_buttons
from rnnviz.ui.common.on_request import expander_when_open

Figure = go.Figure | Callable[[], go.Figure]


def figure_downloads(fig: Figure, name: str, key: str) -> None:
    """A row of PNG / SVG / HTML download buttons for ``fig``: a figure, or a function drawing it (then it is
    drawn only when a button is clicked, e.g. from a training run as it is at that moment).

    PNG and SVG are made in the user's browser (``image_buttons``); the HTML file embeds plotly.js."""
    make = fig if callable(fig) else (lambda: fig)

    @st.fragment  # a PNG/SVG click reruns this row only
    def row() -> None:
        with st.container(horizontal=True, gap="small"):
            image_buttons(make, name, key=f"{key}.download.image")
            st.download_button(
                "HTML",
                data=lambda: figure_html(make()),
                file_name=f"{name}.html",
                mime=MIME_TYPES["html"],
                key=f"{key}.download.html",
                icon=":material/download:",
                on_click="ignore",
            )

    row()


@dataclass(frozen=True)
class Download:
    """One file of a run: ``data`` makes its contents when the button is clicked."""

    key: str  # widget key suffix, e.g. "checkpoint"
    label: str
    data: Callable[[], bytes | str]
    file_name: str
    mime: str
    help: str | None = None
    disabled: bool = False


class ExportContents(NamedTuple):
    """What a page's export section offers: ``files`` under ``heading``, a picker over ``figures`` (file name ->
    figure or a function drawing it, saved as ``<name><figure_suffix>.<format>``) and ``code`` (e.g. a
    reproduce script) below the files."""

    heading: str
    files: Sequence[Download]
    figures: dict[str, Figure]
    figure_suffix: str = ""
    code: str | None = None


def export_section(namespace: str, contents: Callable[[], ExportContents]) -> None:
    """The page's "Export" expander. Its ``contents`` are made and drawn only while it is open (nothing of it is
    computed or sent on a page's first load). Widget keys start with ``namespace``."""
    expander = expander_when_open("Export", icon=":material/download:", key=f"{namespace}.export")
    if expander is None:
        return
    heading, files, figures, figure_suffix, code = contents()
    with expander:
        data_column, figure_column = st.columns(2)
        with data_column:
            st.markdown(heading)
            for file in files:
                st.download_button(
                    file.label,
                    data=file.data,
                    file_name=file.file_name,
                    mime=file.mime,
                    key=f"{namespace}.export.{file.key}",
                    on_click="ignore",
                    icon=":material/download:",
                    help=file.help,
                    disabled=file.disabled,
                )
            if code is not None:
                st.code(code, language="python", height=300)
        with figure_column:
            name = st.selectbox("Figure", list(figures), key=f"{namespace}.export.figure")
            figure_downloads(figures[name], f"{name}{figure_suffix}", key=f"{namespace}.export.figure")
