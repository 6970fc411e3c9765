"""The shape of every tensor and parameter of a recurrent module, derived from a ``ModelSpec`` and checked
against the real ``torch.nn.RNN | LSTM | GRU``.

Notation: T seq_len, B batch, I input_size, H hidden_size, P = proj_size or H (the size of h), L num_layers,
D directions (2 if bidirectional), G row blocks per weight (LSTM 4: i f g o, GRU 3: r z n, RNN 1: h).

Tensors (``batch_first`` swaps the first two axes of input and output only)::

    input    (T, B, I)      batch_first: (B, T, I)      unbatched: (T, I)
    h0, h_n  (L*D, B, P)    never batch-first           unbatched: (L*D, P)
    c0, c_n  (L*D, B, H)    LSTM only; H even with proj_size
    output   (T, B, D*P)    batch_first: (B, T, D*P)    unbatched: (T, D*P)

Parameters, for layer k and direction d (suffix ``_l{k}``, plus ``_reverse`` for d = 1), in the order of
``module.named_parameters()``::

    weight_ih_l{k}  (G*H, I_k)   I_0 = I, I_k = D*P for k > 0 (layer k reads both directions of layer k-1)
    weight_hh_l{k}  (G*H, P)
    bias_ih_l{k}    (G*H,)       if bias
    bias_hh_l{k}    (G*H,)       if bias
    weight_hr_l{k}  (P, H)       LSTM with proj_size: h_t = W_hr (o_t * tanh(c_t))

Rows [j*H, (j+1)*H) of weight_ih, weight_hh, bias_ih and bias_hh belong to block j, e.g. an LSTM's
weight_ih is W_ii|W_if|W_ig|W_io stacked, so ``f_t = sigmoid(W_if x_t + b_if + W_hf h_{t-1} + b_hf)`` reads
rows [H, 2H).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from rnnviz.core.cells import WEIGHT_BLOCKS
from rnnviz.core.spec import ModelSpec

#: Upper bounds that keep ``check_against_torch`` (a real forward pass on zeros) quick.
LAYOUT_LIMITS = {"batch": 1024, "seq_len": 10_000}


@dataclass(frozen=True)
class GateBlock:
    """One gate's rows of a stacked weight or bias: rows [start, stop), e.g. LSTM 'f' = (H, 2H)."""

    gate: str  # "i", "f", "g", "o" / "r", "z", "n" / "h" for a vanilla RNN
    rows: tuple[int, int]  # half-open row range
    symbol: str  # PyTorch's name for the block: "W_if", "W_hf", "b_if", "b_hf", "W_ih" (RNN), ...

    @property
    def size(self) -> int:
        return self.rows[1] - self.rows[0]


@dataclass(frozen=True)
class TensorShape:
    """A tensor the user passes to or gets from ``module(input, hx)``; ``axes``/``symbols`` name each axis."""

    name: str  # "input", "h0", "c0", "output", "h_n", "c_n"
    shape: tuple[int, ...]
    axes: tuple[str, ...]  # e.g. ("batch", "seq", "feature")
    symbols: tuple[str, ...]  # e.g. ("B", "T", "I")
    role: str  # "argument" (what you pass) or "result" (what you get back)
    note: str = ""

    @property
    def numel(self) -> int:
        return prod(self.shape)


@dataclass(frozen=True)
class ParamShape:
    """A parameter as ``named_parameters()`` lists it, with its gate blocks (none for weight_hr)."""

    name: str  # "weight_ih_l0", "bias_hh_l1_reverse", ...
    shape: tuple[int, ...]
    blocks: tuple[GateBlock, ...]
    layer: int
    direction: int  # 0 forward, 1 reverse
    role: str  # "weight_ih", "weight_hh", "bias_ih", "bias_hh" or "weight_hr"
    symbols: tuple[str, ...]  # e.g. ("4H", "I"), ("4H", "2P")
    note: str = ""

    @property
    def numel(self) -> int:
        return prod(self.shape)

    def block(self, gate: str) -> GateBlock:
        """The rows of gate ``gate``; KeyError naming the gates there are."""
        for block in self.blocks:
            if block.gate == gate:
                return block
        raise KeyError(f"{self.name} has no gate block {gate!r}; its blocks are {[b.gate for b in self.blocks]}")


