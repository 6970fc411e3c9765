"""``rnnviz.capture(model)``: record every call of the recurrent modules inside a model; trace any call on demand.

    with rnnviz.capture(model) as calls:
        model(batch)
    calls["encoder.lstm"][0].gate("f", layer=1)     # a Call reads like the Trace of that call

Forward hooks on every ``nn.RNN/LSTM/GRU`` and ``nn.RNNCell/LSTMCell/GRUCell`` in ``model`` (the model itself
included) record each call: the module's path as ``model.named_modules()`` names it (the model itself is ""),
a detached copy of the input and hx it got, and its parameters' versions. A module called several times (a
decoder loop) gives one ``Call`` per call, in order. The hooks return nothing, so the model's outputs and
gradients are its own, and they are removed when the ``with`` block ends, by an exception too.

A call's ``Trace`` (``rnnviz.trace``: the batched engine, checked against the module) is computed the first
time it is asked for, with the module's parameters of that moment: if they changed since the call (an
optimizer step), asking refuses rather than show another computation.

What it costs: every call keeps a copy of its input and hx, ``calls.input_bytes`` in all (a
``PackedSequence`` keeps its data). A trace, once asked for, stays with its call: about (3G + 2)·H numbers per
step, batch item, layer and direction (G = 4 LSTM, 3 GRU; ``rnnviz.core.size.trace_bytes``).
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Iterator, Mapping
from functools import partial

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from rnnviz.core.notebook import call_table_html
from rnnviz.core.result import Trace
from rnnviz.core.size import MAX_TRACE_BYTES
from rnnviz.core.trace import trace

RECURRENT_MODULES = (nn.RNNBase, nn.RNNCellBase)


class Call:
    """One call of a recurrent module during a capture; it reads like its ``Trace`` (``call.gate("f")``).

    ``path``: where the module sits in the model; ``index``: this module's n-th call; ``x``, ``hx``: copies of
    what it got. ``trace`` computes the trace on first use and keeps it.
    """

    def __init__(self, path: str, index: int, module: nn.Module, x: object, hx: object, max_bytes: int) -> None:
        self.path, self.index, self.module, self.x, self.hx = path, index, module, x, hx
        self._max_bytes = max_bytes
        self._versions = _parameter_versions(module)
        self._trace: Trace | None = None

    @property
    def traced(self) -> bool:
        """True once the trace has been computed (and is kept)."""
        return self._trace is not None

    @property
    def trace(self) -> Trace:
        """The verified trace of this call (computed now if it was not yet)."""
        if self._trace is None:
            where = f"{self.path or type(self.module).__name__} (call {self.index})"
            if _parameter_versions(self.module) != self._versions:
                raise ValueError(
                    f"{where}: the module's parameters changed after this call (an optimizer step or an in-place "
                    "edit), so a trace now would not show what the call computed: ask for the trace before "
                    "changing the weights, or capture the call again"
                )
            try:
                self._trace = trace(self.module, self.x, self.hx, max_bytes=self._max_bytes)
            except (TypeError, ValueError) as error:
                raise type(error)(f"{where}: {error}") from None
        return self._trace

    def __getattr__(self, name: str):
        if name.startswith("_"):  # copy, pickle and the notebook probe for these: never trace for them
            raise AttributeError(name)
        return getattr(self.trace, name)

    def __repr__(self) -> str:
        state = "traced" if self.traced else "not traced yet"
        return f"<Call {self.path!r} #{self.index}: {type(self.module).__name__}, input {_describe(self.x)}, {state}>"

    def _repr_html_(self) -> str:
        title = f"<p><b>{html.escape(self.path or '(the model)')}</b> call {self.index}</p>"
        return title + self.trace._repr_html_()


class Capture(Mapping[str, list[Call]]):
    """The calls of each recurrent module of a model, by path (every module found is a key, called or not).

    Use it as a context manager (``rnnviz.capture(model)``); ``in_order`` lists every call as it happened.
    """

    def __init__(self, model: nn.Module, max_bytes: int = MAX_TRACE_BYTES) -> None:
        self.model, self.max_bytes = model, max_bytes
        self.modules = {path: m for path, m in model.named_modules() if isinstance(m, RECURRENT_MODULES)}
        self.in_order: list[Call] = []
        self._calls: dict[str, list[Call]] = {path: [] for path in self.modules}
        self._handles: list = []
        self.note = (
            ""
            if self.modules
            else f"{type(model).__name__} has no nn.RNN, nn.LSTM, nn.GRU or Cell module: there is nothing to capture"
        )

    def __enter__(self) -> Capture:
        if self.note:
            warnings.warn(self.note, stacklevel=2)
        for path, module in self.modules.items():
            self._handles.append(module.register_forward_hook(partial(self._record, path), with_kwargs=True))
        return self

    def __exit__(self, *exc_info: object) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def _record(self, path: str, module: nn.Module, args: tuple, kwargs: dict, output: object) -> None:
        x = args[0] if args else kwargs.get("input")
        hx = args[1] if len(args) > 1 else kwargs.get("hx")
        call = Call(path, len(self._calls[path]), module, _kept(x), _kept(hx), self.max_bytes)
        self._calls[path].append(call)
        self.in_order.append(call)

    def __getitem__(self, path: str) -> list[Call]:
        if path not in self._calls:
            found = ", ".join(repr(p) for p in self._calls) or f"none ({self.note})"
            raise KeyError(f"no recurrent module at {path!r}; the recurrent modules of this model are: {found}")
        return self._calls[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._calls)

    def __len__(self) -> int:
        return len(self._calls)

    @property
    def input_bytes(self) -> int:
        """Bytes of the inputs and initial states the calls keep (the cost of capturing, before any trace)."""
        return sum(_bytes(call.x) + _bytes(call.hx) for call in self.in_order)

    def __repr__(self) -> str:
        counts = ", ".join(f"{path!r}: {len(calls)} call(s)" for path, calls in self._calls.items())
        return f"<Capture of {type(self.model).__name__}: {counts or self.note}>"

    def _repr_html_(self) -> str:
        rows = [
            (c.path or "(the model)", c.index, type(c.module).__name__, _describe(c.x), c.traced) for c in self.in_order
        ]
        return call_table_html(
            rows, self.note or ("no calls yet: call the model inside the with block" if not rows else "")
        )


def capture(model: nn.Module, *, max_bytes: int = MAX_TRACE_BYTES) -> Capture:
    """Record the calls of every recurrent module in ``model`` while the ``with`` block runs (see the module doc).

    ``max_bytes``: a call's trace that would record more is refused before anything is allocated (``trace``).
    """
    return Capture(model, max_bytes)


def _kept(value: object) -> object:
    """A detached copy of the tensors of an input or hx (a later in-place change of the caller's tensor does not
    change it); anything else is kept as it is, and ``trace`` says what it expected."""
    if isinstance(value, PackedSequence):
        return value._replace(data=value.data.detach().clone())
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, (tuple, list)):
        return type(value)(_kept(v) for v in value)
    return value


def _bytes(value: object) -> int:
    if isinstance(value, PackedSequence):
        return _bytes(value.data)
    if isinstance(value, torch.Tensor):
        return value.numel() * value.element_size()
    if isinstance(value, (tuple, list)):
        return sum(_bytes(v) for v in value)
    return 0


def _describe(x: object) -> str:
    if isinstance(x, PackedSequence):
        return f"PackedSequence of {len(x.batch_sizes)} steps, batch {int(x.batch_sizes[0])}"
    if isinstance(x, torch.Tensor):
        return str(tuple(x.shape))
    return type(x).__name__


def _parameter_versions(module: nn.Module) -> tuple[int, ...]:
    """Each parameter's version counter: an in-place change (an optimizer step) increments it."""
    return tuple(p._version for p in module.parameters())
