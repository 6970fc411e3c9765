"""The batched engine: every step of a layer computed at once from the module's own states, each step checked.

The module's forward gives h_t of its top layer for every step; the layers below it are run one at a time
through the module's own fused kernel (``layer_forward``). With h_{t-1} in hand for every t, one direction of
one layer needs (T steps, B batch, G gate blocks of H units, P the size of h)::

    input term    W_ih x_t + b_ih              one matmul for all steps: (T*B, I) x (I, G*H)
    hidden term   W_hh h_{t-1} + b_hh          one matmul for all steps: (T*B, P) x (P, G*H)
    gates         sigmoid / tanh of the sums   element-wise (GRU: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)))
    LSTM c_t      f_t * c_{t-1} + i_t * g_t    the one recurrence left: one element-wise op a step
    h_t           o_t * tanh(c_t)              element-wise (with proj_size, then one matmul with W_hr)
                  GRU (1 - z_t) * n_t + z_t * h_{t-1}, RNN tanh/relu(input term + hidden term)

Each traced h_t is then compared with the module's h_t (``trace`` does, for every step of every layer): every
step starts from the module's own h_{t-1}, so it is verified on its own and an error cannot accumulate.
The sequential engine (``cells.run_direction``) stays for clamped gates, where the module has no states to read.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from rnnviz.core.call_args import CallArgs, Geometry
from rnnviz.core.cells import WEIGHT_BLOCKS, DirectionRecord, LayerWeights, layer_weights, snapshot
from rnnviz.core.numerics import max_abs_difference
from rnnviz.core.packed import Packing, previous_steps

_MODULE_CLASSES = {"LSTM": nn.LSTM, "GRU": nn.GRU, "RNN_TANH": nn.RNN, "RNN_RELU": nn.RNN}


def run_layers_batched(
    module: nn.Module, kind: str, geo: Geometry, args: CallArgs, top_states: torch.Tensor
) -> tuple[list[torch.Tensor], dict[tuple[int, int], DirectionRecord], float]:
    """Every layer and direction, from the module's own states: ``top_states`` (T, B, D*P) is the module's
    output (time-major, padded); the layers below are run through its fused kernel. Returns the layer inputs,
    the records and max |traced h - the kernel's h| over the layers below the top (at every real step)."""
    directions, size = geo.num_directions, geo.out_size
    layer_inputs, records, below_error = [args.x], {}, 0.0
    for layer in range(geo.num_layers):
        rows = slice(layer * directions, (layer + 1) * directions)
        below = layer + 1 < geo.num_layers
        c0 = None if args.c0 is None else args.c0[rows]
        seen = layer_forward(module, kind, geo, layer, layer_inputs[layer], args.h0[rows], c0, args.packing)
        seen = seen if below else top_states  # (T, B, D*P)
        for d in range(directions):
            records[(layer, d)] = batched_direction(
                kind,
                layer_weights(module, layer, d),
                layer_inputs[layer],
                seen[..., d * size : (d + 1) * size],
                args.h0[rows][d],
                None if c0 is None else c0[d],
                reverse=d == 1,
                packing=args.packing,
            )
        if below:
            traced = torch.cat([records[(layer, d)].h for d in range(directions)], -1)
            below_error = max(below_error, max_abs_difference(_real(traced, args.packing), _real(seen, args.packing)))
            layer_inputs.append(seen)  # the next layer reads the module's own output of this one
    return layer_inputs, records, below_error


def _real(values: torch.Tensor, packing: Packing | None) -> torch.Tensor:
    """The real steps of a (T, B, *) tensor: all of them, or a packed batch's rows."""
    return values if packing is None else packing.rows(values)


