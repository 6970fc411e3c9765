"""The sine page's hand-off: show the model as it is now on the Step-through page, reading the task's input."""

from __future__ import annotations

from rnnviz.sine.data import TASK_INPUT_WINDOWS, sine_task_input
from rnnviz.training.live import LiveRun
from rnnviz.ui.step.sources import Handoff


def handoff_label(live: LiveRun) -> str:
    return f"trained on Train: sin → cos ({live.settings.cell}, {live.trainer.steps_done} steps)"


def sine_handoff(live: LiveRun) -> Handoff:
    """The run's model as it is now, with the task's input: its first training windows, clean, and cos(x); a run
    that resets the state between windows gets one window."""
    s = live.settings
    task = sine_task_input(s.points, TASK_INPUT_WINDOWS if s.carries_state else 1)
    return Handoff(handoff_label(live), live.trainer.checkpoint_bytes(), task.label, task.values, task.target, "cos(x)")
