"""Where a silently wrong result differs from the right one: a small window of both, to show side by side.

A wrong result often agrees with the right one at its first entries (a mixed-up batch still starts with the
same first step; a bidirectional model's forward half is right), so its first numbers look like the fix's.
The window starts just before the first entry that differs, so it shows equal and different values together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from rnnviz.core.numerics import TOLERANCE

#: The window's size: rows along the second-to-last axis, columns along the last axis.
WINDOW_ROWS, WINDOW_COLUMNS = 4, 6


@dataclass(frozen=True)
class DifferenceWindow:
    """``wrong[where + (rows, columns)]`` and ``right[...]``: (len(rows), len(columns)) values each."""

    where: tuple[tuple[str, int], ...]  # the leading axes held fixed, e.g. (("sequence", 1),)
    row_axis: str | None  # None for a 1-D result (one row)
    rows: tuple[int, ...]
    column_axis: str
    columns: tuple[int, ...]
    wrong: np.ndarray  # (rows, columns)
    right: np.ndarray
    differs: np.ndarray  # (rows, columns) bool: |wrong - right| above the tolerance
    tolerance: float

    def describe(self) -> str:
        """'sequence 1, t 0 to 3, unit 0 to 5', the place the window shows."""
        parts = [f"{axis} {index}" for axis, index in self.where]
        if self.row_axis is not None:
            parts.append(f"{self.row_axis} {self.rows[0]} to {self.rows[-1]}")
        parts.append(f"{self.column_axis} {self.columns[0]} to {self.columns[-1]}")
        return ", ".join(parts)


def _span(anchor: int, size: int, length: int, before: int) -> tuple[int, ...]:
    """``size`` consecutive indices in 0..length-1 starting ``before`` ahead of ``anchor`` where possible."""
    start = min(max(anchor - before, 0), max(length - size, 0))
    return tuple(range(start, min(start + size, length)))


def difference_window(wrong: torch.Tensor, right: torch.Tensor, axes: tuple[str, ...]) -> DifferenceWindow | None:
    """A window of two same-shaped results around the first entry (in memory order) that differs; None when
    nothing differs. ``axes`` names every axis of the results, e.g. ("sequence", "t", "unit")."""
    if wrong.shape != right.shape or len(axes) != wrong.dim() or wrong.dim() == 0:
        raise ValueError(f"need two results of one shape and a name per axis, got {wrong.shape}, {right.shape}, {axes}")
    tolerance = TOLERANCE.get(right.dtype, 1e-2) * max(1.0, float(right.abs().max()))
    row_axis = axes[-2] if wrong.dim() > 1 else None
    wrong_values, right_values = wrong.detach().numpy(), right.detach().numpy()
    if row_axis is None:  # one row
        wrong_values, right_values = wrong_values[None, :], right_values[None, :]
    differs = np.abs(wrong_values - right_values) > tolerance
    if not differs.any():
        return None
    first = np.unravel_index(int(np.flatnonzero(differs)[0]), differs.shape)
    lead = tuple(int(i) for i in first[:-2])  # the leading axes, held at the first difference
    rows = _span(int(first[-2]), WINDOW_ROWS, differs.shape[-2], before=1)
    columns = _span(int(first[-1]), WINDOW_COLUMNS, differs.shape[-1], before=WINDOW_COLUMNS // 2)
    pick = (*lead, np.array(rows)[:, None], np.array(columns)[None, :])
    return DifferenceWindow(
        where=tuple(zip(axes[: len(lead)], lead, strict=True)),
        row_axis=row_axis,
        rows=rows,
        column_axis=axes[-1],
        columns=columns,
        wrong=wrong_values[pick],
        right=right_values[pick],
        differs=differs[pick],
        tolerance=tolerance,
    )
