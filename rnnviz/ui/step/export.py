"""Step through's export section: the whole trace (CSV, NPZ), a runnable script, and any figure."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go

from rnnviz.core.trace import Trace
from rnnviz.experiment.export import MAX_CSV_VALUES, trace_csv, trace_npz, trace_value_count
from rnnviz.experiment.reproduce import reproduce_files, reproduce_snippet
from rnnviz.experiment.run import Experiment
from rnnviz.figures.export import MIME_TYPES
from rnnviz.ui.common.downloads import Download, ExportContents, export_section
from rnnviz.ui.step.traced import cached_run_spec


def step_export_section(
    trace: Trace,
    experiment: Experiment,
    figure_makers: dict[str, Callable[[], go.Figure]],
) -> None:
    """Downloads of the whole trace (CSV, NPZ), a runnable script (and the files it reads, if any), and any
    figure as PNG/SVG/HTML.

    ``figure_makers`` maps a file name to a function drawing that figure; only the chosen one is drawn.
    """
    export_section("step", lambda: _contents(trace, experiment, figure_makers))


def _contents(
    trace: Trace, experiment: Experiment, figure_makers: dict[str, Callable[[], go.Figure]]
) -> ExportContents:
    values = trace_value_count(trace)
    too_big = values > MAX_CSV_VALUES
    snippet = reproduce_snippet(experiment, cached_run_spec(experiment)[0])
    files = [
        Download(
            "csv",
            "Trace as CSV (long format)",
            lambda: trace_csv(trace),
            "trace.csv",
            MIME_TYPES["csv"],
            help=f"{values:,} values: too many for one CSV row each; download the NPZ" if too_big else None,
            disabled=too_big,
        ),
        Download("npz", "Trace as NPZ", lambda: trace_npz(trace), "trace.npz", MIME_TYPES["npz"]),
        Download("py", "Reproduce in Python (.py)", lambda: snippet, "reproduce_rnnviz.py", MIME_TYPES["py"]),
    ]
    for name, contents in reproduce_files(experiment).items():
        files.append(
            Download(
                name,
                f"{name}: the script reads it",
                lambda contents=contents: contents,
                name,
                "application/octet-stream",
                help="Too large to write into the script: save it next to reproduce_rnnviz.py",
            )
        )
    return ExportContents("**The whole trace**", files, figure_makers, code=snippet)
