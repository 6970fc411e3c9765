"""What a clamped gate does, in one sentence, and the identity behind it, checked on the clamped run.

Forcing a gate to a value v turns one cell equation into a simpler one at the clamped steps:

    LSTM  f = v:  c_t = v·c_{t-1} + i ⊙ g          i = v:  c_t = f ⊙ c_{t-1} + v·g
          g = v:  c_t = f ⊙ c_{t-1} + v·i          o = v:  o ⊙ tanh(c_t) = v·tanh(c_t)
    GRU   r = v:  n_t = tanh(W_in x + b_in + v·(W_hn h_{t-1} + b_hn))
          z = v:  h_t = (1 - v)·n_t + v·h_{t-1}    n = v:  h_t = (1 - z) ⊙ v + z ⊙ h_{t-1}

``clamp_effect`` says it in words; ``check_identity`` measures max |left - right| of the identity on a run
made with the clamp (a trace from ``rnnviz.intervene``), so the sentence is checked against the numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import torch

from rnnviz.core.numerics import TOLERANCE
from rnnviz.core.trace import Trace

#: Both sides of an identity on a trace at one layer and direction: (left, right), each (seq, batch, size).
Sides = Callable[[Trace, int, int, float], tuple[torch.Tensor, torch.Tensor]]


@dataclass(frozen=True)
class ClampEffect:
    """What forcing ``gate`` to ``value`` does: a sentence, the identity it rests on, and both sides of it."""

    gate: str
    value: float
    sentence: str
    identity: str  # e.g. "c_t = c_{t-1} + i_t ⊙ g_t"
    sides: Sides


def _lstm_cell(trace: Trace, layer: int, direction: int, v: float, *, forced: str) -> tuple[torch.Tensor, torch.Tensor]:
    """c_t against f ⊙ c_{t-1} + i ⊙ g with the ``forced`` gate replaced by the number v."""
    gates = {name: trace.gate(name, layer, direction) for name in ("i", "f", "g")}
    gates[forced] = torch.full_like(gates[forced], v)
    c_previous = trace.previous_state("c", layer, direction)
    return trace.state("c", layer, direction), gates["f"] * c_previous + gates["i"] * gates["g"]


def _lstm_output_gate(trace: Trace, layer: int, direction: int, v: float) -> tuple[torch.Tensor, torch.Tensor]:
    name = "h_unprojected" if "h_unprojected" in trace.state_names else "h"
    return trace.state(name, layer, direction), v * torch.tanh(trace.state("c", layer, direction))


def _gru_candidate(trace: Trace, layer: int, direction: int, v: float) -> tuple[torch.Tensor, torch.Tensor]:
    input_term, hidden_term = trace.gate_terms("n", layer, direction)
    return trace.gate("n", layer, direction), torch.tanh(input_term + v * hidden_term)


def _gru_state(trace: Trace, layer: int, direction: int, v: float, *, forced: str) -> tuple[torch.Tensor, torch.Tensor]:
    """h_t against (1 - z) ⊙ n + z ⊙ h_{t-1} with the ``forced`` gate replaced by the number v."""
    gates = {name: trace.gate(name, layer, direction) for name in ("z", "n")}
    gates[forced] = torch.full_like(gates[forced], v)
    h_previous = trace.previous_state("h", layer, direction)
    return trace.state("h", layer, direction), (1 - gates["z"]) * gates["n"] + gates["z"] * h_previous


#: (cell, gate) -> (sentence and identity at special values, the general ones as templates of v, pct = v as a
#: percentage, rest = 1 - v).
WORDS: dict[tuple[str, str], tuple[dict[float, tuple[str, str]], tuple[str, str]]] = {
    ("LSTM", "f"): (
        {
            1.0: ("the cell keeps everything it had; c_t only adds i ⊙ g", "c_t = c_{t-1} + i_t ⊙ g_t"),
            0.0: ("the cell forgets everything it had; c_t is only what is written now", "c_t = i_t ⊙ g_t"),
        },
        ("the cell keeps {pct} of what it had, then adds i ⊙ g", "c_t = {v}·c_{{t-1}} + i_t ⊙ g_t"),
    ),
    ("LSTM", "i"): (
        {
            0.0: ("nothing new is written; the cell only fades by f", "c_t = f_t ⊙ c_{t-1}"),
            1.0: ("the whole candidate g is written", "c_t = f_t ⊙ c_{t-1} + g_t"),
        },
        ("the candidate g is written at {pct} strength", "c_t = f_t ⊙ c_{{t-1}} + {v}·g_t"),
    ),
    ("LSTM", "g"): (
        {0.0: ("the candidate is empty, so nothing new is written", "c_t = f_t ⊙ c_{t-1}")},
        ("every unit is offered the same candidate {v}", "c_t = f_t ⊙ c_{{t-1}} + {v}·i_t"),
    ),
    ("LSTM", "o"): (
        {
            0.0: ("the cell hides its state: h_t = 0, while c_t still changes", "o_t ⊙ tanh(c_t) = 0"),
            1.0: ("the cell shows all of its state", "o_t ⊙ tanh(c_t) = tanh(c_t)"),
        },
        ("h_t shows {pct} of tanh(c_t)", "o_t ⊙ tanh(c_t) = {v}·tanh(c_t)"),
    ),
    ("GRU", "r"): (
        {0.0: ("the candidate ignores the previous state entirely (b_hn included)", "n_t = tanh(W_in x_t + b_in)")},
        (
            "the candidate sees {pct} of W_hn h_{{t-1}} + b_hn",
            "n_t = tanh(W_in x_t + b_in + {v}·(W_hn h_{{t-1}} + b_hn))",
        ),
    ),
    ("GRU", "z"): (
        {
            1.0: ("the state is frozen, whatever the input", "h_t = h_{t-1}"),
            0.0: ("the previous state is not kept: h_t is the candidate", "h_t = n_t"),
        },
        ("h_t keeps {pct} of h_{{t-1}} and takes the rest from n_t", "h_t = {rest}·n_t + {v}·h_{{t-1}}"),
    ),
    ("GRU", "n"): (
        {},
        ("the candidate is the constant {v}; h_t moves toward it by 1 - z", "h_t = (1 - z_t)·{v} + z_t ⊙ h_{{t-1}}"),
    ),
}
SIDES: dict[tuple[str, str], Sides] = {
    ("LSTM", "f"): partial(_lstm_cell, forced="f"),
    ("LSTM", "i"): partial(_lstm_cell, forced="i"),
    ("LSTM", "g"): partial(_lstm_cell, forced="g"),
    ("LSTM", "o"): _lstm_output_gate,
    ("GRU", "r"): _gru_candidate,
    ("GRU", "z"): partial(_gru_state, forced="z"),
    ("GRU", "n"): partial(_gru_state, forced="n"),
}


def clamp_effect(kind: str, gate: str, value: float) -> ClampEffect:
    """What forcing ``gate`` of a ``kind`` ("LSTM" or "GRU") cell to ``value`` does; KeyError for other gates."""
    if (kind, gate) not in WORDS:
        raise KeyError(f"a {kind} cell has no gate {gate!r} to clamp")
    special, general = WORDS[(kind, gate)]
    values = {"v": f"{value:g}", "pct": f"{value:.0%}", "rest": f"{1 - value:g}"}
    text, identity = special.get(value) or tuple(template.format(**values) for template in general)
    return ClampEffect(gate, value, f"{gate} = {value:g}: {text}.", identity, SIDES[(kind, gate)])


class IdentityCheck(NamedTuple):
    residual: float  # max |left - right| over the clamped steps
    tolerance: float  # the trace dtype's tolerance, scaled by the largest value of either side

    @property
    def holds(self) -> bool:
        return self.residual <= self.tolerance


def check_identity(
    effect: ClampEffect, trace: Trace, steps: tuple[int, ...], layer: int = 0, direction: int = 0
) -> IdentityCheck:
    """``effect``'s identity at input positions ``steps`` (not empty) of a run made with the clamp."""
    left, right = effect.sides(trace, layer, direction, effect.value)
    index = torch.tensor(steps, dtype=torch.long)
    left, right = left[index], right[index]
    scale = max(1.0, float(left.abs().max()), float(right.abs().max()))
    return IdentityCheck(float((left - right).abs().max()), TOLERANCE.get(left.dtype, 1e-2) * scale)
