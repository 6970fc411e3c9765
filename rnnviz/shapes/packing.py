"""What ``pack_padded_sequence`` does to a batch of sequences of different lengths, run on a real module.

A padded batch x (T, B, I) (batch_first: (B, T, I)) holds sequence b in steps [0, lengths[b]) and zeros
after. Packing keeps only the real steps, time-major, longest sequence first::

    packed.data         (sum(lengths), I)   step 0 of every sequence, then step 1 of those still running, ...
    packed.batch_sizes  (max(lengths),)     batch_sizes[t] = how many sequences have a step t

The module run on the packed batch stops each sequence at its own length, so h_n[:, b] is sequence b's
state after its last *real* step (the forward direction's; the reverse direction starts there and ends at
t = 0). ``pad_packed_sequence`` turns the packed output back into (T, B, D*P) with zeros past each length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnviz.core.numerics import max_abs_difference, tolerance_for
from rnnviz.core.packed import validate_packing
from rnnviz.core.spec import DTYPES, ModelSpec, build_model
from rnnviz.shapes.checks import random_tensor, run_module


@dataclass(frozen=True, eq=False)
class PackingDemo:
    """A padded batch, its packed form and the checks; arrays are numpy, sequences in batch order."""

    lengths: tuple[int, ...]
    padded: np.ndarray  # (B, T, I) the padded input, zeros past each length (shown batch-major)
    mask: np.ndarray  # (B, T) True on real steps
    data: np.ndarray  # (sum(lengths), I) packed.data
    data_origin: np.ndarray  # (sum(lengths), 2) the (t, b) each row of data came from
    batch_sizes: np.ndarray  # (max(lengths),)
    sorted_indices: np.ndarray  # (B,) longest first
    last_step_diffs: np.ndarray  # (B,) max |h_n[:, b] - h_n of sequence b run alone, unpadded|
    unpacked_diffs: np.ndarray  # (B,) max |top h_n[:, b] - unpacked output at b's last real step (t=0 reverse)|
    padded_run_diffs: np.ndarray  # (B,) max |h_n[:, b] - h_n[:, b] of the padded batch run WITHOUT packing|
    past_length_max: float  # max |pad_packed_sequence output past each length| (0 by construction)
    output_shape: tuple[int, ...]  # of pad_packed_sequence's output
    tolerance: float

    @property
    def matches(self) -> bool:
        """h_n holds every sequence's last real step, and the unpacked output is zero past each length."""
        worst = max(self.last_step_diffs.max(), self.unpacked_diffs.max())
        return bool(worst <= self.tolerance) and self.past_length_max == 0.0


def packing_demo(
    spec: ModelSpec, lengths: tuple[int, ...], seq_len: int, seed: int = 0, enforce_sorted: bool = False
) -> PackingDemo:
    """Pack a random padded batch with ``lengths`` (``validate_packing`` first), run the module, check h_n.

    ValueError carries PyTorch's own message when it refuses (e.g. unsorted lengths with enforce_sorted=True).
    """
    problems = validate_packing(lengths, len(lengths), seq_len)
    if problems:
        raise ValueError("; ".join(problems))
    module = build_model(spec, seed)
    dtype, batch = DTYPES[spec.dtype], len(lengths)
    steps = torch.arange(seq_len)
    mask = steps[None, :] < torch.tensor(lengths)[:, None]  # (B, T)
    x_tm = random_tensor((seq_len, batch, spec.input_size), dtype, seed + 1) * mask.T[..., None]  # (T, B, I)
    x = x_tm.transpose(0, 1) if spec.batch_first else x_tm
    try:
        packed = pack_padded_sequence(x, torch.tensor(lengths), spec.batch_first, enforce_sorted)
    except RuntimeError as error:
        raise ValueError(f"PyTorch refused to pack: {error}") from None
    packed_out, h_n = run_module(module, packed)[:2]  # h_n (L*D, B, P), in batch order
    unpacked, unpacked_lengths = pad_packed_sequence(packed_out, spec.batch_first, total_length=seq_len)
    out_tm = unpacked.transpose(0, 1) if spec.batch_first else unpacked  # (T, B, D*P)
    padded_h_n = run_module(module, x)[1]  # the same padded batch, not packed

    d_count, p = spec.num_directions, spec.out_size
    top = (spec.num_layers - 1) * d_count
    alone, unpacked_diffs, padded_diffs = [], [], []
    for b, n in enumerate(lengths):
        single = x_tm[:n, b : b + 1]  # (n, 1, I) sequence b alone, unpadded
        single = single.transpose(0, 1) if spec.batch_first else single
        alone.append(max_abs_difference(h_n[:, b : b + 1], run_module(module, single)[1]))
        ends = [out_tm[n - 1, b, :p], *([out_tm[0, b, p:]] if d_count == 2 else [])]  # forward, reverse
        unpacked_diffs.append(max(max_abs_difference(h_n[top + d, b], end) for d, end in enumerate(ends)))
        padded_diffs.append(max_abs_difference(h_n[:, b], padded_h_n[:, b]))
    order = packed.sorted_indices if packed.sorted_indices is not None else torch.arange(batch)  # longest first
    origin = [(t, int(b)) for t, size in enumerate(packed.batch_sizes.tolist()) for b in order[:size]]
    past = out_tm.abs() * (~mask.T)[..., None]
    return PackingDemo(
        lengths=tuple(lengths),
        padded=x_tm.transpose(0, 1).to(torch.float64).numpy(),
        mask=mask.numpy(),
        data=packed.data.to(torch.float64).numpy(),
        data_origin=np.asarray(origin, dtype=int).reshape(-1, 2),
        batch_sizes=packed.batch_sizes.numpy(),
        sorted_indices=order.numpy(),
        last_step_diffs=np.asarray(alone),
        unpacked_diffs=np.asarray(unpacked_diffs),
        padded_run_diffs=np.asarray(padded_diffs),
        past_length_max=float(past.max()) if past.numel() else 0.0,
        output_shape=tuple(unpacked.shape),
        tolerance=tolerance_for(x, (h_n, packed_out.data))[0],
    )
