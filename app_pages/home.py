"""Overview: pick a model, see its hidden state over time, and the proof that the numbers are PyTorch's."""

import streamlit as st

from rnnviz.core.spec import torch_constructor
from rnnviz.experiment.run import Experiment
from rnnviz.figures import unit_time_heatmap
from rnnviz.ui.common.badges import check_badge
from rnnviz.ui.common.downloads import figure_downloads
from rnnviz.ui.common.sidebar import index_picker, sidebar_model_and_input
from rnnviz.ui.step.traced import trace_or_last_valid

st.title("rnnviz: see inside a real recurrent network")
st.write(
    "Every number here comes from a real `torch.nn` module, re-run one time step at a time by "
    "`rnnviz.trace` and checked against the module's own forward pass. Choose a model and an input in "
    "the sidebar, then watch the same model compute one time step at a time:"
)
st.page_link("app_pages/step_through.py", label="Step through: every gate and equation", icon=":material/step:")

model_spec, input_spec, seed = sidebar_model_and_input()

shown = trace_or_last_valid(Experiment(model_spec, input_spec, seed), [], key="home.last_valid")
if shown is None:
    st.stop()
trace = shown[1]
st.code(f"module = {torch_constructor(model_spec)}", language="python")
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
        values, quantity=name, title=f"{label[name]} — layer {layer}, {['forward', 'reverse'][direction]}"
    )
    st.plotly_chart(fig, key=f"home.heatmap.{name}")
    figure_downloads(fig, f"{name}_layer{layer}_dir{direction}", key=f"home.{name}")
