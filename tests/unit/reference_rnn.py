"""A textbook re-implementation of PyTorch's recurrent modules in numpy float64, for checking ``rnnviz.trace``.

Independent on purpose: no torch, no rnnviz. It takes the parameters as numpy arrays keyed by their
``state_dict`` names (``weight_ih_l0``, ``bias_hh_l1_reverse``, ``weight_hr_l0``; ``weight_ih`` etc. for a
Cell), a ``RefConfig`` and the input in the module's own layout, and runs the equations one step at a time:

LSTM (rows of weight_ih/weight_hh stacked i|f|g|o)::

    i, f, o = sigmoid(W_i· x_t + b_i· + W_h· h_{t-1} + b_h·),   g = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)
    c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)   (with a projection: h_t = W_hr (o * tanh(c_t)))

GRU (stacked r|z|n)::

    r, z = sigmoid(W_i· x_t + b_i· + W_h· h_{t-1} + b_h·)
    n = tanh(W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn)),   h_t = (1 - z) * n + z * h_{t-1}

RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu).

Layer k > 0 reads the outputs of both directions of layer k-1 side by side. The reverse direction runs
t = T-1 .. 0, and everything it records is stored at the row of the input position it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

GATES = {"LSTM": ("i", "f", "g", "o"), "GRU": ("r", "z", "n"), "RNN_TANH": ("h",), "RNN_RELU": ("h",)}


@dataclass(frozen=True)
class RefConfig:
    """What the equations need to know besides the parameters."""

    kind: str  # "LSTM", "GRU", "RNN_TANH" or "RNN_RELU"
    hidden_size: int  # H
    num_layers: int = 1  # L
    bidirectional: bool = False  # D = 2 if True
    batch_first: bool = False
    proj_size: int = 0  # P (LSTM only); 0 means h has size H
    is_cell: bool = False  # RNNCell / LSTMCell / GRUCell: one step, one layer, one direction

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def out_size(self) -> int:
        return self.proj_size or self.hidden_size


@dataclass
class DirectionSteps:
    """One layer and direction; every array is time-major with row t = input position t."""

    gates: dict[str, np.ndarray]  # name -> (T, B, H), post-activation ("h" for an RNN: the new state)
    input_term: dict[str, np.ndarray]  # name -> (T, B, H): W_i· x_t + b_i·
    hidden_term: dict[str, np.ndarray]  # name -> (T, B, H): W_h· h_prev + b_h·
    preactivation: dict[str, np.ndarray]  # name -> (T, B, H): argument of the activation
    h: np.ndarray  # (T, B, P) state after the step
    h_prev: np.ndarray  # (T, B, P) state the step started from
    c: np.ndarray | None = None  # (T, B, H) LSTM only
    c_prev: np.ndarray | None = None  # (T, B, H) LSTM only
    h_unprojected: np.ndarray | None = None  # (T, B, H) o * tanh(c), LSTM with projection only


@dataclass
class RefResult:
    """``output``/``h_n``/``c_n`` in module layout, plus ``steps[(layer, direction)]`` and ``layer_inputs``."""

    output: np.ndarray  # (T, B, D*P) / (B, T, D*P) / (T, D*P); a Cell: (B, H) or (H,)
    h_n: np.ndarray | None  # (L*D, B, P) or (L*D, P); None for a Cell
    c_n: np.ndarray | None  # (L*D, B, H) or (L*D, H); c' for an LSTMCell; None when not an LSTM
    steps: dict[tuple[int, int], DirectionSteps] = field(default_factory=dict)
    layer_inputs: list[np.ndarray] = field(default_factory=list)  # per layer (T, B, I_layer)


def sigmoid(v: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-v)), written with tanh so that it cannot overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * v))


def _param(params: dict[str, np.ndarray], name: str, suffix: str) -> np.ndarray | None:
    value = params.get(name + suffix)
    return None if value is None else np.asarray(value, dtype=np.float64)


def run_direction(
    cfg: RefConfig, params: dict[str, np.ndarray], suffix: str, xs: np.ndarray, h0: np.ndarray, c0, reverse: bool
) -> DirectionSteps:
    """One direction of one layer over ``xs`` (T, B, I) from h0 (B, P) and c0 (B, H) (LSTM)."""
    w_ih, w_hh = _param(params, "weight_ih", suffix), _param(params, "weight_hh", suffix)  # (G*H, I), (G*H, P)
    b_ih, b_hh = _param(params, "bias_ih", suffix), _param(params, "bias_hh", suffix)  # (G*H,) or None
    w_hr = _param(params, "weight_hr", suffix)  # (P, H) or None
    steps, batch, hid = xs.shape[0], xs.shape[1], cfg.hidden_size
    names = GATES[cfg.kind]

    def blank(width: int) -> np.ndarray:
        return np.full((steps, batch, width), np.nan)

    rec = DirectionSteps(
        gates={n: blank(hid) for n in names},
        input_term={n: blank(hid) for n in names},
        hidden_term={n: blank(hid) for n in names},
        preactivation={n: blank(hid) for n in names},
        h=blank(h0.shape[-1]),
        h_prev=blank(h0.shape[-1]),
    )
    if cfg.kind == "LSTM":
        rec.c, rec.c_prev = blank(hid), blank(hid)
        rec.h_unprojected = blank(hid) if w_hr is not None else None
    h, c = h0, c0
    for t in range(steps - 1, -1, -1) if reverse else range(steps):
        rec.h_prev[t] = h
        for k, name in enumerate(names):
            rows = slice(k * hid, (k + 1) * hid)
            a = xs[t] @ w_ih[rows].T + (0.0 if b_ih is None else b_ih[rows])  # (B, H)
            b = h @ w_hh[rows].T + (0.0 if b_hh is None else b_hh[rows])  # (B, H)
            rec.input_term[name][t], rec.hidden_term[name][t] = a, b
            rec.preactivation[name][t] = a + b
        pre = {n: rec.preactivation[n][t] for n in names}
        if cfg.kind == "LSTM":
            i, f, o = sigmoid(pre["i"]), sigmoid(pre["f"]), sigmoid(pre["o"])
            g = np.tanh(pre["g"])
            rec.c_prev[t] = c
            c = f * c + i * g
            h = o * np.tanh(c)
            if w_hr is not None:
                rec.h_unprojected[t] = h
                h = h @ w_hr.T  # (B, P)
            rec.c[t] = c
            values = {"i": i, "f": f, "g": g, "o": o}
        elif cfg.kind == "GRU":
            r, z = sigmoid(pre["r"]), sigmoid(pre["z"])
            pre["n"] = rec.input_term["n"][t] + r * rec.hidden_term["n"][t]
            rec.preactivation["n"][t] = pre["n"]
            n = np.tanh(pre["n"])
            h = (1.0 - z) * n + z * h
            values = {"r": r, "z": z, "n": n}
        else:
            h = np.tanh(pre["h"]) if cfg.kind == "RNN_TANH" else np.maximum(pre["h"], 0.0)
            values = {"h": h}
        for name, value in values.items():
            rec.gates[name][t] = value
        rec.h[t] = h
    return rec


def reference_forward(cfg: RefConfig, params: dict[str, np.ndarray], x: np.ndarray, hx=None) -> RefResult:
    """Run the module described by ``cfg``/``params`` on ``x`` (module layout) from ``hx``.

    ``hx``: None (zeros), an array h_0 (RNN/GRU) or a pair (h_0, c_0) (LSTM), shaped as the module takes
    them: (L*D, B, P)/(L*D, B, H), unbatched (L*D, P)/(L*D, H); for a Cell (B, H) or (H,).
    """
    x = np.asarray(x, dtype=np.float64)
    unbatched = x.ndim == (1 if cfg.is_cell else 2)
    if cfg.is_cell:
        xs = x.reshape(1, 1, -1) if unbatched else x[None]  # (1, B, I)
    elif unbatched:
        xs = x[:, None]  # (T, 1, I)
    else:
        xs = np.swapaxes(x, 0, 1) if cfg.batch_first else x  # (T, B, I)
    batch, ld = xs.shape[1], cfg.num_layers * cfg.num_directions
    if hx is None:
        h0, c0 = np.zeros((ld, batch, cfg.out_size)), np.zeros((ld, batch, cfg.hidden_size))
    else:
        h_given, c_given = hx if cfg.kind == "LSTM" else (hx, None)
        h0 = np.asarray(h_given, dtype=np.float64).reshape(ld, batch, cfg.out_size)
        c0 = None if c_given is None else np.asarray(c_given, dtype=np.float64).reshape(ld, batch, cfg.hidden_size)
    result = RefResult(output=np.empty(0), h_n=None, c_n=None, layer_inputs=[xs])
    for layer in range(cfg.num_layers):
        for d in range(cfg.num_directions):
            suffix = "" if cfg.is_cell else f"_l{layer}" + ("_reverse" if d else "")
            index = layer * cfg.num_directions + d
            c_start = c0[index] if cfg.kind == "LSTM" else None
            result.steps[(layer, d)] = run_direction(cfg, params, suffix, xs, h0[index], c_start, reverse=d == 1)
        xs = np.concatenate([result.steps[(layer, d)].h for d in range(cfg.num_directions)], -1)  # (T, B, D*P)
        if layer + 1 < cfg.num_layers:
            result.layer_inputs.append(xs)
    order = [(layer, d) for layer in range(cfg.num_layers) for d in range(cfg.num_directions)]
    final_row = {0: -1, 1: 0}  # forward ends at the last input position, reverse at position 0
    h_n = np.stack([result.steps[k].h[final_row[k[1]]] for k in order])  # (L*D, B, P)
    c_n = np.stack([result.steps[k].c[final_row[k[1]]] for k in order]) if cfg.kind == "LSTM" else None
    if cfg.is_cell:
        out, c_out = xs[0], (None if c_n is None else c_n[0])  # (B, H)
        result.output = out[0] if unbatched else out
        result.c_n = None if c_out is None else (c_out[0] if unbatched else c_out)
        return result
    if unbatched:
        result.output, result.h_n = xs[:, 0], h_n[:, 0]
        result.c_n = None if c_n is None else c_n[:, 0]
    else:
        result.output = np.swapaxes(xs, 0, 1) if cfg.batch_first else xs
        result.h_n, result.c_n = h_n, c_n
    return result
