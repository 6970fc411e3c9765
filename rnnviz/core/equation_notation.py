"""How the equations are written: each symbol in two notations (LaTeX for the server, HTML for the browser),
numbers formatted once on the server, and a line of the cell as two templates with ``{j}`` number slots."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: A symbol in both notations: (LaTeX, HTML).
Sym = tuple[str, str]
ACTIVATIONS: dict[str, Sym] = {
    "sigma": (r"\sigma", "σ"),
    "tanh": (r"\tanh", "tanh"),
    "relu": (r"\mathrm{relu}", "relu"),
}
GATE_ACTIVATION = {"i": "sigma", "f": "sigma", "o": "sigma", "g": "tanh", "r": "sigma", "z": "sigma"}


@dataclass(frozen=True)
class Equation:
    """One line of the cell at one step: its symbolic form, the same with numbers, and the traced result."""

    name: str  # 'i', 'f', 'c', 'h', ...
    symbolic: str  # LaTeX, e.g. f_t = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf})
    evaluated: str  # LaTeX with the numbers in, ending in "= <value>"
    value: float


@dataclass(frozen=True, eq=False)
class EquationSeries:
    """One line of the cell for one unit at every step.

    ``evaluated_latex`` / ``evaluated_html`` hold ``{0}``, ``{1}``, ... where ``slots[j][t]`` goes at step t;
    ``values`` (T,) is the line's result (the traced gate or state) at every step.
    """

    name: str
    symbolic_latex: str
    symbolic_html: str
    evaluated_latex: str
    evaluated_html: str
    slots: tuple[tuple[str, ...], ...]
    values: np.ndarray

    def at(self, t: int) -> Equation:
        """This line at step ``t`` (LaTeX)."""
        numbers = [slot[t] for slot in self.slots]
        return Equation(self.name, self.symbolic_latex, self.evaluated_latex.format(*numbers), float(self.values[t]))


def fmt(value: float) -> str:
    """A number for an equation: 4 decimals, or scientific when tiny or huge."""
    if value != value or abs(value) == float("inf"):
        return r"\text{" + str(value) + "}"
    return f"{value:.4f}" if value == 0 or 1e-3 <= abs(value) < 1e5 else f"{value:.3e}"


def factor(value: float) -> str:
    """A number as a factor of a product: negative values in parentheses, as in 0.5 · (-0.2)."""
    return f"({fmt(value)})" if value < 0 else fmt(value)


def formatted(values: np.ndarray, how=fmt) -> tuple[str, ...]:
    return tuple(how(float(v)) for v in values)


def signed(values: np.ndarray) -> tuple[str, ...]:
    """A term after the first of a sum, its sign folded in: ' + 0.2000', ' - 0.2000' (no '+ -0.2')."""
    return tuple((" - " if v < 0 else " + ") + fmt(abs(float(v))) for v in values)


def line(name: str, symbolic: Sequence[Sym], evaluated: Sequence[Sym | int], slots, values) -> EquationSeries:
    """Join symbols (LaTeX, HTML) and slot numbers (ints) into the two templates of one line."""

    def template(notation: int) -> str:  # literal braces doubled for str.format, slots as {j}
        return "".join(
            p[notation].replace("{", "{{").replace("}", "}}") if isinstance(p, tuple) else "{" + str(p) + "}"
            for p in evaluated
        )

    latex, html = template(0), template(1)
    return EquationSeries(
        name, "".join(s[0] for s in symbolic), "".join(s[1] for s in symbolic), latex, html, tuple(slots), values
    )


def var(name: str, sub: str) -> Sym:
    """A subscripted symbol: ``_var("W", "if")`` is W_{if} / W<sub>if</sub> (x_t for a one-letter subscript)."""
    latex_sub = sub if len(sub) == 1 else "{" + sub + "}"
    return f"{name}_{latex_sub}", f"<var>{name}</var><sub>{sub.replace('-', '−')}</sub>"


def text(latex: str, html: str | None = None) -> Sym:
    return latex, latex if html is None else html


EQ = text(" = ")
PLUS = text(" + ")
ODOT = (r" \odot ", " ⊙ ")
CDOT = (r" \cdot ", " · ")


def two_lines(left: Sym, first: Sequence[Sym | int], second: Sequence[Sym | int]) -> list[Sym | int]:
    """``left = first`` and, beneath it, ``= second``: keeps long evaluated equations narrow."""
    return [
        (r"\begin{aligned}" + left[0] + " &= ", '<span class="lhs">' + left[1] + "</span> = "),
        *first,
        (r" \\ &= ", '<br><span class="lhs"></span> = '),
        *second,
        (r"\end{aligned}", ""),
    ]
