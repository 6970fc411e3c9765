"""The README's library examples run as written: every ```python block, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_readme_examples_run_and_say_what_they_claim():
    blocks = python_blocks()
    assert len(blocks) >= 3  # the trace tour, the Experiment, the trainer
    namespace: dict = {"__name__": "readme"}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    tr, frozen, trainer = namespace["tr"], namespace["frozen"], namespace["trainer"]
    assert tr.matches and tr.gate("f").shape == (40, 1, 16)  # the Experiment's trace, as the comments say
    assert frozen.clamped and bool((frozen.gate("f") == 1).all())
    assert trainer.finished and trainer.steps_done == 300 and "import rnnviz" not in trainer.reproduce_script()
