"""The cell's equations as LaTeX, then evaluated for one unit at one step with the traced numbers.

Every number comes from the trace: the dot products are taken with the weight snapshot the trace was
computed with and the input/previous state it recorded, and each result is the traced value itself, so
what the page prints agrees with every heatmap.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnnviz.core.trace import Trace

_GATE_ACTIVATION = {"i": r"\sigma", "f": r"\sigma", "o": r"\sigma", "g": r"\tanh", "r": r"\sigma", "z": r"\sigma"}


@dataclass(frozen=True)
class Equation:
    """One line of the cell: its symbolic form, the same with numbers, and the traced result."""

    name: str  # 'i', 'f', 'c', 'h', ...
    symbolic: str  # LaTeX, e.g. f_t = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf})
    evaluated: str  # LaTeX with the numbers in, ending in "= <value>"
    value: float


def fmt(value: float) -> str:
    """A number for an equation: 4 decimals, or scientific when tiny or huge."""
    if value != value or abs(value) == float("inf"):
        return r"\text{" + str(value) + "}"
    return f"{value:.4f}" if value == 0 or 1e-3 <= abs(value) < 1e5 else f"{value:.3e}"


def factor(value: float) -> str:
    """A number as a factor of a product: negative values in parentheses, as in 0.5 · (-0.2)."""
    return f"({fmt(value)})" if value < 0 else fmt(value)


def two_lines(left: str, first: str, second: str) -> str:
    """``left = first`` and, aligned beneath it, ``= second``: keeps long evaluated equations narrow."""
    return rf"\begin{{aligned}}{left} &= {first} \\ &= {second}\end{{aligned}}"


def _sum(terms: list[float]) -> str:
    """'a + b - c' with signs folded in, so no '+ -0.2'."""
    text = fmt(terms[0])
    for term in terms[1:]:
        text += (" - " if term < 0 else " + ") + fmt(abs(term))
    return text


@dataclass(frozen=True)
class _Site:
    """Where an equation is evaluated: layer, direction, step t, batch item b, unit k."""

    trace: Trace
    layer: int
    direction: int
    t: int
    b: int
    k: int

    def gate(self, name: str) -> float:
        return float(self.trace.gate(name, self.layer, self.direction)[self.t, self.b, self.k])

    def state(self, name: str) -> float:
        return float(self.trace.state(name, self.layer, self.direction)[self.t, self.b, self.k])

    def previous(self, name: str) -> float:
        return float(self.trace.previous_state(name, self.layer, self.direction)[self.t, self.b, self.k])

    def parts(self, block: str) -> tuple[float, float, float, float]:
        """(W_i·[k] x_t, b_i·[k], W_h·[k] h_{t-1}, b_h·[k]) for gate block ``block`` (biases 0 without bias)."""
        rec = self.trace.record(self.layer, self.direction)
        names = self.trace.gate_names or ("h",)
        row = names.index(block) * self.trace.geometry.hidden_size + self.k
        w = rec.weights
        x_t = self.trace.layer_input(self.layer)[self.t, self.b].double()
        h_prev = self.trace.previous_state("h", self.layer, self.direction)[self.t, self.b].double()
        bias_i = 0.0 if w.b_ih is None else float(w.b_ih[row])
        bias_h = 0.0 if w.b_hh is None else float(w.b_hh[row])
        return float(w.w_ih[row].double() @ x_t), bias_i, float(w.w_hh[row].double() @ h_prev), bias_h


def _gate_equation(site: _Site, name: str) -> Equation:
    act = _GATE_ACTIVATION[name]
    symbolic = f"{name}_t = {act}(W_{{i{name}}} x_t + b_{{i{name}}} + W_{{h{name}}} h_{{t-1}} + b_{{h{name}}})"
    parts = list(site.parts(name))
    pre = float(site.trace.preactivation(name, site.layer, site.direction)[site.t, site.b, site.k])
    value = site.gate(name)
    evaluated = two_lines(f"{name}_t[{site.k}]", f"{act}({_sum(parts)})", f"{act}({fmt(pre)}) = {fmt(value)}")
    return Equation(name, symbolic, evaluated, value)


def equations(trace: Trace, *, t: int, unit: int, layer: int = 0, direction: int = 0, batch: int = 0) -> list[Equation]:
    """The equations of ``trace``'s cell for unit ``unit`` at input position ``t``, evaluated.

    A step past a packed sequence's length is not part of the run: one line says so instead.
    Raises IndexError when t, unit, layer, direction or batch is outside the trace.
    """
    geo = trace.geometry
    if not (0 <= t < trace.seq_len and 0 <= batch < trace.batch_size and 0 <= unit < geo.hidden_size):
        raise IndexError(
            f"need 0 <= t < {trace.seq_len}, 0 <= unit < {geo.hidden_size}, 0 <= batch < {trace.batch_size}"
        )
    site = _Site(trace, layer, direction, t, batch, unit)
    trace.record(layer, direction)  # validates layer/direction
    if trace.lengths is not None and t >= int(trace.lengths[batch]):
        length = int(trace.lengths[batch])
        return [
            Equation(
                "h",
                rf"\text{{batch item {batch} has no step }} t = {t}",
                rf"\text{{its packed sequence has length {length}: steps }} t = 0 \ldots {length - 1}",
                float("nan"),
            )
        ]
    if trace.kind == "LSTM":
        return _lstm(site)
    if trace.kind == "GRU":
        return _gru(site)
    return _rnn(site)


def _lstm(site: _Site) -> list[Equation]:
    lines = [_gate_equation(site, name) for name in ("i", "f", "g", "o")]
    i, f, g, o = (line.value for line in lines)
    c_prev, c = site.previous("c"), site.state("c")
    lines.append(
        Equation(
            "c",
            r"c_t = f_t \odot c_{t-1} + i_t \odot g_t",
            two_lines(f"c_t[{site.k}]", rf"{fmt(f)} \cdot {factor(c_prev)} + {fmt(i)} \cdot {factor(g)}", fmt(c)),
            c,
        )
    )
    k = site.k
    if site.trace.geometry.proj_size:
        m = float(site.trace.state("h_unprojected", site.layer, site.direction)[site.t, site.b, k])
        lines.append(
            Equation(
                "h_unprojected",
                r"m_t = o_t \odot \tanh(c_t)",
                rf"m_t[{k}] = {fmt(o)} \cdot \tanh({fmt(c)}) = {fmt(m)}",
                m,
            )
        )
        if k < site.trace.geometry.proj_size:
            h = site.state("h")
            lines.append(Equation("h", r"h_t = W_{hr} m_t", rf"h_t[{k}] = W_{{hr}}[{k}] \cdot m_t = {fmt(h)}", h))
        return lines
    h = site.state("h")
    lines.append(
        Equation("h", r"h_t = o_t \odot \tanh(c_t)", rf"h_t[{k}] = {fmt(o)} \cdot \tanh({fmt(c)}) = {fmt(h)}", h)
    )
    return lines


def _gru(site: _Site) -> list[Equation]:
    lines = [_gate_equation(site, name) for name in ("r", "z")]
    r, z = lines[0].value, lines[1].value
    wx, bi, wh, bh = site.parts("n")
    n = site.gate("n")
    pre = float(site.trace.preactivation("n", site.layer, site.direction)[site.t, site.b, site.k])
    lines.append(
        Equation(
            "n",
            r"n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))",
            two_lines(
                f"n_t[{site.k}]",
                rf"\tanh({_sum([wx, bi])} + {fmt(r)} \cdot ({_sum([wh, bh])}))",
                rf"\tanh({fmt(pre)}) = {fmt(n)}",
            ),
            n,
        )
    )
    h_prev, h = site.previous("h"), site.state("h")
    lines.append(
        Equation(
            "h",
            r"h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}",
            two_lines(f"h_t[{site.k}]", rf"(1 - {fmt(z)}) \cdot {factor(n)} + {fmt(z)} \cdot {factor(h_prev)}", fmt(h)),
            h,
        )
    )
    return lines


def _rnn(site: _Site) -> list[Equation]:
    act = r"\tanh" if site.trace.kind == "RNN_TANH" else r"\mathrm{relu}"
    parts = list(site.parts("h"))
    pre = float(site.trace.preactivation("h", site.layer, site.direction)[site.t, site.b, site.k])
    h = site.state("h")
    return [
        Equation(
            "h",
            rf"h_t = {act}(W_{{ih}} x_t + b_{{ih}} + W_{{hh}} h_{{t-1}} + b_{{hh}})",
            two_lines(f"h_t[{site.k}]", f"{act}({_sum(parts)})", f"{act}({fmt(pre)}) = {fmt(h)}"),
            h,
        )
    ]


def step_shapes(trace: Trace, layer: int = 0) -> list[tuple[str, tuple[int, ...]]]:
    """The shape of every quantity the cell touches at one step, e.g. ('x_t', (batch, input)), ('W_ih', (4H, I))."""
    rec = trace.record(layer, 0)
    w = rec.weights
    batch, hidden, out = trace.batch_size, trace.geometry.hidden_size, trace.geometry.out_size
    rows = [("x_t", (batch, w.w_ih.shape[1])), ("W_ih", tuple(w.w_ih.shape)), ("h_{t-1}", (batch, out))]
    rows += [("W_hh", tuple(w.w_hh.shape))]
    rows += [("b_ih", tuple(w.b_ih.shape)), ("b_hh", tuple(w.b_hh.shape))] if w.b_ih is not None else []
    rows += [(f"{name}_t", (batch, hidden)) for name in trace.gate_names]
    rows += [("c_{t-1}", (batch, hidden)), ("c_t", (batch, hidden))] if trace.kind == "LSTM" else []
    rows += [("W_hr", tuple(w.w_hr.shape))] if w.w_hr is not None else []
    rows += [("h_t", (batch, out))]
    return rows