def layer_forward(
    module: nn.Module,
    kind: str,
    geo: Geometry,
    layer: int,
    inputs: torch.Tensor,
    h0: torch.Tensor,
    c0: torch.Tensor | None,
    packing: Packing | None,
) -> torch.Tensor | None:
    """Layer ``layer`` alone through the module's own fused kernel, (T, B, D*P); None for the top layer.

    It is the forward of a one-layer module of the same class, built on the meta device (no memory) and
    called with this layer's parameters (``torch.func.functional_call``). ``inputs`` (T, B, I_layer), h0
    (D, B, P), c0 (D, B, H); a packed batch is run packed, as the module runs it.
    """
    if layer + 1 == geo.num_layers:
        return None
    options = {"nonlinearity": "relu"} if kind == "RNN_RELU" else {}
    options |= {"proj_size": geo.proj_size} if geo.proj_size else {}
    suffixes = ("", "_reverse")[: geo.num_directions]
    names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if module.bias else [])
    names += ["weight_hr"] if geo.proj_size else []
    one_layer = _MODULE_CLASSES[kind](
        inputs.shape[-1],
        geo.hidden_size,
        bias=module.bias,
        bidirectional=geo.num_directions == 2,
        device="meta",
        **options,
    )
    parameters = {f"{n}_l0{s}": getattr(module, f"{n}_l{layer}{s}") for n in names for s in suffixes}
    packed = inputs if packing is None else packing.sequence(inputs)
    output, _ = functional_call(one_layer, parameters, (packed, h0 if c0 is None else (h0, c0)))
    return output if packing is None else packing.padded(output.data)


def batched_direction(
    kind: str,
    weights: LayerWeights,
    xs: torch.Tensor,
    seen: torch.Tensor,
    h0: torch.Tensor,
    c0: torch.Tensor | None,
    reverse: bool,
    packing: Packing | None = None,
) -> DirectionRecord:
    """One direction of one layer over ``xs`` (T, B, I), every step from the module's own state before it.

    ``seen`` (T, B, P) is the module's h after each step (in time order, also for the reverse direction),
    h0 (B, P) and c0 (B, H) the initial states.
    """
    hidden = weights.w_hh.shape[0] // len(WEIGHT_BLOCKS[kind])
    h_prev = previous_steps(seen, h0, reverse, packing)  # (T, B, P): h_{t-1}, or h_{t+1} in reverse
    input_term = F.linear(xs, weights.w_ih, weights.b_ih)  # (T, B, G*H)
    hidden_term = F.linear(h_prev, weights.w_hh, weights.b_hh)  # (T, B, G*H)
    c = unprojected = None
    if kind == "LSTM":
        gates = torch.add(hidden_term, input_term)  # pre-activations, then each block's activation in place
        gates[..., : 2 * hidden].sigmoid_()  # i, f
        gates[..., 2 * hidden : 3 * hidden].tanh_()  # g
        gates[..., 3 * hidden :].sigmoid_()  # o
        i, f, g, o = gates.split(hidden, -1)
        c = cell_states(f, i * g, c0, reverse, packing)  # (T, B, H)
        h = torch.tanh(c).mul_(o)  # o * tanh(c_t)
        if weights.w_hr is not None:
            unprojected, h = h, F.linear(h, weights.w_hr)  # W_hr (o * tanh(c_t)), (T, B, P)
    elif kind == "GRU":
        gates = torch.empty_like(input_term)
        torch.add(
            hidden_term[..., : 2 * hidden], input_term[..., : 2 * hidden], out=gates[..., : 2 * hidden]
        ).sigmoid_()
        r, z, n = gates.split(hidden, -1)  # r, z; n is written next
        torch.mul(hidden_term[..., 2 * hidden :], r, out=n).add_(input_term[..., 2 * hidden :]).tanh_()
        h = torch.sub(h_prev, n).mul_(z).add_(n)  # n + z * (h - n) == (1 - z) * n + z * h_{t-1}
    else:
        gates = xs.new_empty(*xs.shape[:2], 0)
        h = torch.add(hidden_term, input_term)
        h = h.tanh_() if kind == "RNN_TANH" else h.relu_()
    return DirectionRecord(input_term, hidden_term, gates, h, c, unprojected, h0, c0, snapshot(weights))


def cell_states(
    f: torch.Tensor, ig: torch.Tensor, c0: torch.Tensor, reverse: bool, packing: Packing | None
) -> torch.Tensor:
    """c_t = f_t * c_{t-1} + i_t * g_t for every step, (T, B, H), from f and i * g (T, B, H) and c0 (B, H).

    The reverse direction runs t = T-1 .. 0; in a packed batch it starts each sequence from c0 at its own
    last step.
    """
    c = torch.empty_like(ig)
    c_t, f_t, ig_t = c.unbind(0), f.unbind(0), ig.unbind(0)
    restarts = packing.ends(c.device).unsqueeze(-1) if reverse and packing is not None else None  # (T, B, 1)
    previous = c0
    for t in reversed(range(len(c_t))) if reverse else range(len(c_t)):
        if restarts is not None:
            previous = torch.where(restarts[t], c0, previous)
        previous = torch.addcmul(ig_t[t], f_t[t], previous, out=c_t[t])
    return c
