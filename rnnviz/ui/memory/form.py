"""The Memory & gradients page's sidebar: which cells race, and the settings of their runs (a settings form).

The recipe of a race is the settings and the cells; ``build_race`` makes one ``MemoryTrainer`` per cell, each on
the same batches (same seed) and judged on the same held-out sequences.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st

from rnnviz.memory.settings import WHEN_SOLVED, MemorySettings
from rnnviz.memory.trainer import MemoryTrainer
from rnnviz.training.settings import CELLS
from rnnviz.ui.common.settings_form import PERSIST, Field, Section, optimizer_fields, settings_sidebar

WHEN_SOLVED_TEXT = {"stop": "stop at the first evaluation that solves it", "keep training": "keep training"}
FORM = (
    Section("Task"),
    Field(
        "length",
        "Sequence length T",
        "number",
        step=10,
        help="Steps per sequence: the first marked value must be kept for at least T/2 steps. From 2 (as long "
        "as the machine can hold it).",
    ),
    Section("Model"),
    Field("hidden_size", "Hidden size", "number"),
    *optimizer_fields(lr_help="e.g. 0.01 or 1e-3; above 0, up to 100"),
    Section("Run", folded=True),
    Field("batch_size", "Sequences per step", "number", step=16),
    Field("steps", "Steps (at most)", "number", step=500),
    Field("eval_every", "Score the held-out sequences every … steps", "number", step=50),
    Field("when_solved", "Once solved", "radio", options=WHEN_SOLVED, names=WHEN_SOLVED_TEXT),
    Field("seed", "Seed", "number"),
)


@dataclass(frozen=True)
class RaceRecipe:
    """The cells that race and the settings of each run (the settings' own ``cell`` is replaced per run)."""

    settings: MemorySettings
    cells: tuple[str, ...]

    def run_settings(self) -> list[MemorySettings]:
        return [replace(self.settings, cell=cell) for cell in self.cells]


def build_race(recipe: RaceRecipe) -> tuple[MemoryTrainer, ...]:
    """One fresh trainer per cell (``RunSession`` makes them a ``LiveRace``)."""
    return tuple(MemoryTrainer(settings) for settings in recipe.run_settings())


def race_recipe_sidebar() -> RaceRecipe | None:
    """The cells and settings from the sidebar, or None after an st.error per problem saying what to change."""
    st.sidebar.header("Cells")
    picked = st.sidebar.pills(
        "Cells to train (side by side on the same data and seed)",
        CELLS,
        selection_mode="multi",
        default=list(CELLS),
        key="memory.cells",
        **PERSIST,
    )
    cells = tuple(cell for cell in CELLS if cell in (picked or ()))
    settings = settings_sidebar(MemorySettings, FORM, prefix="memory")
    if not cells:
        st.error("Cells: pick at least one of RNN, LSTM and GRU in the sidebar.", icon=":material/error:")
    return RaceRecipe(settings, cells) if settings is not None and cells else None
