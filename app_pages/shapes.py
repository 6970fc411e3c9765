"""Shapes & layouts: every tensor and parameter shape of the configured module, checked against torch."""

import streamlit as st

from rnnviz.core.packed import default_lengths, parse_lengths, validate_packing
from rnnviz.core.spec import torch_constructor
from rnnviz.figures.tensors import fig_tensor_blocks
from rnnviz.shapes.export import shapes_snippet
from rnnviz.shapes.mistakes import MISTAKES
from rnnviz.shapes.table import LAYOUT_LIMITS
from rnnviz.ui.common.badges import verdict
from rnnviz.ui.common.sidebar import model_spec_sidebar, shared_control
from rnnviz.ui.common.text import code_line
from rnnviz.ui.lessons.banner import lesson_banner
from rnnviz.ui.shapes import sections as ui

st.title("Shapes & layouts")
lesson_banner("app_pages/shapes.py")
st.write(
    "Every tensor and parameter of the module in the sidebar, with each axis named, confirmed by running the "
    "real module on the spot. Toggle **batch_first** and watch input and output swap axes while h_n stays put."
)
spec = model_spec_sidebar()
st.sidebar.header("Layout")
bar = st.sidebar
batch = int(shared_control(bar.number_input, "Batch size B", "shapes.batch", 3, low=0, high=64, param="shapes_batch"))
seq_len = int(
    shared_control(bar.number_input, "Sequence length T", "shapes.seq_len", 5, low=0, high=200, param="shapes_seq_len")
)
unbatched = st.sidebar.toggle("Unbatched input (no batch axis)", False, key="shapes.unbatched")
if spec is None:
    st.stop()
if not (1 <= batch <= LAYOUT_LIMITS["batch"] and 1 <= seq_len <= LAYOUT_LIMITS["seq_len"]):
    st.error(
        f"Batch size {batch} and sequence length {seq_len} cannot be run: PyTorch needs a sequence length of at "
        "least 1, and an empty batch has nothing to show. Set both to 1 or more."
    )
    st.stop()

table, problems, slices = ui.checked_shape_table(spec, batch, seq_len, unbatched)
name = table.spec.mode.split("_")[0]
code_line(f"model = {torch_constructor(spec)}")
agree = "every shape agrees" if not problems else "; ".join(problems)
verdict(not problems, f"checked against torch.nn.{name}: {agree}")

tabs = st.tabs(
    ["Tensors", "Parameters", "Equivalences", "Packing", "Mistakes lab", "Export"],
    key="shapes.section",
    on_change="rerun",
)
tensors_tab, parameters_tab, equivalences_tab, packing_tab, mistakes_tab, export_tab = tabs

if tensors_tab.open:
    with tensors_tab:
        rows = [r for r in table.as_rows() if r["kind"] == "tensor"]
        ui.rows_table(rows, ["name", "shape", "symbolic", "axes", "role", "note"])
        title = f"Tensors of one call of torch.nn.{name}: what you pass (top), get back (below)"
        ui.chart(fig_tensor_blocks(table.tensors, slices=slices.slices, title=title), "tensors", "shapes.blocks")
        for s, diff in zip(slices.slices, slices.max_abs_diffs, strict=True):
            verdict(diff <= slices.tolerance, f"{s.label}: max |Δ| = {diff:.1e} on a random input")
        st.caption(
            "Only the top layer's final states appear in output; the rows of lower layers live only in h_n. "
            "The reverse direction runs from t = T-1 down to 0, so its final state sits at step 0."
        )

if parameters_tab.open:
    with parameters_tab:
        values, torch_total = ui.cached_parameters(spec)
        rows = [r for r in table.as_rows() if r["kind"] == "parameter"]
        ui.rows_table(rows, ["name", "shape", "symbolic", "numel", "blocks", "note"])
        counted = f"sum(p.numel() for p in model.parameters()) = {torch_total:,}"
        verdict(torch_total == table.total_parameters, f"total parameters {table.total_parameters:,}; {counted}")
        below = f"layer below's output (D × {'P' if spec.proj_size else 'H'} = {spec.num_directions * spec.out_size})"
        layer_rows = [
            {"layer": k, "input size": table.layer_input_size(k), "reads": "x" if k == 0 else below}
            for k in range(spec.num_layers)
        ]
        ui.rows_table(layer_rows, ["layer", "input size", "reads"])
        left, right = st.columns(2)
        layer = left.selectbox("Layer", range(spec.num_layers), key="shapes.layer") if spec.num_layers > 1 else 0
        direction = 0
        if spec.bidirectional:
            direction = right.selectbox(
                "Direction", (0, 1), key="shapes.direction", format_func=("forward", "reverse").__getitem__
            )
        ui.show_weights(table, values, layer, direction)

if equivalences_tab.open:
    with equivalences_tab:
        loop, stages = ui.cached_equivalences(table)
        st.markdown(f"#### torch.nn.{name} == torch.nn.{loop.cell_name} in a loop")
        compared = "output, h_n, c_n" if loop.c_n_diff is not None else "output, h_n"
        verdict(loop.matches, f"same weights, max |Δ| = {loop.max_abs_diff:.1e} over {compared}")
        step = "h, c = cell(x[t], (h, c))" if loop.c_n_diff is not None else "h = cell(x[t], h)"
        st.code(
            f"cell = nn.{loop.cell_name}(input_size, hidden_size)  # weight_ih_l0 -> cell.weight_ih, ...\n"
            f"for t in range(T):  # reverse direction: reversed(range(T))\n    {step}",
            language="python",
        )
        if not loop.random_initial_state:
            st.caption("LSTMCell has no proj_size: the loop uses weight_hh = W_hh @ W_hr and projects h itself.")
        st.markdown("#### An nn.Embedding in front: token ids (long) -> vectors -> the model")
        ui.rows_table([vars(s) | {"shape": str(s.shape)} for s in stages], ["name", "shape", "dtype", "axes", "code"])

if packing_tab.open:
    with packing_tab:
        automatic = default_lengths(batch, seq_len)
        text = st.text_input(
            "Lengths, one per sequence (empty = automatic)",
            key="shapes.lengths",
            placeholder=", ".join(map(str, automatic)),
        )
        enforce_sorted = st.toggle("enforce_sorted=True", False, key="shapes.enforce_sorted")
        try:
            lengths = parse_lengths(text) if text.strip() else automatic
            problems = validate_packing(lengths, batch, seq_len, unbatched)
            demo = None if problems else ui.cached_packing(spec, lengths, seq_len, enforce_sorted)
        except ValueError as error:  # unparsable lengths, or torch refusing (its message included)
            problems, demo = [str(error)], None
        for problem in problems:
            st.error(f"Cannot pack this batch: {problem}.")
        if demo is not None:
            ui.show_packing(demo, spec.batch_first, enforce_sorted)

if mistakes_tab.open:
    with mistakes_tab:
        key = st.selectbox("Mistake", list(MISTAKES), format_func=lambda k: MISTAKES[k][0], key="shapes.mistake")
        ui.show_mistake(ui.cached_mistake(key, spec))

if export_tab.open:
    with export_tab:
        st.write(
            "The shape table as CSV or Markdown, and a script that builds this module and prints the same "
            "shapes (every figure has its own PNG / SVG / HTML buttons)."
        )
        ui.table_downloads(table, key="shapes.export")
        st.code(shapes_snippet(table, ui.SEED), language="python")
