"""What Step through shows of one traced slice (layer, direction, batch item): the charts of every quantity
over time, the shapes, and the server-drawn per-step view used when the browser viewer cannot take the data."""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import streamlit as st

from rnnviz.core.equations import equations, step_shapes
from rnnviz.core.trace import Trace
from rnnviz.figures import sequence_lines, unit_time_heatmap
from rnnviz.figures.cell_diagram import cell_diagram_svg
from rnnviz.figures.cell_values import cell_note, cell_values, cell_vectors, trace_limits
from rnnviz.ui.common.chart import plotly_chart
from rnnviz.ui.common.text import table as markdown_table


@dataclass(frozen=True)
class Slice:
    """The part of a trace the page shows: one layer, direction and batch item, and the unit of the equations."""

    trace: Trace
    layer: int
    direction: int
    batch: int
    unit: int
    step_labels: tuple[str, ...] | None = None  # what was read at each step (a character model's text)

    @property
    def where(self) -> str:
        return f"layer {self.layer}, {('forward', 'reverse')[self.direction]}, batch item {self.batch}"

    def values(self, name: str):
        """(T, units) values of a gate or state."""
        return self.trace.values(name, self.layer, self.direction)[:, self.batch].numpy()

    @property
    def length(self) -> int | None:
        """The batch item's own length when the batch is packed (its steps past it have no values)."""
        return None if self.trace.lengths is None else int(self.trace.lengths[self.batch])

    def heatmap(self, name: str, current_step: int | None = None) -> go.Figure:
        return unit_time_heatmap(
            self.values(name),
            quantity=name,
            title=f"{name}_t — {self.where}",
            current_step=current_step,
            length=self.length,
            step_labels=self.step_labels,
        )


def chart_keys(trace: Trace) -> list[str]:
    """The element keys of the charts ``quantity_charts`` draws (the browser viewer marks the step on them)."""
    return [f"step.heatmap.{name}" for name in trace.quantity_names] + ["step.lines.x", "step.lines.h"]


def quantity_charts(view: Slice, current_step: int | None = None) -> None:
    """One heatmap per gate and state (units x time), then x_t and h_t as lines; ``current_step`` draws a
    step marker into the figures (the browser viewer moves its own marker instead)."""
    trace = view.trace
    columns = st.columns(2)
    for index, name in enumerate(trace.quantity_names):
        plotly_chart(view.heatmap(name, current_step), key=f"step.heatmap.{name}", where=columns[index % 2])
    x = trace.layer_input(view.layer)[:, view.batch].numpy()  # (T, I_layer)
    out = trace.state("h", view.layer, view.direction)[:, view.batch].numpy()  # (T, P)
    lines = st.columns(2)
    inputs = {f"x[{j}]": x[:, j] for j in range(x.shape[1])}
    title = f"input of {view.where}"
    labels = view.step_labels
    plotly_chart(
        sequence_lines(inputs, title=title, y_title="x_t", current_step=current_step, step_labels=labels),
        key="step.lines.x",
        where=lines[0],
    )
    hidden = {f"h[{j}]": out[:, j] for j in range(out.shape[1])}
    plotly_chart(
        sequence_lines(
            hidden, title=f"h_t — {view.where}", y_title="h_t", current_step=current_step, step_labels=labels
        ),
        key="step.lines.h",
        where=lines[1],
    )


def shapes_expander(trace: Trace, layer: int, label: str) -> None:
    """The shape of every quantity the cell touches at one step (the same at every step)."""
    with st.expander(label):
        shapes = step_shapes(trace, layer)
        markdown_table(shapes, ["quantity", "shape"])


def server_step_view(view: Slice, t: int, all_units: bool) -> None:
    """The cell diagram and the equations at step ``t``, drawn on the server, and the charts with a marker."""
    trace, unit = view.trace, view.unit
    svg = cell_diagram_svg(
        trace.kind,
        {} if all_units else cell_values(trace, t, unit, view.layer, view.direction, view.batch),
        unit=None if all_units else unit,
        t=t,
        vectors=cell_vectors(trace, t, view.layer, view.direction, view.batch) if all_units else None,
        limits=trace_limits(trace, view.layer, view.direction, view.batch),
        note=cell_note(trace, view.layer),
        reverse=view.direction == 1,
    )
    st.image(svg, caption=f"The {trace.geometry.name} cell at t = {t}, {view.where}", width="stretch")
    shapes_expander(trace, view.layer, f"Shapes at step t = {t}")
    st.markdown(f"**Equations for unit {unit} at t = {t}** ({view.where})")
    lines = equations(trace, t=t, unit=unit, layer=view.layer, direction=view.direction, batch=view.batch)
    columns = st.columns(2)
    for index, line in enumerate(lines):
        with columns[index % 2]:
            st.latex(line.symbolic)
            st.latex(line.evaluated)
    quantity_charts(view, current_step=t)
