"""Step through: watch a real LSTM/GRU/RNN compute, one time step at a time, with the equations in numbers.

The per-step view (cell diagram, equations, step markers) runs in the browser (``rnnviz.ui.step.viewer``):
scrubbing and Play need no server; a trace too large for that is drawn on the server instead."""

import streamlit as st

from rnnviz.core.spec import torch_constructor
from rnnviz.shapes.table import shape_table
from rnnviz.ui.common.badges import check_badge
from rnnviz.ui.common.model_choice import first_notable_unit, model_label, sidebar_model_choice
from rnnviz.ui.common.playback import time_scrubber
from rnnviz.ui.common.sidebar import index_picker, shared_control
from rnnviz.ui.common.text import code_line
from rnnviz.ui.lessons.banner import lesson_banner
from rnnviz.ui.step.char_text import (
    char_source,
    coloured_reading,
    drop_button,
    notable_unit_buttons,
    reading_of,
    text_controls,
)
from rnnviz.ui.step.export import step_export_section
from rnnviz.ui.step.interventions import intervention_section
from rnnviz.ui.step.packed import packed_batch_figure, packed_batch_section
from rnnviz.ui.step.prediction import prediction_section
from rnnviz.ui.step.sources import experiment_controls
from rnnviz.ui.step.traced import cached_cell_loop_check, cached_run_spec, cell_loop_caption, trace_or_last_valid
from rnnviz.ui.step.view import Slice, chart_keys, quantity_charts, server_step_view, shapes_expander
from rnnviz.ui.step.viewer import STEP_KEY, cached_view_data, remember_step, remembered_step, step_viewer

st.title("Step through")
lesson_banner("app_pages/step_through.py")
st.write(
    "A real `torch.nn` module, re-run one time step at a time. Pick a time step (or press Play) to see every "
    "gate and state at that step, and the cell's equations evaluated with the actual numbers."
)

choice = sidebar_model_choice()
experiment, problems, handoff = experiment_controls(choice)
fallback, droppable = None, False
source = char_source(choice, experiment)
if source is not None:  # a character model reads a typed text, one character per step
    experiment, text_problems, fallback, droppable = text_controls(source, experiment)
    problems += text_problems
shown = trace_or_last_valid(experiment, problems, key="step.last_valid", fallback=fallback)
if droppable:
    drop_button(source)
if shown is None:
    st.stop()
experiment, trace = shown
run_spec, notes = cached_run_spec(experiment)
geometry = trace.geometry
reading = reading_of(source, experiment)

if choice.reference is not None:
    st.info(f"{model_label(choice.reference.model.name)}: " + "; ".join(notes), icon=":material/school:")
elif experiment.checkpoint is not None:
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

if choice.reference is not None:
    notable_unit_buttons(choice.reference.notable_units())
pick = st.columns([1, 1, 1, 1.3, 1.6], vertical_alignment="bottom")
layer = index_picker(pick[0], "Layer", geometry.num_layers, "step.layer", param="layer")
names = ("forward", "reverse")
direction = index_picker(pick[1], "Direction", geometry.num_directions, "step.direction", names, param="direction")
batch_item = index_picker(pick[2], "Batch item", trace.batch_size, "step.batch", param="batch_item")
last_unit = geometry.hidden_size - 1
unit = int(
    shared_control(
        pick[3].number_input,
        "Unit k (for the equations)",
        "step.unit",
        min(first_notable_unit(choice.reference), last_unit),
        low=0,
        high=last_unit,
        param="unit",
    )
)
all_units = pick[4].toggle("Show every unit as bars", key="step.all_units")
view = Slice(trace, layer, direction, batch_item, unit, reading.labels if reading else None)
t = remembered_step(trace.seq_len)
data = cached_view_data(experiment, unit, layer, direction, batch_item, all_units)
if data is not None:
    labels, step_notes = (list(reading.labels), reading.notes) if reading else (None, None)
    t = remember_step(step_viewer(data, t=t, markers=chart_keys(trace), labels=labels, step_notes=step_notes))
    shapes_expander(trace, layer, "Shapes at every step t")
    quantity_charts(view)
else:
    st.info(
        "This trace is too large to send to the browser, so the step view is drawn on the server (each step is a "
        "round trip). For instant scrubbing, lower the sequence length, the hidden size or the layers, or turn "
        "off the bars of every unit.",
        icon=":material/dns:",
    )
    draw = lambda step: server_step_view(view, step, all_units)  # noqa: E731
    t = remember_step(time_scrubber(STEP_KEY, trace.seq_len, draw, start=t))

if reading is not None:
    coloured_reading(reading, view, trace)
packed_batch_section(trace, layer, direction, unit)
prediction_section(experiment, batch_item, handoff, reading, source)

intervention_section(experiment, trace, layer=layer, direction=direction, batch=batch_item)
figure_makers = {
    f"{name}_layer{layer}_dir{direction}": lambda name=name: view.heatmap(name, current_step=t)
    for name in trace.quantity_names
}
if trace.lengths is not None:
    figure_makers["packed_batch"] = lambda: packed_batch_figure(trace, layer, direction, unit)
step_export_section(trace, experiment, figure_makers=figure_makers)
