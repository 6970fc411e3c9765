"""What leaves the Memory & gradients page: one run of the race shown on the Step-through page (with the held-out
sequence of the gradient views as its input), and its files: losses, held-out scores, checkpoint, a plain-PyTorch
reproduce script, and every figure of the page (PNG/SVG/HTML)."""

from __future__ import annotations

import streamlit as st

from rnnviz.figures.export import MIME_TYPES
from rnnviz.memory.trainer import MemoryTrainer, held_out_sequence
from rnnviz.training.live import RunRecord
from rnnviz.training.race import LiveRace
from rnnviz.ui.common.downloads import Download, ExportContents, Figure, export_section
from rnnviz.ui.memory.gradients import Views, compute_views, flow_figure, forget_figure, map_figure, model_state
from rnnviz.ui.memory.race import loss_figure, run_of, score_figure, trainers
from rnnviz.ui.memory.sweep import current_sweep, sweep_figure
from rnnviz.ui.memory.task import chosen_sequence, example_figure
from rnnviz.ui.step.handoff import handoff_button
from rnnviz.ui.step.sources import Handoff
from rnnviz.ui.training.runs import overlay_figure
from rnnviz.ui.training.session import RunSession


def memory_handoff(cell: str):
    """A maker of the hand-off of the race's ``cell`` run, reading the held-out sequence of the gradient views."""

    def make(race: LiveRace) -> Handoff:
        trainer = trainers(race)[cell]
        index = min(chosen_sequence(), trainer.held_out.x.shape[0] - 1)
        x, _ = held_out_sequence(trainer, index)
        label = f"trained on Memory & gradients ({cell}, T = {trainer.settings.length}, {trainer.steps_done} steps)"
        what = f"held-out sequence {index} of its task (T = {trainer.settings.length})"
        return Handoff(label, trainer.checkpoint_bytes(), what, x.double().numpy(), None, "")

    return make


def views_now(race: LiveRace) -> Views:
    """The gradient views shown (or, if none were made for this state yet, made now)."""
    shown = race.page_cache.get("gradients")
    if shown is None or shown.state != model_state(race, chosen_sequence()):
        shown = race.page_cache["gradients"] = compute_views(race, chosen_sequence())
    return shown


def figure_makers(race: LiveRace, runs: list[RunRecord], trainer: MemoryTrainer) -> dict[str, Figure]:
    """File name -> a function drawing that figure as the page is when the download is clicked."""
    makers: dict[str, Figure] = {
        "race_loss": lambda: loss_figure(race),
        "race_answered": lambda: score_figure(race),
        "example_sequence": lambda: example_figure(trainer, chosen_sequence()),
        "gradient_flow": lambda: flow_figure(views_now(race)),
    }
    for cell in trainers(race):
        makers[f"connectivity_{cell.lower()}"] = lambda cell=cell: map_figure(race, views_now(race), cell)
    if "LSTM" in trainers(race):
        makers["forget_path"] = lambda: forget_figure(
            views_now(race).forget, st.session_state.get("memory.grad.unit") or 0, views_now(race).marks
        )
    if current_sweep() is not None and current_sweep().results:
        makers["sweep_success_vs_T"] = lambda: sweep_figure(current_sweep())
    if runs:
        makers["runs_overlay"] = lambda: overlay_figure(runs, "MSE")
    return makers


def export_and_handoff(session: RunSession, race: LiveRace, runs: list[RunRecord]) -> None:
    """A run of the race: open it in Step through, download its files and any figure of the page."""
    cells = list(trainers(race))
    columns = st.columns([1.5, 2, 3], vertical_alignment="bottom")
    cell = columns[0].selectbox(
        "Run",
        cells,
        index=len(cells) // 2,
        key="memory.export.cell",
        format_func=lambda c: f"{run_of(race, c).name}: {c}",
    )
    handoff_button(
        session,
        memory_handoff(cell),
        key="memory.handoff",
        container=columns[1],
        help="Shows this model, as it is now, on the Step-through page, reading the held-out sequence of the "
        "gradient views: every gate, state and equation at every step.",
    )
    export_section("memory", lambda: _contents(race, runs, cell))


def _contents(race: LiveRace, runs: list[RunRecord], cell: str) -> ExportContents:
    """The files of the chosen run and every figure of the page, made only while the Export section is open."""
    run = run_of(race, cell)
    trainer = run.trainer
    script = trainer.reproduce_script()
    files = [
        Download(
            "csv", "Loss of every step (CSV)", trainer.history_csv, f"memory_loss_run{run.number}.csv", "text/csv"
        ),
        Download(
            "evaluations",
            "Held-out scores (CSV)",
            trainer.evaluations_csv,
            f"memory_scores_run{run.number}.csv",
            MIME_TYPES["csv"],
        ),
        Download(
            "checkpoint",
            "Checkpoint (.pt: state_dict + settings JSON)",
            trainer.checkpoint_bytes,
            f"memory_{cell.lower()}_run{run.number}.pt",
            "application/octet-stream",
            help="Loads with torch.load(path, weights_only=True), and in the Step-through page's upload.",
        ),
        Download("script", "Reproduce with plain PyTorch (.py)", lambda: script, f"reproduce_memory_run{run.number}.py",
                 MIME_TYPES["py"]),
    ]  # fmt: skip
    heading = f"**{run.name}: {cell}** ({trainer.steps_done} steps so far)"
    return ExportContents(heading, files, figure_makers(race, runs, trainer), f"_run{run.number}", script)
