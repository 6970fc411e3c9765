"""Below the live view: the runs compared, the hand-off to Step through, and every export."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from rnnviz.cells import GATE_NAMES
from rnnviz.export import MIME_TYPES, figure_bytes
from rnnviz.figures.training import runs_overlay
from rnnviz.train_live import RECENT_COLUMN, LiveTrainer, RunRecord
from rnnviz.ui import train_session as session
from rnnviz.ui.step_sources import HANDOFF_KEY
from rnnviz.ui.train_live import evaluation_figure, heatmap_figures, loss_figure, window_figure

STEP_PAGE = "pages/step_through.py"
GOTO_STEP_KEY = "train.goto_step"


def overlay_figure(runs: list[RunRecord]) -> go.Figure:
    return runs_overlay({run.label: (run.steps, run.losses) for run in runs})


def compare_runs(runs: list[RunRecord]) -> None:
    """Every run of this session: loss curves overlaid and a table of settings, final losses and speeds."""
    st.subheader("Compare runs")
    notice = st.session_state.get(session.NOTICE_KEY)
    if notice:
        st.info(notice, icon=":material/info:")
    live = session.current_run()
    if session.is_running() and live is not None:
        st.caption(f"Run {live.number} is training: it joins the comparison when you pause it or it finishes.")
    if not runs:
        st.caption(
            "Every run of this session is kept here. Try RNN, LSTM and GRU with the same seed: change the cell "
            "type and press Start new run."
        )
        return
    st.plotly_chart(overlay_figure(runs), key="train.runs_overlay")
    table = pd.DataFrame([run.table_row() for run in runs])
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "last loss": st.column_config.NumberColumn(format="%.3e"),
            RECENT_COLUMN: st.column_config.NumberColumn(format="%.3e"),
        },
        key="train.runs_table",
    )
    st.button("Clear earlier runs", key="train.clear_runs", on_click=session.clear_earlier_runs)


def handoff_label(live: LiveTrainer) -> str:
    return f"trained on Train: sin → cos ({live.settings.cell}, {live.trainer.steps_done} steps)"


def _hand_over(live: LiveTrainer) -> None:
    session.stop_running()
    st.session_state[HANDOFF_KEY] = (handoff_label(live), live.checkpoint_bytes())
    st.session_state[GOTO_STEP_KEY] = True


def handoff_button(live: LiveTrainer) -> None:
    """Show the current model on the Step-through page (same session): its checkpoint goes along.

    The click is handled in a callback (a callback cannot switch pages, so it leaves a note that the page body
    acts on): a plain ``if st.button(...)`` would miss clicks on a rerun that happens first.
    """
    st.button(
        "Open in Step through",
        key="train.handoff",
        icon=":material/step:",
        on_click=_hand_over,
        args=(live,),
        help="Shows this model, as it is now, on the Step-through page: every gate, state and equation.",
    )
    if st.session_state.pop(GOTO_STEP_KEY, False):
        st.switch_page(STEP_PAGE)


def figure_makers(live: LiveTrainer, runs: list[RunRecord]) -> dict[str, Callable[[], go.Figure]]:
    """File name -> a function drawing that figure from the run as it is when the download is clicked."""
    layers = range(live.settings.num_layers)
    makers: dict[str, Callable[[], go.Figure]] = {
        "loss_curve": lambda: loss_figure(live.view()),
        "current_window": lambda: window_figure(live.view(), live.settings.noise > 0),
        "unseen_stretch": lambda: evaluation_figure(live.model_view()),
    }
    if runs:
        makers["runs_overlay"] = lambda: overlay_figure(runs)
    for layer in layers:
        for quantity in _quantities(live.settings.cell):
            makers[f"{quantity}_layer{layer}"] = lambda q=quantity, k=layer: heatmap_figures(live.model_view(), k)[
                f"{q}_layer{k}"
            ]
    return makers


def _quantities(cell: str) -> tuple[str, ...]:
    """The gates and states a heatmap is drawn for (as ``Trace.gate_names + state_names``)."""
    return GATE_NAMES["RNN_TANH" if cell == "RNN" else cell] + (("h", "c") if cell == "LSTM" else ("h",))


def lazy_figure_downloads(maker: Callable[[], go.Figure], name: str, key: str) -> None:
    """PNG / SVG / HTML buttons; the figure is drawn and rendered only when one is clicked."""
    for column, fmt in zip(st.columns(3, width=360), ("png", "svg", "html"), strict=True):
        column.download_button(
            fmt.upper(),
            data=lambda fmt=fmt: figure_bytes(maker(), fmt),
            file_name=f"{name}.{fmt}",
            mime=MIME_TYPES[fmt],
            key=f"{key}.{fmt}",
            icon=":material/download:",
            on_click="ignore",
        )


def export_section(live: LiveTrainer, runs: list[RunRecord]) -> None:
    """Loss CSV, checkpoint, reproduce script and any figure; files are made when their button is clicked."""
    with st.expander("Export", icon=":material/download:"):
        data_column, figure_column = st.columns(2)
        with data_column:
            st.markdown(f"**Run {live.number}** ({live.trainer.steps_done} steps so far)")
            st.download_button(
                "Loss history (CSV, every step)",
                data=lambda: live.history_csv().encode("utf-8"),
                file_name=f"loss_run{live.number}.csv",
                mime=MIME_TYPES["csv"],
                key="train.export.csv",
                on_click="ignore",
            )
            st.download_button(
                "Checkpoint (.pt: state_dict + settings JSON)",
                data=live.checkpoint_bytes,
                file_name=f"sine_{live.settings.cell.lower()}_run{live.number}.pt",
                mime="application/octet-stream",
                key="train.export.checkpoint",
                on_click="ignore",
                help="Loads with torch.load(path, weights_only=True), and in the Step-through page's upload.",
            )
            script = live.reproduce_script()
            st.download_button(
                "Reproduce with plain PyTorch (.py)",
                data=script,
                file_name=f"reproduce_run{live.number}.py",
                mime=MIME_TYPES["py"],
                key="train.export.script",
                on_click="ignore",
            )
            st.code(script, language="python", height=300)
        with figure_column:
            makers = figure_makers(live, runs)
            name = st.selectbox("Figure", list(makers), key="train.export.figure")
            lazy_figure_downloads(makers[name], f"{name}_run{live.number}", key="train.export.figure")
