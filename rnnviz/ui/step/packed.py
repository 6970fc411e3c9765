"""Step through's view of a packed batch: every sequence stops at its own length, and h_n is read there."""

from __future__ import annotations

import streamlit as st

from rnnviz.core.trace import Trace
from rnnviz.figures import packed_batch_heatmap
from rnnviz.ui.common.chart import plotly_chart


def packed_unit(trace: Trace, unit: int) -> int:
    """The unit of h shown for the whole batch: ``unit``, or the last one when h is smaller (proj_size)."""
    return min(unit, trace.geometry.out_size - 1)


def packed_batch_figure(trace: Trace, layer: int, direction: int, unit: int):
    """h_t[unit] of every sequence (rows) over time, each row stopping at its length."""
    unit = packed_unit(trace, unit)
    values = trace.state("h", layer, direction)[:, :, unit].numpy()  # (T, B), NaN past each length
    where = f"layer {layer}, {('forward', 'reverse')[direction]}"
    return packed_batch_heatmap(
        values,
        trace.lengths.numpy(),
        quantity="h",
        title=f"h_t[{unit}] of every sequence of the packed batch — {where}",
        reverse=direction == 1,
    )


def packed_batch_section(trace: Trace, layer: int, direction: int, unit: int) -> None:
    """The packed batch at a glance, with what packing means for each sequence; nothing for an unpacked run."""
    if trace.lengths is None:
        return
    st.subheader("The packed batch")
    lengths = ", ".join(map(str, trace.lengths.tolist()))
    end = "t = 0 (where the reverse direction ends)" if direction == 1 else "its own last step, t = length - 1"
    rows, width = int(trace.lengths.sum()), trace.layer_input(0).shape[-1]
    st.caption(
        f"The module got a PackedSequence (data ({rows}, {width}), batch_sizes ({trace.seq_len},)) and returned "
        f"one (data {tuple(trace.output.data.shape)}). "
        f"Lengths {lengths}: the module ran each sequence only over its own steps, so the steps past a "
        f"sequence's length have no values (grey, NaN in the trace and left out of the CSV). Its h_n is its "
        f"state at {end} (◆); the reverse direction starts each sequence from h0 at its own last step."
    )
    plotly_chart(packed_batch_figure(trace, layer, direction, unit), key="step.packed_batch")