@dataclass(frozen=True)
class ShapeTable:
    """Every tensor and parameter shape of ``spec`` for one input layout (``batch`` is 1 when unbatched)."""

    spec: ModelSpec
    batch: int
    seq_len: int
    unbatched: bool
    tensors: tuple[TensorShape, ...]  # input, h0, [c0], output, h_n, [c_n]
    parameters: tuple[ParamShape, ...]  # in named_parameters() order

    @property
    def kind(self) -> str:
        """'LSTM', 'GRU', 'RNN_TANH' or 'RNN_RELU' (torch's ``module.mode``)."""
        return self.spec.mode

    @property
    def gate_names(self) -> tuple[str, ...]:
        """Names of the row blocks of every weight_ih/weight_hh/bias, in stacking order."""
        return WEIGHT_BLOCKS[self.kind]

    @property
    def total_parameters(self) -> int:
        """sum(p.numel() for p in module.parameters())."""
        return sum(p.numel for p in self.parameters)

    def layer_input_size(self, layer: int) -> int:
        """Width of what layer ``layer`` reads: input_size for layer 0, D*P (D*H without proj) above."""
        if not 0 <= layer < self.spec.num_layers:
            raise IndexError(f"layer must be from 0 to {self.spec.num_layers - 1}, got {layer}")
        return self.spec.input_size if layer == 0 else self.spec.num_directions * self.spec.out_size

    def tensor(self, name: str) -> TensorShape:
        for t in self.tensors:
            if t.name == name:
                return t
        raise KeyError(f"no tensor {name!r}; this {self.kind} has {[t.name for t in self.tensors]}")

    def parameter(self, name: str) -> ParamShape:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(f"no parameter {name!r}; this model has {[p.name for p in self.parameters]}")

    def parameters_of(self, layer: int, direction: int = 0) -> tuple[ParamShape, ...]:
        """The parameters of one layer and direction, in named_parameters() order."""
        return tuple(p for p in self.parameters if p.layer == layer and p.direction == direction)

    def as_rows(self) -> list[dict[str, object]]:
        """One flat dict per tensor, then per parameter (same keys throughout), ready for a table or CSV."""
        rows: list[dict[str, object]] = []
        for item in (*self.tensors, *self.parameters):
            param, blocks = isinstance(item, ParamShape), getattr(item, "blocks", ())
            rows.append(
                {
                    "kind": "parameter" if param else "tensor",
                    "name": item.name,
                    "shape": str(item.shape),
                    "symbolic": "(" + ", ".join(item.symbols) + ("," if len(item.symbols) == 1 else "") + ")",
                    "axes": "" if param else ", ".join(item.axes),
                    "numel": item.numel,
                    "role": item.role,
                    "layer": item.layer if param else "",
                    "direction": ("reverse" if item.direction else "forward") if param else "",
                    "blocks": ", ".join(f"{b.gate}: rows {b.rows[0]}-{b.rows[1] - 1}" for b in blocks),
                    "note": item.note,
                }
            )
        return rows


def validate_layout(batch: object, seq_len: object) -> None:
    """Raise ValueError naming every bad size (PyTorch rejects an empty batch or sequence)."""
    problems = []
    for name, value in (("batch", batch), ("seq_len", seq_len)):
        upper = LAYOUT_LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= upper:
            problems.append(f"{name} must be a whole number from 1 to {upper}, got {value!r}")
    if problems:
        raise ValueError("; ".join(problems))


def shape_table(spec: ModelSpec, batch: int, seq_len: int, unbatched: bool = False) -> ShapeTable:
    """The shapes of ``spec``'s tensors for input (seq_len, batch, ...) in its layout, and of its parameters.

    ``unbatched=True`` describes a 2-D input (T, I): no batch axis anywhere, and ``batch`` is recorded as 1.
    """
    validate_layout(batch, seq_len)
    if unbatched:
        batch = 1
    return ShapeTable(spec, batch, seq_len, unbatched, _tensors(spec, batch, seq_len, unbatched), _parameters(spec))


