"""The cell's equations, symbolic and evaluated for one unit with the traced numbers, at every step at once.

``equation_series(trace, unit=k, ...)`` gives each line of the cell (LSTM i, f, g, o, c, h; GRU r, z, n, h;
RNN h) as a template and, for every number in it, that number at every step t already formatted (``slots``,
T strings each): the step-through page fills the template for the step on screen, in the browser (HTML) or on
the server (LaTeX, ``equations(trace, t=...)``). Both show the very same strings.

Every number comes from the trace: the dot products are taken with the weight snapshot the trace was computed
with and the input/previous state it recorded (in float64), and each result is the traced value itself, so
what the page prints agrees with every heatmap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from rnnviz.core.equation_notation import (
    ACTIVATIONS,
    CDOT,
    EQ,
    GATE_ACTIVATION,
    ODOT,
    PLUS,
    Equation,
    EquationSeries,
    Sym,
    factor,
    formatted,
    line,
    signed,
    text,
    two_lines,
    var,
)
from rnnviz.core.trace import Trace


@dataclass(frozen=True)
class _Slice:
    """Where the equations are evaluated: a layer, direction and batch item of a trace, and unit k."""

    trace: Trace
    layer: int
    direction: int
    b: int
    k: int

    def gate(self, name: str) -> np.ndarray:
        return self.trace.gate(name, self.layer, self.direction)[:, self.b, self.k].double().numpy()

    def state(self, name: str) -> np.ndarray:
        return self.trace.state(name, self.layer, self.direction)[:, self.b, self.k].double().numpy()

    def previous(self, name: str) -> np.ndarray:
        return self.trace.previous_state(name, self.layer, self.direction)[:, self.b, self.k].double().numpy()

    def preactivation(self, name: str) -> np.ndarray:
        return self.trace.preactivation(name, self.layer, self.direction)[:, self.b, self.k].double().numpy()

    def parts(self, block: str) -> tuple[np.ndarray, ...]:
        """(W_i·[k] x_t, b_i·[k], W_h·[k] h_{t-1}, b_h·[k]) at every step, (T,) each, for gate block ``block``
        (biases 0 without bias)."""
        rec = self.trace.record(self.layer, self.direction)
        names = self.trace.gate_names or ("h",)
        row = names.index(block) * self.trace.geometry.hidden_size + self.k
        w = rec.weights
        x = self.trace.layer_input(self.layer)[:, self.b].double()  # (T, I_layer)
        h_prev = self.trace.previous_state("h", self.layer, self.direction)[:, self.b].double()  # (T, P)
        steps = x.shape[0]
        bias_i = torch.zeros(steps, dtype=torch.float64) + (0.0 if w.b_ih is None else float(w.b_ih[row]))
        bias_h = torch.zeros(steps, dtype=torch.float64) + (0.0 if w.b_hh is None else float(w.b_hh[row]))
        wx, wh = x @ w.w_ih[row].double(), h_prev @ w.w_hh[row].double()
        return wx.numpy(), bias_i.numpy(), wh.numpy(), bias_h.numpy()


def _sum_slots(terms: Sequence[np.ndarray]) -> list[tuple[str, ...]]:
    return [formatted(terms[0]), *(signed(term) for term in terms[1:])]


def _gateline(site: _Slice, name: str, first_slot: int = 0) -> EquationSeries:
    act = ACTIVATIONS[GATE_ACTIVATION[name]]
    symbolic = [var(name, "t"), EQ, act, text("("), var("W", f"i{name}"), text(" "), var("x", "t"), PLUS]
    symbolic += [var("b", f"i{name}"), PLUS, var("W", f"h{name}"), text(" "), var("h", "t-1"), PLUS]
    symbolic += [var("b", f"h{name}"), text(")")]
    left = (f"{name}_t[{site.k}]", f"<var>{name}</var><sub>t</sub>[{site.k}]")
    evaluated = two_lines(left, [act, text("("), 0, 1, 2, 3, text(")")], [act, text("("), 4, text(") = "), 5])
    slots = [*_sum_slots(site.parts(name)), formatted(site.preactivation(name)), formatted(site.gate(name))]
    return line(name, symbolic, evaluated, slots, site.gate(name))


def equation_series(
    trace: Trace, *, unit: int, layer: int = 0, direction: int = 0, batch: int = 0
) -> list[EquationSeries]:
    """Every line of ``trace``'s cell for unit ``unit`` at every step (see the module docstring).

    Raises IndexError when unit, layer, direction or batch is outside the trace.
    """
    geo = trace.geometry
    if not (0 <= batch < trace.batch_size and 0 <= unit < geo.hidden_size):
        raise IndexError(f"need 0 <= unit < {geo.hidden_size}, 0 <= batch < {trace.batch_size}")
    trace.record(layer, direction)  # validates layer/direction
    site = _Slice(trace, layer, direction, batch, unit)
    if trace.kind == "LSTM":
        return _lstm(site)
    if trace.kind == "GRU":
        return _gru(site)
    return _rnn(site)


def equations(trace: Trace, *, t: int, unit: int, layer: int = 0, direction: int = 0, batch: int = 0) -> list[Equation]:
    """The equations of ``trace``'s cell for unit ``unit`` at input position ``t``, evaluated (LaTeX).

    Raises IndexError when t, unit, layer, direction or batch is outside the trace.
    """
    if not 0 <= t < trace.seq_len:
        raise IndexError(f"need 0 <= t < {trace.seq_len}")
    return [line.at(t) for line in equation_series(trace, unit=unit, layer=layer, direction=direction, batch=batch)]


def _left(site: _Slice, name: str, html_name: str | None = None) -> Sym:
    html_name = html_name or name
    return f"{name}_t[{site.k}]", f"<var>{html_name}</var><sub>t</sub>[{site.k}]"


def _lstm(site: _Slice) -> list[EquationSeries]:
    lines = [_gateline(site, name) for name in ("i", "f", "g", "o")]
    i, f, g, o = (line.values for line in lines)
    c_prev, c = site.previous("c"), site.state("c")
    lines.append(
        line(
            "c",
            [
                var("c", "t"),
                EQ,
                var("f", "t"),
                ODOT,
                var("c", "t-1"),
                PLUS,
                var("i", "t"),
                ODOT,
                var("g", "t"),
            ],
            two_lines(_left(site, "c"), [0, CDOT, 1, PLUS, 2, CDOT, 3], [4]),
            [formatted(f), formatted(c_prev, factor), formatted(i), formatted(g, factor), formatted(c)],
            c,
        )
    )
    tanh = ACTIVATIONS["tanh"]
    if site.trace.geometry.proj_size:
        m = site.state("h_unprojected")
        lines.append(
            line(
                "h_unprojected",
                [var("m", "t"), EQ, var("o", "t"), ODOT, tanh, text("("), var("c", "t"), text(")")],
                [_left(site, "m"), EQ, 0, CDOT, tanh, text("("), 1, text(") = "), 2],
                [formatted(o), formatted(c), formatted(m)],
                m,
            )
        )
        if site.k < site.trace.geometry.proj_size:
            h = site.state("h")
            w_hr = (rf"W_{{hr}}[{site.k}] \cdot m_t", f"<var>W</var><sub>hr</sub>[{site.k}] · <var>m</var><sub>t</sub>")
            symbolic = [var("h", "t"), EQ, var("W", "hr"), text(" "), var("m", "t")]
            lines.append(line("h", symbolic, [_left(site, "h"), EQ, w_hr, EQ, 0], [formatted(h)], h))
        return lines
    h = site.state("h")
    lines.append(
        line(
            "h",
            [var("h", "t"), EQ, var("o", "t"), ODOT, tanh, text("("), var("c", "t"), text(")")],
            [_left(site, "h"), EQ, 0, CDOT, tanh, text("("), 1, text(") = "), 2],
            [formatted(o), formatted(c), formatted(h)],
            h,
        )
    )
    return lines


def _gru(site: _Slice) -> list[EquationSeries]:
    lines = [_gateline(site, name) for name in ("r", "z")]
    r, z = lines[0].values, lines[1].values
    wx, bi, wh, bh = site.parts("n")
    n, pre = site.gate("n"), site.preactivation("n")
    tanh = ACTIVATIONS["tanh"]
    symbolic = [var("n", "t"), EQ, tanh, text("("), var("W", "in"), text(" "), var("x", "t"), PLUS]
    symbolic += [var("b", "in"), PLUS, var("r", "t"), ODOT, text("("), var("W", "hn"), text(" ")]
    symbolic += [var("h", "t-1"), PLUS, var("b", "hn"), text("))")]
    first = [tanh, text("("), 0, 1, PLUS, 2, CDOT, text("("), 3, 4, text("))")]
    lines.append(
        line(
            "n",
            symbolic,
            two_lines(_left(site, "n"), first, [tanh, text("("), 5, text(") = "), 6]),
            [*_sum_slots([wx, bi]), formatted(r), *_sum_slots([wh, bh]), formatted(pre), formatted(n)],
            n,
        )
    )
    h_prev, h = site.previous("h"), site.state("h")
    one_minus = text("(1 - ", "(1 − ")
    lines.append(
        line(
            "h",
            [var("h", "t"), EQ, one_minus, var("z", "t"), text(")"), ODOT, var("n", "t"), PLUS]
            + [var("z", "t"), ODOT, var("h", "t-1")],
            two_lines(_left(site, "h"), [one_minus, 0, text(")"), CDOT, 1, PLUS, 2, CDOT, 3], [4]),
            [formatted(z), formatted(n, factor), formatted(z), formatted(h_prev, factor), formatted(h)],
            h,
        )
    )
    return lines


def _rnn(site: _Slice) -> list[EquationSeries]:
    act = ACTIVATIONS["tanh" if site.trace.kind == "RNN_TANH" else "relu"]
    h = site.state("h")
    symbolic = [var("h", "t"), EQ, act, text("("), var("W", "ih"), text(" "), var("x", "t"), PLUS]
    symbolic += [var("b", "ih"), PLUS, var("W", "hh"), text(" "), var("h", "t-1"), PLUS, var("b", "hh")]
    symbolic += [text(")")]
    evaluated = two_lines(
        _left(site, "h"), [act, text("("), 0, 1, 2, 3, text(")")], [act, text("("), 4, text(") = "), 5]
    )
    slots = [*_sum_slots(site.parts("h")), formatted(site.preactivation("h")), formatted(h)]
    return [line("h", symbolic, evaluated, slots, h)]


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
