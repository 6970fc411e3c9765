"""The page's first section: the adding problem, one held-out sequence drawn, and one training step in PyTorch."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from rnnviz.figures.memory import adding_sequence
from rnnviz.memory.data import CHANCE_MSE, CHANCE_RATE, SOLVED_RATE, TOLERANCE
from rnnviz.memory.model import predict
from rnnviz.memory.trainer import MemoryTrainer, held_out_sequence
from rnnviz.ui.common.chart import plotly_chart
from rnnviz.ui.common.on_request import expander_when_open
from rnnviz.ui.common.text import code_block

#: The held-out sequence the page's views look at (chosen in the gradient section).
SEQUENCE_KEY = "memory.grad.sequence"
#: The expander with the model and one training step (drawn only while open).
CODE_KEY = "memory.code"
TRAINING_STEP = """\
rnn, head = nn.LSTM(2, 64, batch_first=True), nn.Linear(64, 1)   # or nn.RNN / nn.GRU (same seed)
x, target = adding_batch(64, T, generator)      # x (B, T, 2): value, marker; target (B, 1)
out, _ = rnn(x)                                 # out (B, T, H), from a zero state
loss = F.mse_loss(head(out[:, -1]), target)     # the answer is read after the last step
optimizer.zero_grad(); loss.backward()
nn.utils.clip_grad_norm_(parameters, 1.0); optimizer.step()"""


def chosen_sequence() -> int:
    """The held-out sequence the views look at (0 until one is chosen)."""
    index = st.session_state.get(SEQUENCE_KEY, 0)
    return index if isinstance(index, int) and index >= 0 else 0


def example_figure(trainer: MemoryTrainer, index: int, answer: float | None = None) -> go.Figure:
    """Held-out sequence ``index`` with its target and ``answer`` (default: the model's, once trained)."""
    x, target = held_out_sequence(trainer, index)
    if answer is None and trainer.steps_done > 0:
        with trainer.lock:
            answer = float(predict(trainer.model, x.unsqueeze(0))[0, 0])
    name = f"Held-out sequence {index}" + (f", {trainer.settings.cell}" if answer is not None else "")
    return adding_sequence(x[:, 0].numpy(), x[:, 1].numpy(), target, answer, name=name)


def task_section(trainer: MemoryTrainer | None) -> None:
    """What the task is, how it is judged, and held-out sequence 0 of ``trainer``'s T (the gradient section draws
    the chosen one with a model's answer)."""
    st.write(
        "Each sequence has T steps of two numbers: a random value between 0 and 1, and a marker that is 1 at "
        "exactly two steps, one in each half. After the last step the model must answer the **sum of the two "
        "marked values**. The first one has to be kept for at least T/2 steps while every other value is ignored: "
        f"that is memory. A sequence counts as answered within {TOLERANCE:g} (Hochreiter & Schmidhuber, 1997), and "
        f"a model **solves** the task when it answers {SOLVED_RATE:.0%} of 1,000 held-out sequences. Without "
        f"memory the best guess is 1 every time: an MSE of {CHANCE_MSE:.3f}, {CHANCE_RATE:.1%} answered."
    )
    if trainer is not None:
        x, target = held_out_sequence(trainer, 0)
        figure = adding_sequence(x[:, 0].numpy(), x[:, 1].numpy(), target, name="A held-out sequence")
        plotly_chart(figure, key="memory.example")
    code = expander_when_open("The model and one training step in PyTorch", icon=":material/code:", key=CODE_KEY)
    if code is not None:
        with code:
            code_block(TRAINING_STEP)
