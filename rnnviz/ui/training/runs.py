"""Every run of a session compared: the loss curves overlaid and a table of settings, losses and speeds."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from rnnviz.figures.training import runs_overlay
from rnnviz.training.live import RECENT_COLUMN, RunRecord
from rnnviz.ui.common.chart import plotly_chart
from rnnviz.ui.training.session import RunSession


def overlay_figure(runs: list[RunRecord], loss_name: str = "loss") -> go.Figure:
    return runs_overlay({run.label: (run.steps, run.losses) for run in runs}, y_title=loss_name)


def compare_runs(session: RunSession, runs: list[RunRecord], hint: str, loss_name: str = "loss") -> None:
    """The comparison of ``runs`` (``session.all_runs()``); ``hint`` says what to try before there are any."""
    st.subheader("Compare runs")
    if session.notice():
        st.info(session.notice(), icon=":material/info:")
    live = session.current()
    if session.is_running() and live is not None:
        st.caption(f"{live.name} is training: it joins the comparison when you pause it or it finishes.")
    if not runs:
        st.caption(hint)
        return
    plotly_chart(overlay_figure(runs, loss_name), key=f"{session.namespace}.runs_overlay")
    st.dataframe(
        pd.DataFrame([run.table_row() for run in runs]),
        hide_index=True,
        column_config={
            "last loss": st.column_config.NumberColumn(format="%.3e"),
            RECENT_COLUMN: st.column_config.NumberColumn(format="%.3e"),
        },
        key=f"{session.namespace}.runs_table",
    )
    st.button("Clear earlier runs", key=f"{session.namespace}.clear_runs", on_click=session.clear_earlier_runs)
