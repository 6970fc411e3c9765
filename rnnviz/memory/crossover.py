"""Where each cell stops solving the adding problem, read from a sweep's summary, and said in words.

A cell *solves* a length T when most of its runs there solved the task (``LengthSummary.solved_here``). Going
through the lengths in increasing order, a cell's break is the first T it does not solve; the crossover is where
the vanilla RNN breaks, and the page compares the gated cells at that T.
"""

from __future__ import annotations

from typing import NamedTuple

from rnnviz.memory.data import CHANCE_RATE
from rnnviz.memory.sweep import LengthSummary

CELL_NAMES = {"RNN": "the vanilla RNN", "LSTM": "the LSTM", "GRU": "the GRU"}


class CellBreak(NamedTuple):
    """Where one cell stops solving the task, over the lengths swept so far (ascending)."""

    cell: str
    lengths: tuple[int, ...]
    solved_up_to: int | None  # the longest T solved before the first failure (None: failed at the shortest)
    fails_from: int | None  # the first T not solved (None: solved every T)
    answered_there: float | None  # the share answered at ``fails_from``
    solved_again: tuple[int, ...]  # longer T solved after the first failure (a noisy short budget)

    def describe(self) -> str:
        name = CELL_NAMES[self.cell]
        if self.fails_from is None:
            return f"{name} solves every T tried, up to {self.lengths[-1]}"
        there = f"{self.answered_there:.0%} answered"
        if self.solved_up_to is None:
            text = f"{name} fails already at the shortest T tried, {self.fails_from} ({there})"
        else:
            text = f"{name} solves T up to {self.solved_up_to} and fails from T = {self.fails_from} on ({there})"
        if self.solved_again:
            again = ", ".join(map(str, self.solved_again))
            text += f", though it solves T = {again} again (short budgets are noisy: more seeds or steps help)"
        return text


def breaks(rows: list[LengthSummary]) -> dict[str, CellBreak]:
    """Each cell's break, from ``summary(results)`` rows."""
    by_cell: dict[str, list[LengthSummary]] = {}
    for row in rows:
        by_cell.setdefault(row.cell, []).append(row)
    found = {}
    for cell, cell_rows in by_cell.items():
        cell_rows = sorted(cell_rows, key=lambda r: r.length)
        first_failure = next((i for i, r in enumerate(cell_rows) if not r.solved_here), None)
        if first_failure is None:
            found[cell] = CellBreak(cell, tuple(r.length for r in cell_rows), None, None, None, ())
            continue
        failed, later = cell_rows[first_failure], cell_rows[first_failure + 1 :]
        found[cell] = CellBreak(
            cell,
            tuple(r.length for r in cell_rows),
            cell_rows[first_failure - 1].length if first_failure else None,
            failed.length,
            failed.answered,
            tuple(r.length for r in later if r.solved_here),
        )
    return found


def crossover_sentence(rows: list[LengthSummary], complete: bool = True) -> str:
    """What the sweep shows, in words: every cell's break, and the gated cells at the RNN's first failure."""
    if not rows:
        return ""
    found = breaks(rows)
    parts = [found[cell].describe() for cell in found]
    sentence = "; ".join(parts)
    sentence = sentence[0].upper() + sentence[1:] + "."
    rnn = found.get("RNN")
    if rnn is not None and rnn.fails_from is not None:
        where = (
            f"between T = {rnn.solved_up_to} and T = {rnn.fails_from}"
            if rnn.solved_up_to is not None
            else f"at or below T = {rnn.fails_from}"
        )
        sentence += f" The crossover: the vanilla RNN stops solving the task {where}."
        gated = [r for r in rows if r.cell != "RNN" and r.length == rnn.fails_from]
        if gated:
            shares = " and ".join(f"{CELL_NAMES[r.cell]} {r.answered:.0%}" for r in gated)
            sentence += f" At T = {rnn.fails_from}, {shares} of the held-out sequences are answered."
    sentence += f" (Always answering 1 answers {CHANCE_RATE:.1%}.)"
    return sentence if complete else f"So far: {sentence}"
