"""The README's library examples run as written: every ```python block, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import torch

import rnnviz

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_readme_examples_run_and_say_what_they_claim():
    blocks = python_blocks()
    assert len(blocks) >= 4  # the trace tour, capture on a seq2seq model, the Experiment, the trainer
    namespace: dict = {"__name__": "readme"}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    tr, frozen, trainer = namespace["tr"], namespace["frozen"], namespace["trainer"]
    calls, encoder, frame = namespace["calls"], namespace["encoder"], namespace["frame"]
    assert list(calls) == ["encoder", "decoder"] and len(calls["decoder"]) == 5
    assert encoder.gate("f", layer=1).shape == (9, 3, 16) and encoder.lengths.tolist() == [9, 4, 6]
    assert encoder.matches and all(call.matches for call in calls["decoder"])
    assert torch.isnan(encoder.gate("f", layer=1)[4:, 1]).all() and not torch.isnan(encoder.gate("f", 1)[:4]).any()
    alone = rnnviz.trace(calls.model.encoder, calls.model.embed(namespace["tokens"][1:2, :4]).detach())
    assert (encoder.h_n[:, 1] - alone.h_n[:, 0]).abs().max() < 1e-6  # sentence 1's own last step, t = 3
    assert calls["decoder"][2].state("h").shape == (1, 3, 16)
    assert len(frame) == (9 + 4 + 6) * 16 * 2 * 2 and set(frame.quantity) == {"f", "c"}
    assert "heatmap" in encoder._repr_html_() and calls.input_bytes > 0
    assert tr.matches and tr.gate("f").shape == (40, 1, 16)  # the Experiment's trace, as the comments say
    assert frozen.clamped and bool((frozen.gate("f") == 1).all())
    assert trainer.finished and trainer.steps_done == 300 and "import rnnviz" not in trainer.reproduce_script()
