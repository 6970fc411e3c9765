"""``PackedSequence`` input: where each row of ``packed.data`` sits in a padded (T, B, *) batch, and the lengths.

``pack_padded_sequence(x, lengths, enforce_sorted=False)`` keeps only the real steps of each sequence,
time-major and longest sequence first: row r of ``data`` is step t of sequence ``sorted_indices[j]``, for
t = 0, 1, ... and j < ``batch_sizes[t]``. A module run on it stops each sequence at its own length: the
forward direction of sequence b runs t = 0 .. len_b - 1, the reverse direction t = len_b - 1 .. 0, and h_n
holds each sequence's state after its own last step.

rnnviz traces a packed batch on the padded layout (the reverse direction restarting from h0 at each
sequence's own last step) and then **NaN-masks** every step past each sequence's length, so every
(seq, batch, size) accessor keeps its shape and a step that did not happen reads NaN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch
from torch.nn.utils.rnn import PackedSequence


@dataclass(frozen=True, eq=False)
class Packing:
    """The layout of one ``PackedSequence``: its batch sizes and orders, each sequence's length, and the
    (t, b) of every row of its data. Sequences are numbered in the caller's (unsorted) batch order."""

    batch_sizes: torch.Tensor  # (T,) int64 on the CPU, as in the PackedSequence
    sorted_indices: torch.Tensor | None  # (B,) longest first; None when packed with enforce_sorted=True
    unsorted_indices: torch.Tensor | None  # (B,)
    lengths: torch.Tensor  # (B,) int64 on the CPU, in the caller's batch order
    time_of_row: torch.Tensor  # (N,) t of each row of data, on the data's device
    batch_of_row: torch.Tensor  # (N,) b of each row of data

    @classmethod
    def of(cls, packed: PackedSequence) -> Packing:
        sizes = packed.batch_sizes.to("cpu", torch.int64)
        batch = int(sizes[0])
        order = packed.sorted_indices.cpu() if packed.sorted_indices is not None else torch.arange(batch)
        slot = torch.arange(batch)
        running = slot[None, :] < sizes[:, None]  # (T, B): sorted slot j still runs at step t
        time_of_row, slot_of_row = running.nonzero(as_tuple=True)  # row-major: t, then slot, as in data
        lengths = torch.empty(batch, dtype=torch.int64)
        lengths[order] = running.sum(0)
        device = packed.data.device
        return cls(
            sizes,
            packed.sorted_indices,
            packed.unsorted_indices,
            lengths,
            time_of_row.to(device),
            order[slot_of_row].to(device),
        )

    @property
    def steps(self) -> int:
        return len(self.batch_sizes)

    @property
    def batch(self) -> int:
        return len(self.lengths)

    def padded(self, data: torch.Tensor, fill: float = 0.0) -> torch.Tensor:
        """``data`` (N, *) laid out as (T, B, *), ``fill`` past each sequence's length."""
        out = data.new_full((self.steps, self.batch, *data.shape[1:]), fill)
        out[self.time_of_row, self.batch_of_row] = data
        return out

    def rows(self, padded: torch.Tensor) -> torch.Tensor:
        """The packed rows (N, *) of a padded (T, B, *) tensor: the inverse of ``padded``."""
        return padded[self.time_of_row, self.batch_of_row]

    def sequence(self, padded: torch.Tensor) -> PackedSequence:
        """A padded (T, B, *) tensor as a PackedSequence with this layout (the same sorting as the input)."""
        return PackedSequence(self.rows(padded), self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def valid(self, device: torch.device | None = None) -> torch.Tensor:
        """(T, B) bool: True where sequence b has a step t."""
        return torch.arange(self.steps, device=device)[:, None] < self.lengths.to(device)[None, :]

    def mask_(self, padded: torch.Tensor, fill: float) -> torch.Tensor:
        """Write ``fill`` into every step past each sequence's length of a (T, B, *) tensor, in place."""
        past = ~self.valid(padded.device)
        return padded.masked_fill_(past.view(*past.shape, *([1] * (padded.dim() - 2))), fill)

    def ends(self, device: torch.device | None = None) -> torch.Tensor:
        """(T, B) bool: True at each sequence's last step t = len_b - 1, where its reverse direction starts."""
        return torch.arange(self.steps, device=device)[:, None] == self.lengths.to(device)[None, :] - 1

    def last_steps(self, states: torch.Tensor, reverse: bool) -> torch.Tensor:
        """Each sequence's state after its own last step, (B, *), from states (T, B, *) in time order: the
        forward direction ends at t = len_b - 1, the reverse direction at t = 0."""
        if reverse:
            return states[0]
        ends = (self.lengths - 1).to(states.device)
        return states[ends, torch.arange(self.batch, device=states.device)]


def default_lengths(batch: int, seq_len: int) -> tuple[int, ...]:
    """Distinct-looking lengths from seq_len down, one per sequence: e.g. (5, 4, 2) for batch 3, seq_len 5."""
    return tuple(max(1, round(seq_len - k * (seq_len - 1) / batch)) for k in range(batch))


def parse_lengths(text: str) -> tuple[int, ...]:
    """'5, 3 2' -> (5, 3, 2); ValueError naming the first entry that is not a whole number."""
    entries = [e for e in re.split(r"[,\s;]+", text.strip()) if e]
    if not entries:
        raise ValueError("type one length per sequence, separated by commas, e.g. '5, 3, 2'")
    lengths = []
    for entry in entries:
        if not re.fullmatch(r"[+-]?\d{1,9}", entry):
            raise ValueError(
                f"lengths must be whole numbers (up to 9 digits) separated by commas, e.g. '5, 3, 2'; "
                f"got {entry[:20]!r}"
            )
        lengths.append(int(entry))
    return tuple(lengths)


def validate_packing(lengths: tuple[int, ...], batch: int, seq_len: int, unbatched: bool = False) -> list[str]:
    """Every reason this batch cannot be packed, each saying what to change (empty when it can)."""
    if unbatched:
        return ["pack_padded_sequence needs a batch axis: turn off 'unbatched input'"]
    if batch < 2:
        return [
            "a batch of one has nothing to pack (one sequence can simply be run unpadded, x[:length]): "
            "set the batch size to 2 or more to see packing"
        ]
    problems = []
    if len(lengths) != batch:
        problems.append(f"give one length per sequence: the batch has {batch} sequences, got {len(lengths)} lengths")
    short = [n for n in lengths if n < 1]
    if short:
        problems.append(
            f"PyTorch requires every length to be at least 1 (an empty sequence cannot be packed), got {short}"
        )
    long = [n for n in lengths if n > seq_len]
    if long:
        problems.append(
            f"lengths cannot exceed the padded sequence length {seq_len}, got {long}: PyTorch does not "
            "check this, and pack_padded_sequence would read past the end of the padded tensor"
        )
    return problems


def previous_steps(states: torch.Tensor, initial: torch.Tensor, reverse: bool, packing: Packing | None) -> torch.Tensor:
    """The state each step started from, (T, B, *), from the states after each step (T, B, *) and the initial
    state (B, *): h_{t-1} in the forward direction, h_{t+1} in the reverse one, which starts from h0 at each
    sequence's own last step."""
    if not reverse:
        return torch.cat((initial.unsqueeze(0), states[:-1]), 0)
    previous = torch.cat((states[1:], initial.unsqueeze(0)), 0)
    if packing is None:
        return previous
    starts = packing.ends(states.device).view(*states.shape[:2], *([1] * (states.dim() - 2)))
    return torch.where(starts, initial, previous)
