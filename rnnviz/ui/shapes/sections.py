"""Cached calls and section renderers of the Shapes & layouts page (caches keyed by frozen specs and sizes)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from rnnviz.core.spec import ModelSpec
from rnnviz.figures.export import MIME_TYPES
from rnnviz.figures.packing import fig_packed_data, fig_padded_batch
from rnnviz.figures.tensors import fig_stacked_weight
from rnnviz.shapes.checks import (
    SliceCheck,
    check_against_torch,
    check_final_state_slices,
    parameter_values,
    torch_parameter_count,
)
from rnnviz.shapes.differences import DifferenceWindow
from rnnviz.shapes.equivalence import CellLoopCheck, Stage, check_cell_loop, embedding_stages
from rnnviz.shapes.export import shape_table_csv, shape_table_markdown, shapes_snippet
from rnnviz.shapes.mistakes import MistakeOutcome, run_mistake
from rnnviz.shapes.packing import PackingDemo, packing_demo
from rnnviz.shapes.table import ShapeTable, shape_table
from rnnviz.ui.common.badges import verdict
from rnnviz.ui.common.chart import plotly_chart
from rnnviz.ui.common.downloads import figure_downloads
from rnnviz.ui.common.text import table as markdown_table

#: The weights of every model on this page: build_model(spec, SEED).
SEED = 0


@st.cache_data(max_entries=64, show_spinner=False)
def checked_shape_table(
    spec: ModelSpec, batch: int, seq_len: int, unbatched: bool
) -> tuple[ShapeTable, list[str], SliceCheck]:
    """The shape table, its disagreements with the real module (empty = all agree), and the output/h_n slices."""
    table = shape_table(spec, batch, seq_len, unbatched)
    return table, check_against_torch(table, SEED), check_final_state_slices(table, SEED)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_parameters(spec: ModelSpec) -> tuple[dict[str, np.ndarray], int]:
    """(every parameter's values, sum(p.numel() for p in module.parameters())) of build_model(spec, SEED)."""
    return parameter_values(spec, SEED), torch_parameter_count(spec)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_equivalences(table: ShapeTable) -> tuple[CellLoopCheck, tuple[Stage, ...]]:
    return check_cell_loop(table, SEED), embedding_stages(table, SEED)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_packing(spec: ModelSpec, lengths: tuple[int, ...], seq_len: int, enforce_sorted: bool) -> PackingDemo:
    return packing_demo(spec, lengths, seq_len, SEED, enforce_sorted)


@st.cache_data(max_entries=64, show_spinner=False)
def cached_mistake(key: str, spec: ModelSpec) -> MistakeOutcome:
    return run_mistake(key, spec, SEED)


def rows_table(rows: list[dict], columns: list[str]) -> None:
    """``rows`` (dicts with ``columns`` among their keys) as a markdown table of those columns, in that order."""
    markdown_table([[row[column] for column in columns] for row in rows], columns)


def table_downloads(table: ShapeTable, key: str) -> None:
    """Shape table as CSV and Markdown, and the script that prints the same shapes."""
    name = f"shapes_{table.kind.lower()}"
    files = [
        ("CSV", lambda: shape_table_csv(table), f"{name}.csv", MIME_TYPES["csv"]),
        ("Markdown", lambda: shape_table_markdown(table).encode(), f"{name}.md", "text/markdown"),
        ("Python", lambda: shapes_snippet(table, SEED).encode(), f"{name}.py", MIME_TYPES["py"]),
    ]
    for column, (label, data, file_name, mime) in zip(st.columns(3, width=420), files, strict=True):
        column.download_button(
            label,
            data=data,
            file_name=file_name,
            mime=mime,
            key=f"{key}.{label.lower()}",
            icon=":material/download:",
            on_click="ignore",
        )


def chart(fig: go.Figure, name: str, key: str) -> None:
    """A plotly figure without the mode bar, and its PNG / SVG / HTML download row."""
    plotly_chart(fig, key=key, config={"displayModeBar": False})
    figure_downloads(fig, name, key=key)


def show_weights(table: ShapeTable, values: dict[str, np.ndarray], layer: int, direction: int) -> None:
    """weight_ih, weight_hh (and weight_hr) of one layer and direction as stacked gate-block heatmaps."""
    titles = {"weight_ih": "input feature", "weight_hh": "unit of h_{t-1}", "weight_hr": "unit of o⊙tanh(c)"}
    for param in table.parameters_of(layer, direction):
        if param.role in titles:
            fig = fig_stacked_weight(
                values[param.name], name=param.name, blocks=param.blocks, column_title=titles[param.role]
            )
            chart(fig, param.name, key=f"shapes.{param.role}")


def show_packing(demo: PackingDemo, batch_first: bool, enforce_sorted: bool) -> None:
    """The padded batch, the packed data, and the checks on h_n and the unpacked output."""
    call = f"lengths={list(demo.lengths)}, batch_first={batch_first}, enforce_sorted={enforce_sorted}"
    st.code(f"packed = pack_padded_sequence(x, {call})", language="python")
    chart(
        fig_padded_batch(demo.padded[..., 0], demo.mask, title="Padded batch (feature 0); grey = mask 0"),
        "padded_batch",
        key="shapes.padded",
    )
    chart(fig_packed_data(demo.data_origin, demo.batch_sizes), "packed_data", key="shapes.packed")
    st.write(
        f"`packed.data` {demo.data.shape}, `batch_sizes` {demo.batch_sizes.tolist()}, `sorted_indices` "
        f"{demo.sorted_indices.tolist()}; `pad_packed_sequence` gives {demo.output_shape}."
    )
    worst = max(demo.last_step_diffs.max(), demo.unpacked_diffs.max())
    verdict(
        demo.matches,
        f"h_n holds each sequence's last real step (max |Δ| = {worst:.1e}); unpacked output "
        f"past each length: max |value| = {demo.past_length_max:g}",
    )
    columns = ["sequence", "length", "h_n vs running it alone", "h_n if NOT packed (padding steps run too)"]
    values = zip(demo.lengths, demo.last_step_diffs, demo.padded_run_diffs, strict=True)
    rows_table(
        [dict(zip(columns, (b, n, f"{a:.1e}", f"{p:.3g}"), strict=True)) for b, (n, a, p) in enumerate(values)], columns
    )


#: How a value of a wrong result that differs from the right one is marked (the same cells in both tables).
DIFFERS_STYLE = "background-color: #FDE2CF; font-weight: 700"


def difference_table(window: DifferenceWindow, values: np.ndarray):
    """``values`` (one side of ``window``) as a styled table: rows and columns named by their index, the
    entries that differ between the two sides highlighted."""
    frame = pd.DataFrame(
        values,
        index=[f"{window.row_axis} {r}" if window.row_axis else "" for r in window.rows],
        columns=[f"{window.column_axis} {c}" for c in window.columns],
    )
    styles = np.where(window.differs, DIFFERS_STYLE, "")
    return frame.style.format("{:.4f}").apply(lambda _: styles, axis=None)


def show_mistake(outcome: MistakeOutcome) -> None:
    """The mistaken code, torch's error or the wrong result beside the right one, and the one-line fix."""
    st.code(outcome.wrong_code, language="python")
    if outcome.raised:
        st.markdown("**PyTorch raises** (captured just now):")
        st.code(outcome.error, language="text", wrap_lines=True)
    else:
        st.markdown("**No error — the result is silently wrong:**")
        wrong, right = st.columns(2)
        window = outcome.window
        if window is None:
            wrong.code(f"mistake: {outcome.wrong}", language="text", wrap_lines=True)
            right.code(f"fix:     {outcome.right}", language="text", wrap_lines=True)
        else:
            shape = outcome.right.split(":")[0]
            for column, name, values in ((wrong, "mistake", window.wrong), (right, "fix", window.right)):
                column.markdown(f"**{name}**: {shape}; {window.describe()}")
                column.table(difference_table(window, values))
            st.caption(f"Highlighted: the values that differ (|Δ| > {window.tolerance:.0e}).")
        if outcome.max_abs_diff is not None:
            st.write(f"max |Δ| = {outcome.max_abs_diff:.3g}, {outcome.worst_place}")
    st.markdown("**The one-line fix:**")
    st.code(outcome.fix, language="python")
    st.caption(f"{outcome.explanation} Ran on `{outcome.model}`.")
