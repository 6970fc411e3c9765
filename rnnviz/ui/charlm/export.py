"""Downloads of a language-model run: samples (.txt), perplexity per epoch and loss per step (.csv), the
checkpoint (.pt: state_dict + vocabulary + settings JSON), a standalone reproduce script (.py) and the figures
(PNG/SVG/HTML)."""

from __future__ import annotations

from rnnviz.charlm.trainer import CharTrainer
from rnnviz.figures.export import MIME_TYPES
from rnnviz.training.live import LiveRun, RunRecord
from rnnviz.ui.charlm.panels import perplexity_figure
from rnnviz.ui.common.downloads import Download, ExportContents, Figure, export_section
from rnnviz.ui.training.runs import overlay_figure


def char_export_section(live: LiveRun, runs: list[RunRecord]) -> None:
    export_section("lm", lambda: _contents(live, runs))


def _contents(live: LiveRun, runs: list[RunRecord]) -> ExportContents:
    trainer: CharTrainer = live.trainer
    samples = trainer.samples
    files = [
        Download(
            "samples",
            "Samples (.txt)",
            lambda: samples.as_text() if samples is not None else "",
            f"samples_run{live.number}.txt",
            "text/plain",
            disabled=samples is None or not samples.samples,
        ),
        Download("csv", "Perplexity per epoch (.csv)", trainer.epochs_csv, "perplexity.csv", MIME_TYPES["csv"]),
        Download("losses", "Loss of every step (.csv)", trainer.history_csv, "losses.csv", MIME_TYPES["csv"]),
        Download(
            "checkpoint",
            "Checkpoint (.pt)",
            trainer.checkpoint_bytes,
            "char_lm_checkpoint.pt",
            "application/octet-stream",
            help="torch.save of state_dict, vocabulary and settings (JSON strings): loads with "
            "torch.load(..., weights_only=True)",
        ),
        Download(
            "script",
            "Reproduce in PyTorch (.py)",
            trainer.reproduce_script,
            "reproduce_char_lm.py",
            MIME_TYPES["py"],
            help="A standalone script with the text embedded: reruns this run from the start in plain PyTorch",
        ),
    ]
    figures: dict[str, Figure] = {"perplexity": lambda: perplexity_figure(trainer)}
    if runs:
        figures["runs_overlay"] = lambda: overlay_figure(runs, "cross-entropy")
    heading = f"**Run {live.number}** ({trainer.epochs_done} epochs, {trainer.steps_done} steps so far)"
    return ExportContents(heading, files, figures, f"_run{live.number}")
