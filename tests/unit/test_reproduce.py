"""The Step-through "Reproduce in Python" script runs as downloaded, from an empty folder plus the files the page
offers beside it, and gives the page's numbers exactly."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
import torch

import rnnviz.experiment.reproduce as reproduce
from rnnviz import Experiment, InitialState, InputSpec, ModelSpec
from rnnviz.experiment.reproduce import INPUT_FILE, WEIGHTS_FILE, reproduce_files, reproduce_snippet
from rnnviz.experiment.run import build_run, traced_run


def _checkpoint(module: torch.nn.Module) -> bytes:
    buffer = io.BytesIO()
    torch.save(module.state_dict(), buffer)
    return buffer.getvalue()


def _run_script(experiment: Experiment, folder, spec: ModelSpec | None = None) -> dict:
    """Write the script and its files into ``folder`` and run it there; its variables."""
    for name, contents in reproduce_files(experiment).items():
        (folder / name).write_bytes(contents)
    path = folder / "reproduce_rnnviz.py"
    path.write_text(reproduce_snippet(experiment, spec))
    done = subprocess.run([sys.executable, path.name], cwd=folder, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "matches torch.nn." in done.stdout, done.stdout
    namespace: dict = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace


GRU = torch.nn.GRU(2, 6, num_layers=2, bidirectional=True)
EXPERIMENTS = {
    "generated": Experiment(ModelSpec(cell="GRU", hidden_size=5, num_layers=2), InputSpec(kind="sine", seq_len=12)),
    "typed, random h0/c0": Experiment(
        ModelSpec(hidden_size=4), seed=3, initial=InitialState("random", 0.7)
    ).with_sequence(np.array([[0.25], [-1.5], [3.0], [1e-3]])),
    "uploaded weights, typed h0": Experiment(
        ModelSpec(input_size=2, batch_first=False),
        checkpoint=_checkpoint(GRU),
        initial=InitialState("typed", h0_text="0.1"),
    ).with_sequence(np.linspace(-1, 1, 20).reshape(10, 2)),
}


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_the_script_reproduces_the_trace_exactly(name, tmp_path):
    experiment = EXPERIMENTS[name]
    spec = build_run(experiment).spec
    namespace = _run_script(experiment, tmp_path, spec)
    page = traced_run(experiment)
    assert reproduce_files(experiment) == {}  # everything is in the script
    assert torch.equal(namespace["trace"].output, page.output) and torch.equal(namespace["trace"].h_n, page.h_n)
    assert namespace["run"].spec == spec


def test_the_script_writes_the_model_it_runs_not_the_sidebar(tmp_path):
    experiment = EXPERIMENTS["uploaded weights, typed h0"]  # the sidebar says LSTM(1, 16); the weights GRU(2, 6)
    script = reproduce_snippet(experiment, build_run(experiment).spec)
    assert "cell='GRU', input_size=2, hidden_size=6, num_layers=2" in script
    assert "torch.nn.GRU(2, 6, num_layers=2, bidirectional=True)" in script


def test_large_weights_and_inputs_are_files_with_the_names_the_script_reads(tmp_path, monkeypatch):
    monkeypatch.setattr(reproduce, "MAX_INLINE_VALUES", 10)
    monkeypatch.setattr(reproduce, "MAX_INLINE_CHECKPOINT_BYTES", 100)
    experiment = EXPERIMENTS["uploaded weights, typed h0"]
    files = reproduce_files(experiment)
    assert set(files) == {INPUT_FILE, WEIGHTS_FILE} and files[WEIGHTS_FILE] == experiment.checkpoint
    script = reproduce_snippet(experiment, build_run(experiment).spec)
    assert f'open("{WEIGHTS_FILE}", "rb")' in script and f'np.loadtxt("{INPUT_FILE}"' in script
    assert "base64" not in script
    namespace = _run_script(experiment, tmp_path, build_run(experiment).spec)
    assert torch.equal(namespace["trace"].output, traced_run(experiment).output)  # the CSV keeps every bit
    (tmp_path / WEIGHTS_FILE).unlink()
    done = subprocess.run(
        [sys.executable, "reproduce_rnnviz.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode != 0 and WEIGHTS_FILE in done.stderr  # without it, the error names the file
