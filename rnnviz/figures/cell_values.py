"""What the cell diagram shows, read from a ``Trace``: every quantity at every step (``cell_series``), at one
step (``cell_vectors``), one unit's values (``cell_values``), fixed colour bounds for the whole sequence
(``trace_limits``) and what the caption must add (``cell_note``). ``cell_diagram.cell_diagram_svg`` draws them."""

from __future__ import annotations

import numpy as np

from rnnviz.core.trace import Trace


def cell_note(trace: Trace, layer: int = 0, feature: int = 0) -> str:
    """What the caption should add about x_t and h_t for this trace, '' when nothing needs saying."""
    notes = []
    width = trace.layer_input(layer).shape[-1]
    if layer > 0:
        notes.append(f"x_t is layer {layer - 1}'s output, feature {feature} of {width}")
    elif width > 1:
        notes.append(f"x_t shows feature {feature} of {width}")
    if trace.geometry.proj_size:
        notes.append(f"h_t shows o_t * tanh(c_t) before the projection to {trace.geometry.proj_size}")
    return "; ".join(notes)


def cell_series(trace: Trace, layer: int = 0, direction: int = 0, batch: int = 0) -> dict[str, np.ndarray]:
    """Every quantity of the diagram at every step, float64: gates/c (T, H), h_prev (T, P or H), x (T, I_layer).

    'h' is o_t * tanh(c_t) (before the projection) for an LSTM with proj_size; for the reverse direction
    'h_prev' / 'c_prev' are the states each step started from (h_{t+1}, c_{t+1}).
    """
    if not 0 <= batch < trace.batch_size:
        raise IndexError(f"batch item {batch} is outside 0..{trace.batch_size - 1}")
    out = {
        "x": trace.layer_input(layer)[:, batch],
        "h_prev": trace.previous_state("h", layer, direction)[:, batch],
        "h": trace.state("h_unprojected" if trace.geometry.proj_size else "h", layer, direction)[:, batch],
    }
    out.update({name: trace.gate(name, layer, direction)[:, batch] for name in trace.gate_names})
    if trace.kind == "LSTM":
        out["c_prev"] = trace.previous_state("c", layer, direction)[:, batch]
        out["c"] = trace.state("c", layer, direction)[:, batch]
        out["tanh_c"] = out["c"].tanh()
    return {name: value.detach().double().cpu().numpy() for name, value in out.items()}


def cell_vectors(trace: Trace, t: int, layer: int = 0, direction: int = 0, batch: int = 0) -> dict[str, np.ndarray]:
    """Every quantity of the diagram at step ``t`` as a vector: gates/c (H,), h_prev (P or H,), x (I_layer,)."""
    if not 0 <= t < trace.seq_len:
        raise IndexError(f"time step {t} is outside 0..{trace.seq_len - 1}")
    return {name: values[t] for name, values in cell_series(trace, layer, direction, batch).items()}


def cell_values(
    trace: Trace, t: int, unit: int, layer: int = 0, direction: int = 0, batch: int = 0, feature: int = 0
) -> dict[str, float]:
    """One unit's quantities at step ``t``: e.g. values['f'] == trace.gate('f', layer, direction)[t, batch, unit].

    'x' is feature ``feature`` of the layer's input; 'h_prev' is left out when the unit has no h_{t-1}
    (proj_size P <= unit). For the reverse direction 'h_prev' is h_{t+1}, the step it started from.
    """
    if not 0 <= unit < trace.geometry.hidden_size:
        raise IndexError(f"unit {unit} is outside 0..{trace.geometry.hidden_size - 1}")
    vectors = cell_vectors(trace, t, layer, direction, batch)
    if not 0 <= feature < vectors["x"].shape[0]:
        raise IndexError(f"input feature {feature} is outside 0..{vectors['x'].shape[0] - 1}")
    return {
        name: float(vector[feature if name == "x" else unit])
        for name, vector in vectors.items()
        if name == "x" or unit < vector.shape[0]
    }


def trace_limits(trace: Trace, layer: int = 0, direction: int = 0, batch: int = 0) -> dict[str, float]:
    """Colour bounds for the unbounded quantities over the whole sequence, so colours hold still across steps."""
    x = trace.layer_input(layer)[:, batch]  # (T, I_layer)
    series = {"x": x}
    if trace.kind == "LSTM":
        series["c"] = series["c_prev"] = trace.state("c", layer, direction)[:, batch]
    if trace.kind == "RNN_RELU":
        series["h"] = series["h_prev"] = trace.state("h", layer, direction)[:, batch]
    finite = {name: values[values.isfinite()].abs() for name, values in series.items()}
    shared = max([1.0] + [float(values.max()) for values in finite.values() if values.numel()])
    return dict.fromkeys(series, shared)
