"""The mistakes lab: classic shape mistakes run for real on the configured module, each beside its fix.

Every mistake is executed with torch when ``run_mistake`` is called: a mistake that raises reports PyTorch's
own message (never a stored copy), a mistake that runs reports the silently wrong result next to the right
one (with max |Δ| when both have the same shape). Sizes are chosen so that B (batch), T (seq_len), L*D,
I and P all differ, so no mistake can pass by coincidence.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from rnnviz.core.numerics import max_abs_difference
from rnnviz.core.spec import DTYPES, ModelSpec, build_model, torch_constructor, torch_seed
from rnnviz.shapes.checks import random_tensor, run_module
from rnnviz.shapes.differences import DifferenceWindow, difference_window

#: The axes of a batch-first output (B, T, D*P), as the difference windows name them.
OUTPUT_AXES = ("sequence", "t", "unit")
#: torch errors a mistake may raise (anything else is a bug of the lab and propagates).
TORCH_ERRORS = (RuntimeError, ValueError, IndexError, TypeError)


@dataclass(frozen=True)
class MistakeOutcome:
    """What one mistake did on a real module, and what its fix does."""

    key: str
    title: str
    model: str  # the constructor the lab ran, e.g. "torch.nn.LSTM(1, 16)"
    wrong_code: str
    fix: str  # the one-line fix
    error: str | None  # PyTorch's message, "RuntimeError: ...", when the wrong code raised
    wrong: str  # what the wrong code gave ('' when it raised)
    right: str  # what the fixed code gives
    max_abs_diff: float | None  # between wrong and right results, when both exist with the same shape
    explanation: str
    worst_place: str = ""  # e.g. "at [1, 2, 5]: -0.1234 (mistake) vs 0.0321 (fix)", when max_abs_diff is set
    window: DifferenceWindow | None = None  # both results where they start to differ (same shape only)

    @property
    def raised(self) -> bool:
        return self.error is not None


def demo_sizes(spec: ModelSpec) -> tuple[int, int]:
    """(batch, seq_len), both >= 2, distinct from each other and from L*D, I, H, P and D*P."""
    taken = {
        spec.num_layers * spec.num_directions,
        spec.input_size,
        spec.hidden_size,
        spec.out_size,
        spec.num_directions * spec.out_size,
    }
    batch = next(n for n in range(3, 99) if n not in taken)
    seq_len = next(n for n in range(5, 99) if n not in taken | {batch})
    return batch, seq_len


def describe(value: torch.Tensor) -> str:
    """'shape (3, 5, 16): [0.1234, -0.5, ...]' — the shape and the first four numbers."""
    flat = value.flatten()[:4].tolist()
    numbers = ", ".join(f"{v:.4f}" for v in flat) + (", …" if value.numel() > 4 else "")
    return f"shape {tuple(value.shape)}: [{numbers}]"


def _attempt(action: Callable[[], torch.Tensor]) -> tuple[torch.Tensor | None, str | None]:
    """(result, None) or (None, 'ErrorType: torch's message')."""
    try:
        return action(), None
    except TORCH_ERRORS as error:
        return None, f"{type(error).__name__}: {error}"


def worst_place(wrong: torch.Tensor, right: torch.Tensor) -> str:
    """Where two same-shaped results differ most, e.g. 'at [1, 2, 5]: -0.1234 (mistake) vs 0.0321 (fix)'."""
    flat = int((wrong - right).abs().flatten().argmax())
    index = [int(i) for i in torch.unravel_index(torch.tensor(flat), wrong.shape)]
    return f"at {index}: {wrong.flatten()[flat]:.4f} (mistake) vs {right.flatten()[flat]:.4f} (fix)"


def _outcome(key, spec, wrong_code, fix, attempt, right, explanation, axes=()) -> MistakeOutcome:
    """``axes`` names the axes of the right result (e.g. ("sequence", "t", "unit")) for its difference window."""
    wrong, error = attempt
    same = wrong is not None and wrong.shape == right.shape
    return MistakeOutcome(
        key,
        MISTAKES[key][0],
        torch_constructor(spec),
        wrong_code,
        fix,
        error,
        "" if wrong is None else describe(wrong),
        describe(right),
        max_abs_difference(wrong, right) if same else None,
        explanation,
        worst_place(wrong, right) if same else "",
        difference_window(wrong, right, axes) if same and axes else None,
    )


def _setup(spec: ModelSpec, seed: int, **changes) -> tuple[ModelSpec, nn.RNNBase, int, int, str]:
    spec = dataclasses.replace(spec, **changes)
    batch, steps = demo_sizes(spec)
    return spec, build_model(spec, seed), batch, steps, torch_constructor(spec).replace("torch.nn.", "nn.")


def batch_first_data_into_sequence_first_model(spec: ModelSpec, seed: int) -> MistakeOutcome:
    spec, model, b, t, ctor = _setup(spec, seed, batch_first=False)
    x = random_tensor((b, t, spec.input_size), DTYPES[spec.dtype], seed + 1)  # (B, T, I)
    wrong = _attempt(lambda: run_module(model, x)[0])  # treats B as time and T as batch: (B, T, D*P)
    right = run_module(model, x.transpose(0, 1))[0].transpose(0, 1)  # (B, T, D*P)
    code = (
        f"x = torch.randn({b}, {t}, {spec.input_size})  # (batch, seq, feature)\nmodel = {ctor}\noutput = model(x)[0]"
    )
    return _outcome(
        "batch_first_data",
        spec,
        code,
        f"model = {ctor[:-1]}, batch_first=True)",
        wrong,
        right,
        f"No error: the model reads axis 0 as time, so it runs {b} steps over {t} sequences. The output "
        "even has the shape you expected, but every number mixes different sequences.",
        OUTPUT_AXES,
    )


def wrong_h0_shape(spec: ModelSpec, seed: int) -> MistakeOutcome:
    spec, model, b, t, ctor = _setup(spec, seed)
    rows, dtype = spec.num_layers * spec.num_directions, DTYPES[spec.dtype]
    x = random_tensor((b, t, spec.input_size) if spec.batch_first else (t, b, spec.input_size), dtype, seed + 1)
    x_axes = "(batch, seq, feature)" if spec.batch_first else "(seq, batch, feature)"
    wrong_h0 = torch.zeros(b, rows, spec.out_size, dtype=dtype)  # (B, L*D, P): batch-first, like x
    right_h0 = wrong_h0.transpose(0, 1).contiguous()  # (L*D, B, P)
    c0 = torch.zeros(rows, b, spec.hidden_size, dtype=dtype)
    hx = (lambda h0: (h0, c0)) if spec.mode == "LSTM" else (lambda h0: h0)
    wrong = _attempt(lambda: run_module(model, x, hx(wrong_h0))[0])
    right = run_module(model, x, hx(right_h0))[0]
    c_line = f"\nc0 = torch.zeros({rows}, {b}, {spec.hidden_size})" if spec.mode == "LSTM" else ""
    call = "model(x, (h0, c0))" if spec.mode == "LSTM" else "model(x, h0)"
    code = (
        f"model = {ctor}\nx = torch.randn({', '.join(map(str, x.shape))})  # {x_axes}\n"
        f"h0 = torch.zeros({b}, {rows}, {spec.out_size})  # (batch, layers*dirs, hidden)"
        f"{c_line}\noutput = {call}[0]"
    )
    return _outcome(
        "h0_shape",
        spec,
        code,
        f"h0 = torch.zeros({rows}, {b}, {spec.out_size})  # (L*D, B, P)",
        wrong,
        right,
        "h0 is (num_layers * num_directions, batch, hidden) for every layout; "
        "batch_first=True changes only input and output.",
    )


def h_n_is_not_batch_first(spec: ModelSpec, seed: int) -> MistakeOutcome:
    spec, model, b, t, ctor = _setup(spec, seed, batch_first=True)
    x = random_tensor((b, t, spec.input_size), DTYPES[spec.dtype], seed + 1)  # (B, T, I)
    h_n = run_module(model, x)[1]  # (L*D, B, P) even with batch_first=True
    wrong = _attempt(lambda: h_n[b - 1])  # "the last sequence's final state"
    right = h_n[-1, b - 1]  # (P,) top layer (last direction) of sequence b-1
    code = f"model = {ctor}\noutput, h_n = model(x)[:2]  # x: ({b}, {t}, {spec.input_size})\nlast_seq = h_n[{b - 1}]"
    return _outcome(
        "h_n_batch_first",
        spec,
        code,
        f"last_seq = h_n[-1, {b - 1}]  # h_n is (L*D, B, P)",
        wrong,
        right,
        f"h_n stays (num_layers * num_directions, batch, hidden) = {tuple(h_n.shape)} even with "
        f"batch_first=True, so h_n[{b - 1}] indexes layers×directions, not sequences.",
    )


def view_instead_of_transpose(spec: ModelSpec, seed: int) -> MistakeOutcome:
    spec, model, b, t, ctor = _setup(spec, seed, batch_first=True)
    x = random_tensor((t, b, spec.input_size), DTYPES[spec.dtype], seed + 1)  # (T, B, I) sequence-first data
    wrong = _attempt(lambda: run_module(model, x.view(b, t, spec.input_size))[0])  # reshuffles, no error
    right = run_module(model, x.transpose(0, 1))[0]  # (B, T, D*P)
    code = (
        f"x = torch.randn({t}, {b}, {spec.input_size})  # (seq, batch, feature)\nmodel = {ctor}\n"
        f"output = model(x.view({b}, {t}, {spec.input_size}))[0]"
    )
    return _outcome(
        "view_not_transpose",
        spec,
        code,
        "output = model(x.transpose(0, 1))[0]",
        wrong,
        right,
        ".view keeps the memory order, so 'sequence' 0 of the viewed tensor is steps 0, 1, … of "
        "several different sequences; only a transpose (or permute) moves the axes.",
        OUTPUT_AXES,
    )


def last_output_of_bidirectional(spec: ModelSpec, seed: int) -> MistakeOutcome:
    spec, model, b, t, ctor = _setup(spec, seed, batch_first=True, bidirectional=True)
    x = random_tensor((b, t, spec.input_size), DTYPES[spec.dtype], seed + 1)
    output, h_n = run_module(model, x)[:2]
    wrong = _attempt(lambda: output[:, -1])  # (B, 2P): its reverse half saw only the last step
    right = torch.cat([h_n[-2], h_n[-1]], dim=1)  # (B, 2P)
    p = spec.out_size
    forward_diff = max_abs_difference(output[:, -1, :p], right[:, :p])
    reverse_diff = max_abs_difference(output[:, -1, p:], right[:, p:])
    code = f"model = {ctor}\noutput, h_n = model(x)[:2]  # x: ({b}, {t}, {spec.input_size})\nlast = output[:, -1]"
    return _outcome(
        "bidirectional_last",
        spec,
        code,
        "last = torch.cat([h_n[-2], h_n[-1]], dim=1)",
        wrong,
        right,
        f"The forward half of output[:, -1] is the forward final state (max |Δ| = {forward_diff:.1e}); "
        "the reverse half is the reverse direction after only ONE step (it runs from the end), "
        f"max |Δ| = {reverse_diff:.1e}. The reverse final state sits at output[:, 0, {p}:].",
        ("sequence", "unit"),
    )


def embedding_without_long(spec: ModelSpec, seed: int) -> MistakeOutcome:
    spec, model, b, t, ctor = _setup(spec, seed)
    vocab = 20
    generator = torch.Generator().manual_seed(seed)
    shape = (b, t) if spec.batch_first else (t, b)
    ids = torch.randint(0, vocab, shape, generator=generator).double()  # as torch.tensor(a float numpy array)
    with torch_seed(seed):
        embedding = nn.Embedding(vocab, spec.input_size, dtype=DTYPES[spec.dtype])
    wrong = _attempt(lambda: run_module(model, embedding(ids))[0])
    right = run_module(model, embedding(ids.long()))[0]
    code = (
        f"ids = torch.tensor(numpy_ids)  # float64 from numpy, shape {shape}\nembedding = nn.Embedding({vocab}, "
        f"{spec.input_size})\nmodel = {ctor}\noutput = model(embedding(ids))[0]"
    )
    return _outcome(
        "embedding_long",
        spec,
        code,
        "output = model(embedding(ids.long()))[0]",
        wrong,
        right,
        "nn.Embedding looks rows up by index, so it needs integer ids (long or int), not floats.",
    )


#: key -> (title, runner). Runners take (spec, seed) and return a MistakeOutcome.
MISTAKES: dict[str, tuple[str, Callable[[ModelSpec, int], MistakeOutcome]]] = {
    "batch_first_data": ("Batch-first data into a sequence-first model", batch_first_data_into_sequence_first_model),
    "h0_shape": ("An h0 of the wrong shape", wrong_h0_shape),
    "h_n_batch_first": ("Expecting h_n to be batch-first", h_n_is_not_batch_first),
    "view_not_transpose": (".view where a transpose is needed", view_instead_of_transpose),
    "bidirectional_last": ("output[:, -1] as the last state of a bidirectional model", last_output_of_bidirectional),
    "embedding_long": ("Forgetting .long() for nn.Embedding", embedding_without_long),
}


def run_mistake(key: str, spec: ModelSpec, seed: int = 0) -> MistakeOutcome:
    """Run mistake ``key`` (a key of MISTAKES) and its fix on a module like ``spec``; KeyError lists the keys."""
    if key not in MISTAKES:
        raise KeyError(f"no mistake {key!r}; the lab has {list(MISTAKES)}")
    return MISTAKES[key][1](spec, seed)
