"""Overview, the front door: the lesson path, and a trained model's states over time with the proof that the
numbers are PyTorch's."""

import streamlit as st

from rnnviz.core.spec import torch_constructor
from rnnviz.figures import unit_time_heatmap
from rnnviz.ui.common.badges import check_badge
from rnnviz.ui.common.chart import plotly_chart
from rnnviz.ui.common.downloads import figure_downloads
from rnnviz.ui.common.model_choice import model_label, sidebar_model_choice
from rnnviz.ui.common.sidebar import index_picker
from rnnviz.ui.common.text import code_line
from rnnviz.ui.lessons.banner import lesson_list
from rnnviz.ui.step.char_text import char_source, reading_of
from rnnviz.ui.step.sources import overview_experiment
from rnnviz.ui.step.traced import cached_run_spec, trace_or_last_valid

st.title("rnnviz: see inside a real recurrent network")
st.write(
    "Every number here comes from a real `torch.nn` module, re-run one time step at a time by "
    "`rnnviz.trace` and checked against the module's own forward pass. New to LSTMs? Start with the lessons: "
    "each opens a page ready to look at, says what to notice and gives you something to try."
)
with st.container(border=True, key="home.lessons"):
    st.markdown("**Lessons**")
    lesson_list()
st.page_link(
    "app_pages/step_through.py", label="Or go straight to Step through: every gate and equation", icon=":material/step:"
)

choice = sidebar_model_choice()
shown = trace_or_last_valid(overview_experiment(choice), [], key="home.last_valid")
if shown is None:
    st.stop()
experiment, trace = shown
run_spec, _ = cached_run_spec(experiment)
reading = reading_of(char_source(choice, experiment), experiment)
if choice.reference is not None:
    read = f"the text {reading.text!r}" if reading else "its task's input, sin(x) from 0 to 4π"
    st.subheader(f"{model_label(choice.reference.model.name)}, reading {read}")
code_line(f"module = {torch_constructor(run_spec)}")
check_badge(trace)

geometry = trace.geometry
columns = st.columns(3)
layer = index_picker(columns[0], "Layer", geometry.num_layers, "home.layer")
direction = index_picker(columns[1], "Direction", geometry.num_directions, "home.direction", ("forward", "reverse"))
batch_item = index_picker(columns[2], "Batch item", trace.batch_size, "home.batch")

for name in trace.state_names:
    values = trace.state(name, layer, direction)[:, batch_item].numpy()  # (T, size)
    label = {"h": "hidden state h_t", "c": "cell state c_t", "h_unprojected": "o_t * tanh(c_t), before projection"}
    fig = unit_time_heatmap(
        values,
        quantity=name,
        title=f"{label[name]} — layer {layer}, {['forward', 'reverse'][direction]}",
        step_labels=reading.labels if reading else None,
    )
    plotly_chart(fig, key=f"home.heatmap.{name}")
    figure_downloads(fig, f"{name}_layer{layer}_dir{direction}", key=f"home.{name}")