def _tensors(spec: ModelSpec, batch: int, seq_len: int, unbatched: bool) -> tuple[TensorShape, ...]:
    d, h, p = spec.num_directions, spec.hidden_size, spec.out_size
    p_axis, p_sym = ("proj", "P") if spec.proj_size else ("hidden", "H")
    out_sym = f"{d}{p_sym}" if d > 1 else p_sym
    lstm = spec.mode == "LSTM"

    def sequence(name: str, width: int, axis: str, sym: str, role: str, note: str) -> TensorShape:
        if unbatched:  # (T, width)
            return TensorShape(name, (seq_len, width), ("seq", axis), ("T", sym), role, note)
        if spec.batch_first:  # (B, T, width)
            return TensorShape(name, (batch, seq_len, width), ("batch", "seq", axis), ("B", "T", sym), role, note)
        return TensorShape(name, (seq_len, batch, width), ("seq", "batch", axis), ("T", "B", sym), role, note)

    def state(name: str, width: int, axis: str, sym: str, role: str, note: str) -> TensorShape:
        ld = spec.num_layers * d
        never = "never batch-first, even with batch_first=True; " if spec.batch_first else ""
        if unbatched:  # (L*D, width)
            return TensorShape(name, (ld, width), ("layers×directions", axis), ("L*D", sym), role, never + note)
        shape = (ld, batch, width)  # (L*D, B, width)
        return TensorShape(name, shape, ("layers×directions", "batch", axis), ("L*D", "B", sym), role, never + note)

    order = "row l*D + d is layer l, direction d"
    out_note = "top layer's h at every step"
    if d == 2:
        out_note += f"; [..., :{p}] forward, [..., {p}:] reverse (whose final state is at t=0)"
    tensors = [
        sequence("input", spec.input_size, "feature", "I", "argument", "x"),
        state("h0", p, p_axis, p_sym, "argument", f"optional, zeros if omitted; {order}"),
    ]
    if lstm:
        tensors.append(state("c0", h, "hidden", "H", "argument", "optional, zeros if omitted; size H even with proj"))
    tensors.append(sequence("output", d * p, "directions×" + p_axis, out_sym, "result", out_note))
    tensors.append(state("h_n", p, p_axis, p_sym, "result", f"final h of every layer and direction; {order}"))
    if lstm:
        tensors.append(state("c_n", h, "hidden", "H", "result", "final c of every layer and direction"))
    return tuple(tensors)


def _blocks(kind: str, role: str, hidden: int) -> tuple[GateBlock, ...]:
    """Row blocks of a stacked weight/bias: block j is rows [j*H, (j+1)*H), named like W_if / b_hn."""
    if role == "weight_hr":  # (P, H): a projection, no gates
        return ()
    letter, side = ("b" if role.startswith("bias") else "W"), role[-2]  # side "i" (input) or "h" (hidden)
    gates = WEIGHT_BLOCKS[kind]
    return tuple(
        GateBlock(g, (j * hidden, (j + 1) * hidden), f"{letter}_{side}{'h' if kind.startswith('RNN') else g}")
        for j, g in enumerate(gates)
    )


def _parameters(spec: ModelSpec) -> tuple[ParamShape, ...]:
    kind = spec.mode
    d, h, p, g = spec.num_directions, spec.hidden_size, spec.out_size, len(WEIGHT_BLOCKS[kind])
    p_sym = "P" if spec.proj_size else "H"
    rows = f"{g}H" if g > 1 else "H"  # G*H
    gru = "; GRU: r_t multiplies W_hn h + b_hn, b_hn included" if kind == "GRU" else ""
    params = []
    for layer in range(spec.num_layers):
        i_k, i_sym = (spec.input_size, "I") if layer == 0 else (d * p, f"{d}{p_sym}" if d > 1 else p_sym)
        per_direction = [  # (role, shape, symbols, note)
            ("weight_ih", (g * h, i_k), (rows, i_sym), "multiplies x_t (layer k > 0: the layer below's output)"),
            ("weight_hh", (g * h, p), (rows, p_sym), "multiplies h_{t-1}" + gru),
        ]
        if spec.bias:
            per_direction.append(("bias_ih", (g * h,), (rows,), "added to W_ih x_t"))
            per_direction.append(("bias_hh", (g * h,), (rows,), "added to W_hh h_{t-1}" + gru))
        if spec.proj_size:
            per_direction.append(("weight_hr", (p, h), ("P", "H"), "projection: h_t = W_hr (o_t * tanh(c_t))"))
        for direction in range(d):
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            params += [
                ParamShape(role + suffix, shape, _blocks(kind, role, h), layer, direction, role, symbols, note)
                for role, shape, symbols, note in per_direction
            ]
    return tuple(params)
