"""Step through: watch a real LSTM/GRU/RNN compute, one time step at a time."""
import streamlit as st

from rnnviz.figures import unit_time_heatmap
from rnnviz.ui.model_controls import input_spec_sidebar, model_spec_sidebar
from rnnviz.ui.results import cached_traced_run, check_badge

st.title("Step through")
st.write("Move the time step to see every gate of the first layer at that step. The shared sidebar sets the model.")

model_spec = model_spec_sidebar()
inputs = input_spec_sidebar()
if model_spec is None or inputs is None:
    st.stop()
input_spec, seed = inputs
trace = cached_traced_run(model_spec, input_spec, seed)
check_badge(trace)

step = st.slider("Time step t", 0, trace.seq_len - 1, 0, key="step.t")
names = trace.gate_names or ("h",)
for name in names:
    values = (trace.gate(name) if trace.gate_names else trace.state("h"))[:, 0].numpy()  # (T, hidden)
    st.plotly_chart(
        unit_time_heatmap(values, quantity=name, title=f"{name}_t, layer 0, batch item 0", current_step=step),
        key=f"step.heatmap.{name}",
    )
