"""Step through: watch a real LSTM/GRU/RNN compute, one time step at a time, with the equations in numbers."""

import streamlit as st

from rnnviz.core.equations import equations, step_shapes
from rnnviz.core.spec import torch_constructor
from rnnviz.figures import sequence_lines, unit_time_heatmap
from rnnviz.figures.cell_diagram import cell_diagram_svg
from rnnviz.figures.cell_values import cell_note, cell_values, cell_vectors, trace_limits
from rnnviz.shapes.table import shape_table
from rnnviz.ui.common.badges import check_badge
from rnnviz.ui.common.playback import time_scrubber
from rnnviz.ui.common.sidebar import index_picker, sidebar_model_and_input
from rnnviz.ui.common.text import code_line
from rnnviz.ui.step.export import step_export_section
from rnnviz.ui.step.interventions import intervention_section
from rnnviz.ui.step.prediction import prediction_section
from rnnviz.ui.step.sources import experiment_controls
from rnnviz.ui.step.traced import cached_cell_loop_check, cached_run_spec, cell_loop_caption, trace_or_last_valid

st.title("Step through")
st.write(
    "A real `torch.nn` module, re-run one time step at a time. Pick a time step (or press Play) to see every "
    "gate and state at that step, and the cell's equations evaluated with the actual numbers."
)

experiment, problems = experiment_controls(*sidebar_model_and_input())
shown = trace_or_last_valid(experiment, problems, key="step.last_valid")
if shown is None:
    st.stop()
experiment, trace = shown
run_spec, notes = cached_run_spec(experiment)
geometry = trace.geometry

if experiment.checkpoint is not None:
    st.info("Your model (the sidebar's model settings do not apply): " + "; ".join(notes), icon=":material/upload:")
code_line(f"module = {torch_constructor(run_spec)}")
check_badge(trace)
cell_loop_caption(cached_cell_loop_check(experiment))
table = shape_table(run_spec, trace.batch_size, trace.seq_len)
st.caption(
    " · ".join(
        f"{t.name} {t.shape} ({', '.join(t.axes)})" for t in table.tensors if t.role == "result" or t.name == "input"
    )
)

pick = st.columns(4)
layer = index_picker(pick[0], "Layer", geometry.num_layers, "step.layer")
direction = index_picker(pick[1], "Direction", geometry.num_directions, "step.direction", ("forward", "reverse"))
batch_item = index_picker(pick[2], "Batch item", trace.batch_size, "step.batch")
unit = pick[3].number_input("Unit k (for the equations)", 0, geometry.hidden_size - 1, 0, key="step.unit")
where = f"layer {layer}, {('forward', 'reverse')[direction]}, batch item {batch_item}"


def quantity_values(name: str):
    """(T, units) values of a gate or state at the chosen layer, direction and batch item."""
    return trace.values(name, layer, direction)[:, batch_item].numpy()


def step_view(t: int) -> None:
    diagram_column, equation_column = st.columns(2)
    with diagram_column:
        all_units = st.toggle("Show every unit as bars", key="step.all_units")
        svg = cell_diagram_svg(
            trace.kind,
            {} if all_units else cell_values(trace, t, int(unit), layer, direction, batch_item),
            unit=None if all_units else int(unit),
            t=t,
            vectors=cell_vectors(trace, t, layer, direction, batch_item) if all_units else None,
            limits=trace_limits(trace, layer, direction, batch_item),
            note=cell_note(trace, layer),
            reverse=direction == 1,
        )
        st.image(svg, caption=f"The {trace.geometry.name} cell at t = {t}, {where}")
        with st.expander(f"Shapes at step t = {t}"):
            shapes = step_shapes(trace, layer)
            st.dataframe(
                {"quantity": [name for name, _ in shapes], "shape": [str(shape) for _, shape in shapes]},
                hide_index=True,
            )
    with equation_column:
        st.markdown(f"**Equations for unit {unit} at t = {t}** ({where})")
        for line in equations(trace, t=t, unit=int(unit), layer=layer, direction=direction, batch=batch_item):
            st.latex(line.symbolic)
            st.latex(line.evaluated)
    names = trace.quantity_names
    columns = st.columns(2)
    for index, name in enumerate(names):
        fig = unit_time_heatmap(quantity_values(name), quantity=name, title=f"{name}_t — {where}", current_step=t)
        columns[index % 2].plotly_chart(fig, key=f"step.heatmap.{name}")
    x = trace.layer_input(layer)[:, batch_item].numpy()  # (T, I_layer)
    out = trace.state("h", layer, direction)[:, batch_item].numpy()  # (T, P)
    line_columns = st.columns(2)
    line_columns[0].plotly_chart(
        sequence_lines(
            {f"x[{j}]": x[:, j] for j in range(x.shape[1])}, title=f"input of {where}", y_title="x_t", current_step=t
        ),
        key="step.lines.x",
    )
    line_columns[1].plotly_chart(
        sequence_lines(
            {f"h[{j}]": out[:, j] for j in range(out.shape[1])}, title=f"h_t — {where}", y_title="h_t", current_step=t
        ),
        key="step.lines.h",
    )


time_scrubber("step.t", trace.seq_len, step_view)
prediction_section(experiment, batch_item)

intervention_section(experiment, trace, layer=layer, direction=direction, batch=batch_item)
step_export_section(
    trace,
    experiment,
    figure_makers={
        f"{name}_layer{layer}_dir{direction}": lambda name=name: unit_time_heatmap(
            quantity_values(name), quantity=name, title=f"{name}_t — {where}"
        )
        for name in trace.quantity_names
    },
)
