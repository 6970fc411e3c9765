"""``Trace``: what a recurrent module computed, step by step, and how to read it.

Every accessor is time-major ``(seq, batch, size)``; row t belongs to input position t in both directions.
For a ``PackedSequence`` input the steps past each sequence's length read NaN (see ``rnnviz.core.packed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch.nn.utils.rnn import PackedSequence

from rnnviz.core.call_args import Geometry
from rnnviz.core.cells import GATE_NAMES, DirectionRecord
from rnnviz.core.cells import quantity_names as cell_quantity_names
from rnnviz.core.notebook import trace_dataframe, trace_html
from rnnviz.core.numerics import FirstNonFinite
from rnnviz.core.packed import Packing, previous_steps


@dataclass(frozen=True, eq=False)
class Trace:
    """What a recurrent module computed, step by step.

    ``output``, ``h_n``, ``c_n`` are in the module's own layout (batch-first if the module is, unbatched if
    the input was, a ``PackedSequence`` if the input was one). Everything read through
    ``gate``/``state``/``preactivation``/``gate_terms``/``previous_state``/``layer_input`` is time-major
    ``(seq, batch, size)`` and row t always belongs to input position t, in both directions. For a packed
    input, seq is the longest length and the steps past each sequence's length are NaN (``lengths``,
    ``valid_steps``). For a Cell, seq is 1, ``output`` is h' and ``h_n`` is None (``c_n`` is c' for an LSTMCell).

    In a notebook a trace shows itself (its check, shapes and a heatmap per gate); ``to_dataframe()`` gives
    every value in long format.
    """

    kind: str  # "LSTM", "GRU", "RNN_TANH", "RNN_RELU"
    geometry: Geometry
    output: torch.Tensor | PackedSequence
    h_n: torch.Tensor | None
    c_n: torch.Tensor | None
    max_abs_error: float
    tolerance: float
    math: str
    nonfinite: FirstNonFinite | None
    unbatched: bool
    layer_inputs: tuple[torch.Tensor, ...] = field(repr=False)  # per layer: (T, B, I_layer)
    records: dict[tuple[int, int], DirectionRecord] = field(repr=False)
    clamped: bool = False  # gates were forced (rnnviz.intervene): not a run the module can make
    packing: Packing | None = field(default=None, repr=False)  # the layout of a PackedSequence input

    @property
    def gate_names(self) -> tuple[str, ...]:
        """LSTM ('i', 'f', 'g', 'o'), GRU ('r', 'z', 'n'), vanilla RNN ()."""
        return GATE_NAMES[self.kind]

    @property
    def state_names(self) -> tuple[str, ...]:
        """'h', plus 'c' for an LSTM, plus 'h_unprojected' (o * tanh(c)) for an LSTM with proj_size."""
        return self.quantity_names[len(self.gate_names) :]

    @property
    def quantity_names(self) -> tuple[str, ...]:
        """Every gate, then every state: what a view of "each quantity" shows (``values`` reads any of them)."""
        return cell_quantity_names(self.kind, projected=bool(self.geometry.proj_size))

    @property
    def seq_len(self) -> int:
        return self.layer_inputs[0].shape[0]

    @property
    def batch_size(self) -> int:
        return self.layer_inputs[0].shape[1]

    @property
    def lengths(self) -> torch.Tensor | None:
        """(batch,) each sequence's length for a PackedSequence input, in the caller's batch order; else None."""
        return None if self.packing is None else self.packing.lengths

    def valid_steps(self) -> torch.Tensor:
        """(seq, batch) bool: True where a sequence has a step t (everywhere unless the input was packed)."""
        device = self.layer_inputs[0].device
        if self.packing is None:
            return torch.ones(self.seq_len, self.batch_size, dtype=torch.bool, device=device)
        return self.packing.valid(device)

    @property
    def matches(self) -> bool:
        """True when the trace agrees with the module's own forward within ``tolerance``."""
        return self.max_abs_error <= self.tolerance

    def check_summary(self) -> str:
        """One line for a badge, e.g. 'matches torch.nn.LSTM forward: max |Δ| = 2.4e-08 (tolerance 1e-05, ...)'."""
        if self.clamped:
            return "intervened run (gates clamped): not a run the module itself can make, so not compared"
        verdict = "matches" if self.matches else "DOES NOT match"
        return (
            f"{verdict} torch.nn.{self.geometry.name} forward: max |Δ| = {self.max_abs_error:.1e} "
            f"(tolerance {self.tolerance:.0e}, {self.math})"
        )

    def record(self, layer: int = 0, direction: int = 0) -> DirectionRecord:
        """The raw record of one layer and direction; raises a clear IndexError for a bad selection."""
        if (layer, direction) not in self.records:
            raise IndexError(
                f"no layer {layer}, direction {direction}: the module has {self.geometry.num_layers} layer(s) "
                f"and {self.geometry.num_directions} direction(s)"
            )
        return self.records[(layer, direction)]

    def _block(self, stacked: torch.Tensor, name: str) -> torch.Tensor:
        names = self.gate_names or ("h",)
        if name not in names:
            raise KeyError(f"{self.kind} has no gate {name!r}; its gates are {names}")
        width = self.geometry.hidden_size
        k = names.index(name)
        return stacked[..., k * width : (k + 1) * width]

    def gate(self, name: str, layer: int = 0, direction: int = 0) -> torch.Tensor:
        """Post-activation gate ``name`` for every step, (seq, batch, hidden). E.g. LSTM f_t = sigmoid(...)."""
        if not self.gate_names:
            raise KeyError(f"a vanilla RNN ({self.kind}) has no gates; use state('h')")
        return self._block(self.record(layer, direction).gates, name)

    def gate_terms(self, name: str, layer: int = 0, direction: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        """(W_i· x_t + b_i·, W_h· h_{t-1} + b_h·) for gate ``name``, each (seq, batch, hidden).

        For a vanilla RNN the name is 'h'.
        """
        rec = self.record(layer, direction)
        return self._block(rec.input_term, name), self._block(rec.hidden_term, name)

    def preactivation(self, name: str, layer: int = 0, direction: int = 0) -> torch.Tensor:
        """The argument of the gate's activation, (seq, batch, hidden).

        Sum of both ``gate_terms``, except GRU 'n', whose argument is ``W_in x + b_in + r * (W_hn h + b_hn)``.
        For a vanilla RNN the name is 'h': h_t = tanh/relu(preactivation('h')).
        """
        input_term, hidden_term = self.gate_terms(name, layer, direction)
        if self.kind == "GRU" and name == "n":
            return input_term + hidden_term * self.gate("r", layer, direction)
        return hidden_term + input_term

    def state(self, name: str = "h", layer: int = 0, direction: int = 0) -> torch.Tensor:
        """State after each step, (seq, batch, size): 'h' (size P), 'c' (LSTM, size H), 'h_unprojected'."""
        if name not in self.state_names:
            raise KeyError(f"{self.kind} has no state {name!r}; its states are {self.state_names}")
        rec = self.record(layer, direction)
        return {"h": rec.h, "c": rec.c, "h_unprojected": rec.h_unprojected}[name]

    def values(self, name: str, layer: int = 0, direction: int = 0) -> torch.Tensor:
        """Gate or state ``name`` (any of ``quantity_names``) after each step, (seq, batch, size)."""
        if name in self.gate_names:
            return self.gate(name, layer, direction)
        return self.state(name, layer, direction)

    def previous_state(self, name: str = "h", layer: int = 0, direction: int = 0) -> torch.Tensor:
        """The state each step started from (h_{t-1}), (seq, batch, size); for the reverse direction h_{t+1}.

        A packed sequence's reverse direction starts from h0 at its own last step t = length - 1.
        """
        if name not in ("h", "c") or name not in self.state_names:
            raise KeyError(f"previous_state takes 'h' (or 'c' for an LSTM), got {name!r}")
        rec = self.record(layer, direction)
        states, initial = (rec.h, rec.h0) if name == "h" else (rec.c, rec.c0)
        previous = previous_steps(states, initial, direction == 1, self.packing)
        return previous if self.packing is None else self.packing.mask_(previous, float("nan"))

    def layer_input(self, layer: int = 0) -> torch.Tensor:
        """What layer ``layer`` read, (seq, batch, I_layer): x for layer 0, the layer below's output after."""
        return self.layer_inputs[layer]

    def _repr_html_(self) -> str:
        return trace_html(self)

    def to_dataframe(self, *, layers=None, quantities=None):
        """Every gate and state value as a long-format ``pandas.DataFrame``: columns t, layer, direction, batch,
        unit, quantity, value (one row per number; the steps past a packed sequence's length are left out).

        ``layers`` and ``quantities`` (e.g. ``("f", "c")``) keep only those.
        """
        return trace_dataframe(self, layers=layers, quantities=quantities)
