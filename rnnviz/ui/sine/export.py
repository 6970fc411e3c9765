"""The sine page's exports: the loss history, the checkpoint, a reproduce script and any figure."""

from __future__ import annotations

from rnnviz.core.cells import quantity_names
from rnnviz.figures.export import MIME_TYPES
from rnnviz.sine.views import model_view
from rnnviz.training.live import LiveRun, RunRecord
from rnnviz.ui.common.downloads import Download, ExportContents, Figure, export_section
from rnnviz.ui.sine.panels import evaluation_figure, heatmap_figures, loss_figure, window_figure
from rnnviz.ui.training.runs import overlay_figure


def figure_makers(live: LiveRun, runs: list[RunRecord]) -> dict[str, Figure]:
    """File name -> a function drawing that figure from the run as it is when the download is clicked."""
    trainer = live.trainer
    makers: dict[str, Figure] = {
        "loss_curve": lambda: loss_figure(trainer),
        "current_window": lambda: window_figure(trainer),
        "unseen_stretch": lambda: evaluation_figure(model_view(trainer)),
    }
    if runs:
        makers["runs_overlay"] = lambda: overlay_figure(runs, "MSE")
    for layer in range(live.settings.num_layers):
        for quantity in quantity_names(live.settings.cell):
            name = f"{quantity}_layer{layer}"
            makers[name] = lambda name=name, layer=layer: heatmap_figures(model_view(trainer), layer)[name]
    return makers


def sine_export_section(live: LiveRun, runs: list[RunRecord]) -> None:
    """Loss CSV, checkpoint, reproduce script and any figure; files are made when their button is clicked."""
    export_section("train", lambda: _contents(live, runs))


def _contents(live: LiveRun, runs: list[RunRecord]) -> ExportContents:
    trainer, number = live.trainer, live.number
    files = [
        Download(
            "csv", "Loss history (CSV, every step)", trainer.history_csv, f"loss_run{number}.csv", MIME_TYPES["csv"]
        ),
        Download(
            "checkpoint",
            "Checkpoint (.pt: state_dict + settings JSON)",
            trainer.checkpoint_bytes,
            f"sine_{live.settings.cell.lower()}_run{number}.pt",
            "application/octet-stream",
            help="Loads with torch.load(path, weights_only=True), and in the Step-through page's upload.",
        ),
    ]
    script = trainer.reproduce_script()
    files.append(
        Download(
            "script",
            "Reproduce with plain PyTorch (.py)",
            lambda: script,
            f"reproduce_run{number}.py",
            MIME_TYPES["py"],
        )
    )
    heading = f"**Run {number}** ({trainer.steps_done} steps so far)"
    return ExportContents(heading, files, figure_makers(live, runs), f"_run{number}", code=script)
