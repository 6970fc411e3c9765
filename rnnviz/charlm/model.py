"""``CharModel``: characters -> one-hot or embedding -> ``nn.RNN | LSTM | GRU`` -> ``nn.Linear`` to logits.

Sequence-first (time-major), as in the classic exercise::

    X.T                       (T, B)        int64 indices
    x = one_hot(X.T, V)       (T, B, V)     or an embedding E[X.T]: (T, B, E)
    out, h_n = rnn(x, h)      (T, B, H)     h_n (L, B, H), or (h_n, c_n) for an LSTM
    logits = head(out)        (T*B, V)      reshaped so row t*B + b is time t, window b

Initialised like PyTorch's defaults (recurrent and head weights U(-1/sqrt(H), 1/sqrt(H)), embedding N(0, 1))
but from a private generator seeded by ``seed``: the global RNG is never used, so the same seed gives the same
weights in any process, and the reproduce script fills them the same way.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnnviz.charlm.settings import CharSettings
from rnnviz.training.init import fill_like_pytorch_default, recurrent_class
from rnnviz.training.task import Hidden


class CharModel(nn.Module):
    """A character-level language model: indices (T, B) -> logits (T*B, V) and the final state."""

    def __init__(
        self,
        vocab_size: int,
        cell: str = "LSTM",
        hidden_size: int = 256,
        num_layers: int = 1,
        input_kind: str = "one-hot",
        embedding_size: int = 64,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if input_kind not in ("one-hot", "embedding"):
            raise ValueError(f"input_kind must be 'one-hot' or 'embedding', got {input_kind!r}")
        if vocab_size < 1:
            raise ValueError(f"vocab_size must be at least 1, got {vocab_size}")
        self.vocab_size = vocab_size
        self.input_kind = input_kind
        # built on the meta device (no init, no RNG), given real storage, then filled from the generator
        self.embedding = nn.Embedding(vocab_size, embedding_size, device="meta") if input_kind == "embedding" else None
        input_size = vocab_size if self.embedding is None else embedding_size
        self.rnn: nn.RNNBase = recurrent_class(cell)(input_size, hidden_size, num_layers, device="meta")
        self.head = nn.Linear(hidden_size, vocab_size, device="meta")
        self.to_empty(device="cpu")
        fill_like_pytorch_default(self, hidden_size, torch.Generator().manual_seed(seed))

    @classmethod
    def from_settings(cls, settings: CharSettings, vocab_size: int) -> CharModel:
        s = settings
        return cls(vocab_size, s.cell, s.hidden_size, s.num_layers, s.input, s.embedding_size, s.seed)

    def encode(self, indices: Tensor) -> Tensor:
        """Indices (T, B) -> the recurrent module's input: one-hot (T, B, V) float32 or embedded (T, B, E)."""
        if self.embedding is None:
            return nn.functional.one_hot(indices, self.vocab_size).to(torch.float32)
        return self.embedding(indices)

    def forward(self, indices: Tensor, hx: Hidden | None = None) -> tuple[Tensor, Hidden]:
        """indices (T, B) int64, hx None (zeros) or the previous state -> logits (T*B, V), h_n."""
        out, h_n = self.rnn(self.encode(indices), hx)  # out (T, B, H)
        return self.head(out.reshape(-1, out.shape[-1])), h_n  # (T*B, V)


def stage_shapes(settings: CharSettings, vocab_size: int) -> list[tuple[str, str, str]]:
    """(stage, shape, what it is) for every stage of one training batch under ``settings``."""
    s, v = settings, vocab_size
    t, b, h, layers = s.num_steps, s.batch_size, s.hidden_size, s.num_layers
    encoded = (
        ("one-hot inputs", f"({t}, {b}, {v})", "F.one_hot(X.T, V).float(): one 1 per character")
        if s.input == "one-hot"
        else ("embedded inputs", f"({t}, {b}, {s.embedding_size})", "nn.Embedding(V, E)(X.T): a learned vector each")
    )
    rows = [
        ("text", f"{b * t + 1:,} characters", "B windows of T characters, plus one for the shifted targets"),
        ("indices X, Y", f"({b}, {t}) each", "vocabulary indices; Y is X shifted one character ahead"),
        encoded,
        (f"outputs of nn.{s.cell}", f"({t}, {b}, {h})", "h_t of the last layer at every step (sequence-first)"),
        (
            "h_n",
            f"({layers}, {b}, {h})",
            "final state of every layer; carried (detached) to the next batch"
            if s.carries_state
            else "final state of every layer; dropped (random windows start from zeros)",
        ),
    ]
    if s.cell == "LSTM":
        rows.append(("c_n", f"({layers}, {b}, {h})", "final cell state, handled like h_n"))
    rows += [
        ("logits", f"({t * b}, {v})", "nn.Linear(H, V) on outputs reshaped to (T*B, H)"),
        ("targets", f"({t * b},)", "Y.T.reshape(-1): row t*B + b is window b at time t"),
        ("loss", "()", "cross-entropy averaged over T*B characters; perplexity = exp(loss)"),
    ]
    return rows


def training_step_code(settings: CharSettings, vocab_size: int) -> str:
    """One training step in plain PyTorch for these settings (the page shows it next to ``stage_shapes``)."""
    s, v, h = settings, vocab_size, settings.hidden_size
    t, b = s.num_steps, s.batch_size
    if s.input == "one-hot":
        encode = (f"x = F.one_hot(X.T, {v}).float()", f"X ({b}, {t}) indices -> x ({t}, {b}, {v})")
    else:
        encode = ("x = embedding(X.T)", f"nn.Embedding({v}, {s.embedding_size}): x ({t}, {b}, {s.embedding_size})")
    lines = [
        (f"rnn, head = nn.{s.cell}({s.input_size(v)}, {h}, {s.num_layers}), nn.Linear({h}, {v})", ""),
        encode,
        ("out, state = rnn(x, state)", f"out ({t}, {b}, {h}), sequence-first"),
        (f"logits = head(out.reshape(-1, {h}))", f"({t * b}, {v})"),
        ("loss = F.cross_entropy(logits, Y.T.reshape(-1))", "mean over T*B characters"),
        ("optimizer.zero_grad()", ""),
        ("loss.backward()", ""),
        (f"nn.utils.clip_grad_norm_(parameters, {s.clip:g})", "θ") if s.clip > 0 else ("", ""),
        ("optimizer.step()", ""),
        ("state = detach(state)", "adjacent windows: keep the value, drop the graph")
        if s.carries_state
        else ("state = None", "random windows: the next batch starts from zeros"),
    ]
    return "\n".join(f"{code:<48}  # {comment}" if comment else code for code, comment in lines if code)
